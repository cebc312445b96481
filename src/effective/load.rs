//! The effective config from disk: config.toml (read once, by
//! `config::load`) and the secrets in state/.

use super::{Effective, Secrets, effective};
use crate::config::load::Loaded;
use crate::error::Result;
use crate::paths::Paths;
use serde_json::Value as Json;

/// The installed config.toml (missing file = empty) merged with defaults
/// and the secrets in state/, typed.
pub fn load(paths: &Paths) -> Result<Effective> {
    typed(&Loaded::installed(paths)?, &load_secrets(paths)?)
}

/// The typed effective config of an already loaded config.toml.
pub fn typed(loaded: &Loaded, secrets: &Secrets) -> Result<Effective> {
    Effective::from_tree(&effective(&loaded.user(), secrets))
}

/// The merged tree, for showing only: a state/ secret this user may not
/// read (state/ is root's) counts as set, with the mask as its value, so
/// reading a readable config needs no root. Never render from it.
pub fn tree_to_show(paths: &Paths, loaded: &Loaded) -> Result<Json> {
    let traefik_api_password = match read_api_secret(paths) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Some(super::MASK.into()),
        other => other?,
    };
    Ok(effective(
        &loaded.user(),
        &Secrets {
            traefik_api_password,
        },
    ))
}

pub fn load_secrets(paths: &Paths) -> Result<Secrets> {
    Ok(Secrets {
        traefik_api_password: read_api_secret(paths)?,
    })
}

/// state/traefik-api.secret, trimmed; missing or empty is None.
fn read_api_secret(paths: &Paths) -> std::io::Result<Option<String>> {
    match fs_err::read_to_string(paths.traefik_api_secret()) {
        Ok(s) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
