//! The effective config: schema defaults, deep-merged with the user's
//! config.toml, with secrets filled in. Pure: values in, values out.

use crate::schema::{self, KEYS};
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

/// What a masked value shows instead.
pub const MASK: &str = "********";

/// Words that make a key name secret, compared with the name lower-cased
/// and without `_` and `-` (so `api_key`, `ApiKey` and `api-key` match).
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "apikey",
    "credential",
    "privatekey",
    "cryptkey",
];

/// Key names that hold secrets without saying so: LTI11Authenticator's
/// `consumers` maps consumer keys to their secrets.
const SECRET_NAMES: &[&str] = &["consumers"];

/// Is one key name (a path segment) secret-looking?
pub fn is_secret_name(name: &str) -> bool {
    let norm: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_WORDS.iter().any(|w| norm.contains(w)) || SECRET_NAMES.contains(&norm.as_str())
}

/// The one rule for what is secret: a dotted `path` is secret when the
/// schema marks it `secret` or when any of its segments is a secret-looking
/// name, so everything beneath a secret key is secret too. It errs on the
/// side of hiding (`token_url` is hidden from `show --effective`).
pub fn is_secret_key(path: &str) -> bool {
    schema::lookup(path).is_some_and(|k| k.secret) || path.split('.').any(is_secret_name)
}

/// Masks, for display, every value beneath a secret key anywhere in the
/// tree: each non-empty string and each number becomes [`MASK`], in lists
/// and tables leaf by leaf (table keys stay). Empty strings (not set),
/// booleans and none stay as they are: they carry no secret.
pub fn mask_secrets(v: &mut Value) {
    mask_below(v, "");
}

fn mask_below(v: &mut Value, path: &str) {
    if !path.is_empty() && is_secret_key(path) {
        return mask_all(v);
    }
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                mask_below(child, &p);
            }
        }
        // Tables in a list: their keys decide.
        Value::Array(a) => a.iter_mut().for_each(|i| mask_below(i, path)),
        _ => {}
    }
}

/// Masks every leaf of `v`.
pub fn mask_all(v: &mut Value) {
    match v {
        Value::String(s) if s.is_empty() => {}
        Value::String(_) | Value::Number(_) => *v = Value::from(MASK),
        Value::Array(a) => a.iter_mut().for_each(mask_all),
        Value::Object(o) => o.values_mut().for_each(mask_all),
        Value::Bool(_) | Value::Null => {}
    }
}

/// A TOML table as JSON (dates become strings).
pub fn toml_to_json(t: &toml::Table) -> Value {
    fn conv(v: &toml::Value) -> Value {
        match v {
            toml::Value::String(s) => Value::from(s.as_str()),
            toml::Value::Integer(i) => Value::from(*i),
            toml::Value::Float(f) => Value::from(*f),
            toml::Value::Boolean(b) => Value::from(*b),
            toml::Value::Datetime(d) => Value::from(d.to_string()),
            toml::Value::Array(a) => Value::Array(a.iter().map(conv).collect()),
            toml::Value::Table(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.clone(), conv(v))).collect())
            }
        }
    }
    Value::Object(t.iter().map(|(k, v)| (k.clone(), conv(v))).collect())
}

/// Keys in `user` that the schema does not know (and are not free-form).
pub fn unknown_keys(user: &Value) -> Vec<String> {
    let mut out = vec![];
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        let Some(obj) = v.as_object() else { return };
        for (k, child) in obj {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if schema::lookup(&path).is_some() || schema::is_free_form(&path) {
                continue;
            }
            if child.is_object() && (schema::is_table(&path) || is_auth_class(&path)) {
                walk(child, &path, out);
            } else {
                out.push(path);
            }
        }
    }
    fn is_auth_class(path: &str) -> bool {
        path.strip_prefix("auth.")
            .is_some_and(|c| !c.contains('.') && c.starts_with(|ch: char| ch.is_ascii_uppercase()))
    }
    walk(user, "", &mut out);
    out
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

    #[test]
    fn secret_rule_matches_names_in_any_segment() {
        for p in [
            "traefik_api.password",
            "auth.X.client_secret",
            "auth.X.API_TOKEN",
            "auth.X.ApiKey",
            "svc.api-key",
            "auth.X.passwd",
            "auth.X.credentials.user",
            "a.private_key",
            "auth.LTI11Authenticator.consumers",
            "auth.X.cookie_secret",
            "crypt_key",
        ] {
            assert!(is_secret_key(p), "{p}");
        }
        for p in [
            "auth.X.client_id",
            "https.tls.key",
            "traefik_api.username",
            "users.admin",
        ] {
            assert!(!is_secret_key(p), "{p}");
        }
    }

    #[test]
    fn masking_walks_lists_and_tables_beneath_secret_keys() {
        let mut v = json!({
            "a": {"client_secrets": ["x", "", 3], "consumers": {"k": "s"}, "id": "i"},
            "b": [{"token": "t", "name": "n"}],
            "c": {"password": true, "api_key": ""},
        });
        mask_secrets(&mut v);
        assert_eq!(
            v,
            json!({
                "a": {"client_secrets": ["********", "", "********"], "consumers": {"k": "********"}, "id": "i"},
                "b": [{"token": "********", "name": "n"}],
                "c": {"password": true, "api_key": ""},
            })
        );
    }

    #[test]
    fn unknown_keys_are_listed() {
        let user = json!({"users": {"admins": ["a"], "admin": ["b"]}, "auth": {"Foo": {"bar": 1}, "allow_all": true}, "nope": 1});
        let mut u = unknown_keys(&user);
        u.sort();
        assert_eq!(u, vec!["auth.allow_all", "nope", "users.admins"]);
    }
}
