//! The effective config: schema defaults, deep-merged with the user's
//! config.toml, with secrets filled in. The merged tree is what
//! `show --effective` prints; [`Effective`] is its typed view, which
//! everything else reads. Pure but for `load`.

mod extra;
pub mod load;
mod secrets;
mod types;

pub use extra::{AuthClasses, Passthrough};
pub use load::{load, load_secrets};
pub use secrets::{MASK, is_secret_key, mask_secrets};
pub use types::*;

use crate::schema::KEYS;
use serde_json::{Map, Value};

/// Every key's default, as a nested object.
pub fn defaults() -> Value {
    let mut root = Value::Object(Map::new());
    for k in KEYS {
        set_path(&mut root, k.path, k.default.to_json());
    }
    root
}

/// `over` merged into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Secrets that live in state/, not in config.toml.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Secrets {
    pub traefik_api_password: Option<String>,
}

/// Defaults + user config + secrets. A secret set in config.toml wins.
pub fn effective(user: &Value, secrets: &Secrets) -> Value {
    let mut v = defaults();
    merge(&mut v, user);
    if let Some(pw) = &secrets.traefik_api_password
        && get(&v, "traefik_api.password").and_then(Value::as_str) == Some("")
    {
        set_path(&mut v, "traefik_api.password", Value::from(pw.as_str()));
    }
    v
}

/// Every leaf of a tree (an empty table counts as one) with its dotted key,
/// in the tree's order.
pub fn leaves(v: &Value) -> Vec<(String, Value)> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
        match v.as_object().filter(|o| !o.is_empty()) {
            Some(o) => o.iter().for_each(|(k, v)| match prefix {
                "" => walk(v, k, out),
                _ => walk(v, &format!("{prefix}.{k}"), out),
            }),
            None => out.push((prefix.to_string(), v.clone())),
        }
    }
    let mut out = vec![];
    walk(v, "", &mut out);
    out
}

pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, part| cur.get(part))
}

/// Sets `path`, creating intermediate objects (replacing non-objects).
pub fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let obj = cur.as_object_mut().expect("just made an object");
        if parts.peek().is_none() {
            obj.insert(part.to_string(), value);
            return;
        }
        cur = obj
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_have_tljh_values() {
        let d = defaults();
        assert_eq!(get(&d, "http.port"), Some(&json!(80)));
        assert_eq!(get(&d, "services.cull.every"), Some(&json!(60)));
        assert_eq!(get(&d, "limits.memory"), Some(&Value::Null));
        assert_eq!(get(&d, "users.extra_user_groups"), Some(&json!({})));
    }

    #[test]
    fn user_values_override_and_merge() {
        let user =
            json!({"http": {"port": 8080}, "auth": {"GitHubOAuthenticator": {"client_id": "x"}}});
        let e = effective(&user, &Secrets::default());
        assert_eq!(get(&e, "http.port"), Some(&json!(8080)));
        assert_eq!(get(&e, "http.address"), Some(&json!("")));
        assert_eq!(
            get(&e, "auth.type"),
            Some(&json!("firstuseauthenticator.FirstUseAuthenticator"))
        );
        assert_eq!(
            get(&e, "auth.GitHubOAuthenticator.client_id"),
            Some(&json!("x"))
        );
    }

    #[test]
    fn secret_from_state_unless_overridden() {
        let s = Secrets {
            traefik_api_password: Some("gen".into()),
        };
        assert_eq!(
            get(&effective(&json!({}), &s), "traefik_api.password"),
            Some(&json!("gen"))
        );
        let user = json!({"traefik_api": {"password": "mine"}});
        assert_eq!(
            get(&effective(&user, &s), "traefik_api.password"),
            Some(&json!("mine"))
        );
    }

    #[test]
    fn masking_hides_secrets() {
        let mut e = effective(
            &json!({"auth": {"GitHubOAuthenticator": {"client_secret": "s", "client_id": "i"}}}),
            &Secrets {
                traefik_api_password: Some("gen".into()),
            },
        );
        mask_secrets(&mut e);
        assert_eq!(get(&e, "traefik_api.password"), Some(&json!("********")));
        assert_eq!(
            get(&e, "auth.GitHubOAuthenticator.client_secret"),
            Some(&json!("********"))
        );
        assert_eq!(
            get(&e, "auth.GitHubOAuthenticator.client_id"),
            Some(&json!("i"))
        );
    }
}
