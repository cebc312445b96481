//! Steps that lay out files under the prefix: config and state directories
//! with a commented default config.toml, the installed hubcfg binary, and the
//! JupyterHub config glue.

use crate::error::{Context, Result};
use crate::fsutil;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::report::Reporter;
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::render::JUPYTERHUB_CONFIG_PY;

pub const DEFAULT_CONFIG_TOML: &str = include_str!("../../../assets/config.toml");

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

/// A path under the prefix with its short name for the plan line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub path: PathBuf,
    pub rel: String,
}

impl Shown {
    fn new(ctx: &Ctx, path: PathBuf) -> Self {
        Shown {
            rel: rel(ctx, &path),
            path,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirsAction {
    CreateDir { dir: Shown, mode: u32 },
    SetMode { dir: Shown, from: u32, to: u32 },
    WriteDefaultConfig(Shown),
}

impl fmt::Display for DirsAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirsAction::CreateDir { dir, mode } => write!(f, "create {}/ (mode {mode:o})", dir.rel),
            DirsAction::SetMode { dir, from, to } => {
                write!(f, "set mode of {}/ from {from:o} to {to:o}", dir.rel)
            }
            DirsAction::WriteDefaultConfig(c) => write!(f, "write a commented default {}", c.rel),
        }
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
    type Action = DirsAction;

    fn name(&self) -> &'static str {
        "Config and state directories"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<DirsAction>> {
        let mut plan = vec![];
        for (dir, mode) in Self::dirs(ctx) {
            match mode_of(&dir) {
                None => plan.push(DirsAction::CreateDir {
                    dir: Shown::new(ctx, dir),
                    mode,
                }),
                Some(m) if m != mode => plan.push(DirsAction::SetMode {
                    dir: Shown::new(ctx, dir),
                    from: m,
                    to: mode,
                }),
                Some(_) => {}
            }
        }
        let config = ctx.paths.config_toml();
        if std::fs::symlink_metadata(&config).is_err() {
            plan.push(DirsAction::WriteDefaultConfig(Shown::new(ctx, config)));
        }
        Ok(plan)
    }

    fn execute(&self, _ctx: &Ctx, plan: &[DirsAction], _: &dyn Reporter) -> Result<Outcome> {
        for action in plan {
            match action {
                DirsAction::CreateDir { dir, mode: to } | DirsAction::SetMode { dir, to, .. } => {
                    fsutil::ensure_dir(&dir.path, *to)
                        .context(|| format!("creating {}", dir.path.display()))?;
                }
                DirsAction::WriteDefaultConfig(c) => {
                    fsutil::write_atomic(&c.path, DEFAULT_CONFIG_TOML.as_bytes(), 0o600)
                        .context(|| format!("writing {}", c.path.display()))?;
                }
            }
        }
        Ok(Outcome::done())
    }
}

/// Copies the running binary to `$PREFIX/bin/hubcfg` (0755) when the bytes
/// differ; the units and links point at that copy.
pub struct SelfInstall {
    /// The binary to install (default: the running one).
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinAction {
    Install { src: PathBuf },
    Update { src: PathBuf, bytes: usize },
    SetMode { from: Option<u32> },
}

impl fmt::Display for BinAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BinAction::Install { src } => write!(f, "install {} as bin/hubcfg", src.display()),
            BinAction::Update { src, bytes } => write!(
                f,
                "update bin/hubcfg from {} ({bytes} bytes)",
                src.display()
            ),
            BinAction::SetMode { from: Some(m) } => {
                write!(f, "set mode of bin/hubcfg from {m:o} to 755")
            }
            BinAction::SetMode { from: None } => f.write_str("set mode of bin/hubcfg to 755"),
        }
    }
}

impl SelfInstall {
    fn source(&self) -> Result<PathBuf> {
        match &self.source {
            Some(p) => Ok(p.clone()),
            None => Ok(std::env::current_exe()
                .context(|| "finding the running hubcfg binary".to_string())?),
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

impl Step for SelfInstall {
    type Action = BinAction;

    fn name(&self) -> &'static str {
        "hubcfg binary"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<BinAction>> {
        let src = self.source()?;
        let dest = ctx.paths.hubcfg_bin();
        if same_file(&src, &dest) {
            return Ok(mode_of(&dest)
                .filter(|m| *m != 0o755)
                .map(|m| BinAction::SetMode { from: Some(m) })
                .into_iter()
                .collect());
        }
        let new = std::fs::read(&src).context(|| format!("reading {}", src.display()))?;
        Ok(match std::fs::read(&dest) {
            Err(_) => vec![BinAction::Install { src }],
            Ok(old) if old != new => vec![BinAction::Update {
                src,
                bytes: new.len(),
            }],
            Ok(_) if mode_of(&dest) != Some(0o755) => vec![BinAction::SetMode { from: None }],
            Ok(_) => vec![],
        })
    }

    fn execute(&self, ctx: &Ctx, plan: &[BinAction], _: &dyn Reporter) -> Result<Outcome> {
        let dest = ctx.paths.hubcfg_bin();
        for action in plan {
            match action {
                BinAction::Install { src } | BinAction::Update { src, .. } => {
                    fsutil::ensure_dir(&ctx.paths.bin_dir(), 0o755)?;
                    let bytes =
                        std::fs::read(src).context(|| format!("reading {}", src.display()))?;
                    // write_atomic renames over the old file, so a running copy is fine.
                    fsutil::write_if_changed(&dest, &bytes, 0o755)
                        .context(|| format!("installing {}", dest.display()))?;
                }
                BinAction::SetMode { .. } => {
                    fs_err::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))?
                }
            }
        }
        // A new binary needs no restart: the units run it afresh each start.
        Ok(Outcome::done())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlueAction {
    Write(Shown),
    Update(Shown),
    SetMode(Shown),
}

impl fmt::Display for GlueAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlueAction::Write(p) => write!(f, "write {}", p.rel),
            GlueAction::Update(p) => write!(f, "update {}", p.rel),
            GlueAction::SetMode(p) => write!(f, "set mode of {} to 644", p.rel),
        }
    }
}

/// Copies `assets/jupyterhub_config.py` to `hub/etc/jupyterhub_config.py`
/// (0644). A change means the hub must restart to load it.
pub struct HubGlue;

impl Step for HubGlue {
    type Action = GlueAction;

    fn name(&self) -> &'static str {
        "JupyterHub config glue"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<GlueAction>> {
        let dest = ctx.paths.jupyterhub_config_py();
        let shown = || Shown::new(ctx, dest.clone());
        Ok(match std::fs::read(&dest) {
            Err(_) => vec![GlueAction::Write(shown())],
            Ok(b) if b != JUPYTERHUB_CONFIG_PY.as_bytes() => vec![GlueAction::Update(shown())],
            Ok(_) if mode_of(&dest) != Some(0o644) => vec![GlueAction::SetMode(shown())],
            Ok(_) => vec![],
        })
    }

    fn execute(&self, _ctx: &Ctx, plan: &[GlueAction], _: &dyn Reporter) -> Result<Outcome> {
        let mut outcome = Outcome::done();
        for action in plan {
            let (GlueAction::Write(shown) | GlueAction::Update(shown) | GlueAction::SetMode(shown)) =
                action;
            let dest = &shown.path;
            if let Some(dir) = dest.parent() {
                fsutil::ensure_dir(dir, 0o755).context(|| format!("creating {}", dir.display()))?;
            }
            let written = fsutil::write_if_changed(dest, JUPYTERHUB_CONFIG_PY.as_bytes(), 0o644)
                .context(|| format!("writing {}", dest.display()))?;
            if written.changed() {
                outcome.restart = Restart::because(format!("{} changed", shown.rel));
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests;
