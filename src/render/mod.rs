//! Rendering the effective config into the files other programs read:
//! `state/hub-config.json` for the hub (see `hub`), `state/traefik.toml` and
//! `state/rules/dynamic.toml` for Traefik (see `traefik`). The renderers are
//! pure; `files` does the I/O. Everything is rendered and validated before
//! the first write, and a file is only rewritten when its bytes change.

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
    effective::unknown_keys(&loaded.user())
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
            (self.traefik_static, "traefik.toml"),
            (self.hub_config, "hub-config.json"),
        ] {
            if changed.changed() {
                names.push(name);
            }
        }
        let mut line = format!("updated in {}: {}", state.display(), names.join(", "));
        if self.traefik_static == Outcome::Updated {
            line.push_str(" (run `tljh-config reload proxy` to apply traefik.toml)");
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
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn prefix() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        (dir, paths)
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn set_config(paths: &Paths, text: &str) {
        std::fs::write(paths.config_toml(), text).unwrap();
    }

    #[test]
    fn write_all_creates_private_files_then_changes_nothing() {
        let (_d, paths) = prefix();
        assert!(write_all(&paths).unwrap().any());
        for f in [
            paths.hub_config_json(),
            paths.traefik_toml(),
            paths.dynamic_toml(),
            paths.traefik_api_secret(),
        ] {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        assert_eq!(mode(&paths.state_dir()), 0o700);
        assert_eq!(mode(&paths.rules_dir()), 0o700);
        let json = std::fs::read_to_string(paths.hub_config_json()).unwrap();
        let secret = std::fs::read_to_string(paths.traefik_api_secret()).unwrap();
        assert_eq!(secret.trim().len(), 64);
        // The only traefik_api_password trait is TraefikProxy's.
        assert!(
            json.contains(&format!("\"traefik_api_password\": \"{}\"", secret.trim())),
            "{json}"
        );
        let before = std::fs::metadata(paths.traefik_toml())
            .unwrap()
            .modified()
            .unwrap();
        let again = write_all(&paths).unwrap();
        assert!(!again.any(), "second render changed something: {again:?}");
        assert_eq!(
            again.summary(&paths),
            format!("{} is up to date", paths.state_dir().display())
        );
        assert_eq!(
            std::fs::metadata(paths.traefik_toml())
                .unwrap()
                .modified()
                .unwrap(),
            before
        );
    }

    #[test]
    fn config_change_is_picked_up_and_rules_toml_is_never_touched() {
        let (_d, paths) = prefix();
        write_all(&paths).unwrap();
        let routes = "[jupyterhub.routes]\n# live routes\n";
        std::fs::write(paths.rules_toml(), routes).unwrap();
        set_config(&paths, "[http]\nport = 8080\n");
        assert!(write_all(&paths).unwrap().any());
        assert!(
            std::fs::read_to_string(paths.traefik_toml())
                .unwrap()
                .contains("address = \":8080\"")
        );
        assert!(write_traefik(&paths).is_ok());
        assert_eq!(std::fs::read_to_string(paths.rules_toml()).unwrap(), routes);
    }

    #[test]
    fn bad_config_changes_no_file() {
        let (_d, paths) = prefix();
        write_all(&paths).unwrap();
        let snapshot = |p: &Paths| {
            [p.hub_config_json(), p.traefik_toml(), p.dynamic_toml()]
                .map(|f| std::fs::read_to_string(f).unwrap())
        };
        let before = snapshot(&paths);
        for bad in [
            "[https]\nenabled = true\n",
            "[http]\nport = \"eighty\"\n",
            "not toml [",
        ] {
            set_config(&paths, bad);
            assert!(write_all(&paths).is_err(), "accepted {bad:?}");
            assert_eq!(snapshot(&paths), before, "files changed for {bad:?}");
        }
    }

    #[test]
    fn bad_snippet_is_named_and_changes_no_file() {
        let (_d, paths) = prefix();
        write_all(&paths).unwrap();
        let before = std::fs::read_to_string(paths.traefik_toml()).unwrap();
        std::fs::create_dir_all(paths.traefik_config_d()).unwrap();
        std::fs::write(
            paths.traefik_config_d().join("10-ok.toml"),
            "[log]\nlevel = \"DEBUG\"\n",
        )
        .unwrap();
        std::fs::write(
            paths.traefik_config_d().join("20-bad.toml"),
            "[log]\nlevel =\n",
        )
        .unwrap();
        let e = write_traefik(&paths).unwrap_err();
        assert!(e.message.contains("20-bad.toml"), "{}", e.message);
        assert!(e.message.contains("line 2"), "{}", e.message);
        assert_eq!(
            std::fs::read_to_string(paths.traefik_toml()).unwrap(),
            before
        );
        std::fs::remove_file(paths.traefik_config_d().join("20-bad.toml")).unwrap();
        assert_eq!(
            write_traefik(&paths).unwrap().traefik_static,
            Outcome::Updated
        );
        assert!(
            std::fs::read_to_string(paths.traefik_toml())
                .unwrap()
                .contains("level = \"DEBUG\"")
        );
    }

    #[test]
    fn missing_certificate_file_is_named() {
        let (d, paths) = prefix();
        let cert = d.path().join("hub.crt");
        let key = d.path().join("hub.key");
        std::fs::write(&key, "key").unwrap();
        set_config(
            &paths,
            &format!(
                "[https]\nenabled = true\ntls.cert = {:?}\ntls.key = {:?}\n",
                cert.display().to_string(),
                key.display().to_string()
            ),
        );
        let e = write_all(&paths).unwrap_err();
        assert!(e.message.contains("https.tls.cert"), "{}", e.message);
        assert!(e.message.contains("hub.crt"), "{}", e.message);
        assert!(!paths.traefik_toml().exists());
        std::fs::write(&cert, "cert").unwrap();
        assert!(write_all(&paths).unwrap().any());
    }

    #[test]
    fn letsencrypt_creates_private_acme_store_and_keeps_its_content() {
        let (_d, paths) = prefix();
        set_config(
            &paths,
            "[https]\nenabled = true\nletsencrypt.email = \"a@example.org\"\nletsencrypt.domains = [\"example.org\"]\n",
        );
        write_all(&paths).unwrap();
        assert_eq!(mode(&paths.acme_json()), 0o600);
        std::fs::write(paths.acme_json(), "{\"certs\": 1}").unwrap();
        std::fs::set_permissions(paths.acme_json(), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        write_all(&paths).unwrap();
        assert_eq!(mode(&paths.acme_json()), 0o600);
        assert_eq!(
            std::fs::read_to_string(paths.acme_json()).unwrap(),
            "{\"certs\": 1}"
        );
    }

    #[test]
    fn existing_secret_is_kept() {
        let (_d, paths) = prefix();
        std::fs::create_dir_all(paths.state_dir()).unwrap();
        std::fs::write(paths.traefik_api_secret(), "kept\n").unwrap();
        write_all(&paths).unwrap();
        assert_eq!(
            std::fs::read_to_string(paths.traefik_api_secret()).unwrap(),
            "kept\n"
        );
        assert!(
            std::fs::read_to_string(paths.dynamic_toml())
                .unwrap()
                .contains(&traefik::htpasswd_sha("api_admin", "kept"))
        );
    }

    #[test]
    fn unknown_keys_are_ignored_with_a_warning() {
        let (_d, paths) = prefix();
        set_config(
            &paths,
            "[auth]\nallow_all = true\n[user]\nadmin = [\"a\"]\n",
        );
        let w = write_all(&paths).unwrap();
        assert_eq!(w.warnings.len(), 2, "{:?}", w.warnings);
        assert!(w.warnings.iter().any(|m| m.contains("auth.allow_all")));
        assert!(
            w.warnings
                .iter()
                .any(|m| m.contains("unknown key user ") && m.contains("did you mean")),
            "{:?}",
            w.warnings
        );
    }

    #[test]
    fn a_new_api_secret_reaches_the_hub_config_even_from_write_traefik() {
        let (_d, paths) = prefix();
        write_all(&paths).unwrap();
        std::fs::remove_file(paths.traefik_api_secret()).unwrap();
        let w = write_traefik(&paths).unwrap();
        assert!(w.api_secret.changed() && w.hub_config.changed(), "{w:?}");
        let secret = std::fs::read_to_string(paths.traefik_api_secret()).unwrap();
        assert!(
            std::fs::read_to_string(paths.hub_config_json())
                .unwrap()
                .contains(secret.trim())
        );
    }

    #[test]
    fn glue_is_embedded() {
        assert!(JUPYTERHUB_CONFIG_PY.contains("class HubcfgSpawner"));
    }
}
