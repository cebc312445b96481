//! The apt side of `uninstall --purge-packages`: what is installed, what a
//! purge would take with it (asked of apt first, so a package someone
//! installed later on top of ours is never removed), the purge itself.

use super::{Machine, Opts, Plan, Undo};
use crate::cmd;
use crate::error::Result;
use crate::install::apt::{Debian, PackageSystem, apt_get};
use std::collections::BTreeSet;

pub trait Packages {
    fn installed(&self) -> Result<BTreeSet<String>>;
    /// Every package `apt-get purge packages` would remove (a simulation).
    fn purge_would_remove(&self, packages: &[String]) -> Result<Vec<String>>;
    fn purge(&self, packages: &[String]) -> Result<()>;
}

/// apt on this machine.
pub struct Apt;

/// The packages of `apt-get -s purge`'s `Purg NAME [VERSION]` lines.
pub fn parse_simulation(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("Purg ").or_else(|| l.strip_prefix("Remv ")))
        .filter_map(|rest| rest.split_whitespace().next().map(String::from))
        .collect()
}

fn purge_args(packages: &[String], simulate: bool) -> Vec<&str> {
    let mut args = vec!["purge", "-y"];
    if simulate {
        args.push("-s");
    }
    args.extend(packages.iter().map(String::as_str));
    args
}

impl Packages for Apt {
    fn installed(&self) -> Result<BTreeSet<String>> {
        Debian::default().installed_packages()
    }

    fn purge_would_remove(&self, packages: &[String]) -> Result<Vec<String>> {
        let out = cmd::run_checked(&mut apt_get(&purge_args(packages, true)))?;
        Ok(parse_simulation(&out.stdout))
    }

    fn purge(&self, packages: &[String]) -> Result<()> {
        let mut c = apt_get(&purge_args(packages, false));
        // sudo's prerm refuses to go on a machine whose root has no
        // password; hubcfg installed sudo, so the machine had none before.
        if packages.iter().any(|p| p.split(':').next() == Some("sudo")) {
            c.env("SUDO_FORCE_REMOVE", "yes");
        }
        cmd::run_checked(&mut c).map(drop)
    }
}

/// The journaled packages still installed: purged with --purge-packages
/// when apt would remove nothing else, else named in what stays.
pub(super) fn plan_packages(
    plan: &mut Plan,
    journaled: Vec<String>,
    m: &Machine,
    opts: &Opts,
) -> Result<()> {
    if journaled.is_empty() {
        return Ok(());
    }
    let installed = m.packages.installed()?;
    let mut ours: Vec<String> = journaled
        .into_iter()
        .filter(|p| installed.contains(p))
        .collect();
    ours.sort();
    if ours.is_empty() {
        return Ok(());
    }
    let list = ours.join(" ");
    if !opts.purge_packages {
        plan.leaves.push(format!(
            "the apt packages hubcfg installed: {list} (--purge-packages removes them)"
        ));
        return Ok(());
    }
    let bare = |p: &str| p.split(':').next().unwrap_or(p).to_string();
    let mine: BTreeSet<String> = ours.iter().map(|p| bare(p)).collect();
    let others: Vec<String> = m
        .packages
        .purge_would_remove(&ours)?
        .into_iter()
        .filter(|p| !mine.contains(&bare(p)))
        .collect();
    if others.is_empty() {
        plan.actions.push(Undo::PurgePackages(ours));
    } else {
        plan.leaves.push(format!(
            "the apt packages hubcfg installed: {list} (not purged: apt would also remove {}, which hubcfg did not install)",
            others.join(" ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_simulation_names_every_package_purged_or_removed() {
        let text = "Reading package lists...\nPurg git [1:2.39.5-0+deb12u2]\n\
            Purg libpython3.11-stdlib:amd64 [3.11.2-6]\nRemv other [1]\nConf x\n";
        assert_eq!(
            super::parse_simulation(text),
            ["git", "libpython3.11-stdlib:amd64", "other"]
        );
    }
}
