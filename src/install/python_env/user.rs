//! The user environment step: Miniforge or a venv at `$PREFIX/user`, the
//! user packages, `--user-requirements-txt-url`, then permissions.

use super::{PackageEnv, Packages, USER_REQUIREMENTS, changed_packages, create_venv};
use super::{fix_permissions, installer_for, packages_outcome, permission_fixes};
use crate::error::{Error, Result};
use crate::install::args::UserEnvKind;
use crate::install::miniforge::{self, MiniforgeInstall};
use crate::install::{Ctx, Outcome, Step};
use crate::installer::{Installer, Requirements};
use crate::report::Reporter;
use std::fmt;
use std::path::{Path, PathBuf};

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

fn needs_creating(existing: Existing, env: &PackageEnv) -> bool {
    existing == Existing::Missing || (existing == Existing::Venv && !env.python().exists())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEnvAction {
    InstallMiniforge(MiniforgeInstall),
    /// Without pip when uv installs: it adds pip with the packages.
    CreateVenv {
        python: PathBuf,
        with_pip: bool,
    },
    Packages(Packages),
    Requirements {
        url: String,
    },
    /// `overrides.json`'s new text (`lab_settings`).
    LabSettings {
        text: String,
    },
    FixPermissions {
        wrong: usize,
    },
}

impl fmt::Display for UserEnvAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserEnvAction::InstallMiniforge(m) => m.fmt(f),
            UserEnvAction::CreateVenv { python, with_pip } => {
                write!(f, "create a venv in user/ with {}", python.display())?;
                if !with_pip {
                    f.write_str(" (pip comes with the packages)")?;
                }
                Ok(())
            }
            UserEnvAction::Packages(p) => p.fmt(f),
            UserEnvAction::Requirements { url } => write!(f, "install the requirements at {url}"),
            UserEnvAction::LabSettings { .. } => f.write_str(
                "turn off JupyterLab's news prompt and update checks (user/share/jupyter/lab/settings/overrides.json)",
            ),
            UserEnvAction::FixPermissions { wrong } => write!(
                f,
                "fix owner/permissions of {wrong} paths under user/ (readable by all, writable by root only)"
            ),
        }
    }
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
        }
    }

    fn env<'a>(&'a self, ctx: &'a Ctx) -> PackageEnv<'a> {
        PackageEnv {
            dir: ctx.paths.user_env(),
            label: "user",
            requirements: &self.requirements,
            index_url: ctx.args.pip_index_url.as_deref(),
            extra_args: &self.extra_pip_args,
            with_uv: false,
            compile: true,
        }
    }

    /// Refuses to mix kinds or clobber a directory we did not make.
    fn check_kind(&self, ctx: &Ctx) -> Result<Existing> {
        let dir = ctx.paths.user_env();
        let existing = existing_env(&dir);
        let wrong = match (ctx.args.user_env_kind(), existing) {
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
                match ctx.args.user_env_kind() {
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
    type Action = UserEnvAction;

    fn name(&self) -> &'static str {
        "User environment"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<UserEnvAction>> {
        let existing = self.check_kind(ctx)?;
        let env = self.env(ctx);
        let mut plan = vec![];
        match ctx.args.user_env_kind() {
            // Miniforge knows best whether it is complete (bin/conda too).
            UserEnvKind::Conda => plan.extend(
                miniforge::plan_miniforge(ctx, &env.dir)?.map(UserEnvAction::InstallMiniforge),
            ),
            UserEnvKind::Venv if needs_creating(existing, &env) => {
                plan.push(UserEnvAction::CreateVenv {
                    python: self.system_python.clone(),
                    with_pip: ctx.args.installer == crate::installer::Choice::Pip,
                })
            }
            UserEnvKind::Venv => {}
        }
        plan.push(UserEnvAction::Packages(env.plan_packages()));
        if let Some(url) = &ctx.args.user_requirements_txt_url {
            plan.push(UserEnvAction::Requirements { url: url.clone() });
        }
        if let Some(text) = super::lab_settings::planned_text(&env.dir)? {
            plan.push(UserEnvAction::LabSettings { text });
        }
        let wrong = permission_fixes(&env.dir, self.owner)?;
        if wrong > 0 {
            plan.push(UserEnvAction::FixPermissions { wrong });
        }
        Ok(plan)
    }

    fn execute(
        &self,
        ctx: &Ctx,
        plan: &[UserEnvAction],
        reporter: &dyn Reporter,
    ) -> Result<Outcome> {
        let created = self.make(ctx, plan, reporter)?;
        let installer = installer_for(
            ctx.paths,
            ctx.args.installer,
            ctx.args.pip_index_url.as_deref(),
        )?;
        let filled = self.fill(ctx, plan, &installer)?;
        Ok(UserEnv::outcome(created, filled))
    }
}

/// What the "fill" phase did.
#[derive(Debug, Default)]
pub struct Filled {
    pub changed: usize,
    pub fixed_permissions: usize,
    /// overrides.json was written.
    pub lab_settings: bool,
    pub warnings: Vec<String>,
}

impl UserEnv {
    /// Miniforge or the venv; returns whether it was created.
    pub fn make(&self, ctx: &Ctx, plan: &[UserEnvAction], reporter: &dyn Reporter) -> Result<bool> {
        let dir = ctx.paths.user_env();
        let mut created = false;
        for action in plan {
            match action {
                UserEnvAction::InstallMiniforge(m) => {
                    miniforge::install_miniforge(m, reporter)?;
                    created = true;
                }
                UserEnvAction::CreateVenv { python, with_pip } => {
                    create_venv(python, &dir, *with_pip)?;
                    created = true;
                }
                _ => {}
            }
        }
        Ok(created)
    }

    /// The packages, the requirements URL, then permissions.
    pub fn fill(&self, ctx: &Ctx, plan: &[UserEnvAction], installer: &Installer) -> Result<Filled> {
        let env = self.env(ctx);
        let mut filled = Filled::default();
        for action in plan {
            match action {
                UserEnvAction::Packages(_) => filled.changed += env.install(installer)?,
                UserEnvAction::Requirements { url } => {
                    let (n, warning) = self.install_url(ctx, &env, url, installer)?;
                    filled.changed += n;
                    filled.warnings.extend(warning);
                }
                UserEnvAction::LabSettings { text } => {
                    super::lab_settings::write(&env.dir, text)?;
                    filled.lab_settings = true;
                }
                // Done below, last, for everything the actions above wrote.
                UserEnvAction::FixPermissions { .. } => {}
                UserEnvAction::InstallMiniforge(_) | UserEnvAction::CreateVenv { .. } => {}
            }
        }
        // Whatever the umask, what the installer just wrote must end up like
        // the rest; the walk fixes only paths that differ.
        filled.fixed_permissions = fix_permissions(&env.dir, self.owner)?;
        Ok(filled)
    }

    pub fn outcome(created: bool, filled: Filled) -> Outcome {
        let changed = filled.changed;
        let mut outcome = if created {
            Outcome::changed(format!("created user/ and installed {changed} packages"))
        } else {
            packages_outcome(changed, "user")
        };
        let mut also = vec![];
        if filled.lab_settings {
            also.push("turned off JupyterLab's news prompt".to_string());
        }
        if filled.fixed_permissions > 0 {
            also.push(format!(
                "fixed permissions of {} paths",
                filled.fixed_permissions
            ));
        }
        for more in also {
            outcome.changed = true;
            if let Some(s) = outcome.summary.as_mut() {
                s.push_str("; ");
                s.push_str(&more);
            }
        }
        outcome.warnings = filled.warnings;
        outcome
    }

    /// `install -r URL`; returns the packages changed and, when the
    /// failure is allowed, a warning.
    fn install_url(
        &self,
        ctx: &Ctx,
        env: &PackageEnv,
        url: &str,
        installer: &Installer,
    ) -> Result<(usize, Option<String>)> {
        let python = env.python();
        let before = installer.freeze(&python)?;
        let result = installer.install(
            &python,
            &[Requirements::Url(url)],
            true,
            &self.extra_pip_args,
        );
        let changed = changed_packages(&before, &installer.freeze(&python)?);
        let Err(e) = result else {
            return Ok((changed, None));
        };
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
        Ok((
            changed,
            Some(format!(
                "{msg}; carrying on because of --allow-requirements-failure (details in the log)"
            )),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_env_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("user");
        assert_eq!(existing_env(&d), Existing::Missing);
        std::fs::create_dir(&d).unwrap();
        assert_eq!(
            existing_env(&d),
            Existing::Missing,
            "empty counts as missing"
        );
        std::fs::create_dir(d.join("conda-meta")).unwrap();
        assert_eq!(existing_env(&d), Existing::Conda);
    }

    #[test]
    fn an_interrupted_venv_is_created_again_but_conda_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let env = PackageEnv {
            dir: dir.path().to_path_buf(),
            label: "user",
            requirements: "",
            index_url: None,
            extra_args: &[],
            with_uv: false,
            compile: true,
        };
        assert!(needs_creating(Existing::Missing, &env));
        assert!(
            needs_creating(Existing::Venv, &env),
            "pyvenv.cfg but no python"
        );
        assert!(!needs_creating(Existing::Conda, &env));
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("bin/python3"), "").unwrap();
        assert!(!needs_creating(Existing::Venv, &env));
    }
}
