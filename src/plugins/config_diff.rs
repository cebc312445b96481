//! The dict a plugin's `tljh_config_post_install(config)` changed in
//! place, written back into config.toml: the old and new trees compared
//! leaf by leaf (a list is one leaf), each difference one `set` or `unset`
//! through the comment-keeping edit code, under the config lock. Keys the
//! schema does not know are allowed, as TLJH's schema lets unknown
//! top-level keys through; a wrong value for a known key is refused and
//! nothing is written.

use crate::config::{self, edit, validate};
use crate::error::{Error, Result};
use serde_json::{Map, Value as Json};
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Set(String, Json),
    Unset(String),
}

impl Edit {
    pub fn key(&self) -> &str {
        match self {
            Edit::Set(k, _) | Edit::Unset(k) => k,
        }
    }
}

/// What turns `old` into `new`: sets in key order, then unsets. A
/// `null` in `new` (TOML has none) is an unset; empty tables are ignored.
pub fn diff(old: &Json, new: &Json) -> Vec<Edit> {
    let (mut a, mut b) = (vec![], vec![]);
    leaves(old, "", &mut a);
    leaves(new, "", &mut b);
    let find = |list: &[(String, Json)], k: &str| list.iter().find(|(p, _)| p == k).cloned();
    let mut out = vec![];
    for (k, v) in &b {
        if find(&a, k).map(|(_, old)| old) != Some(v.clone()) {
            out.push(Edit::Set(k.clone(), v.clone()));
        }
    }
    for (k, _) in &a {
        if find(&b, k).is_none() {
            out.push(Edit::Unset(k.clone()));
        }
    }
    out
}

fn leaves(v: &Json, prefix: &str, out: &mut Vec<(String, Json)>) {
    match v.as_object() {
        Some(map) => walk(map, prefix, out),
        None if !prefix.is_empty() && !v.is_null() => out.push((prefix.to_string(), v.clone())),
        None => {}
    }
}

fn walk(map: &Map<String, Json>, prefix: &str, out: &mut Vec<(String, Json)>) {
    for (k, v) in map {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        leaves(v, &path, out);
    }
}

/// Applies `edits` to `config` under its lock; refuses (nothing written)
/// a key that cannot be written or a value the schema refuses.
pub fn apply(config: &Path, edits: &[Edit]) -> Result<crate::fsutil::Outcome> {
    config::edit_locked(config, config::DEFAULT_LOCK_TIMEOUT, |doc| {
        for e in edits {
            let done = match e {
                Edit::Set(k, v) => edit::json_to_toml(v)
                    .ok_or_else(|| format!("{v} has no TOML form"))
                    .and_then(|v| edit::set(doc, k, v).map(drop)),
                Edit::Unset(k) => edit::unset(doc, k),
            };
            done.map_err(|why| refused(config, e.key(), &why))?;
        }
        let bad: Vec<String> = validate::check_document(&edit::to_json(doc))
            .into_iter()
            .filter(|p| !p.unknown_key && edits.iter().any(|e| p.concerns(e.key())))
            .map(|p| format!("  {p}"))
            .collect();
        if !bad.is_empty() {
            return Err(refused(config, "", &bad.join("\n")));
        }
        Ok(())
    })
}

fn refused(config: &Path, key: &str, why: &str) -> Error {
    let what = if key.is_empty() {
        String::new()
    } else {
        format!(" `{key}`")
    };
    Error::new(format!(
        "a plugin's tljh_config_post_install changed{what} in a way hubcfg cannot write; {} was not changed:\n{why}",
        config.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_sets_changed_leaves_and_unsets_removed_ones() {
        let old = json!({"users": {"admin": ["a"], "allowed": ["x"]}, "http": {"port": 80}});
        let new = json!({"users": {"admin": ["a", "b"]}, "http": {"port": 80},
                         "Test": {"flag": true}, "gone": null, "empty": {}});
        assert_eq!(
            diff(&old, &new),
            vec![
                Edit::Set("Test.flag".into(), json!(true)),
                Edit::Set("users.admin".into(), json!(["a", "b"])),
                Edit::Unset("users.allowed".into()),
            ]
        );
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn apply_keeps_comments_allows_unknown_keys_and_refuses_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        let text = "# my hub\n[users]\n# the teachers\nadmin = [\"a\"] # keep\nallowed = [\"x\"]\n";
        std::fs::write(&cfg, text).unwrap();
        let old = crate::config::load::Loaded::read(&cfg).unwrap().user();
        let mut new = old.clone();
        new["users"]["admin"] = json!(["a", "b"]);
        new["users"].as_object_mut().unwrap().remove("allowed");
        new["Test"] = json!({"tljh_config_set_by_plugin": true});
        let edits = diff(&old, &new);
        assert!(apply(&cfg, &edits).unwrap().changed());
        let after = std::fs::read_to_string(&cfg).unwrap();
        assert!(
            after.starts_with("# my hub\n[users]\n# the teachers\nadmin = [\"a\", \"b\"] # keep\n"),
            "{after}"
        );
        assert!(!after.contains("allowed"), "{after}");
        assert!(
            after.contains("tljh_config_set_by_plugin = true"),
            "{after}"
        );
        assert!(!apply(&cfg, &diff(&new, &new)).unwrap().changed());

        let bad = vec![Edit::Set("http.port".into(), json!("eighty"))];
        let e = apply(&cfg, &bad).unwrap_err();
        assert!(e.message.contains("http.port"), "{e}");
        assert!(e.message.contains("was not changed"), "{e}");
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), after);
    }
}
