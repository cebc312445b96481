//! The one walk over a user's config (as JSON): which keys the schema
//! knows, which are passed through, which are unknown. `validate` checks
//! what it finds; `render` warns about the unknown keys.

use crate::schema::{self, Key};
use serde_json::{Map, Value};

/// What the schema says about one key of the user's config.
pub enum Place {
    Known(&'static Key),
    /// `auth.<Class>.<trait>`, passed through to JupyterHub.
    FreeForm,
    /// A table of known keys (`https`, `auth.<Class>`…) holding a value.
    NotATable,
    Unknown,
}

/// Calls `f` with every key of `root` that is not a table of known keys
/// (those are walked into), with its dotted path.
pub fn visit(root: &Value, f: &mut impl FnMut(&str, &Value, Place)) {
    if let Some(obj) = root.as_object() {
        walk(obj, "", f);
    }
}

fn walk(obj: &Map<String, Value>, prefix: &str, f: &mut impl FnMut(&str, &Value, Place)) {
    for (k, v) in obj {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let Some(key) = schema::lookup(&path) {
            f(&path, v, Place::Known(key));
        } else if schema::is_free_form(&path) {
            f(&path, v, Place::FreeForm);
        } else if schema::is_table(&path) || schema::is_auth_class(&path) {
            match v.as_object() {
                Some(inner) => walk(inner, &path, f),
                None => f(&path, v, Place::NotATable),
            }
        } else {
            f(&path, v, Place::Unknown);
        }
    }
}

/// Keys in `user` that nothing reads (a table of known keys holding a
/// value counts too).
pub fn unknown_keys(user: &Value) -> Vec<String> {
    let mut out = vec![];
    visit(user, &mut |path, _, place| {
        if matches!(place, Place::Unknown | Place::NotATable) {
            out.push(path.to_string());
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_are_listed() {
        let user = json!({"users": {"admins": ["a"], "admin": ["b"]}, "auth": {"Foo": {"bar": 1}, "allow_all": true}, "nope": 1});
        let mut u = unknown_keys(&user);
        u.sort();
        assert_eq!(u, vec!["auth.allow_all", "nope", "users.admins"]);
    }
}
