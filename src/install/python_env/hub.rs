//! The hub environment step: a venv at `$PREFIX/hub`, uv in it (unless
//! `--installer pip`), then the hub packages.

use super::{PackageEnv, Packages, create_venv, installer_for, packages_outcome};
use crate::error::Result;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::installer::{self, Choice, Installer};
use crate::paths::Paths;
use crate::report::Reporter;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubEnvAction {
    CreateVenv {
        python: PathBuf,
    },
    /// uv's pinned range, with the venv's pip (later runs check it with uv).
    InstallUv,
    Packages(Packages),
    /// hubcfg's own Python package (`package`): how many files to write or remove.
    OwnPackage {
        files: usize,
    },
}

impl fmt::Display for HubEnvAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubEnvAction::CreateVenv { python } => {
                write!(f, "create a venv in hub/ with {}", python.display())
            }
            HubEnvAction::InstallUv => f.write_str("install uv into hub/ with pip"),
            HubEnvAction::Packages(p) => p.fmt(f),
            HubEnvAction::OwnPackage { files } => write!(
                f,
                "install hubcfg's Python package ({} {}, {files} files) into hub/",
                super::package::DIST_NAME,
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// `$PREFIX/hub`: venv + hub packages. Asks for a restart when packages
/// changed.
pub struct HubEnv {
    pub system_python: PathBuf,
    pub requirements: String,
    /// Extra installer arguments (tests: `--no-index --find-links DIR`).
    pub extra_pip_args: Vec<String>,
}

impl Default for HubEnv {
    fn default() -> Self {
        HubEnv::new(
            PathBuf::from(crate::install::apt::SYSTEM_PYTHON),
            super::HUB_REQUIREMENTS,
            vec![],
        )
    }
}

/// What the "make" phase did, for the outcome.
#[derive(Debug, Default, Clone, Copy)]
pub struct Made {
    pub created: bool,
}

impl HubEnv {
    pub fn new(system_python: PathBuf, requirements: &str, extra_pip_args: Vec<String>) -> Self {
        HubEnv {
            system_python,
            requirements: requirements.to_string(),
            extra_pip_args,
        }
    }

    fn env<'a>(
        &'a self,
        paths: &Paths,
        index_url: Option<&'a str>,
        choice: Choice,
    ) -> PackageEnv<'a> {
        PackageEnv {
            dir: paths.hub_env(),
            label: "hub",
            requirements: &self.requirements,
            index_url,
            extra_args: &self.extra_pip_args,
            with_uv: choice == Choice::Uv,
            compile: false,
        }
    }

    /// The venv and uv.
    pub fn make(
        &self,
        paths: &Paths,
        index_url: Option<&str>,
        plan: &[HubEnvAction],
    ) -> Result<Made> {
        let dir = paths.hub_env();
        let mut made = Made::default();
        for action in plan {
            match action {
                HubEnvAction::CreateVenv { python } => {
                    create_venv(python, &dir, true)?;
                    made.created = true;
                }
                HubEnvAction::InstallUv => installer::install_uv(
                    &dir.join("bin/python3"),
                    index_url,
                    &self.extra_pip_args,
                    &dir,
                )?,
                HubEnvAction::Packages(_) | HubEnvAction::OwnPackage { .. } => {}
            }
        }
        Ok(made)
    }

    /// The packages; returns how many changed.
    pub fn fill(
        &self,
        paths: &Paths,
        index_url: Option<&str>,
        choice: Choice,
        plan: &[HubEnvAction],
        installer: &Installer,
    ) -> Result<usize> {
        let env = self.env(paths, index_url, choice);
        let mut changed = 0;
        for action in plan {
            match action {
                HubEnvAction::Packages(_) => changed += env.install(installer)?,
                // After the packages: it is ours, not the installer's.
                HubEnvAction::OwnPackage { .. } => {
                    changed += usize::from(super::package::install(&env.dir)?)
                }
                _ => {}
            }
        }
        Ok(changed)
    }

    pub fn outcome(made: Made, changed: usize) -> Outcome {
        let restart = if made.created {
            Restart::because("the hub environment was created")
        } else if changed > 0 {
            Restart::because("hub packages changed")
        } else {
            None
        };
        let outcome = if made.created {
            Outcome::changed(format!("created hub/ and installed {changed} packages"))
        } else {
            packages_outcome(changed, "hub")
        };
        outcome.with_restart(restart)
    }
}

impl Step for HubEnv {
    type Action = HubEnvAction;

    fn name(&self) -> &'static str {
        "Hub environment"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<HubEnvAction>> {
        let choice = ctx.args.installer;
        let env = self.env(ctx.paths, ctx.args.pip_index_url.as_deref(), choice);
        let mut plan = vec![];
        if !env.python().exists() {
            plan.push(HubEnvAction::CreateVenv {
                python: self.system_python.clone(),
            });
        }
        if choice == Choice::Uv && !installer::uv_exe(&env.dir).exists() {
            plan.push(HubEnvAction::InstallUv);
        }
        plan.push(HubEnvAction::Packages(env.plan_packages()));
        let own = super::package::changes(super::package::site_packages(&env.dir).as_deref());
        if !own.is_empty() {
            plan.push(HubEnvAction::OwnPackage {
                files: own.write.len() + own.remove.len(),
            });
        }
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx, plan: &[HubEnvAction], _: &dyn Reporter) -> Result<Outcome> {
        let index_url = ctx.args.pip_index_url.as_deref();
        let made = self.make(ctx.paths, index_url, plan)?;
        let installer = installer_for(ctx.paths, ctx.args.installer, index_url)?;
        let changed = self.fill(ctx.paths, index_url, ctx.args.installer, plan, &installer)?;
        Ok(HubEnv::outcome(made, changed))
    }
}
