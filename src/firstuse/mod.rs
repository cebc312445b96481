//! FirstUseAuthenticator's password store (`state/passwords.dbm`): the one
//! place that checks, sets and removes its passwords, used by bootstrap's
//! `--admin NAME:PASSWORD` and by `hubcfg users`.
//!
//! The store is a Python dbm file of bcrypt hashes, so the work is done by
//! `passwords.py` run with the hub environment's Python (which has bcrypt
//! and the dbm flavour the hub reads). The request, passwords included, goes
//! on the child's stdin as JSON: never in its argv, never in a log line.
//! Entries are keyed by the lower-cased name, the name FirstUse looks up
//! after JupyterHub's default normalization.

use crate::error::{Context, Error, Result};
use crate::paths::Paths;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

/// bcrypt uses at most this many bytes of a password (newer versions refuse more).
pub const BCRYPT_MAX: usize = 72;
const SCRIPT: &str = include_str!("passwords.py");

/// Every spelling of `auth.type` that selects FirstUseAuthenticator.
pub fn is_first_use(auth_type: &str) -> bool {
    matches!(
        auth_type,
        "firstuseauthenticator.FirstUseAuthenticator"
            | "firstuseauthenticator:FirstUseAuthenticator"
            | "firstuseauthenticator"
            | "firstuse"
    )
}

/// Why `password` cannot be stored, if it cannot.
pub fn password_problem(password: &str) -> Option<String> {
    if password.is_empty() {
        return Some("the password is empty".into());
    }
    if password.len() > BCRYPT_MAX {
        return Some(format!(
            "the password is longer than {BCRYPT_MAX} bytes, which bcrypt (used by FirstUseAuthenticator) cannot store"
        ));
    }
    if password.chars().any(char::is_control) {
        return Some(
            "the password holds a control character (a line break or tab), which a login form cannot send"
                .into(),
        );
    }
    None
}

/// A name and the password to store for it. Debug never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entry {{ name: {:?}, password: <hidden> }}", self.name)
    }
}

/// The store of one install.
#[derive(Debug, Clone)]
pub struct Store {
    /// Python with `bcrypt` (normally the hub env's python3).
    pub python: PathBuf,
    pub dbm: PathBuf,
}

impl Store {
    pub fn new(paths: &Paths) -> Store {
        Store {
            python: paths.hub_python(),
            dbm: paths.passwords_dbm(),
        }
    }

    /// Refuses when the hub environment's Python is missing.
    pub fn require_python(&self) -> Result<()> {
        if self.python.is_file() {
            return Ok(());
        }
        Err(Error::new(format!(
            "cannot reach FirstUseAuthenticator's password store: {} does not exist",
            self.python.display()
        ))
        .with_hint("the hub must be installed first (`sudo hubcfg bootstrap`)"))
    }

    /// Names whose stored password is not the one given (or who have none).
    pub fn differing(&self, entries: &[Entry]) -> Result<Vec<String>> {
        self.run("check", json!({ "users": users(entries) }))
    }

    /// Stores each password (those already matching are left alone);
    /// returns the names it changed. Creates `state/` (0700) if needed; the
    /// store's files are 0600.
    pub fn set(&self, entries: &[Entry]) -> Result<Vec<String>> {
        if entries.is_empty() {
            return Ok(vec![]);
        }
        self.require_python()?;
        if let Some(dir) = self.dbm.parent() {
            crate::fsutil::ensure_dir(dir, 0o700)?;
        }
        self.run("set", json!({ "users": users(entries) }))
    }

    /// Removes the names' passwords; returns the names that had one.
    pub fn remove(&self, names: &[String]) -> Result<Vec<String>> {
        if names.is_empty() || !self.exists() {
            return Ok(vec![]);
        }
        self.require_python()?;
        self.run("remove", json!({ "names": names }))
    }

    /// Whether any file of the store exists (dbm flavours add suffixes).
    pub fn exists(&self) -> bool {
        let base = self.dbm.as_os_str().to_owned();
        ["", ".db", ".dir", ".dat", ".pag"].iter().any(|s| {
            let mut p = base.clone();
            p.push(s);
            PathBuf::from(p).exists()
        })
    }

    fn run(&self, op: &str, mut request: serde_json::Value) -> Result<Vec<String>> {
        request["dbm"] = json!(self.dbm);
        request["op"] = json!(op);
        let mut cmd = Command::new(&self.python);
        cmd.args(["-I", "-c", SCRIPT]);
        let doing = match op {
            "set" => "setting",
            "remove" => "removing",
            _ => "checking",
        };
        let out = crate::cmd::run_with_stdin(&mut cmd, request.to_string().as_bytes())
            .context(|| format!("{doing} FirstUseAuthenticator passwords"))?;
        if !out.success() {
            return Err(Error::new(format!(
                "`{} -c <password script>` failed with exit code {} while {doing} FirstUseAuthenticator passwords in {}:\n{}",
                self.python.display(),
                out.status,
                self.dbm.display(),
                crate::cmd::tail(&out.stderr, 20)
            )));
        }
        serde_json::from_str(out.stdout.trim()).map_err(|e| {
            Error::new(format!(
                "the password script printed something unexpected ({e}): {}",
                out.stdout.trim()
            ))
        })
    }
}

fn users(entries: &[Entry]) -> serde_json::Value {
    entries
        .iter()
        .map(|e| json!({"name": e.name, "password": e.password}))
        .collect()
}

#[cfg(test)]
mod tests;
