//! The settings pip would use for `pip install` on this machine: its config
//! files and `PIP_*` variables, as `pip config list` reports them, merged the
//! way pip merges them.

use crate::error::Result;
use std::path::Path;

/// Where a setting came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A config file's `[global]` or `[install]` section.
    File { section: String },
    /// A `PIP_*` environment variable, e.g. `PIP_INDEX_URL`.
    Env { var: String },
}

/// One setting pip applies to `pip install`, after precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipSetting {
    /// Canonical option name (`index-url`, `timeout`, …; aliases resolved).
    pub key: String,
    pub value: String,
    pub source: Source,
}

/// Parses `pip config list` output into the settings `pip install` uses.
pub fn parse_config_list(_text: &str) -> Result<Vec<PipSetting>> {
    unimplemented!("issue #10: pip config translation")
}

/// Runs `PYTHON -m pip config list` with this process's environment.
pub fn read(_python: &Path) -> Result<Vec<PipSetting>> {
    unimplemented!("issue #10: pip config translation")
}
