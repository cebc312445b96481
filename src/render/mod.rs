//! Rendering the effective config into the files other programs read:
//! `state/hub-config.json` for the hub (see `hub`), `state/traefik.toml` and
//! `state/rules/dynamic.toml` for Traefik (see `traefik`). The renderers are
//! pure; `files` does the I/O. Everything is rendered and validated before
//! the first write, and a file is only rewritten when its bytes change.

pub mod acme;
pub mod files;
pub mod hub;
pub mod merge;
pub mod routes;
pub mod traefik;

use crate::config::load::Loaded;
use crate::effective;
use crate::error::{Context, Error, Result};
use crate::fsutil::Outcome;
use crate::paths::Paths;

/// Keys in config.toml that nothing reads. Ignored rather than refused so a
/// stray key cannot keep the hub from starting (TLJH's W13).
fn unknown_key_warnings(loaded: &Loaded) -> Vec<String> {
    crate::config::walk::unknown_keys(&loaded.user())
        .into_iter()
        .map(|k| {
            let hint = crate::schema::suggest(&k)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            format!(
                "{}: unknown key {k} is ignored{hint}",
                loaded.path.display()
            )
        })
        .collect()
}

/// The JupyterHub glue, installed as `Paths::jupyterhub_config_py`.
pub const JUPYTERHUB_CONFIG_PY: &str = include_str!("../../assets/jupyterhub_config.py");

/// Everything a render would write, already validated.
struct Plan {
    /// A Traefik API secret generated because state/ had none.
    new_secret: Option<String>,
    traefik: traefik::Rendered,
    hub_json: Option<String>,
    warnings: Vec<String>,
}

impl Plan {
    fn build(paths: &Paths, with_hub: bool) -> Result<Plan> {
        let mut secrets = effective::load_secrets(paths)?;
        let new_secret = match secrets.traefik_api_password {
            Some(_) => None,
            None => Some(files::new_api_secret()?),
        };
        if new_secret.is_some() {
            secrets.traefik_api_password.clone_from(&new_secret);
        }
        let loaded = Loaded::installed(paths)?;
        let mut warnings = unknown_key_warnings(&loaded);
        let eff = effective::load::typed(&loaded, &secrets)?;
        warnings.extend(traefik::warnings(&eff));
        let snippets = files::read_snippets(&paths.traefik_config_d())?;
        let traefik = traefik::render(&eff, paths, &snippets)?;
        files::check_tls_files(&traefik.https)?;
        files::check_ca_bundle(&traefik.https)?;
        // A new API password must reach the hub too, or it could not talk to
        // Traefik until its next start.
        let hub_json = if with_hub || new_secret.is_some() {
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
            warnings,
        })
    }

    fn write(&self, paths: &Paths) -> Result<Written> {
        let mut w = Written {
            dirs: files::ensure_state_dirs(paths)?,
            warnings: self.warnings.clone(),
            ..Written::default()
        };
        if let Some(secret) = &self.new_secret {
            w.api_secret =
                files::write_state_file(&paths.traefik_api_secret(), &format!("{secret}\n"))?;
        }
        if matches!(self.traefik.https, traefik::Https::LetsEncrypt { .. }) {
            w.acme_json = files::ensure_acme_json(&paths.acme_json())?;
        }
        // Dynamic first: Traefik hot-reloads it, and the static file is only
        // read when Traefik restarts.
        w.traefik_dynamic =
            files::write_state_file(&paths.dynamic_toml(), &self.traefik.dynamic_toml)?;
        w.traefik_env = files::write_state_file(&paths.traefik_env(), &self.traefik.env)?;
        w.traefik_static =
            files::write_state_file(&paths.traefik_toml(), &self.traefik.static_toml)?;
        if let Some(json) = &self.hub_json {
            w.hub_config = files::write_state_file(&paths.hub_config_json(), json)?;
        }
        Ok(w)
    }
}

/// What a render changed in state/, and what it ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub dirs: Outcome,
    pub api_secret: Outcome,
    pub acme_json: Outcome,
    pub traefik_dynamic: Outcome,
    /// state/traefik.env, read by the unit when Traefik (re)starts.
    pub traefik_env: Outcome,
    /// An updated traefik.toml takes effect when Traefik restarts
    /// (`tljh-config reload proxy`).
    pub traefik_static: Outcome,
    pub hub_config: Outcome,
    /// Things the user should know (unknown keys in config.toml).
    pub warnings: Vec<String>,
}

impl Default for Written {
    fn default() -> Self {
        Written {
            dirs: Outcome::Unchanged,
            api_secret: Outcome::Unchanged,
            acme_json: Outcome::Unchanged,
            traefik_dynamic: Outcome::Unchanged,
            traefik_env: Outcome::Unchanged,
            traefik_static: Outcome::Unchanged,
            hub_config: Outcome::Unchanged,
            warnings: vec![],
        }
    }
}

impl Written {
    /// Whether any file or directory changed.
    pub fn any(&self) -> bool {
        [
            self.dirs,
            self.api_secret,
            self.acme_json,
            self.traefik_dynamic,
            self.traefik_env,
            self.traefik_static,
            self.hub_config,
        ]
        .iter()
        .any(|o| o.changed())
    }

    /// One line for the user (or the journal, under ExecStartPre).
    pub fn summary(&self, paths: &Paths) -> String {
        let state = paths.state_dir();
        if !self.any() {
            return format!("{} is up to date", state.display());
        }
        let mut names = vec![];
        for (changed, name) in [
            (self.api_secret, "traefik-api.secret"),
            (self.acme_json, "acme.json"),
            (self.traefik_dynamic, "rules/dynamic.toml"),
            (self.traefik_env, "traefik.env"),
            (self.traefik_static, "traefik.toml"),
            (self.hub_config, "hub-config.json"),
        ] {
            if changed.changed() {
                names.push(name);
            }
        }
        let mut line = format!("updated in {}: {}", state.display(), names.join(", "));
        if self.traefik_static == Outcome::Updated || self.traefik_env == Outcome::Updated {
            line.push_str(" (run `tljh-config reload proxy` to apply it)");
        }
        line
    }
}

/// Renders the hub JSON and the Traefik files into state/ and says what
/// changed. Never touches `rules/rules.toml` (the hub's live routes).
pub fn write_all(paths: &Paths) -> Result<Written> {
    Plan::build(paths, true)?.write(paths)
}

/// Moves the hub's existing routes in rules/rules.toml onto the entrypoint
/// the current config serves them on (see `routes`). Only safe while the hub
/// is stopped, since the hub rewrites that file itself: the hub unit runs it
/// as `hubcfg render --hub-stopped` before each start. Returns whether the
/// file changed.
pub fn retarget_routes(paths: &Paths) -> Result<bool> {
    let path = paths.rules_toml();
    let text = match fs_err::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let eff = effective::load(paths)?;
    let entrypoint = traefik::route_entrypoint(&eff)?;
    match routes::retarget(&text, entrypoint).context(|| path.display().to_string())? {
        Some(new) => {
            crate::fsutil::write_atomic(&path, new.as_bytes(), files::STATE_FILE_MODE)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Renders traefik.toml and rules/dynamic.toml only (for `reload proxy`).
pub fn write_traefik(paths: &Paths) -> Result<Written> {
    Plan::build(paths, false)?.write(paths)
}

#[cfg(test)]
mod tests;
