//! Rendering the effective config into the files other programs read.

use crate::error::{Error, Result};
use crate::paths::Paths;

/// Renders hub JSON and Traefik files into state/.
pub fn write_all(_paths: &Paths) -> Result<()> {
    Err(Error::new("render is not implemented yet"))
}

/// Renders traefik.toml and rules/dynamic.toml only (for `reload proxy`).
pub fn write_traefik(_paths: &Paths) -> Result<()> {
    Err(Error::new("render is not implemented yet"))
}
