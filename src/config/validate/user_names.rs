//! Hub user names in `users.admin`, `users.allowed`, `users.banned` and the
//! member lists of `users.extra_user_groups`.
//!
//! An empty name, or one with a control character, can never be a working
//! hub user: it is refused. A name that runs as a shortened, hashed unix
//! account (see `username`) works: it gets a note naming that account.

use super::Problem;
use crate::username;
use serde_json::Value;

/// Keys that are lists of hub user names.
pub const NAME_LISTS: &[&str] = &["users.admin", "users.allowed", "users.banned"];
/// The table of unix group → list of hub user names.
pub const GROUPS: &str = "users.extra_user_groups";

/// Why `name` cannot be a hub user name, if it cannot.
pub fn why_not_a_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    name.chars()
        .find(|c| c.is_control())
        .map(|c| format!("it holds the control character {}", c.escape_unicode()))
}

/// Refuses each bad name in `names`, the list at `key`.
pub fn check(key: &str, names: &[&str], out: &mut Vec<Problem>) {
    for name in names {
        let Some(why) = why_not_a_name(name) else {
            continue;
        };
        let hint = if name.is_empty() {
            format!(
                "a user name needs at least one character; if the file holds it, \
                 remove it with hubcfg remove-item {key} ''"
            )
        } else {
            "user names are printable text such as jane or jane@example.org; \
             fix or remove it in the config file"
                .to_string()
        };
        out.push(Problem {
            key: key.to_string(),
            message: format!("{name:?} is not a user name: {why}"),
            hint: Some(hint),
            warning: false,
            unknown_key: false,
        });
    }
}

/// What to tell about the unix account of hub user `name`, when it is not
/// simply `jupyter-NAME`.
pub fn account_note(name: &str) -> Option<String> {
    let account = username::unix_name(name).ok()?;
    if account == format!("{}{name}", username::PREFIX) {
        return None;
    }
    let why = if username::is_safe_name(name) {
        "the name is long, so it is shortened with a hash, as TLJH does"
    } else {
        "the name is not a safe unix name (only a-z, 0-9, `_` and `-` are), \
         so it is shortened and hashed"
    };
    let mut note = format!("`{name}` runs as unix user `{account}`: {why}");
    let legacy = username::tljh_legacy_name(name);
    if legacy != account && username::is_account_name(&legacy) {
        note.push_str(&format!(
            "; an account `{legacy}` made by an earlier TLJH install is used instead if it exists"
        ));
    }
    let lower = name.to_lowercase();
    if lower != name
        && let Ok(lower_account) = username::unix_name(&lower)
    {
        note.push_str(&format!(
            ". If the authenticator lower-cases names, as JupyterHub's default does, \
             the user is `{lower}` and runs as `{lower_account}`"
        ));
    }
    Some(note)
}

/// Notes (warnings) for names that run as a hashed unix account, once per
/// name, at the first key listing it.
pub fn notes(root: &Value) -> Vec<Problem> {
    let get = |p: &str| crate::effective::get(root, p);
    let mut lists: Vec<(String, &Value)> = NAME_LISTS
        .iter()
        .filter_map(|k| Some((k.to_string(), get(k)?)))
        .collect();
    if let Some(Value::Object(groups)) = get(GROUPS) {
        lists.extend(groups.iter().map(|(g, v)| (format!("{GROUPS}.{g}"), v)));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = vec![];
    for (key, list) in lists {
        let names = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        for name in names {
            if why_not_a_name(name).is_some() || !seen.insert(name) {
                continue;
            }
            if let Some(message) = account_note(name) {
                out.push(Problem {
                    key: key.clone(),
                    message,
                    hint: None,
                    warning: true,
                    unknown_key: false,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_names_name_key_and_value() {
        let mut out = vec![];
        check(
            "users.admin",
            &["ok", "", "a\nb", "tab\t", "nul\0"],
            &mut out,
        );
        let shown: Vec<String> = out.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 4, "{shown:#?}");
        assert!(shown[0].starts_with(r#"users.admin: "" is not a user name: it is empty"#));
        assert!(shown[0].contains("hubcfg remove-item users.admin ''"));
        assert!(shown[1].starts_with(r#"users.admin: "a\nb" is not a user name"#));
        assert!(shown[1].contains(r"\u{a}"), "{}", shown[1]);
        assert!(out.iter().all(|p| !p.warning));
    }

    #[test]
    fn printable_names_pass() {
        let mut out = vec![];
        check(
            "users.allowed",
            &["jane", "jane@x.org", "李雷", "a b"],
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn notes_name_the_hashed_account_once() {
        let root = json!({"users": {
            "admin": ["alice", "jane@x.org"],
            "allowed": ["jane@x.org", "", "abcdefghijklmnopqrstuvwxyz"],
            "extra_user_groups": {"data": ["Bob"]}
        }});
        let notes = notes(&root);
        let keys: Vec<&str> = notes.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "users.admin",
                "users.allowed",
                "users.extra_user_groups.data"
            ]
        );
        assert!(notes.iter().all(|p| p.warning));
        let jane = username::unix_name("jane@x.org").unwrap();
        assert!(notes[0].message.contains(&jane), "{}", notes[0].message);
        assert!(notes[0].message.contains("`jupyter-jane@x.org`"));
        assert!(notes[1].message.contains("long"), "{}", notes[1].message);
        assert!(
            notes[2].message.contains("runs as `jupyter-bob`"),
            "{}",
            notes[2].message
        );
    }
}
