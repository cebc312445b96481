//! Where everything lives under the install prefix (the table in README.md, "Layout on the host").

use std::path::{Path, PathBuf};

pub const DEFAULT_PREFIX: &str = "/opt/tljh";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub prefix: PathBuf,
}

impl Paths {
    pub fn new(prefix: impl Into<PathBuf>) -> Self {
        Paths {
            prefix: prefix.into(),
        }
    }

    /// `--prefix`, else `HUBCFG_PREFIX`, else `TLJH_INSTALL_PREFIX`, else /opt/tljh.
    pub fn resolve(cli_prefix: Option<&Path>) -> Self {
        if let Some(p) = cli_prefix {
            return Paths::new(p);
        }
        for var in ["HUBCFG_PREFIX", "TLJH_INSTALL_PREFIX"] {
            if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                return Paths::new(v);
            }
        }
        Paths::new(DEFAULT_PREFIX)
    }

    fn join(&self, rel: &str) -> PathBuf {
        self.prefix.join(rel)
    }

    pub fn bin_dir(&self) -> PathBuf {
        self.join("bin")
    }
    /// The installed copy of this binary.
    pub fn hubcfg_bin(&self) -> PathBuf {
        self.join("bin/hubcfg")
    }
    pub fn hub_env(&self) -> PathBuf {
        self.join("hub")
    }
    pub fn hub_python(&self) -> PathBuf {
        self.join("hub/bin/python3")
    }
    pub fn traefik_bin(&self) -> PathBuf {
        self.join("hub/bin/traefik")
    }
    pub fn user_env(&self) -> PathBuf {
        self.join("user")
    }
    pub fn config_dir(&self) -> PathBuf {
        self.join("config")
    }
    pub fn config_toml(&self) -> PathBuf {
        self.join("config/config.toml")
    }
    pub fn jupyterhub_config_d(&self) -> PathBuf {
        self.join("config/jupyterhub_config.d")
    }
    pub fn traefik_config_d(&self) -> PathBuf {
        self.join("config/traefik_config.d")
    }
    pub fn state_dir(&self) -> PathBuf {
        self.join("state")
    }
    /// The effective config rendered for the hub (read by jupyterhub_config.py).
    pub fn hub_config_json(&self) -> PathBuf {
        self.join("state/hub-config.json")
    }
    /// The JupyterHub config glue, copied from assets/ at install.
    pub fn jupyterhub_config_py(&self) -> PathBuf {
        self.join("hub/etc/jupyterhub_config.py")
    }
    pub fn traefik_toml(&self) -> PathBuf {
        self.join("state/traefik.toml")
    }
    pub fn rules_dir(&self) -> PathBuf {
        self.join("state/rules")
    }
    pub fn dynamic_toml(&self) -> PathBuf {
        self.join("state/rules/dynamic.toml")
    }
    /// JupyterHub's live route table, owned by jupyterhub-traefik-proxy.
    pub fn rules_toml(&self) -> PathBuf {
        self.join("state/rules/rules.toml")
    }
    /// Environment for traefik.service (`EnvironmentFile=`), rendered.
    pub fn traefik_env(&self) -> PathBuf {
        self.join("state/traefik.env")
    }
    pub fn acme_json(&self) -> PathBuf {
        self.join("state/acme.json")
    }
    pub fn traefik_api_secret(&self) -> PathBuf {
        self.join("state/traefik-api.secret")
    }
    /// The API token of the `hubcfg` hub service (0600): `users list`,
    /// `users remove`, `status` talk to the hub's REST API with it.
    pub fn hub_token(&self) -> PathBuf {
        self.join("state/hubcfg-hub-token")
    }
    pub fn passwords_dbm(&self) -> PathBuf {
        self.join("state/passwords.dbm")
    }
    /// What hubcfg changed outside the prefix (src/journal).
    pub fn journal(&self) -> PathBuf {
        self.join("state/journal.jsonl")
    }
    /// Copies of files that were there before hubcfg replaced them.
    pub fn journal_saved_dir(&self) -> PathBuf {
        self.join("state/journal-saved")
    }
    pub fn installer_log(&self) -> PathBuf {
        self.join("installer.log")
    }
}

/// Lock file guarding config.toml, next to the file it guards.
pub fn lock_path_for(config: &Path) -> PathBuf {
    let mut name = config.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    config.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_sits_beside_config() {
        assert_eq!(
            lock_path_for(Path::new("/x/config/config.toml")),
            PathBuf::from("/x/config/config.toml.lock")
        );
    }

    #[test]
    fn explicit_prefix_wins() {
        assert_eq!(
            Paths::resolve(Some(Path::new("/tmp/p"))).config_toml(),
            PathBuf::from("/tmp/p/config/config.toml")
        );
    }
}
