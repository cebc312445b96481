//! NativeAuthenticator's users (`auth.type` NativeAuthenticator): created
//! or given a new password and authorized the way its admin page leaves
//! them, as a row of its own `users_info` table in the hub's database.
//!
//! Like `firstuse`, the work is done by a script (`native.py`) run with the
//! hub environment's Python, which has nativeauthenticator, its ORM and
//! bcrypt; the request, passwords included, goes on the child's stdin as
//! JSON, never in its argv or a log line.

use crate::error::{Context, Error, Result};
use crate::firstuse::Entry;
use crate::paths::Paths;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

const SCRIPT: &str = include_str!("native.py");
/// native.py's exit code when the hub's database does not exist yet.
const NO_HUB_DB: i32 = 3;

/// NativeAuthenticator's users in one hub database.
#[derive(Debug, Clone)]
pub struct NativeUsers {
    /// Python with nativeauthenticator (normally the hub env's python3).
    pub python: PathBuf,
    /// The hub's database (sqlite, as rendered into hub-config.json).
    pub db: PathBuf,
}

impl NativeUsers {
    pub fn new(paths: &Paths) -> NativeUsers {
        NativeUsers {
            python: paths.hub_python(),
            db: paths.state_dir().join("jupyterhub.sqlite"),
        }
    }

    /// Creates or updates each user, authorized, with its password; returns
    /// the names it changed.
    pub fn set(&self, entries: &[Entry]) -> Result<Vec<String>> {
        if entries.is_empty() {
            return Ok(vec![]);
        }
        if !self.python.is_file() {
            return Err(Error::new(format!(
                "cannot reach NativeAuthenticator's users: {} does not exist",
                self.python.display()
            ))
            .with_hint("the hub must be installed first (`sudo hubcfg bootstrap`)"));
        }
        let users: Vec<_> = entries
            .iter()
            .map(|e| json!({"name": e.name, "password": e.password}))
            .collect();
        let request = json!({
            "db_url": format!("sqlite:///{}", self.db.display()),
            "db_path": self.db,
            "users": users,
        });
        let mut cmd = Command::new(&self.python);
        cmd.args(["-I", "-c", SCRIPT]);
        let out = crate::cmd::run_with_stdin(&mut cmd, request.to_string().as_bytes())
            .context(|| "setting NativeAuthenticator passwords".to_string())?;
        if out.status == NO_HUB_DB {
            return Err(Error::new(format!(
                "the hub has not created its database {} yet, so NativeAuthenticator's users cannot be set; nothing was changed",
                self.db.display()
            ))
            .with_hint("start the hub once (`sudo systemctl start jupyterhub`) and run the command again"));
        }
        if !out.success() {
            return Err(Error::new(format!(
                "`{} -c <password script>` failed with exit code {} while setting NativeAuthenticator passwords in {}:\n{}",
                self.python.display(),
                out.status,
                self.db.display(),
                crate::cmd::tail(&out.stderr, 20)
            )));
        }
        serde_json::from_str(out.stdout.trim()).map_err(|e| {
            Error::new(format!(
                "the NativeAuthenticator script printed something unexpected ({e}): {}",
                out.stdout.trim()
            ))
        })
    }
}

#[cfg(test)]
mod tests;
