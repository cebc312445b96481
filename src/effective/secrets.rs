//! What is secret, and masking it for display: one rule for every command.

use crate::schema;
use serde_json::Value;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
