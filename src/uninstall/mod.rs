//! `hubcfg uninstall`: undoes what the journal (src/journal) says hubcfg did
//! outside the prefix, in reverse order, and nothing else; then removes the
//! prefix. Plan (src/uninstall/plan.rs) → shown → confirmed → executed.

mod adopted;
mod packages;
mod plan;
mod undo;

pub use packages::{Apt, Packages};
pub use plan::{Plan, plan, prefix_is_ours};
pub use undo::{Undo, execute, remove_all_but};

use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::paths::Paths;
use crate::systemd::{ServiceManager, Systemctl};
use crate::users::{Accounts, SystemAccounts};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opts {
    pub keep_data: bool,
    pub purge_users: bool,
    pub purge_packages: bool,
    pub yes: bool,
}

/// What uninstall looks at and changes outside the prefix.
pub struct Machine<'a> {
    pub services: &'a dyn ServiceManager,
    pub accounts: &'a dyn Accounts,
    pub packages: &'a dyn Packages,
    pub unit_dir: PathBuf,
    pub bin_dir: PathBuf,
    pub sudoers_dir: PathBuf,
    /// Waits until a hub answers at the URL; how long it took.
    pub wait_hub: &'a dyn Fn(&str) -> Result<Duration>,
}

/// TLJH's hub after an uninstall gave it back: it starts slower than ours.
fn wait_for_tljh(url: &str) -> Result<Duration> {
    crate::hub_probe::wait_ready(url, Duration::from_secs(180))
}

impl Machine<'static> {
    pub fn this() -> Self {
        Machine {
            services: &Systemctl,
            accounts: &SystemAccounts,
            packages: &Apt,
            unit_dir: PathBuf::from("/etc/systemd/system"),
            bin_dir: PathBuf::from("/usr/bin"),
            sudoers_dir: PathBuf::from("/etc/sudoers.d"),
            wait_hub: &wait_for_tljh,
        }
    }
}

/// The plan as the terminal shows it.
pub fn describe(paths: &Paths, plan: &Plan, opts: &Opts) -> String {
    let mut s = format!("hubcfg uninstall of {} will:\n", paths.prefix.display());
    for a in &plan.actions {
        s.push_str(&format!("  {a}\n"));
    }
    if !plan.leaves.is_empty() {
        s.push_str("It leaves behind:\n");
        for l in &plan.leaves {
            s.push_str(&format!("  {l}\n"));
        }
    }
    if !opts.keep_data && !plan.tljh_back {
        s.push_str(&format!(
            "run 'hubcfg backup' first to keep {} and {} (settings, passwords, the hub database)\n",
            paths.config_dir().display(),
            paths.state_dir().display()
        ));
    }
    s
}

fn yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn cancelled() -> Error {
    Error::new("uninstall cancelled; nothing was changed")
}

/// Asks what must be asked: unless `--yes`, a terminal is needed; the
/// backup is offered, then the plan confirmed, then (with --purge-users)
/// the accounts' deletion confirmed once more.
pub fn confirm(
    paths: &Paths,
    plan: &Plan,
    opts: &Opts,
    tty: bool,
    ask: &mut dyn FnMut(&str) -> Result<String>,
    backup: &dyn Fn(&Paths) -> Result<()>,
) -> Result<()> {
    if opts.yes {
        return Ok(());
    }
    if !tty {
        return Err(Error::new(
            "uninstall asks before changing anything, but stdin is not a terminal; nothing was changed",
        )
        .with_hint("read the plan above, then run it again with --yes"));
    }
    if !opts.keep_data
        && !plan.tljh_back
        && yes(&ask("make a backup with 'hubcfg backup' first? [y/N] ")?)
    {
        backup(paths)?;
    }
    if !yes(&ask("go ahead? [y/N] ")?) {
        return Err(cancelled());
    }
    let doomed: Vec<String> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Undo::DeleteUser { user, .. } => Some(user.clone()),
            _ => None,
        })
        .collect();
    if !doomed.is_empty()
        && !yes(&ask(&format!(
            "delete the accounts {} and everything in their homes? [y/N] ",
            doomed.join(", ")
        ))?)
    {
        return Err(cancelled());
    }
    Ok(())
}

/// The final backup uninstall offers: `hubcfg backup` (config, state, the
/// hub database, accounts; homes stay on the machine anyway unless
/// --purge-users), written outside the prefix, which is about to go.
fn offer_backup(paths: &Paths) -> Result<()> {
    let dir = [Path::new("/var/backups"), Path::new("/root")]
        .into_iter()
        .find(|d| d.is_dir() && !d.starts_with(&paths.prefix))
        .unwrap_or(Path::new("/"));
    let out = dir.join(crate::backup::create::default_name(
        crate::clock::unix_seconds() as i64,
    ));
    let say = crate::config::output::Lines {
        verbosity: crate::report::Verbosity::Normal,
    };
    crate::backup::create::run(
        paths,
        &crate::backup::create::Opts {
            out: Some(out.clone()),
            homes: false,
        },
        &say,
    )
    .map_err(|e| {
        Error::new(format!(
            "the backup before uninstall failed; nothing was uninstalled: {e}"
        ))
    })?;
    println!(
        "backup written: {} (restore it with `hubcfg restore`)",
        out.display()
    );
    Ok(())
}

/// `hubcfg uninstall` on this machine.
pub fn run(paths: &Paths, opts: &Opts) -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Error::new(
            "uninstall changes the whole machine and needs root; nothing was changed",
        )
        .with_hint("run it with sudo"));
    }
    let machine = Machine::this();
    let entries = Journal::of(paths, "uninstall").entries()?;
    let plan = plan(paths, &entries, &machine, opts)?;
    if plan.actions.is_empty() {
        println!(
            "nothing to do: no hubcfg install at {} (no journal, nothing of hubcfg's found on the machine)",
            paths.prefix.display()
        );
        return Ok(());
    }
    print!("{}", describe(paths, &plan, opts));
    use std::io::IsTerminal;
    let tty = std::io::stdin().is_terminal();
    confirm(
        paths,
        &plan,
        opts,
        tty,
        &mut crate::hub_users::ask_on_terminal,
        &offer_backup,
    )?;
    execute(&plan.actions, &machine, &mut |line| println!("{line}"))?;
    if plan.tljh_back {
        println!("uninstalled: hubcfg is gone from this machine, and TLJH runs its hub again");
    } else {
        println!("uninstalled: hubcfg's hub is gone from this machine");
    }
    Ok(())
}

#[cfg(test)]
mod adopted_tests;
#[cfg(test)]
mod edge_tests;
#[cfg(test)]
mod tests;
