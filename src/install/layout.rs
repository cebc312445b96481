//! Steps that lay out files under the prefix: config and state directories
//! with a commented default config.toml, the installed hubcfg binary, and the
//! JupyterHub config glue.

use crate::error::{Context, Result};
use crate::fsutil::{self, Outcome};
use crate::install::{Ctx, Step};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::render::JUPYTERHUB_CONFIG_PY;

pub const DEFAULT_CONFIG_TOML: &str = include_str!("../../assets/config.toml");

/// Mode of a path's permission bits, or None when it does not exist.
fn mode_of(path: &Path) -> Option<u32> {
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

/// `p` relative to the prefix for short messages; the prefix itself (or a
/// path outside it) in full.
fn rel(ctx: &Ctx, p: &Path) -> String {
    match p.strip_prefix(&ctx.paths.prefix) {
        Ok(r) if !r.as_os_str().is_empty() => r.display().to_string(),
        _ => p.display().to_string(),
    }
}

/// What a directory needs: created, or its mode fixed.
fn dir_plan(ctx: &Ctx, dir: &Path, mode: u32) -> Option<String> {
    match mode_of(dir) {
        None => Some(format!("create {}/ (mode {mode:o})", rel(ctx, dir))),
        Some(m) if m != mode => Some(format!(
            "set mode of {}/ from {m:o} to {mode:o}",
            rel(ctx, dir)
        )),
        Some(_) => None,
    }
}

/// `config/`, `config/jupyterhub_config.d/`, `config/traefik_config.d/`,
/// `state/` (all 0700) and a commented `config/config.toml` (0600) when none
/// exists. An existing config.toml is never touched.
pub struct ConfigDirs;

impl ConfigDirs {
    fn dirs(ctx: &Ctx) -> Vec<(PathBuf, u32)> {
        let p = ctx.paths;
        vec![
            (p.prefix.clone(), 0o755),
            (p.config_dir(), 0o700),
            (p.jupyterhub_config_d(), 0o700),
            (p.traefik_config_d(), 0o700),
            (p.state_dir(), 0o700),
        ]
    }
}

impl Step for ConfigDirs {
    fn name(&self) -> &'static str {
        "Config and state directories"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let mut plan: Vec<String> = Self::dirs(ctx)
            .iter()
            .filter_map(|(d, m)| dir_plan(ctx, d, *m))
            .collect();
        let config = ctx.paths.config_toml();
        if std::fs::symlink_metadata(&config).is_err() {
            plan.push(format!("write a commented default {}", rel(ctx, &config)));
        }
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        for (dir, mode) in Self::dirs(ctx) {
            fsutil::ensure_dir(&dir, mode).context(|| format!("creating {}", dir.display()))?;
        }
        let config = ctx.paths.config_toml();
        if std::fs::symlink_metadata(&config).is_err() {
            fsutil::write_atomic(&config, DEFAULT_CONFIG_TOML.as_bytes(), 0o600)
                .context(|| format!("writing {}", config.display()))?;
        }
        Ok(())
    }
}

/// Copies the running binary to `$PREFIX/bin/hubcfg` (0755) when the bytes
/// differ; the units and links point at that copy.
pub struct SelfInstall {
    /// The binary to install (default: the running one).
    pub source: Option<PathBuf>,
}

impl SelfInstall {
    fn source(&self) -> Result<PathBuf> {
        match &self.source {
            Some(p) => Ok(p.clone()),
            None => Ok(std::env::current_exe()
                .context(|| "finding the running hubcfg binary".to_string())?),
        }
    }

    fn differs(&self, ctx: &Ctx) -> Result<Option<String>> {
        let src = self.source()?;
        let dest = ctx.paths.hubcfg_bin();
        if same_file(&src, &dest) {
            return Ok(mode_of(&dest)
                .filter(|m| *m != 0o755)
                .map(|m| format!("set mode of bin/hubcfg from {m:o} to 755")));
        }
        let new = std::fs::read(&src).context(|| format!("reading {}", src.display()))?;
        Ok(match std::fs::read(&dest) {
            Err(_) => Some(format!("install {} as bin/hubcfg", src.display())),
            Ok(old) if old != new => Some(format!(
                "update bin/hubcfg from {} ({} bytes)",
                src.display(),
                new.len()
            )),
            Ok(_) if mode_of(&dest) != Some(0o755) => {
                Some("set mode of bin/hubcfg to 755".to_string())
            }
            Ok(_) => None,
        })
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

impl Step for SelfInstall {
    fn name(&self) -> &'static str {
        "hubcfg binary"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        Ok(self.differs(ctx)?.into_iter().collect())
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let dest = ctx.paths.hubcfg_bin();
        fsutil::ensure_dir(&ctx.paths.bin_dir(), 0o755)?;
        let src = self.source()?;
        if same_file(&src, &dest) {
            fsutil::write_if_changed(&dest, &std::fs::read(&dest)?, 0o755)?;
            return Ok(());
        }
        let bytes = std::fs::read(&src).context(|| format!("reading {}", src.display()))?;
        // write_atomic renames over the old file, so a running copy is fine.
        fsutil::write_if_changed(&dest, &bytes, 0o755)
            .context(|| format!("installing {}", dest.display()))?;
        Ok(())
    }
}

/// Copies `assets/jupyterhub_config.py` to `hub/etc/jupyterhub_config.py`
/// (0644). A change means the hub must restart to load it.
pub struct HubGlue;

impl Step for HubGlue {
    fn name(&self) -> &'static str {
        "JupyterHub config glue"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let dest = ctx.paths.jupyterhub_config_py();
        Ok(match std::fs::read(&dest) {
            Err(_) => vec![format!("write {}", rel(ctx, &dest))],
            Ok(b) if b != JUPYTERHUB_CONFIG_PY.as_bytes() => {
                vec![format!("update {}", rel(ctx, &dest))]
            }
            Ok(_) if mode_of(&dest) != Some(0o644) => {
                vec![format!("set mode of {} to 644", rel(ctx, &dest))]
            }
            Ok(_) => vec![],
        })
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let dest = ctx.paths.jupyterhub_config_py();
        if let Some(dir) = dest.parent() {
            fsutil::ensure_dir(dir, 0o755).context(|| format!("creating {}", dir.display()))?;
        }
        let outcome = fsutil::write_if_changed(&dest, JUPYTERHUB_CONFIG_PY.as_bytes(), 0o644)
            .context(|| format!("writing {}", dest.display()))?;
        if outcome != Outcome::Unchanged {
            ctx.restart_needed.set(true);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::tests::{TestCtx, assert_idempotent};

    #[test]
    fn config_dirs_are_created_private_and_config_kept() {
        let t = TestCtx::new();
        let ctx = t.ctx();
        let plan = ConfigDirs.plan(&ctx).unwrap();
        assert_eq!(plan.len(), 6);
        assert_eq!(
            plan[0],
            format!("create {}/ (mode 755)", t.paths.prefix.display())
        );
        assert_eq!(plan[1], "create config/ (mode 700)");
        assert_idempotent(&ConfigDirs, &ctx);
        for d in [
            "config",
            "config/jupyterhub_config.d",
            "config/traefik_config.d",
            "state",
        ] {
            assert_eq!(mode_of(&t.paths.prefix.join(d)), Some(0o700), "{d}");
        }
        assert_eq!(mode_of(&t.paths.config_toml()), Some(0o600));
        // The user's own config survives a re-run byte for byte.
        std::fs::write(t.paths.config_toml(), "[users]\nadmin = [\"me\"] # mine\n").unwrap();
        std::fs::set_permissions(t.paths.state_dir(), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        assert_eq!(
            ConfigDirs.plan(&ctx).unwrap(),
            vec!["set mode of state/ from 755 to 700"]
        );
        assert_idempotent(&ConfigDirs, &ctx);
        assert_eq!(
            std::fs::read_to_string(t.paths.config_toml()).unwrap(),
            "[users]\nadmin = [\"me\"] # mine\n"
        );
    }

    #[test]
    fn default_config_is_valid_toml_with_no_settings() {
        let t: toml::Table = DEFAULT_CONFIG_TOML.parse().unwrap();
        assert!(t.is_empty(), "the default config only has comments");
    }

    #[test]
    fn self_install_copies_when_bytes_differ() {
        let t = TestCtx::new();
        let ctx = t.ctx();
        let src = t.dir.path().join("hubcfg-new");
        std::fs::write(&src, b"binary v1").unwrap();
        let step = SelfInstall {
            source: Some(src.clone()),
        };
        assert_idempotent(&step, &ctx);
        assert_eq!(std::fs::read(t.paths.hubcfg_bin()).unwrap(), b"binary v1");
        assert_eq!(mode_of(&t.paths.hubcfg_bin()), Some(0o755));
        std::fs::write(&src, b"binary v2").unwrap();
        assert!(step.plan(&ctx).unwrap()[0].starts_with("update bin/hubcfg"));
        assert_idempotent(&step, &ctx);
        // Running the installed copy itself: nothing to copy.
        let step = SelfInstall {
            source: Some(t.paths.hubcfg_bin()),
        };
        assert!(step.plan(&ctx).unwrap().is_empty());
        assert!(!ctx.restart_needed.get(), "a new binary needs no restart");
    }

    #[test]
    fn glue_copy_sets_restart_only_when_changed() {
        let t = TestCtx::new();
        let ctx = t.ctx();
        assert_idempotent(&HubGlue, &ctx);
        assert!(ctx.restart_needed.get());
        assert_eq!(mode_of(&t.paths.jupyterhub_config_py()), Some(0o644));
        ctx.restart_needed.set(false);
        HubGlue.execute(&ctx).unwrap();
        assert!(!ctx.restart_needed.get());
        std::fs::write(t.paths.jupyterhub_config_py(), "edited").unwrap();
        assert_eq!(
            HubGlue.plan(&ctx).unwrap(),
            vec!["update hub/etc/jupyterhub_config.py"]
        );
        HubGlue.execute(&ctx).unwrap();
        assert!(ctx.restart_needed.get());
    }
}
