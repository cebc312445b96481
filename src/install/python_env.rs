//! The hub environment (`$PREFIX/hub`, a venv from the system python3) and the
//! user environment (`$PREFIX/user`, Miniforge or a venv).
//!
//! Idempotence vs. "upgrades within the ranges on re-run": every run does
//! `pip install --upgrade -r requirements.txt` (a quick no-op when everything
//! is current) and compares `pip freeze` before and after. Only a real change
//! sets `restart_needed`; otherwise the step reports "already up to date". So
//! the plan of an installed env is never empty (it says "check for upgrades
//! within the pinned ranges"), but a second run changes no file and restarts
//! nothing. A stamp (sha256 of the requirements text and the index URL) tells
//! a first install or a changed requirement list apart from that check.
//!
//! pip reads the machine's own configuration (/etc/pip.conf, PIP_* variables,
//! CA bundle) because the environment is passed through; `--index-url` is
//! added only for `--pip-index-url`.

use crate::cmd;
use crate::error::{Context, Error, Result};
use crate::fsutil;
use crate::install::args::UserEnvKind;
use crate::install::{Ctx, Report, Step};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const HUB_REQUIREMENTS: &str = include_str!("../../assets/requirements-hub.txt");
pub const USER_REQUIREMENTS: &str = include_str!("../../assets/requirements-user.txt");

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
    label: &'a str,
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

    fn plan_packages(&self) -> String {
        if !self.python().exists() || !self.stamp_matches() {
            format!(
                "install {} packages from the pinned requirement ranges",
                self.label
            )
        } else {
            "check for upgrades within the pinned ranges".to_string()
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

fn packages_report(changed: usize, what: &str) -> Report {
    if changed == 0 {
        Report::unchanged(format!("no {what} upgrades within the pinned ranges"))
    } else {
        Report::changed(format!("installed or upgraded {changed} packages"))
    }
}

/// `$PREFIX/hub`: venv + hub packages. Sets `restart_needed` when packages
/// changed.
pub struct HubEnv {
    pub system_python: PathBuf,
    pub requirements: String,
    /// Extra pip arguments (tests: `--no-index --find-links DIR`).
    pub extra_pip_args: Vec<String>,
    report: RefCell<Option<Report>>,
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
            report: RefCell::new(None),
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
    fn name(&self) -> &'static str {
        "Hub environment"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let env = self.env(ctx);
        let mut plan = vec![];
        if !env.python().exists() {
            plan.push(format!(
                "create a venv in hub/ with {}",
                self.system_python.display()
            ));
        }
        plan.push(env.plan_packages());
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let env = self.env(ctx);
        let created = !env.python().exists();
        if created {
            create_venv(&self.system_python, &env.dir)?;
        }
        let changed = env.install()?;
        if changed > 0 || created {
            ctx.restart_needed.set(true);
        }
        *self.report.borrow_mut() = Some(packages_report(changed, "hub"));
        Ok(())
    }

    fn report(&self) -> Option<Report> {
        self.report.borrow().clone()
    }
}

/// What is already in the user env's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Missing,
    Venv,
    Conda,
    /// Non-empty, but neither: never clobbered.
    Other,
}

pub fn existing_env(dir: &Path) -> Existing {
    if crate::install::miniforge::is_conda_env(dir) {
        return Existing::Conda;
    }
    if dir.join("pyvenv.cfg").exists() {
        return Existing::Venv;
    }
    match std::fs::read_dir(dir) {
        Err(_) => Existing::Missing,
        Ok(mut entries) => {
            if entries.next().is_none() {
                Existing::Missing
            } else {
                Existing::Other
            }
        }
    }
}

fn needs_creating(existing: Existing, env: &PipEnv) -> bool {
    existing == Existing::Missing || (existing == Existing::Venv && !env.python().exists())
}

/// `$PREFIX/user`: Miniforge or a venv, the user packages, the optional
/// `--user-requirements-txt-url`, then permissions (root-owned, readable by
/// all, writable by root only).
pub struct UserEnv {
    pub system_python: PathBuf,
    pub requirements: String,
    pub extra_pip_args: Vec<String>,
    /// uid/gid every path must have (root's; tests use their own).
    pub owner: (u32, u32),
    report: RefCell<Option<Report>>,
}

impl Default for UserEnv {
    fn default() -> Self {
        UserEnv::new(
            PathBuf::from(crate::install::apt::SYSTEM_PYTHON),
            USER_REQUIREMENTS,
            vec![],
        )
    }
}

impl UserEnv {
    pub fn new(system_python: PathBuf, requirements: &str, extra_pip_args: Vec<String>) -> Self {
        UserEnv {
            system_python,
            requirements: requirements.to_string(),
            extra_pip_args,
            owner: (0, 0),
            report: RefCell::new(None),
        }
    }

    fn env<'a>(&'a self, ctx: &'a Ctx) -> PipEnv<'a> {
        PipEnv {
            dir: ctx.paths.user_env(),
            label: "user",
            requirements: &self.requirements,
            index_url: ctx.args.pip_index_url.as_deref(),
            extra_pip_args: &self.extra_pip_args,
        }
    }

    /// Refuses to mix kinds or clobber a directory we did not make.
    fn check_kind(&self, ctx: &Ctx) -> Result<Existing> {
        let dir = ctx.paths.user_env();
        let existing = existing_env(&dir);
        let wrong = match (ctx.args.user_env, existing) {
            (UserEnvKind::Conda, Existing::Venv) => Some(("a venv", "--user-env venv")),
            (UserEnvKind::Venv, Existing::Conda) => Some(("a conda env", "--user-env conda")),
            (_, Existing::Other) => {
                return Err(Error::new(format!(
                    "{} exists and is not a Python environment hubcfg made; refusing to overwrite it",
                    dir.display()
                ))
                .with_hint("move it away (e.g. `mv /opt/tljh/user /opt/tljh/user.old`) and re-run bootstrap"));
            }
            _ => None,
        };
        if let Some((is, flag)) = wrong {
            return Err(Error::new(format!(
                "{} is {is}, but --user-env {} was asked for",
                dir.display(),
                match ctx.args.user_env {
                    UserEnvKind::Conda => "conda",
                    UserEnvKind::Venv => "venv",
                }
            ))
            .with_hint(format!(
                "re-run with {flag} to keep it, or move the directory away to start afresh"
            )));
        }
        Ok(existing)
    }
}

impl Step for UserEnv {
    fn name(&self) -> &'static str {
        "User environment"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let existing = self.check_kind(ctx)?;
        let env = self.env(ctx);
        let mut plan = vec![];
        match ctx.args.user_env {
            // Miniforge knows best whether it is complete (bin/conda too).
            UserEnvKind::Conda => {
                plan.extend(crate::install::miniforge::plan_miniforge(ctx, &env.dir)?)
            }
            UserEnvKind::Venv if needs_creating(existing, &env) => plan.push(format!(
                "create a venv in user/ with {}",
                self.system_python.display()
            )),
            UserEnvKind::Venv => {}
        }
        plan.push(env.plan_packages());
        if let Some(url) = &ctx.args.user_requirements_txt_url {
            plan.push(format!("install the requirements at {url}"));
        }
        let wrong = permission_fixes(&env.dir, self.owner)?;
        if wrong > 0 {
            plan.push(format!(
                "fix owner/permissions of {wrong} paths under user/ (readable by all, writable by root only)"
            ));
        }
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let existing = self.check_kind(ctx)?;
        let env = self.env(ctx);
        let mut warnings = vec![];
        let created = match ctx.args.user_env {
            UserEnvKind::Conda => {
                let todo = crate::install::miniforge::plan_miniforge(ctx, &env.dir)?.is_some();
                // A no-op when Miniforge is complete; finishes a half install.
                crate::install::miniforge::install_miniforge(ctx, &env.dir)?;
                todo
            }
            // A venv whose creation was interrupted has no python yet: redo it.
            UserEnvKind::Venv if needs_creating(existing, &env) => {
                create_venv(&self.system_python, &env.dir)?;
                true
            }
            UserEnvKind::Venv => false,
        };
        let mut changed = env.install()?;
        if let Some(url) = &ctx.args.user_requirements_txt_url {
            let python = env.python();
            let before = freeze(&python)?;
            let mut args = vec!["install", "--upgrade", "-r", url.as_str()];
            if let Some(index) = ctx.args.pip_index_url.as_deref() {
                args.extend(["--index-url", index]);
            }
            args.extend(self.extra_pip_args.iter().map(String::as_str));
            let result = cmd::run_checked(&mut pip(&python, &args));
            changed += changed_packages(&before, &freeze(&python)?);
            if let Err(e) = result {
                let msg = format!("installing the user requirements from {url} failed");
                if !ctx.args.allow_requirements_failure {
                    return Err(Error::new(format!("{msg}: {}", e.message)).with_hint(
                        "fix the file or its URL, or pass --allow-requirements-failure to carry on without it",
                    ));
                }
                tracing::info!(
                    "{msg} (carrying on: --allow-requirements-failure): {}",
                    e.message
                );
                warnings.push(format!(
                    "{msg}; carrying on because of --allow-requirements-failure (details in the log)"
                ));
            }
        }
        let fixed = fix_permissions(&env.dir, self.owner)?;
        let mut report = if created {
            Report::changed(format!("created user/ and installed {changed} packages"))
        } else {
            packages_report(changed, "user")
        };
        if fixed > 0 {
            report.changed = true;
            report
                .summary
                .push_str(&format!("; fixed permissions of {fixed} paths"));
        }
        report.warnings = warnings;
        *self.report.borrow_mut() = Some(report);
        Ok(())
    }

    fn report(&self) -> Option<Report> {
        self.report.borrow().clone()
    }
}

/// The mode a path in the user env should have: no group/other write, and
/// readable (and for directories and executables, enterable) by everyone.
pub fn wanted_mode(mode: u32, is_dir: bool) -> u32 {
    let mut m = (mode & !0o022) | 0o444;
    if is_dir || mode & 0o100 != 0 {
        m |= 0o111;
    }
    m & 0o7777
}

/// Walks `root` (not following symlinks) and calls `fix` for every path whose
/// owner or mode is wrong. Returns how many there were.
fn walk_wrong(
    root: &Path,
    owner: (u32, u32),
    mut fix: impl FnMut(&Path, bool, u32, bool) -> Result<()>,
) -> Result<usize> {
    let mut count = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        let is_dir = meta.is_dir();
        let mode = meta.permissions().mode() & 0o7777;
        let wrong_owner = (meta.uid(), meta.gid()) != owner;
        let want = wanted_mode(mode, is_dir);
        if wrong_owner || want != mode {
            count += 1;
            fix(&path, wrong_owner, want, want != mode)?;
        }
        if is_dir {
            for entry in
                std::fs::read_dir(&path).context(|| format!("listing {}", path.display()))?
            {
                stack.push(entry?.path());
            }
        }
    }
    Ok(count)
}

/// How many paths under `root` need their owner or mode fixed.
pub fn permission_fixes(root: &Path, owner: (u32, u32)) -> Result<usize> {
    walk_wrong(root, owner, |_, _, _, _| Ok(()))
}

/// Fixes only what differs (W19: no `chmod -R` over the whole env each run).
pub fn fix_permissions(root: &Path, owner: (u32, u32)) -> Result<usize> {
    walk_wrong(root, owner, |path, wrong_owner, mode, wrong_mode| {
        if wrong_owner {
            std::os::unix::fs::lchown(path, Some(owner.0), Some(owner.1))
                .context(|| format!("changing the owner of {}", path.display()))?;
        }
        if wrong_mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .context(|| format!("changing the mode of {}", path.display()))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests;
