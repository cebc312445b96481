//! TLJH plugins: the specs bootstrap installs into the hub environment
//! (`state`), the hooks run through hubcfg's Python package (`hooks`:
//! `hubcfg_hub.plugins`, with cwd `$PREFIX/state` as TLJH's hub has), the
//! config a plugin changed written back into config.toml (`config_diff`),
//! the install steps (`step`), `hubcfg plugins` (`list`, `remove`), and
//! the plugins an adopted TLJH had installed (`found`).

pub mod config_diff;
pub mod found;
pub mod hooks;
pub mod list;
pub mod remove;
pub mod state;
pub mod step;

use crate::error::Result;
use crate::paths::Paths;

/// `tljh_new_user_create(username)` right after ensure-user created the
/// account `unix`; nothing (no Python started) when no plugin is recorded.
pub fn new_user_created(paths: &Paths, unix: &str) -> Result<()> {
    if state::load(paths)?.is_empty() {
        return Ok(());
    }
    hooks::call(
        paths,
        "tljh_new_user_create",
        serde_json::json!({ "username": unix }),
    )
    .map(drop)
}
