//! Typed reads from the effective config. config.toml can be hand-edited and
//! `hubcfg render` runs before the hub starts, so a wrong type is reported
//! with the key's name instead of being passed on to JupyterHub or Traefik.

use crate::effective;
use crate::error::{Error, Result};
use serde_json::Value;

fn wrong(key: &str, expected: &str, found: &Value) -> Error {
    Error::new(format!(
        "config key {key} must be {expected}, but config.toml has {found}"
    ))
    .with_hint(format!(
        "fix it with `tljh-config set {key} <value>` or `tljh-config unset {key}`"
    ))
}

fn at<'a>(eff: &'a Value, key: &str) -> &'a Value {
    effective::get(eff, key).unwrap_or(&Value::Null)
}

/// A string; null counts as empty.
pub fn string<'a>(eff: &'a Value, key: &str) -> Result<&'a str> {
    match at(eff, key) {
        Value::Null => Ok(""),
        Value::String(s) => Ok(s),
        other => Err(wrong(key, "a string", other)),
    }
}

pub fn boolean(eff: &Value, key: &str) -> Result<bool> {
    match at(eff, key) {
        Value::Bool(b) => Ok(*b),
        other => Err(wrong(key, "true or false", other)),
    }
}

pub fn integer(eff: &Value, key: &str, min: i64, max: i64) -> Result<i64> {
    match at(eff, key).as_i64() {
        Some(i) if (min..=max).contains(&i) => Ok(i),
        _ => Err(wrong(
            key,
            &format!("an integer from {min} to {max}"),
            at(eff, key),
        )),
    }
}

/// A list of strings; null counts as empty.
pub fn strings(eff: &Value, key: &str) -> Result<Vec<String>> {
    match at(eff, key) {
        Value::Null => Ok(vec![]),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong(key, "a list of strings", at(eff, key)))
            })
            .collect(),
        other => Err(wrong(key, "a list of strings", other)),
    }
}

/// The raw value, None when unset (null).
pub fn optional<'a>(eff: &'a Value, key: &str) -> Option<&'a Value> {
    effective::get(eff, key).filter(|v| !v.is_null())
}

pub fn port(eff: &Value, key: &str) -> Result<u16> {
    integer(eff, key, 1, 65535).map(|p| p as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_name_the_key() {
        let eff = json!({"http": {"port": "eighty"}, "users": {"admin": ["a", 1]}});
        let e = port(&eff, "http.port").unwrap_err();
        assert!(e.message.contains("http.port"), "{}", e.message);
        assert!(e.message.contains("\"eighty\""), "{}", e.message);
        let e = strings(&eff, "users.admin").unwrap_err();
        assert!(e.message.contains("users.admin"), "{}", e.message);
    }

    #[test]
    fn out_of_range_port_is_refused() {
        assert!(port(&json!({"p": 70000}), "p").is_err());
        assert_eq!(port(&json!({"p": 443}), "p").unwrap(), 443);
    }

    #[test]
    fn null_reads_as_empty() {
        let eff = json!({"a": null});
        assert_eq!(string(&eff, "a").unwrap(), "");
        assert!(strings(&eff, "a").unwrap().is_empty());
        assert!(optional(&eff, "a").is_none());
    }
}
