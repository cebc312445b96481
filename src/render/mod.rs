//! Rendering the effective config into the files other programs read.

use crate::effective::{self, Secrets};
use crate::error::{Error, Result};
use crate::paths::Paths;
use std::path::Path;

/// The user's config.toml (missing file = empty) merged with defaults and
/// the secrets in state/.
pub fn load_effective(paths: &Paths, config_path: &Path) -> Result<serde_json::Value> {
    let user = match fs_err::read_to_string(config_path) {
        Ok(t) => t
            .parse::<toml::Table>()
            .map_err(|e| Error::new(format!("{} is not valid TOML: {e}", config_path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(effective::effective(
        &effective::toml_to_json(&user),
        &load_secrets(paths)?,
    ))
}

pub fn load_secrets(paths: &Paths) -> Result<Secrets> {
    let pw = match fs_err::read_to_string(paths.traefik_api_secret()) {
        Ok(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Secrets {
        traefik_api_password: pw,
    })
}

/// Renders hub JSON and Traefik files into state/.
pub fn write_all(_paths: &Paths) -> Result<()> {
    Err(Error::new("render is not implemented yet"))
}

/// Renders traefik.toml and rules/dynamic.toml only (for `reload proxy`).
pub fn write_traefik(_paths: &Paths) -> Result<()> {
    Err(Error::new("render is not implemented yet"))
}
