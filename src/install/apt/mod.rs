//! System packages the installer needs, installed only when missing.
//!
//! Not installed, unlike TLJH: `libssl-dev libcurl4-openssl-dev
//! build-essential` (only for building pycurl, which we do not use),
//! `software-properties-common` and the Ubuntu `universe` component (every
//! package below is in `main`), `python3-pip` (a venv brings its own pip).

use crate::cmd;
use crate::error::{Error, Result};
use crate::install::{Ctx, Outcome, Step};
use crate::report::Reporter;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// python3 + venv for both environments, ca-certificates for pip and our own
/// downloads, sudo for the admins' sudoers rule, git for nbgitpuller.
pub const PACKAGES: &[&str] = &["python3", "python3-venv", "ca-certificates", "sudo", "git"];

/// The oldest system Python the hub environment supports.
pub const MIN_PYTHON: (u32, u32) = (3, 9);

/// Package lists older than this are refreshed before installing (W18).
const LISTS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// What the apt step needs from the system; faked in tests.
pub trait PackageSystem {
    fn is_installed(&self, package: &str) -> Result<bool>;
    /// Age of the newest `*_Packages*` index, or None when there is none.
    fn lists_age(&self) -> Option<Duration>;
    fn update(&self) -> Result<()>;
    fn install(&self, packages: &[&str]) -> Result<()>;
    /// Every installed package (`name:arch` as dpkg names it), so the
    /// journal can record what an install added, dependencies included.
    fn installed_packages(&self) -> Result<BTreeSet<String>>;
    /// (major, minor) of the system python3.
    fn python_version(&self) -> Result<(u32, u32)>;
}

/// dpkg-query / apt-get / python3 on this machine.
pub struct Debian {
    pub lists_dir: PathBuf,
    pub python: PathBuf,
}

impl Default for Debian {
    fn default() -> Self {
        Debian {
            lists_dir: PathBuf::from("/var/lib/apt/lists"),
            python: PathBuf::from(SYSTEM_PYTHON),
        }
    }
}

/// The distribution's python3 (never a pyenv or conda one found on PATH).
pub const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// `apt-get` that never asks: no debconf questions, existing config files
/// kept, and a wait (instead of a failure) while another apt, such as
/// unattended-upgrades on a freshly booted cloud VM, holds the lock.
pub fn apt_get(args: &[&str]) -> Command {
    let mut c = Command::new("apt-get");
    c.env("DEBIAN_FRONTEND", "noninteractive")
        .args([
            "-o",
            "DPkg::Lock::Timeout=600",
            "-o",
            "Dpkg::Options::=--force-confdef",
            "-o",
            "Dpkg::Options::=--force-confold",
        ])
        .args(args);
    c
}

impl PackageSystem for Debian {
    fn is_installed(&self, package: &str) -> Result<bool> {
        let out = cmd::run(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))?;
        // "install ok installed"; unknown packages exit 1 with nothing on stdout.
        Ok(out.success() && out.stdout.trim().ends_with(" installed"))
    }

    fn lists_age(&self) -> Option<Duration> {
        newest_index_age(&self.lists_dir, SystemTime::now())
    }

    fn update(&self) -> Result<()> {
        cmd::run_checked(&mut apt_get(&["update"])).map(drop)
    }

    fn install(&self, packages: &[&str]) -> Result<()> {
        let mut args = vec!["install", "-y", "--no-install-recommends"];
        args.extend_from_slice(packages);
        cmd::run_checked(&mut apt_get(&args)).map(drop)
    }

    fn installed_packages(&self) -> Result<BTreeSet<String>> {
        let out = cmd::run_checked(
            Command::new("dpkg-query").args(["-W", "-f=${binary:Package}\t${db:Status-Abbrev}\n"]),
        )?;
        Ok(parse_installed(&out.stdout))
    }

    fn python_version(&self) -> Result<(u32, u32)> {
        let out = cmd::run_checked(
            Command::new(&self.python)
                .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
        )?;
        crate::install::preflight::parse_version(&out.stdout).ok_or_else(|| {
            Error::new(format!(
                "could not read the version of {}: got {:?}",
                self.python.display(),
                out.stdout.trim()
            ))
        })
    }
}

/// The packages of `dpkg-query -W -f='${binary:Package}\t${db:Status-Abbrev}\n'`
/// that are installed ("ii", or "iU"/"iF" half-configured: their files are
/// there); "rc" rows (config files left of a removed package) are not.
pub fn parse_installed(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(_, status)| status.get(1..2).is_some_and(|s| s != "n" && s != "c"))
        .map(|(name, _)| name.trim().to_string())
        .collect()
}

/// Age of the newest package index in `dir` (compressed or not).
pub fn newest_index_age(dir: &Path, now: SystemTime) -> Option<Duration> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("_Packages"))
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .map(|m| now.duration_since(m).unwrap_or_default())
        .min()
}

pub fn lists_are_stale(age: Option<Duration>) -> bool {
    age.is_none_or(|a| a > LISTS_MAX_AGE)
}

/// Installs the missing packages in `PACKAGES`; checks python3's version on
/// every run (after installing, or at once when nothing is missing).
pub struct AptPackages {
    pub system: Box<dyn PackageSystem>,
    pub packages: Vec<&'static str>,
}

impl Default for AptPackages {
    fn default() -> Self {
        AptPackages {
            system: Box::new(Debian::default()),
            packages: PACKAGES.to_vec(),
        }
    }
}

impl AptPackages {
    fn missing(&self) -> Result<Vec<&'static str>> {
        let mut missing = Vec::new();
        for p in &self.packages {
            if !self.system.is_installed(p)? {
                missing.push(*p);
            }
        }
        Ok(missing)
    }

    /// Journals every package installed since `before`: the ones asked
    /// for and the dependencies apt pulled in, which uninstall
    /// `--purge-packages` removes again (and nothing that was there).
    fn record_new(&self, ctx: &Ctx, before: &BTreeSet<String>) -> Result<()> {
        record_new(self.system.as_ref(), ctx.paths, before)
    }

    fn check_python(&self) -> Result<()> {
        let found = self.system.python_version()?;
        if found < MIN_PYTHON {
            return Err(Error::new(format!(
                "the system python3 is {}.{}; the hub needs Python {}.{} or newer",
                found.0, found.1, MIN_PYTHON.0, MIN_PYTHON.1
            ))
            .with_hint("upgrade the OS to Ubuntu 22.04+ or Debian 11+"));
        }
        Ok(())
    }
}

fn record_new(
    system: &dyn PackageSystem,
    paths: &crate::paths::Paths,
    before: &BTreeSet<String>,
) -> Result<()> {
    let journal = crate::journal::Journal::of(paths, "bootstrap");
    for package in system.installed_packages()?.difference(before) {
        journal.record(crate::journal::Change::PackageInstalled {
            package: package.clone(),
        })?;
    }
    Ok(())
}

/// Installs those of `packages` that are missing (other steps' packages,
/// e.g. TLJH plugins'), the lists refreshed first when stale, each new
/// package journaled as the apt step does; returns the ones installed.
pub fn install_missing(
    system: &dyn PackageSystem,
    paths: &crate::paths::Paths,
    packages: &[String],
) -> Result<Vec<String>> {
    let mut missing = vec![];
    for p in packages {
        if !system.is_installed(p)? {
            missing.push(p.as_str());
        }
    }
    if missing.is_empty() {
        return Ok(vec![]);
    }
    let before = system.installed_packages()?;
    if lists_are_stale(system.lists_age()) {
        system.update()?;
    }
    system.install(&missing)?;
    record_new(system, paths, &before)?;
    Ok(missing.into_iter().map(str::to_string).collect())
}

/// What the apt step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AptAction {
    UpdateLists,
    Install(Vec<&'static str>),
}

impl std::fmt::Display for AptAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AptAction::UpdateLists => {
                f.write_str("apt-get update (package lists missing or older than a day)")
            }
            AptAction::Install(p) => write!(f, "apt-get install {}", p.join(" ")),
        }
    }
}

impl Step for AptPackages {
    type Action = AptAction;

    fn name(&self) -> &'static str {
        "System packages"
    }

    fn plan(&self, _ctx: &Ctx) -> Result<Vec<AptAction>> {
        let missing = self.missing()?;
        if missing.is_empty() {
            // Nothing to install, so execute will not run: check python3
            // here, since the environments are built from it.
            self.check_python()?;
            return Ok(vec![]);
        }
        let mut plan = Vec::new();
        if lists_are_stale(self.system.lists_age()) {
            plan.push(AptAction::UpdateLists);
        }
        plan.push(AptAction::Install(missing));
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx, plan: &[AptAction], _: &dyn Reporter) -> Result<Outcome> {
        let updated = plan.contains(&AptAction::UpdateLists);
        let before = self.system.installed_packages()?;
        for action in plan {
            match action {
                AptAction::UpdateLists => self.system.update()?,
                AptAction::Install(packages) => {
                    if let Err(e) = self.system.install(packages) {
                        if updated {
                            return Err(e);
                        }
                        // Fresh-looking lists can still point at packages the
                        // mirror has dropped: refresh once and retry.
                        tracing::info!(
                            "apt-get install failed; updating the lists and retrying: {e}"
                        );
                        self.system.update()?;
                        self.system.install(packages)?;
                    }
                    self.record_new(ctx, &before)?;
                }
            }
        }
        self.check_python()?;
        Ok(Outcome::done())
    }
}

#[cfg(test)]
pub(crate) mod tests;
