//! What `hubcfg users` changes and how: the authenticator the config
//! selects, the edits of `users.allowed`/`users.admin` (the config tool's
//! own comment-keeping edits, one locked write per command), and whether
//! the hub is reloaded afterwards.

use super::check::{FIRST_USE_MIN_PASSWORD, NewUser, Rules};
use crate::config::edit;
use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::systemd::ServiceManager;
use serde_json::Value as Json;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

pub const ALLOWED: &str = "users.allowed";
pub const ADMIN: &str = "users.admin";

/// The authenticator `auth.type` selects, as far as passwords go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    FirstUse,
    Native,
    Other(String),
}

/// `auth.type` of the user's config (the schema default when unset).
pub fn auth_of(user: &Json) -> Auth {
    let class = crate::effective::get(user, "auth.type")
        .and_then(Json::as_str)
        .map(str::to_string)
        .or_else(|| {
            crate::schema::lookup("auth.type")
                .and_then(|k| k.default.to_json().as_str().map(str::to_string))
        })
        .unwrap_or_default();
    if crate::firstuse::is_first_use(&class) {
        Auth::FirstUse
    } else if class == "native" || class.to_lowercase().starts_with("nativeauthenticator") {
        Auth::Native
    } else {
        Auth::Other(class)
    }
}

/// The checks names and passwords get under this config.
pub fn rules_of(user: &Json) -> Rules {
    let min = crate::effective::get(user, "auth.FirstUseAuthenticator.min_password_length")
        .and_then(Json::as_u64)
        .map(|n| n as usize)
        .unwrap_or(FIRST_USE_MIN_PASSWORD);
    Rules {
        first_use: auth_of(user) == Auth::FirstUse,
        min_password_len: min,
    }
}

/// Passwords can only be set for FirstUseAuthenticator; anything else is
/// refused before a byte is written.
pub fn passwords_supported(auth: &Auth, config: &Path) -> Result<()> {
    match auth {
        Auth::FirstUse | Auth::Native => Ok(()),
        Auth::Other(class) => Err(Error::new(format!(
            "auth.type is `{class}` in {}: hubcfg sets passwords only for FirstUseAuthenticator; nothing was changed",
            config.display()
        ))
        .with_hint("that authenticator checks passwords itself: add the users without --password or a password column")),
    }
}

/// The names in the list at `key` (missing = empty); an error when the key
/// is not a list of strings.
pub fn names_at(doc: &DocumentMut, key: &str, config: &Path) -> Result<Vec<String>> {
    match edit::get(doc, key) {
        None => Ok(vec![]),
        Some(Item::Value(Value::Array(a))) => Ok(a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()),
        Some(_) => Err(
            Error::new(format!("{key} in {} is not a list", config.display())).with_hint(format!(
                "make it a list of names: `hubcfg set {key} '[\"ann\"]'`"
            )),
        ),
    }
}

/// What an edit added or removed, per key.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changed {
    pub allowed: Vec<String>,
    pub admin: Vec<String>,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        self.allowed.is_empty() && self.admin.is_empty()
    }
}

fn add_one(doc: &mut DocumentMut, key: &str, name: &str, out: &mut Vec<String>) -> Result<()> {
    if edit::add_item(doc, key, name.into()).map_err(Error::new)? {
        out.push(name.to_string());
    }
    Ok(())
}

/// Adds every user to `users.allowed`, and admins to `users.admin`; names
/// already listed stay as they are.
pub fn add_users(doc: &mut DocumentMut, users: &[NewUser]) -> Result<Changed> {
    let mut changed = Changed::default();
    for u in users {
        add_one(doc, ALLOWED, &u.name, &mut changed.allowed)?;
        if u.admin {
            add_one(doc, ADMIN, &u.name, &mut changed.admin)?;
        }
    }
    Ok(changed)
}

/// Removes the names from `users.allowed` and `users.admin` wherever they
/// are listed.
pub fn remove_users(doc: &mut DocumentMut, names: &[String], config: &Path) -> Result<Changed> {
    let mut changed = Changed::default();
    for (key, out) in [(ALLOWED, &mut changed.allowed), (ADMIN, &mut changed.admin)] {
        let have = names_at(doc, key, config)?;
        for n in names.iter().filter(|n| have.contains(n)) {
            edit::remove_item(doc, key, &n.as_str().into()).map_err(Error::new)?;
            out.push(n.clone());
        }
    }
    Ok(changed)
}

/// Runs `change` on a copy of `doc` and refuses what the config tool's
/// validation refuses under `users`: the check before passwords are set,
/// so that a refused config edit leaves the password store alone too.
pub fn precheck<T>(
    doc: &DocumentMut,
    config: &Path,
    change: impl FnOnce(&mut DocumentMut) -> Result<T>,
) -> Result<T> {
    let mut copy = doc.clone();
    let out = change(&mut copy)?;
    let problems: Vec<String> = crate::config::validate::check_document(&edit::to_json(&copy))
        .into_iter()
        .filter(|p| !p.warning && p.concerns("users"))
        .map(|p| format!("  {p}"))
        .collect();
    if !problems.is_empty() {
        return Err(Error::new(format!(
            "refusing to write {}; nothing was changed:\n{}",
            config.display(),
            problems.join("\n")
        ))
        .with_hint("fix those keys with `hubcfg set`/`remove-item`, then run this again"));
    }
    Ok(out)
}

/// FirstUseAuthenticator lets anyone in while `users.allowed` is empty
/// (TLJH's rule, unless `auth.FirstUseAuthenticator.allow_all` is set).
pub fn open_to_all(user: &Json) -> bool {
    auth_of(user) == Auth::FirstUse
        && crate::effective::get(user, "auth.FirstUseAuthenticator.allow_all").is_none()
        && crate::effective::get(user, ALLOWED)
            .and_then(Json::as_array)
            .is_none_or(Vec::is_empty)
}

/// Is `unit_dir`'s jupyterhub.service the one of this prefix (and not of
/// another install on the same machine)?
pub fn hub_unit_is_ours(paths: &Paths, unit_dir: &Path) -> bool {
    let unit = unit_dir.join(format!("{}.service", crate::reload::HUB_UNIT));
    let prefix = paths.prefix.to_string_lossy();
    let needle = format!("{}/", prefix.trim_end_matches('/'));
    std::fs::read_to_string(unit).is_ok_and(|text| text.contains(&needle))
}

/// Whether a config change should reload the hub now: it is this prefix's
/// hub and systemd says it is running.
pub fn hub_running(paths: &Paths, unit_dir: &Path, services: &dyn ServiceManager) -> bool {
    hub_unit_is_ours(paths, unit_dir) && services.active_state(crate::reload::HUB_UNIT) == "active"
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
