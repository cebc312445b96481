//! The hub environment (`$PREFIX/hub`, a venv from the system python3) and the
//! user environment (`$PREFIX/user`, Miniforge or a venv), installed through
//! `crate::installer` (uv by default, pip as the fallback).
//!
//! Idempotence vs. "upgrades within the ranges on re-run": every run does
//! `install --upgrade -r requirements.txt` (a quick no-op when everything
//! is current) and compares `freeze` before and after. Only a real change
//! asks for a restart; otherwise the step reports "already up to date". So
//! the plan of an installed env is never empty (it says "check for upgrades
//! within the pinned ranges"), but a second run changes no file and restarts
//! nothing. A stamp (sha256 of the requirements text and the index URL) tells
//! a first install or a changed requirement list apart from that check.
//!
//! Each environment's actions fall in two phases: making the environment
//! (venv, Miniforge, uv) and filling it (packages). `PythonEnvs` runs each
//! phase of the two environments side by side when memory allows.

mod envs;
mod hub;
mod lab_settings;
pub mod package;
mod permissions;
mod user;

pub use envs::{PythonEnvs, parallel_allowed};
pub use hub::{HubEnv, HubEnvAction};
pub use permissions::{fix_permissions, permission_fixes, wanted_mode};
pub use user::{Existing, UserEnv, UserEnvAction, existing_env};

use crate::cmd;
use crate::error::{Context, Result};
use crate::fsutil;
use crate::install::Outcome;
use crate::installer::{self, Installer, Requirements};
use crate::paths::Paths;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const HUB_REQUIREMENTS: &str = include_str!("../../../assets/requirements-hub.txt");
pub const USER_REQUIREMENTS: &str = include_str!("../../../assets/requirements-user.txt");

const STAMP: &str = ".hubcfg-requirements.sha256";

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

/// The installer both environments use on this machine: `--installer`,
/// with uv from the hub venv and pip's settings read by the hub venv's pip.
pub fn installer_for(
    paths: &Paths,
    choice: installer::Choice,
    index_url: Option<&str>,
) -> Result<Installer> {
    let hub = paths.hub_env();
    Installer::for_machine(
        choice,
        &installer::uv_exe(&hub),
        &hub.join("bin/python3"),
        index_url,
    )
}

/// A python environment we install a requirement list into.
struct PackageEnv<'a> {
    dir: PathBuf,
    label: &'static str,
    requirements: &'a str,
    index_url: Option<&'a str>,
    extra_args: &'a [String],
    /// uv's range is installed together with the requirements (the hub
    /// env), so a re-run also checks uv for upgrades.
    with_uv: bool,
    /// Compile .pyc files at install time: where users run the code but
    /// cannot write (the user env). The hub, run by root, writes its own.
    compile: bool,
}

impl PackageEnv<'_> {
    fn python(&self) -> PathBuf {
        self.dir.join("bin/python3")
    }

    fn stamp_path(&self) -> PathBuf {
        self.dir.join(STAMP)
    }

    fn wanted_stamp(&self) -> String {
        stamp_for(self.requirements, self.index_url, self.extra_args)
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
    fn install(&self, installer: &Installer) -> Result<usize> {
        let req_file = self.dir.join("requirements.txt");
        fsutil::write_if_changed(&req_file, self.requirements.as_bytes(), 0o644)
            .context(|| format!("writing {}", req_file.display()))?;
        let mut lists = vec![Requirements::File(&req_file)];
        // A venv made without pip (for uv) gets pip too: `sudo -E pip
        // install` is how admins add packages, and pip may be the fallback.
        let python = self.python();
        if !self.dir.join("bin/pip").exists() {
            if installer.is_uv() {
                lists.push(Requirements::Spec("pip"));
            } else {
                installer::ensurepip(&python)?;
            }
        }
        let uv_file = if self.with_uv {
            Some(installer::write_uv_requirements(&self.dir)?)
        } else {
            None
        };
        lists.extend(uv_file.as_deref().map(Requirements::File));
        let before = installer.freeze(&python)?;
        installer
            .install(&python, &lists, self.compile, self.extra_args)
            .context(|| format!("installing the {} packages", self.label))?;
        let after = installer.freeze(&python)?;
        fsutil::write_if_changed(&self.stamp_path(), self.wanted_stamp().as_bytes(), 0o644)?;
        Ok(changed_packages(&before, &after))
    }
}

/// `python -m venv DIR`; without pip (ensurepip takes seconds) when uv
/// installs pip with the packages instead.
fn create_venv(system_python: &Path, dir: &Path, with_pip: bool) -> Result<()> {
    let mut c = Command::new(system_python);
    c.args(["-m", "venv"]);
    if !with_pip {
        c.arg("--without-pip");
    }
    cmd::run_checked(c.arg(dir))
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

/// `install --upgrade -r requirements.txt` into an env: a first install
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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod uv_tests;
