//! The user environment step: Miniforge or a venv at `$PREFIX/user`, the
//! user packages, `--user-requirements-txt-url`, then permissions.

use super::{Packages, PipEnv, USER_REQUIREMENTS, changed_packages, create_venv, freeze, pip};
use super::{fix_permissions, packages_outcome, permission_fixes};
use crate::cmd;
use crate::error::{Error, Result};
use crate::install::args::UserEnvKind;
use crate::install::miniforge::{self, MiniforgeInstall};
use crate::install::{Ctx, Outcome, Step};
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

fn needs_creating(existing: Existing, env: &PipEnv) -> bool {
    existing == Existing::Missing || (existing == Existing::Venv && !env.python().exists())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEnvAction {
    InstallMiniforge(MiniforgeInstall),
    CreateVenv { python: PathBuf },
    Packages(Packages),
    Requirements { url: String },
    FixPermissions { wrong: usize },
}

impl fmt::Display for UserEnvAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserEnvAction::InstallMiniforge(m) => m.fmt(f),
            UserEnvAction::CreateVenv { python } => {
                write!(f, "create a venv in user/ with {}", python.display())
            }
            UserEnvAction::Packages(p) => p.fmt(f),
            UserEnvAction::Requirements { url } => write!(f, "install the requirements at {url}"),
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
    type Action = UserEnvAction;

    fn name(&self) -> &'static str {
        "User environment"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<UserEnvAction>> {
        let existing = self.check_kind(ctx)?;
        let env = self.env(ctx);
        let mut plan = vec![];
        match ctx.args.user_env {
            // Miniforge knows best whether it is complete (bin/conda too).
            UserEnvKind::Conda => plan.extend(
                miniforge::plan_miniforge(ctx, &env.dir)?.map(UserEnvAction::InstallMiniforge),
            ),
            UserEnvKind::Venv if needs_creating(existing, &env) => {
                plan.push(UserEnvAction::CreateVenv {
                    python: self.system_python.clone(),
                })
            }
            UserEnvKind::Venv => {}
        }
        plan.push(UserEnvAction::Packages(env.plan_packages()));
        if let Some(url) = &ctx.args.user_requirements_txt_url {
            plan.push(UserEnvAction::Requirements { url: url.clone() });
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
        let env = self.env(ctx);
        let mut warnings = vec![];
        let mut created = false;
        let mut changed = 0;
        for action in plan {
            match action {
                UserEnvAction::InstallMiniforge(m) => {
                    miniforge::install_miniforge(m, reporter)?;
                    created = true;
                }
                UserEnvAction::CreateVenv { python } => {
                    create_venv(python, &env.dir)?;
                    created = true;
                }
                UserEnvAction::Packages(_) => changed += env.install()?,
                UserEnvAction::Requirements { url } => {
                    let (n, warning) = self.install_url(ctx, &env, url)?;
                    changed += n;
                    warnings.extend(warning);
                }
                // Done below, last, for everything the actions above wrote.
                UserEnvAction::FixPermissions { .. } => {}
            }
        }
        // Whatever the umask, what pip just wrote must end up like the rest;
        // the walk fixes only paths that differ.
        let fixed = fix_permissions(&env.dir, self.owner)?;
        let mut outcome = if created {
            Outcome::changed(format!("created user/ and installed {changed} packages"))
        } else {
            packages_outcome(changed, "user")
        };
        if fixed > 0 {
            outcome.changed = true;
            if let Some(s) = outcome.summary.as_mut() {
                s.push_str(&format!("; fixed permissions of {fixed} paths"));
            }
        }
        outcome.warnings = warnings;
        Ok(outcome)
    }
}

impl UserEnv {
    /// `pip install -r URL`; returns the packages changed and, when the
    /// failure is allowed, a warning.
    fn install_url(&self, ctx: &Ctx, env: &PipEnv, url: &str) -> Result<(usize, Option<String>)> {
        let python = env.python();
        let before = freeze(&python)?;
        let mut args = vec!["install", "--upgrade", "-r", url];
        if let Some(index) = ctx.args.pip_index_url.as_deref() {
            args.extend(["--index-url", index]);
        }
        args.extend(self.extra_pip_args.iter().map(String::as_str));
        let result = cmd::run_checked(&mut pip(&python, &args));
        let changed = changed_packages(&before, &freeze(&python)?);
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
        let env = PipEnv {
            dir: dir.path().to_path_buf(),
            label: "user",
            requirements: "",
            index_url: None,
            extra_pip_args: &[],
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
