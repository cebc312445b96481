//! The one way packages get into a Python environment (the hub env, the user
//! env, plugins): uv by default, pip as the fallback, both fed the machine's
//! pip settings.
//!
//! uv does not read pip's configuration, so `for_machine` reads it (`pip
//! config list` of the hub venv) and `translate` turns it into uv's
//! arguments; a setting uv has no equivalent for makes that run use pip, and
//! the reason is kept for the step line.

pub mod pip_config;
pub mod translate;

use crate::cmd;
use crate::error::{Context, Result};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use translate::{Translation, UvSettings};

/// uv's requirement (a version range), installed into the hub venv.
pub const UV_REQUIREMENTS: &str = include_str!("../../assets/requirements-uv.txt");

/// `--installer`: which tool installs packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Choice {
    /// Several times faster than pip and lighter on memory; the machine's
    /// pip settings are translated for it (pip is used where one has no uv
    /// equivalent).
    #[default]
    Uv,
    /// pip itself, for sites that must use it.
    Pip,
}

/// Where a requirement list comes from.
#[derive(Debug, Clone, Copy)]
pub enum Requirements<'a> {
    File(&'a Path),
    /// A URL (`--user-requirements-txt-url`); both tools fetch it themselves.
    Url(&'a str),
    /// One requirement (`pip`).
    Spec(&'a str),
}

impl Requirements<'_> {
    fn arg(&self) -> String {
        match self {
            Requirements::File(p) => p.display().to_string(),
            Requirements::Url(u) => u.to_string(),
            Requirements::Spec(s) => s.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tool {
    Uv { exe: PathBuf, settings: UvSettings },
    Pip { index_url: Option<String> },
}

/// Installs requirement lists into environments, and lists what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installer {
    tool: Tool,
    /// Why pip is used although uv was asked for.
    fallback: Option<String>,
}

/// Where uv lives once installed into the venv `venv`.
pub fn uv_exe(venv: &Path) -> PathBuf {
    venv.join("bin/uv")
}

impl Installer {
    pub fn pip(index_url: Option<&str>) -> Installer {
        Installer {
            tool: Tool::Pip {
                index_url: index_url.map(str::to_string),
            },
            fallback: None,
        }
    }

    /// The installer `choice` gives on this machine: uv at `uv` with pip's
    /// settings (read with `settings_python`'s pip) translated, or pip when
    /// one of them has no uv equivalent.
    pub fn for_machine(
        choice: Choice,
        uv: &Path,
        settings_python: &Path,
        index_url: Option<&str>,
    ) -> Result<Installer> {
        if choice == Choice::Pip {
            return Ok(Installer::pip(index_url));
        }
        let settings = pip_config::read(settings_python)?;
        Ok(Installer::from_translation(
            translate::translate(&settings, index_url),
            uv,
            index_url,
        ))
    }

    fn from_translation(t: Translation, uv: &Path, index_url: Option<&str>) -> Installer {
        match t {
            Translation::Uv(settings) => Installer {
                tool: Tool::Uv {
                    exe: uv.to_path_buf(),
                    settings,
                },
                fallback: None,
            },
            Translation::Pip { reason } => {
                let reason = cmd::mask_url_password(&reason);
                tracing::info!("installing with pip instead of uv: {reason}");
                Installer {
                    fallback: Some(reason),
                    ..Installer::pip(index_url)
                }
            }
        }
    }

    /// "uv", "pip", or "pip (not uv: REASON)" for step lines.
    pub fn describe(&self) -> String {
        match (&self.tool, &self.fallback) {
            (Tool::Uv { .. }, _) => "uv".into(),
            (Tool::Pip { .. }, None) => "pip".into(),
            (Tool::Pip { .. }, Some(why)) => format!("pip (not uv: {why})"),
        }
    }

    /// `install --upgrade -r REQ…` into the environment of `python`,
    /// compiling .pyc files or not; `extra_args` go last (tests:
    /// `--no-index --find-links DIR`).
    pub fn install(
        &self,
        python: &Path,
        requirements: &[Requirements],
        compile: bool,
        extra_args: &[String],
    ) -> Result<()> {
        let mut c = self.command(python, "install");
        c.arg("--upgrade");
        for r in requirements {
            if !matches!(r, Requirements::Spec(_)) {
                c.arg("-r");
            }
            c.arg(r.arg());
        }
        match (&self.tool, compile) {
            (Tool::Uv { .. }, true) => drop(c.arg("--compile-bytecode")),
            (Tool::Pip { .. }, false) => drop(c.arg("--no-compile")),
            _ => {}
        }
        c.args(extra_args);
        let result = cmd::run_checked(&mut c).map(drop);
        if let Tool::Uv { .. } = self.tool {
            restrict_uv_lock(python)?;
        }
        result
    }

    pub fn is_uv(&self) -> bool {
        matches!(self.tool, Tool::Uv { .. })
    }

    /// `freeze` lines (name==version), sorted.
    pub fn freeze(&self, python: &Path) -> Result<BTreeSet<String>> {
        let mut c = self.command(python, "freeze");
        if let Tool::Pip { .. } = self.tool {
            c.arg("--all");
        }
        let out = cmd::run_checked(&mut c)
            .context(|| format!("listing the packages of {}", python.display()))?;
        Ok(out
            .stdout
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect())
    }

    fn command(&self, python: &Path, sub: &str) -> Command {
        match &self.tool {
            Tool::Pip { index_url } => {
                let mut c = pip(python, &[sub]);
                // In pip's environment, not its argv: see translate's UV_INDEX_URL.
                if let (Some(url), "install") = (index_url, sub) {
                    c.env("PIP_INDEX_URL", url);
                }
                c
            }
            Tool::Uv { exe, settings } => {
                let mut c = Command::new(exe);
                c.args(["pip", sub, "--python"]).arg(python);
                // uv.toml files and UV_* variables would bypass the
                // machine's pip settings, which are the source of truth.
                c.arg("--no-config");
                let inherited = std::env::vars_os().map(|(k, _)| k.to_string_lossy().into_owned());
                for k in uv_variables_to_drop(inherited) {
                    c.env_remove(k);
                }
                c.env("UV_PYTHON_DOWNLOADS", "never").env("NO_COLOR", "1");
                if sub == "install" {
                    c.args(&settings.args);
                }
                c.envs(settings.env.iter().map(|(k, v)| (k, v)));
                c
            }
        }
    }
}

/// uv's lock file in an environment (`ENV/.lock`).
pub fn uv_lock(env: &Path) -> PathBuf {
    env.join(".lock")
}

/// uv creates `ENV/.lock` world-writable, so that anyone may lock the
/// environment; here only root installs, and a lock a user could take would
/// stall every later install. Root only, then (uv keeps an existing mode).
fn restrict_uv_lock(python: &Path) -> Result<()> {
    let Some(env) = python.parent().and_then(Path::parent) else {
        return Ok(());
    };
    let lock = uv_lock(env);
    match std::fs::symlink_metadata(&lock) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o7777 != 0o600 => {
            std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o600))
                .context(|| format!("changing the mode of {}", lock.display()))
        }
        _ => Ok(()),
    }
}

/// The inherited `UV_*` variables a uv run must not see: all but the cache
/// location.
fn uv_variables_to_drop(names: impl Iterator<Item = String>) -> Vec<String> {
    names
        .filter(|k| k.starts_with("UV_") && k != "UV_CACHE_DIR")
        .collect()
}

/// `python -m pip ARGS` with a quiet, non-interactive pip.
pub fn pip(python: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(python);
    c.args(["-m", "pip"])
        .args(args)
        .arg("--no-input")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    c
}

/// pip into the venv of `python` (made without it), as `venv` would.
pub fn ensurepip(python: &Path) -> Result<()> {
    let mut c = Command::new(python);
    c.args(["-m", "ensurepip", "--upgrade", "--default-pip"]);
    cmd::run_checked(&mut c)
        .map(drop)
        .context(|| format!("installing pip with {}", python.display()))
}

/// `VENV/requirements-uv.txt` with uv's range (rewritten only when it
/// differs); its path.
pub fn write_uv_requirements(venv: &Path) -> Result<PathBuf> {
    let req = venv.join("requirements-uv.txt");
    crate::fsutil::write_if_changed(&req, UV_REQUIREMENTS.as_bytes(), 0o644)
        .context(|| format!("writing {}", req.display()))?;
    Ok(req)
}

/// Installs uv's pinned range into the venv of `python` with its own pip
/// (the first run; later runs check uv's upgrades with uv itself).
pub fn install_uv(
    python: &Path,
    index_url: Option<&str>,
    extra_args: &[String],
    dir: &Path,
) -> Result<()> {
    let req = write_uv_requirements(dir)?;
    Installer::pip(index_url)
        .install(python, &[Requirements::File(&req)], false, extra_args)
        .context(|| "installing uv into the hub environment".to_string())
}

#[cfg(test)]
mod tests;
