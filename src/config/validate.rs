//! Checking config values against the schema. Pure: JSON values in,
//! problems out (config.toml is converted once, by `config::load`).
//!
//! Commands validate fully what they change and report, without blocking,
//! problems elsewhere in the file, so one old bad key does not block
//! unrelated edits (TLJH W11).

use crate::config::value::KeyType;
use crate::config::walk::{self, Place};
use crate::schema::{self, Kind};
use serde_json::Value;
use std::fmt;

pub mod user_names;

/// One thing wrong with the config, tied to a key.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
    /// Warnings are reported but do not make `validate` fail.
    pub warning: bool,
    /// The key itself is unknown (not a bad value of a known key).
    pub unknown_key: bool,
}

impl Problem {
    fn error(key: &str, message: impl Into<String>) -> Self {
        Problem {
            key: key.to_string(),
            message: message.into(),
            hint: None,
            warning: false,
            unknown_key: false,
        }
    }

    /// Does this problem concern `path` (the key itself, a key inside it, or
    /// the table holding it)?
    pub fn concerns(&self, path: &str) -> bool {
        self.key == path
            || self.key.starts_with(&format!("{path}."))
            || path.starts_with(&format!("{}.", self.key))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// How `path` is typed, or why it is not a key.
pub fn key_type(path: &str) -> Result<KeyType, Problem> {
    if let Some(k) = schema::lookup(path) {
        return Ok(KeyType::Known(k.kind));
    }
    if let Some(group) = path.strip_prefix("users.extra_user_groups.")
        && !group.is_empty()
        && !group.contains('.')
    {
        return Ok(KeyType::GroupMembers);
    }
    if schema::is_free_form(path) {
        return Ok(KeyType::Loose);
    }
    Err(unknown_key(path))
}

/// "unknown key `user.admin`; did you mean `users.admin`?"
pub fn unknown_key(path: &str) -> Problem {
    let mut p = Problem {
        unknown_key: true,
        ..Problem::error(path, "unknown key")
    };
    if schema::is_table(path) {
        p.unknown_key = false;
        p.message = "is a table of settings, not a single value".into();
        let inside: Vec<_> = schema::KEYS
            .iter()
            .filter(|k| k.path.starts_with(&format!("{path}.")))
            .map(|k| k.path)
            .take(4)
            .collect();
        p.hint = Some(format!("keys inside it: {}", inside.join(", ")));
    } else if let Some(rest) = path.strip_prefix("auth.").filter(|r| r.contains('.')) {
        let class = rest.split('.').next().unwrap_or("");
        p.hint = Some(format!(
            "authenticator settings are `auth.<ClassName>.<trait>` with the class name \
             as JupyterHub spells it (upper-case first letter, not `{class}`), \
             e.g. auth.GitHubOAuthenticator.client_id"
        ));
    } else if let Some(s) = schema::suggest(path) {
        p.hint = Some(format!("did you mean `{s}`?"));
    } else if path.starts_with("auth.") {
        p.hint = Some(
            "the hub refuses lower-case keys under auth other than auth.type; \
             use auth.<ClassName>.<trait>"
                .into(),
        );
    }
    p
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "none",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

/// Checks one value against its kind. The message reads after the key name.
pub fn check_value(kind: Kind, v: &Value) -> Result<(), String> {
    let want = |what: &str| Err(format!("must be {what}, not {}", type_name(v)));
    match kind {
        Kind::String => v
            .is_string()
            .then_some(())
            .map_or_else(|| want("a string"), Ok),
        Kind::Bool => v
            .is_boolean()
            .then_some(())
            .map_or_else(|| want("true or false"), Ok),
        Kind::Int { min, max } => match v.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(()),
            Some(i) if max == i64::MAX => Err(format!("must be at least {min}, not {i}")),
            Some(i) => Err(format!("must be between {min} and {max}, not {i}")),
            None => want("a whole number"),
        },
        Kind::Number { min } => match v.as_f64() {
            Some(f) if f >= min => Ok(()),
            Some(f) => Err(format!("must be at least {min}, not {f}")),
            None => want("a number"),
        },
        Kind::StringList => string_list(v).map(drop),
        Kind::HostnameList => {
            for h in string_list(v)? {
                if !is_hostname(h) {
                    return Err(format!("`{h}` is not a valid domain name"));
                }
            }
            Ok(())
        }
        Kind::Memory => match v {
            Value::Number(n) if n.as_u64().is_some() => Ok(()),
            Value::String(s) => check_memory(s),
            _ => want("a size such as 512M or 2G"),
        },
        Kind::ListenAddress => match v.as_str() {
            Some("") => Ok(()),
            Some(s) if s.parse::<std::net::IpAddr>().is_ok() => Ok(()),
            Some(s) => Err(format!(
                "`{s}` is not an IP address (use e.g. 0.0.0.0, 127.0.0.1 or ::, or \"\" for all)"
            )),
            None => want("an IP address string"),
        },
        Kind::Email => match v.as_str() {
            Some("") => Ok(()),
            Some(s) if is_email(s) => Ok(()),
            Some(s) => Err(format!("`{s}` is not an email address")),
            None => want("an email address string"),
        },
        Kind::OneOf(allowed) => match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(()),
            Some(s) => Err(format!("must be one of {}, not `{s}`", allowed.join(", "))),
            None => want(&format!("one of {}", allowed.join(", "))),
        },
        Kind::UrlPath => match v.as_str() {
            Some(s) if s.starts_with('/') && !s.contains(char::is_whitespace) => Ok(()),
            Some(s) => Err(format!(
                "must be a URL path starting with `/` (e.g. /hub/), not `{s}`"
            )),
            None => want("a URL path string"),
        },
        Kind::Url => match v.as_str() {
            Some(s) if s.is_empty() || is_url(s) => Ok(()),
            Some(s) => Err(format!(
                "must be an http(s) URL such as https://ca.example.org/directory, not `{s}`"
            )),
            None => want("a URL string"),
        },
        Kind::FilePath => match v.as_str() {
            Some(s) if s.is_empty() || s.starts_with('/') => Ok(()),
            Some(s) => Err(format!("must be an absolute path, not `{s}`")),
            None => want("a file path string"),
        },
        Kind::GroupMap => {
            let Some(map) = v.as_object() else {
                return want("a table of group = [\"user\", …]");
            };
            for (group, users) in map {
                string_list(users).map_err(|e| format!("group `{group}` {e}"))?;
            }
            Ok(())
        }
    }
}

fn string_list(v: &Value) -> Result<Vec<&str>, String> {
    let Some(items) = v.as_array() else {
        return Err(format!("must be a list of strings, not {}", type_name(v)));
    };
    items
        .iter()
        .map(|i| {
            i.as_str()
                .ok_or_else(|| format!("must hold only strings, not {}", type_name(i)))
        })
        .collect()
}

fn check_memory(s: &str) -> Result<(), String> {
    let (num, suffix) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], Some(c)),
        _ => (s, None),
    };
    let num_ok = !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && num.parse::<f64>().is_ok();
    match suffix {
        _ if !num_ok => Err(format!(
            "`{s}` is not a size; use bytes or a number with K, M, G or T (e.g. 512M, 2G)"
        )),
        None | Some('K' | 'M' | 'G' | 'T') => Ok(()),
        Some(c) if "kmgt".contains(c) => Err(format!(
            "`{s}`: the unit must be upper-case ({}{})",
            num,
            c.to_ascii_uppercase()
        )),
        Some(c) => Err(format!("`{s}`: unknown unit `{c}`; use K, M, G or T")),
    }
}

fn is_hostname(h: &str) -> bool {
    h.len() <= 253
        && h.contains('.')
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `https://host…` or `http://host…`, without whitespace.
pub fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) && !s.contains(char::is_whitespace)
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && !domain.contains('@')
                && is_hostname(domain)
        }
        None => false,
    }
}

/// Every problem in a whole config (as JSON): wrong types, unknown keys,
/// values where tables belong. Cross-key checks are in `cross_key_warnings`.
pub fn check_document(root: &Value) -> Vec<Problem> {
    let mut out = vec![];
    walk::visit(root, &mut |path, v, place| match place {
        Place::Known(key) => check_known(key, path, v, &mut out),
        // Passed through to JupyterHub as is.
        Place::FreeForm => {}
        Place::NotATable => out.push(Problem::error(
            path,
            format!("must be a table, not {}", type_name(v)),
        )),
        Place::Unknown => match v.as_object().filter(|o| !o.is_empty()) {
            // Report the leaves, so `user.admin` gets its suggestion.
            Some(inner) => {
                let from = out.len();
                walk_unknown(inner, path, &mut out);
                if !path.contains('.') {
                    kept_for_plugins(&mut out[from..]);
                }
            }
            None => out.push(unknown_key(path)),
        },
    });
    out
}

fn check_known(key: &schema::Key, path: &str, v: &Value, out: &mut Vec<Problem>) {
    match (key.kind, v.as_object()) {
        // Per group, so one bad group does not block edits to another.
        (Kind::GroupMap, Some(groups)) => {
            for (group, users) in groups {
                let key = format!("{path}.{group}");
                match string_list(users) {
                    Ok(names) => user_names::check(&key, &names, out),
                    Err(e) => out.push(Problem::error(&key, e)),
                }
            }
        }
        _ => match check_value(key.kind, v) {
            Err(e) => out.push(Problem::error(path, e)),
            Ok(()) if user_names::NAME_LISTS.contains(&path) => {
                user_names::check(path, &string_list(v).unwrap_or_default(), out);
            }
            Ok(()) => {}
        },
    }
}

/// A table of its own at the top (`[plasma]`, `[Test]`) that resembles no
/// known key: TLJH's schema lets such keys through and plugins keep their
/// settings there (`tljh_config_post_install`), so it is a warning. One that
/// looks like a typo of a known key stays an error.
fn kept_for_plugins(problems: &mut [Problem]) {
    for p in problems.iter_mut().filter(|p| p.hint.is_none()) {
        p.warning = true;
        p.message =
            "unknown key, kept as it is (hubcfg ignores it; a TLJH plugin may read it)".into();
    }
}

fn walk_unknown(obj: &serde_json::Map<String, Value>, prefix: &str, out: &mut Vec<Problem>) {
    for (k, v) in obj {
        let path = format!("{prefix}.{k}");
        match v.as_object().filter(|o| !o.is_empty()) {
            Some(inner) => walk_unknown(inner, &path, out),
            None => out.push(unknown_key(&path)),
        }
    }
}

/// Warnings about settings that are each valid: ones that do not work
/// together (rendering refuses them later; `validate` warns early), and hub
/// user names that run as a shortened, hashed unix account (a note naming
/// that account).
pub fn cross_key_warnings(root: &Value) -> Vec<Problem> {
    let get = |p: &str| crate::effective::get(root, p);
    let non_empty = |p: &str| match get(p) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        _ => false,
    };
    let mut out = vec![];
    let warn = |key: &str, message: &str| Problem {
        key: key.into(),
        message: message.into(),
        hint: None,
        warning: true,
        unknown_key: false,
    };
    if non_empty("https.tls.cert") != non_empty("https.tls.key") {
        out.push(warn(
            "https.tls",
            "https.tls.cert and https.tls.key must be set together",
        ));
    }
    if non_empty("https.letsencrypt.email") != non_empty("https.letsencrypt.domains") {
        out.push(warn(
            "https.letsencrypt",
            "https.letsencrypt.email and https.letsencrypt.domains must be set together",
        ));
    }
    let manual = non_empty("https.tls.cert") && non_empty("https.tls.key");
    let acme = non_empty("https.letsencrypt.email") && non_empty("https.letsencrypt.domains");
    if get("https.enabled").and_then(Value::as_bool) == Some(true) && !manual && !acme {
        out.push(warn(
            "https.enabled",
            "https is enabled but has no certificate: set https.tls.cert and https.tls.key, \
             or https.letsencrypt.email and https.letsencrypt.domains",
        ));
    }
    out.extend(user_names::notes(root));
    out
}

#[cfg(test)]
mod tests;
