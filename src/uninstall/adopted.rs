//! Uninstall of a prefix bootstrap adopted from TLJH (the journal has an
//! `adopted` entry): instead of removing the prefix, TLJH's config goes
//! back, hubcfg's own files go, and TLJH's proxy and hub are restarted on
//! what TLJH left there (its units and Traefik files are put back by the
//! journal's undos before this).

use super::plan::exists;
use super::{Plan, Undo};
use crate::install::python_env::package;
use crate::install::services::{HUB_UNIT, TRAEFIK_UNIT};
use crate::migrate::apply::{MIGRATED_SUFFIX, find_yaml, migrated_name};
use crate::paths::Paths;
use std::path::PathBuf;

/// Where config.toml is kept when TLJH's config.yaml is back.
pub const TOML_ASIDE: &str = "config.toml.hubcfg";
/// Where hubcfg's journal goes once TLJH is back: a re-run finds no
/// install of hubcfg's, and a bootstrap can adopt again.
pub const JOURNAL_ASIDE: &str = "journal.jsonl.undone-by-uninstall";

/// The files in state/ that only hubcfg writes (TLJH's own stay).
fn hubcfg_state(paths: &Paths) -> [PathBuf; 4] {
    [
        paths.hub_config_json(),
        paths.hub_token(),
        paths.traefik_env(),
        crate::plugins::state::path(paths),
    ]
}

/// The retired config.yaml in either of TLJH's places.
fn retired_yaml(paths: &Paths) -> Option<(PathBuf, PathBuf)> {
    [paths.config_dir(), paths.prefix.clone()]
        .into_iter()
        .map(|d| d.join("config.yaml"))
        .map(|yaml| (migrated_name(&yaml), yaml))
        .find(|(retired, _)| retired.is_file())
}

/// Appends to `plan` what gives TLJH back; `url` is where its hub answers.
pub fn plan_tljh_back(plan: &mut Plan, paths: &Paths, url: String) {
    let acts = &mut plan.actions;
    if let Some((retired, yaml)) = retired_yaml(paths).filter(|_| find_yaml(paths).is_none()) {
        acts.push(Undo::TljhConfigBack {
            retired,
            yaml,
            toml: paths.config_toml(),
            aside: paths.config_dir().join(TOML_ASIDE),
        });
    } else if paths.config_toml().exists() && find_yaml(paths).is_some() {
        acts.push(Undo::Rename {
            from: paths.config_toml(),
            to: paths.config_dir().join(TOML_ASIDE),
        });
    }
    let mut ours = vec![paths.hubcfg_bin(), paths.jupyterhub_config_py()];
    if let Some(site) = package::site_packages(&paths.hub_env()) {
        ours.extend(package::installed_in(&site));
    }
    ours.extend(hubcfg_state(paths));
    for p in ours.into_iter().filter(|p| exists(p)) {
        acts.push(Undo::RemovePrefix {
            prefix: p,
            keep: vec![],
        });
    }
    if !acts.contains(&Undo::DaemonReload) {
        acts.push(Undo::DaemonReload);
    }
    acts.push(Undo::Restart(TRAEFIK_UNIT.into()));
    acts.push(Undo::Restart(HUB_UNIT.into()));
    acts.push(Undo::WaitHub(url));
    acts.push(Undo::Rename {
        from: paths.journal(),
        to: paths.state_dir().join(JOURNAL_ASIDE),
    });
    let state = paths.state_dir();
    plan.leaves.extend([
        format!(
            "{} and {}, the hub's and the users' Python environments TLJH runs (the packages hubcfg added to them stay)",
            paths.hub_env().display(),
            paths.user_env().display()
        ),
        format!(
            "{}: TLJH's database, cookie secret, passwords, certificates and routes (--keep-data makes no difference: TLJH needs them)",
            state.display()
        ),
        format!(
            "{}: hubcfg's settings, set aside (TLJH reads config.yaml; the {MIGRATED_SUFFIX} copy is TLJH's file again)",
            paths.config_dir().join(TOML_ASIDE).display()
        ),
    ]);
    plan.tljh_back = true;
}
