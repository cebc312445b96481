//! The hub environment (`$PREFIX/hub`, a venv from the system python3) and the
//! user environment (`$PREFIX/user`, Miniforge or a venv).
//!
//! Idempotence vs. "upgrades within the ranges on re-run": every run does
//! `pip install --upgrade -r requirements.txt` (a quick no-op when everything
//! is current) and compares `pip freeze` before and after. Only a real change
//! asks for a restart; otherwise the step reports "already up to date". So
//! the plan of an installed env is never empty (it says "check for upgrades
//! within the pinned ranges"), but a second run changes no file and restarts
//! nothing. A stamp (sha256 of the requirements text and the index URL) tells
//! a first install or a changed requirement list apart from that check.
//!
//! pip reads the machine's own configuration (/etc/pip.conf, PIP_* variables,
//! CA bundle) because the environment is passed through; `--index-url` is
//! added only for `--pip-index-url`.

mod permissions;
mod user;

pub use permissions::{fix_permissions, permission_fixes, wanted_mode};
pub use user::{Existing, UserEnv, UserEnvAction, existing_env};

use crate::cmd;
use crate::error::{Context, Result};
use crate::fsutil;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::report::Reporter;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const HUB_REQUIREMENTS: &str = include_str!("../../../assets/requirements-hub.txt");
pub const USER_REQUIREMENTS: &str = include_str!("../../../assets/requirements-user.txt");

const STAMP: &str = ".hubcfg-requirements.sha256";

/// `python -m pip ARGS` with a quiet, non-interactive pip.
fn pip(python: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(python);
    c.args(["-m", "pip"])
        .args(args)
        .arg("--no-input")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    c
}

/// `pip freeze` lines (name==version), sorted.
pub fn freeze(python: &Path) -> Result<BTreeSet<String>> {
    let out = cmd::run_checked(&mut pip(python, &["freeze", "--all"]))?;
    Ok(out.stdout.lines().map(|l| l.trim().to_string()).collect())
}

/// How many packages were added or changed version between two freezes.
pub fn changed_packages(before: &BTreeSet<String>, after: &BTreeSet<String>) -> usize {
    after.difference(before).count()
}

/// The stamp that says these requirements were installed from this index.
pub fn stamp_for(requirements: &str, index_url: Option<&str>, extra: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(requirements.as_bytes());
    h.update(b"\0");
    h.update(index_url.unwrap_or("").as_bytes());
    for a in extra {
        h.update(b"\0");
        h.update(a.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A python environment we pip-install a requirement list into.
struct PipEnv<'a> {
    dir: PathBuf,
    label: &'static str,
    requirements: &'a str,
    index_url: Option<&'a str>,
    extra_pip_args: &'a [String],
}

impl PipEnv<'_> {
    fn python(&self) -> PathBuf {
        self.dir.join("bin/python3")
    }

    fn stamp_path(&self) -> PathBuf {
        self.dir.join(STAMP)
    }

    fn wanted_stamp(&self) -> String {
        stamp_for(self.requirements, self.index_url, self.extra_pip_args)
    }

    fn stamp_matches(&self) -> bool {
        std::fs::read_to_string(self.stamp_path())
            .map(|s| s.trim() == self.wanted_stamp())
            .unwrap_or(false)
    }

    fn plan_packages(&self) -> Packages {
        if !self.python().exists() || !self.stamp_matches() {
            Packages::Install(self.label)
        } else {
            Packages::CheckUpgrades
        }
    }

    /// Installs/upgrades; returns how many packages changed.
    fn install(&self) -> Result<usize> {
        let req_file = self.dir.join("requirements.txt");
        fsutil::write_if_changed(&req_file, self.requirements.as_bytes(), 0o644)
            .context(|| format!("writing {}", req_file.display()))?;
        let python = self.python();
        let before = freeze(&python)?;
        let req = req_file.to_string_lossy().into_owned();
        let mut args = vec!["install", "--upgrade", "-r", req.as_str()];
        if let Some(url) = self.index_url {
            args.extend(["--index-url", url]);
        }
        args.extend(self.extra_pip_args.iter().map(String::as_str));
        cmd::run_checked(&mut pip(&python, &args))
            .context(|| format!("installing the {} packages", self.label))?;
        let after = freeze(&python)?;
        fsutil::write_if_changed(&self.stamp_path(), self.wanted_stamp().as_bytes(), 0o644)?;
        Ok(changed_packages(&before, &after))
    }
}

fn create_venv(system_python: &Path, dir: &Path) -> Result<()> {
    cmd::run_checked(Command::new(system_python).args(["-m", "venv"]).arg(dir))
        .context(|| format!("creating the venv {}", dir.display()))
        .map_err(|e| {
            e.with_hint("python3-venv must be installed (the system packages step does that)")
        })?;
    Ok(())
}

fn packages_outcome(changed: usize, what: &str) -> Outcome {
    if changed == 0 {
        Outcome::unchanged(format!("no {what} upgrades within the pinned ranges"))
    } else {
        Outcome::changed(format!("installed or upgraded {changed} packages"))
    }
}

/// `pip install --upgrade -r requirements.txt` into an env: a first install
/// (or a changed list), or the re-run's check for upgrades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packages {
    /// The env's label ("hub", "user").
    Install(&'static str),
    CheckUpgrades,
}

impl fmt::Display for Packages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Packages::Install(label) => write!(
                f,
                "install {label} packages from the pinned requirement ranges"
            ),
            Packages::CheckUpgrades => f.write_str("check for upgrades within the pinned ranges"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubEnvAction {
    CreateVenv { python: PathBuf },
    Packages(Packages),
}

impl fmt::Display for HubEnvAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubEnvAction::CreateVenv { python } => {
                write!(f, "create a venv in hub/ with {}", python.display())
            }
            HubEnvAction::Packages(p) => p.fmt(f),
        }
    }
}

/// `$PREFIX/hub`: venv + hub packages. Asks for a restart when packages
/// changed.
pub struct HubEnv {
    pub system_python: PathBuf,
    pub requirements: String,
    /// Extra pip arguments (tests: `--no-index --find-links DIR`).
    pub extra_pip_args: Vec<String>,
}

impl Default for HubEnv {
    fn default() -> Self {
        HubEnv::new(
            PathBuf::from(crate::install::apt::SYSTEM_PYTHON),
            HUB_REQUIREMENTS,
            vec![],
        )
    }
}

impl HubEnv {
    pub fn new(system_python: PathBuf, requirements: &str, extra_pip_args: Vec<String>) -> Self {
        HubEnv {
            system_python,
            requirements: requirements.to_string(),
            extra_pip_args,
        }
    }

    fn env<'a>(&'a self, ctx: &'a Ctx) -> PipEnv<'a> {
        PipEnv {
            dir: ctx.paths.hub_env(),
            label: "hub",
            requirements: &self.requirements,
            index_url: ctx.args.pip_index_url.as_deref(),
            extra_pip_args: &self.extra_pip_args,
        }
    }
}

impl Step for HubEnv {
    type Action = HubEnvAction;

    fn name(&self) -> &'static str {
        "Hub environment"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<HubEnvAction>> {
        let env = self.env(ctx);
        let mut plan = vec![];
        if !env.python().exists() {
            plan.push(HubEnvAction::CreateVenv {
                python: self.system_python.clone(),
            });
        }
        plan.push(HubEnvAction::Packages(env.plan_packages()));
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx, plan: &[HubEnvAction], _: &dyn Reporter) -> Result<Outcome> {
        let env = self.env(ctx);
        let mut created = false;
        let mut changed = 0;
        for action in plan {
            match action {
                HubEnvAction::CreateVenv { python } => {
                    create_venv(python, &env.dir)?;
                    created = true;
                }
                HubEnvAction::Packages(_) => changed += env.install()?,
            }
        }
        let restart = if created {
            Restart::because("the hub environment was created")
        } else if changed > 0 {
            Restart::because("hub packages changed")
        } else {
            None
        };
        Ok(packages_outcome(changed, "hub").with_restart(restart))
    }
}

#[cfg(test)]
mod tests;
