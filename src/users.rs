//! Unix accounts and groups for hub users.

use crate::error::{Error, Result};

/// Creates or updates the unix account for hub user `name`; returns its unix name.
pub fn ensure_hub_user(_name: &str, _admin: bool, _groups: &[String]) -> Result<String> {
    Err(Error::new("ensure-user is not implemented yet"))
}
