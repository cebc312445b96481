//! Hub user name → unix account name. Pure.
//!
//! Three output shapes that can never be equal to each other, so two hub
//! names never share an account:
//! - safe and short: `jupyter-NAME`, under 26 characters (TLJH's rule);
//! - safe and long: first 26 characters + `-` + 5 hex of sha256, exactly
//!   32 characters (TLJH's rule, so existing TLJH accounts keep their name);
//! - anything else (`@`, `.`, uppercase, non-ASCII…, TLJH issue #1066): a
//!   cleaned-up hint of at most 10 characters + `-` + a longer hash, exactly
//!   31 characters.
//!
//! "Safe" means every character of NAME is in `[a-z0-9_-]`. Every result
//! matches Debian's strictest useradd rule `^[a-z_][a-z0-9_-]*$`, ≤ 32 chars.
//!
//! Accounts TLJH made under its own rule (`tljh_legacy_name`) are reused when
//! their name passes `is_account_name`, the rule the spawner glue checks.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "jupyter-";
/// TLJH hashes names of this many characters or more (prefix included).
const TLJH_CUTOFF: usize = 26;
const UNSAFE_LEN: usize = 31;
const HINT_MAX: usize = 10;

/// The unix account for hub user `hub_name`.
pub fn unix_name(hub_name: &str) -> Result<String> {
    if hub_name.is_empty() {
        return Err(Error::new("a hub user name cannot be empty"));
    }
    let full = format!("{PREFIX}{hub_name}");
    if is_safe_name(hub_name) {
        return Ok(tljh_name(&full));
    }
    let hint = hint(hub_name);
    let hash = sha256_hex(&full);
    let sep = if hint.is_empty() { "" } else { "-" };
    let hash_len = UNSAFE_LEN - PREFIX.len() - hint.len() - sep.len();
    Ok(format!("{PREFIX}{hint}{sep}{}", &hash[..hash_len]))
}

/// What TLJH (`normalize.generate_system_username`) made of `jupyter-NAME`,
/// whatever characters it holds. Used to find accounts a TLJH install made
/// for names we now map differently.
pub fn tljh_legacy_name(hub_name: &str) -> String {
    tljh_name(&format!("{PREFIX}{hub_name}"))
}

fn tljh_name(full: &str) -> String {
    // TLJH counts and slices Python characters (code points), not bytes.
    if full.chars().count() < TLJH_CUTOFF {
        return full.to_string();
    }
    let trunc: String = full.chars().take(TLJH_CUTOFF).collect();
    format!("{trunc}-{}", &sha256_hex(full)[..5])
}

/// Is every character of `hub_name` in `[a-z0-9_-]`, so that TLJH's rule
/// (`jupyter-NAME`, hashed only when long) applies to it?
pub fn is_safe_name(hub_name: &str) -> bool {
    hub_name.chars().all(is_safe_char)
}

fn is_safe_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
}

/// Lowercased ASCII letters and digits of the name, other runs turned into
/// single dashes, trimmed, at most HINT_MAX characters: just a readable hint,
/// the hash makes the name unique.
fn hint(hub_name: &str) -> String {
    let mut out = String::new();
    for c in hub_name.chars() {
        let c = c.to_ascii_lowercase();
        if is_safe_char(c) && c != '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(HINT_MAX).collect();
    out.trim_end_matches('-').to_string()
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Longest account name `is_account_name` allows (useradd's limit).
pub const ACCOUNT_NAME_MAX: usize = 32;

/// Whether `name` may be handed to the spawner as a hub user's unix account:
/// `jupyter-` then 1 to 24 of `[A-Za-z0-9_.@+-]`. Every `unix_name` result
/// passes, and so do the accounts TLJH made for names with `.`, `@`, `+` or
/// upper case (older useradd versions accepted those), so they are reused.
/// Nothing else passes: no `/`, `:`, `,`, quotes, braces, `%`, `$`, `\`,
/// whitespace, control or non-ASCII characters; no leading `-`.
///
/// The spawner glue (assets/jupyterhub_config.py, `UNIX_NAME`) checks what
/// `hubcfg ensure-user` prints with this same rule; tests/user_names.rs and
/// tests/glue/check_glue.py run both over tests/fixtures/user_names.json.
pub fn is_account_name(name: &str) -> bool {
    name.len() <= ACCOUNT_NAME_MAX
        && name.strip_prefix(PREFIX).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.@+-".contains(c))
        })
}

/// Debian's strictest useradd/groupadd rule (no `--badname`).
pub fn is_valid_unix_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c == '_' => {}
        _ => return false,
    }
    name.len() <= 32 && chars.all(is_safe_char)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn tljh_results_are_kept() {
        // Values from TLJH's own tests of generate_system_username.
        assert_eq!(unix_name("test").unwrap(), "jupyter-test");
        assert_eq!(
            unix_name("aelie9sohjeequ9iemeipuimuoshahz4aitugiuteeg4ohioh5yuiha6aei7te5z").unwrap(),
            "jupyter-aelie9sohjeequ9iem-4b726"
        );
        assert_eq!(
            unix_name("abcdefghijklmnopq").unwrap(),
            "jupyter-abcdefghijklmnopq"
        );
        assert_eq!(
            unix_name("abcdefghijklmnopqr").unwrap(),
            "jupyter-abcdefghijklmnopqr-e375e"
        );
    }

    #[test]
    fn empty_is_refused() {
        assert!(unix_name("").is_err());
    }

    #[test]
    fn unsafe_names_are_mapped_not_passed_raw() {
        let n = unix_name("jane.doe@example.com").unwrap();
        assert!(n.starts_with("jupyter-jane-doe-e-"), "{n}");
        assert_eq!(n.len(), UNSAFE_LEN);
        assert!(is_valid_unix_name(&n));
        assert_ne!(unix_name("Alice").unwrap(), unix_name("alice").unwrap());
        let n = unix_name("李雷").unwrap();
        assert!(is_valid_unix_name(&n), "{n}");
        assert_eq!(n.len(), UNSAFE_LEN);
    }

    #[test]
    fn legacy_name_is_tljh_rule_on_raw_name() {
        assert_eq!(tljh_legacy_name("jane@x.org"), "jupyter-jane@x.org");
        assert_eq!(tljh_legacy_name("test"), unix_name("test").unwrap());
    }

    #[test]
    fn short_safe_names_that_look_hashed_do_not_collide() {
        // An attacker picking the mapped form of someone else's name as their
        // own hub name gets a different account.
        let victim = unix_name("a@b").unwrap();
        let attacker_hub_name = victim.strip_prefix(PREFIX).unwrap();
        assert_ne!(unix_name(attacker_hub_name).unwrap(), victim);
    }

    fn names() -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        let pieces = [
            "",
            "a",
            "z9",
            "_",
            "-",
            "@",
            ".",
            "+",
            " ",
            "A",
            "é",
            "李",
            "👍",
            "$",
            ":",
            "/",
            "\n",
            "abcdefghijklmnopqrstuvwxyz",
            "0123456789",
        ];
        for a in pieces {
            for b in pieces {
                for c in ["", "x", "@example.com", "-e375e", "XYZ"] {
                    v.push(format!("{a}{b}{c}"));
                }
            }
        }
        for len in 1..70 {
            v.push("q".repeat(len));
            v.push(format!("{}@", "q".repeat(len)));
            v.push(format!("@{}", "q".repeat(len)));
        }
        v.retain(|s| !s.is_empty());
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn many_names_all_valid_and_distinct() {
        let mut seen: HashMap<String, String> = HashMap::new();
        for name in names() {
            let u = unix_name(&name).unwrap();
            assert!(is_valid_unix_name(&u), "{name:?} → {u:?}");
            assert!(u.starts_with(PREFIX));
            if let Some(other) = seen.insert(u.clone(), name.clone()) {
                panic!("{other:?} and {name:?} both map to {u}");
            }
        }
        assert!(seen.len() > 1000);
    }

    #[test]
    fn output_shapes_are_disjoint_by_length() {
        for name in names() {
            let u = unix_name(&name).unwrap();
            let safe = name.chars().all(is_safe_char);
            match (safe, u.len()) {
                (true, l) => assert!(l < TLJH_CUTOFF || l == 32, "{name:?} → {u}"),
                (false, l) => assert_eq!(l, UNSAFE_LEN, "{name:?} → {u}"),
            }
        }
    }

    #[test]
    fn every_mapped_name_is_an_account_name() {
        for name in names() {
            let u = unix_name(&name).unwrap();
            assert!(is_account_name(&u), "{name:?} → {u:?}");
        }
    }

    #[test]
    fn account_names() {
        assert!(is_account_name("jupyter-jane@x.org"));
        assert!(is_account_name("jupyter-Jane.Doe+hub@X.org"));
        assert!(is_account_name(&format!("{PREFIX}{}", "a".repeat(24))));
        assert!(!is_account_name(&format!("{PREFIX}{}", "a".repeat(25))));
        for bad in [
            "",
            PREFIX,
            "root",
            "jupyter-a/b",
            "jupyter-a b",
            "jupyter-o'b",
            "jupyter-é",
        ] {
            assert!(!is_account_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn unix_name_validation() {
        assert!(is_valid_unix_name("jupyter-a_b-c"));
        assert!(!is_valid_unix_name("1abc"));
        assert!(!is_valid_unix_name("-abc"));
        assert!(!is_valid_unix_name("a.b"));
        assert!(!is_valid_unix_name("A"));
        assert!(!is_valid_unix_name(""));
        assert!(!is_valid_unix_name(&"a".repeat(33)));
    }
}
