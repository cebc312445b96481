//! The hub's database (`state/jupyterhub.sqlite`), copied consistently while
//! the hub runs: `hub_db.py` with the hub environment's Python does SQLite's
//! online backup (`sqlite3.Connection.backup`) and lists the hub's users
//! from the copy. The request goes on stdin as JSON.

use crate::error::{Context, Error, Result};
use serde::Deserialize;
use std::path::Path;
use std::process::Command;

const SCRIPT: &str = include_str!("hub_db.py");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HubUser {
    pub name: String,
    pub admin: bool,
}

#[derive(Deserialize)]
struct Reply {
    users: Vec<HubUser>,
}

/// Copies the database `src` to `dst` (0600) with `python`; the hub's users.
pub fn copy(python: &Path, src: &Path, dst: &Path) -> Result<Vec<HubUser>> {
    if !python.is_file() {
        return Err(Error::new(format!(
            "cannot copy the hub database {}: {} does not exist",
            src.display(),
            python.display()
        ))
        .with_hint("the hub must be installed (`sudo hubcfg bootstrap`)"));
    }
    let request = serde_json::json!({ "src": src, "dst": dst });
    let mut cmd = Command::new(python);
    cmd.args(["-I", "-c", SCRIPT]);
    let out = crate::cmd::run_with_stdin(&mut cmd, request.to_string().as_bytes())
        .context(|| format!("copying the hub database {}", src.display()))?;
    if !out.success() {
        return Err(Error::new(format!(
            "`{} -c <database backup script>` failed with exit code {} while copying {}:\n{}",
            python.display(),
            out.status,
            src.display(),
            crate::cmd::tail(&out.stderr, 20)
        )));
    }
    let reply: Reply = serde_json::from_str(&out.stdout).map_err(|e| {
        Error::new(format!(
            "the database backup script printed something unexpected ({e}): {}",
            crate::cmd::tail(&out.stdout, 5)
        ))
    })?;
    Ok(reply.users)
}
