//! The two install steps of TLJH plugins, present only when plugins are
//! recorded or given (`install::run` inserts them):
//! - `Plugins`, after the hub environment: every spec installed/upgraded in
//!   the hub env (TLJH #400), recorded once installed, then
//!   `tljh_config_post_install` (changes written into config.toml), then
//!   the plugins' packages: apt, hub pip, user conda (+ channels), user pip;
//! - `PostInstall`, last, after the hub answers: `tljh_post_install`.
//!
//! Before/after freezes of both environments (and the apt and config
//! changes) tell a real change from a re-run with nothing to do.

use super::{config_diff, hooks, state};
use crate::cmd;
use crate::error::{Error, Result};
use crate::install::python_env::installer_for;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::installer::{Installer, Requirements};
use crate::report::Reporter;
use std::fmt;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginAction {
    /// pip specs, new ones (not yet recorded) included.
    Install(Vec<String>),
    Hooks,
}

impl fmt::Display for PluginAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginAction::Install(specs) => write!(
                f,
                "install or upgrade the TLJH plugins {} in hub/",
                specs.join(", ")
            ),
            PluginAction::Hooks => f.write_str(
                "run tljh_config_post_install and install the plugins' apt, hub, conda and user packages",
            ),
        }
    }
}

/// Installs `specs` (the recorded ones and `--plugin`'s, merged).
pub struct Plugins {
    pub specs: Vec<String>,
}

impl Step for Plugins {
    type Action = PluginAction;

    fn name(&self) -> &'static str {
        "TLJH plugins"
    }

    fn plan(&self, _: &Ctx) -> Result<Vec<PluginAction>> {
        if self.specs.is_empty() {
            return Ok(vec![]);
        }
        Ok(vec![
            PluginAction::Install(self.specs.clone()),
            PluginAction::Hooks,
        ])
    }

    fn execute(&self, ctx: &Ctx, plan: &[PluginAction], _: &dyn Reporter) -> Result<Outcome> {
        let paths = ctx.paths;
        let installer =
            installer_for(paths, ctx.args.installer, ctx.args.pip_index_url.as_deref())?;
        let hub = paths.hub_python();
        let user = paths.user_env().join("bin/python3");
        let hub_before = installer.freeze(&hub)?;
        let user_before = installer.freeze(&user)?;
        let mut changes: Vec<String> = vec![];
        let mut warnings = vec![];
        for action in plan {
            match action {
                PluginAction::Install(specs) => {
                    for spec in specs {
                        install_plugin(&installer, &hub, spec)?;
                    }
                    if state::save(paths, specs)? {
                        changes.push("recorded in state/plugins.json".into());
                    }
                }
                PluginAction::Hooks => {
                    run_hooks(ctx, &installer, &mut changes, &mut warnings)?;
                }
            }
        }
        let hub_changed =
            crate::install::python_env::changed_packages(&hub_before, &installer.freeze(&hub)?);
        let user_changed =
            crate::install::python_env::changed_packages(&user_before, &installer.freeze(&user)?);
        if hub_changed > 0 {
            changes.push(format!("{hub_changed} hub packages installed or upgraded"));
        }
        if user_changed > 0 {
            changes.push(format!(
                "{user_changed} user packages installed or upgraded"
            ));
        }
        let count = self.specs.len();
        let mut outcome = if changes.is_empty() {
            Outcome::unchanged(format!("{count} plugins, no upgrades or changes"))
        } else {
            Outcome::changed(changes.join("; "))
        };
        outcome.warnings = warnings;
        Ok(outcome.with_restart(if hub_changed > 0 {
            Restart::because("the plugins changed hub packages")
        } else {
            None
        }))
    }
}

fn install_plugin(installer: &Installer, hub: &Path, spec: &str) -> Result<()> {
    installer
        .install(hub, &[Requirements::Spec(spec)], false, &[])
        .map_err(|e| {
            Error::new(format!(
                "the TLJH plugin `{spec}` could not be installed into the hub environment: {}",
                e.message
            ))
            .with_hint(
                "check the spec (a name, name==VERSION, a path or a URL pip accepts); \
                 it was not recorded, so a re-run without it does not try again",
            )
        })
}

/// tljh_config_post_install, then the packages the plugins ask for, in
/// TLJH's order: apt, hub pip, user conda, user pip.
fn run_hooks(
    ctx: &Ctx,
    installer: &Installer,
    changes: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let paths = ctx.paths;
    let config = paths.config_toml();
    let old = crate::config::load::Loaded::read(&config)?.user();
    let reply = hooks::call(
        paths,
        "tljh_config_post_install",
        serde_json::json!({ "config": old }),
    )?;
    let edits = config_diff::diff(&old, &reply["config"]);
    if !edits.is_empty() && config_diff::apply(&config, &edits)?.changed() {
        let keys: Vec<&str> = edits.iter().map(config_diff::Edit::key).collect();
        changes.push(format!("config.toml: {}", keys.join(", ")));
    }

    let apt = hooks::call_list(paths, "tljh_extra_apt_packages")?;
    let system = crate::install::apt::Debian::default();
    let added = crate::install::apt::install_missing(&system, paths, &apt)?;
    if !added.is_empty() {
        changes.push(format!("apt: {}", added.join(" ")));
    }

    let hub_pip = hooks::call_list(paths, "tljh_extra_hub_pip_packages")?;
    pip_install(installer, &paths.hub_python(), &hub_pip, false, "hub")?;

    let conda = hooks::call_list(paths, "tljh_extra_user_conda_packages")?;
    let channels = hooks::call_list(paths, "tljh_extra_user_conda_channels")?;
    if !conda.is_empty() {
        let env = paths.user_env();
        if crate::install::miniforge::is_conda_env(&env) {
            conda_install(&env, &conda, &channels)?;
        } else {
            warnings.push(format!(
                "the plugins asked for conda packages that were NOT installed, since the user \
                 environment is a venv (--user-env venv): {}",
                conda.join(" ")
            ));
        }
    }

    let user_pip = hooks::call_list(paths, "tljh_extra_user_pip_packages")?;
    let user = paths.user_env().join("bin/python3");
    pip_install(installer, &user, &user_pip, true, "user")
}

fn pip_install(
    installer: &Installer,
    python: &Path,
    specs: &[String],
    compile: bool,
    env: &str,
) -> Result<()> {
    if specs.is_empty() {
        return Ok(());
    }
    let reqs: Vec<Requirements> = specs.iter().map(|s| Requirements::Spec(s)).collect();
    installer.install(python, &reqs, compile, &[]).map_err(|e| {
        Error::new(format!(
            "installing the TLJH plugins' {env} pip packages ({}): {}",
            specs.join(" "),
            e.message
        ))
    })
}

/// `mamba install` (conda when Miniforge has no mamba) into the user env;
/// conda-forge when no plugin names a channel, as TLJH.
fn conda_command(env: &Path, packages: &[String], channels: &[String]) -> Command {
    let mamba = env.join("bin/mamba");
    let exe = if mamba.exists() {
        mamba
    } else {
        env.join("bin/conda")
    };
    let mut c = Command::new(exe);
    c.args(["install", "--yes", "--prefix"]).arg(env);
    let default = ["conda-forge".to_string()];
    let channels = if channels.is_empty() {
        &default[..]
    } else {
        channels
    };
    for ch in channels {
        c.args(["--channel", ch]);
    }
    c.args(packages);
    c
}

fn conda_install(env: &Path, packages: &[String], channels: &[String]) -> Result<()> {
    let mut c = conda_command(env, packages, channels);
    cmd::run_checked(&mut c).map(drop).map_err(|e| {
        Error::new(format!(
            "installing the TLJH plugins' conda packages ({}): {}",
            packages.join(" "),
            e.message
        ))
    })
}

/// With plugin specs: the plugins step right after the Traefik binary
/// (the environments are there, the services not yet restarted) and the
/// post-install step last.
pub fn add_steps(
    steps: &mut Vec<Box<dyn crate::install::AnyStep>>,
    stop_page_before: &mut usize,
    specs: Vec<String>,
) {
    if specs.is_empty() {
        return;
    }
    let at = 1 + steps
        .iter()
        .position(|s| s.name() == "Traefik binary")
        .unwrap_or(3);
    steps.insert(at, Box::new(Plugins { specs }));
    *stop_page_before += 1;
    steps.push(Box::new(PostInstall));
}

/// `tljh_post_install()`, last, once the hub answers.
pub struct PostInstall;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPostInstall;

impl fmt::Display for RunPostInstall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("run the TLJH plugins' tljh_post_install")
    }
}

impl Step for PostInstall {
    type Action = RunPostInstall;

    fn name(&self) -> &'static str {
        "TLJH plugins' post-install"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<RunPostInstall>> {
        Ok(if state::load(ctx.paths)?.is_empty() {
            vec![]
        } else {
            vec![RunPostInstall]
        })
    }

    fn execute(&self, ctx: &Ctx, _: &[RunPostInstall], _: &dyn Reporter) -> Result<Outcome> {
        hooks::call(ctx.paths, "tljh_post_install", serde_json::json!({}))?;
        // TLJH runs it on every install: what it does is the plugin's.
        Ok(Outcome::unchanged("tljh_post_install ran"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conda_packages_go_to_the_user_env_with_conda_forge_unless_channels_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let args = |c: &Command| -> Vec<String> {
            std::iter::once(c.get_program())
                .chain(c.get_args())
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let env = dir.path();
        let p = env.display();
        let c = conda_command(env, &["numpy".into()], &[]);
        assert_eq!(
            args(&c),
            [
                format!("{p}/bin/conda"),
                "install".into(),
                "--yes".into(),
                "--prefix".into(),
                p.to_string(),
                "--channel".into(),
                "conda-forge".into(),
                "numpy".into()
            ]
        );
        std::fs::create_dir_all(env.join("bin")).unwrap();
        std::fs::write(env.join("bin/mamba"), "").unwrap();
        let c = conda_command(env, &["a".into(), "b".into()], &["x".into(), "y".into()]);
        assert_eq!(args(&c)[0], format!("{p}/bin/mamba"));
        assert_eq!(
            args(&c)[5..],
            ["--channel", "x", "--channel", "y", "a", "b"]
        );
    }

    #[test]
    fn plugin_steps_come_after_traefik_and_last_only_with_specs() {
        let (mut steps, mut stop) = crate::install::steps();
        let n = steps.len();
        add_steps(&mut steps, &mut stop, vec![]);
        assert_eq!(steps.len(), n);
        add_steps(&mut steps, &mut stop, vec!["p".into()]);
        let names: Vec<_> = steps.iter().map(|s| s.name()).collect();
        assert_eq!(names[4..6], ["Traefik binary", "TLJH plugins"]);
        assert_eq!(names.last(), Some(&"TLJH plugins' post-install"));
        assert_eq!(names[stop], "Start Traefik and JupyterHub", "{names:?}");
    }
}
