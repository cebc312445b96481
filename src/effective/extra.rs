//! What hubcfg passes through without knowing its type:
//! `auth.<Class>.<trait>` settings for JupyterHub classes. The only place
//! an untyped JSON value lives inside the effective config.

use serde::Serialize;
use std::collections::BTreeMap;

/// One trait value, as written in config.toml.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Passthrough(pub serde_json::Value);

/// Class name → trait name → value.
pub type AuthClasses = BTreeMap<String, BTreeMap<String, Passthrough>>;
