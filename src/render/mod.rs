//! Rendering the effective config into the files other programs read:
//! `state/hub-config.json` for the hub (see `hub`), `state/traefik.toml` and
//! `state/rules/dynamic.toml` for Traefik (see `traefik`). The renderers are
//! pure; `files` does the I/O. Everything is rendered and validated before
//! the first write, and a file is only rewritten when its bytes change.

pub mod files;
mod get;
pub mod hub;
pub mod merge;
pub mod traefik;

use crate::effective::{self, Secrets};
use crate::error::{Error, Result};
use crate::paths::Paths;
use std::path::Path;

/// The user's config.toml (missing file = empty) merged with defaults and
/// the secrets in state/.
pub fn load_effective(paths: &Paths, config_path: &Path) -> Result<serde_json::Value> {
    effective_with(config_path, &load_secrets(paths)?)
}

fn effective_with(config_path: &Path, secrets: &Secrets) -> Result<serde_json::Value> {
    let user = match fs_err::read_to_string(config_path) {
        Ok(t) => t
            .parse::<toml::Table>()
            .map_err(|e| Error::new(format!("{} is not valid TOML: {e}", config_path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(effective::effective(
        &effective::toml_to_json(&user),
        secrets,
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

/// The JupyterHub glue, installed as `Paths::jupyterhub_config_py`.
pub const JUPYTERHUB_CONFIG_PY: &str = include_str!("../../assets/jupyterhub_config.py");

/// Everything a render would write, already validated.
struct Plan {
    /// A Traefik API secret generated because state/ had none.
    new_secret: Option<String>,
    traefik: traefik::Rendered,
    hub_json: Option<String>,
}

impl Plan {
    fn build(paths: &Paths, with_hub: bool) -> Result<Plan> {
        let mut secrets = load_secrets(paths)?;
        let new_secret = match secrets.traefik_api_password {
            Some(_) => None,
            None => Some(files::new_api_secret()?),
        };
        if secrets.traefik_api_password.is_none() {
            secrets.traefik_api_password = new_secret.clone();
        }
        let eff = effective_with(&paths.config_toml(), &secrets)?;
        let snippets = files::read_snippets(&paths.traefik_config_d())?;
        let traefik = traefik::render(&eff, paths, &snippets)?;
        files::check_tls_files(&traefik.https)?;
        let hub_json = if with_hub {
            let v = hub::hub_config(&eff, paths)?;
            let text = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::new(format!("rendering the hub config: {e}")))?;
            Some(text + "\n")
        } else {
            None
        };
        Ok(Plan {
            new_secret,
            traefik,
            hub_json,
        })
    }

    fn write(&self, paths: &Paths) -> Result<bool> {
        let mut changed = files::ensure_state_dirs(paths)?;
        if let Some(secret) = &self.new_secret {
            changed |=
                files::write_state_file(&paths.traefik_api_secret(), &format!("{secret}\n"))?;
        }
        if matches!(self.traefik.https, traefik::Https::LetsEncrypt { .. }) {
            changed |= files::ensure_acme_json(&paths.acme_json())?;
        }
        changed |= files::write_state_file(&paths.dynamic_toml(), &self.traefik.dynamic_toml)?;
        changed |= files::write_state_file(&paths.traefik_toml(), &self.traefik.static_toml)?;
        if let Some(json) = &self.hub_json {
            changed |= files::write_state_file(&paths.hub_config_json(), json)?;
        }
        Ok(changed)
    }
}

/// Renders the hub JSON and the Traefik files into state/. Returns whether
/// any file changed. Never touches `rules/rules.toml` (the hub's routes).
pub fn write_all(paths: &Paths) -> Result<bool> {
    Plan::build(paths, true)?.write(paths)
}

/// Renders traefik.toml and rules/dynamic.toml only (for `reload proxy`).
pub fn write_traefik(paths: &Paths) -> Result<bool> {
    Plan::build(paths, false)?.write(paths)
}
