//! What uninstall will do: the journal's entries undone in reverse order,
//! each only where the machine still shows our change, plus what is found
//! on the machine that is verifiably ours (an install from before the
//! journal, or one that stopped half-way). Inspects, changes nothing.

use super::{Machine, Opts, Undo};
use crate::error::Result;
use crate::install::services::rendered_units;
use crate::install::system::{SUDOERS_CONTENT, SUDOERS_FILE};
use crate::journal::{Before, Change, Entry};
use crate::paths::Paths;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Undo>,
    /// What stays on the machine, each with why.
    pub leaves: Vec<String>,
    /// An adopted TLJH install is given back instead of the prefix removed.
    pub tljh_back: bool,
}

/// What no uninstall removes: not journaled, and not ours alone.
const ALWAYS_LEFT: &[&str] = &[
    "the hub's, Traefik's and the servers' lines in the systemd journal (journalctl)",
    "uv's and pip's download caches in root's ~/.cache, and apt's package lists",
];

/// The prefixes that are never removed, whatever is in them.
const NEVER_REMOVED: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/local",
    "/var",
];

/// Is `paths.prefix` an install of hubcfg's: a journal, or hubcfg's own
/// binary (a regular file, not the /usr/bin link) next to a config.toml.
pub fn prefix_is_ours(paths: &Paths) -> bool {
    let p = &paths.prefix;
    if !p.is_absolute() || NEVER_REMOVED.iter().any(|n| p == Path::new(n)) {
        return false;
    }
    let regular = |f: &Path| std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file());
    regular(&paths.journal()) || (regular(&paths.hubcfg_bin()) && paths.config_toml().is_file())
}

fn found(change: Change) -> Entry {
    Entry {
        v: crate::journal::VERSION,
        at: 0,
        by: "found on the machine".into(),
        change,
        note: None,
    }
}

/// Entries for what is verifiably ours on the machine but not journaled
/// (an install made before the journal existed): the sudoers rule and the
/// units with exactly our content, links pointing into the prefix. In the
/// order bootstrap makes them.
fn found_on_machine(paths: &Paths, journaled: &BTreeSet<String>, m: &Machine) -> Vec<Entry> {
    let mut out = vec![];
    let new = |c: &Change| !journaled.contains(&c.key());
    let file_if = |path: PathBuf, text: &str, out: &mut Vec<Entry>| {
        let change = Change::File {
            path: path.clone(),
            before: Before::Absent,
        };
        if new(&change) && std::fs::read(&path).is_ok_and(|b| b == text.as_bytes()) {
            out.push(found(change));
            return true;
        }
        false
    };
    file_if(m.sudoers_dir.join(SUDOERS_FILE), SUDOERS_CONTENT, &mut out);
    for (name, text) in rendered_units(paths).unwrap_or_default() {
        if file_if(m.unit_dir.join(name), &text, &mut out) && m.services.is_enabled(name) {
            out.push(found(Change::UnitEnabled { unit: name.into() }));
        }
    }
    for name in ["hubcfg", "tljh-config"] {
        let path = m.bin_dir.join(name);
        let Ok(target) = std::fs::read_link(&path) else {
            continue;
        };
        let abs = m.bin_dir.join(&target);
        let change = Change::Link {
            path,
            target,
            before: Before::Absent,
        };
        if new(&change) && abs.starts_with(&paths.prefix) {
            out.push(found(change));
        }
    }
    out
}

pub(super) fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// Undoing a file or link entry: what `before` was, if `path` is not that now.
fn put_back(path: &Path, before: &Before, leaves: &mut Vec<String>) -> Option<Undo> {
    match before {
        Before::Absent => exists(path).then(|| Undo::RemoveFile(path.into())),
        Before::Link { target } => {
            (std::fs::read_link(path).ok().as_ref() != Some(target)).then(|| Undo::RestoreLink {
                path: path.into(),
                target: target.clone(),
            })
        }
        Before::File {
            saved,
            mode,
            uid,
            gid,
        } => {
            let Ok(old) = std::fs::read(saved) else {
                leaves.push(format!(
                    "{}: its saved copy {} is gone, so what was there before hubcfg cannot be put back",
                    path.display(),
                    saved.display()
                ));
                return None;
            };
            let same = std::fs::read(path).is_ok_and(|now| now == old)
                && std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o7777 == *mode);
            (!same).then(|| Undo::Restore {
                path: path.into(),
                saved: saved.clone(),
                mode: *mode,
                uid: *uid,
                gid: *gid,
            })
        }
    }
}

pub fn plan(paths: &Paths, journal: &[Entry], m: &Machine, opts: &Opts) -> Result<Plan> {
    let journaled: BTreeSet<String> = journal.iter().map(|e| e.change.key()).collect();
    let mut entries = found_on_machine(paths, &journaled, m);
    entries.extend(journal.iter().cloned());
    let prefix_ours = paths.prefix.exists() && prefix_is_ours(paths);
    let mut plan = Plan::default();
    if entries.is_empty() && !prefix_ours {
        return Ok(plan);
    }
    let created: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| match &e.change {
            Change::UserCreated { user, .. } => Some(user.as_str()),
            _ => None,
        })
        .collect();
    let deleting_users: BTreeSet<&str> = if opts.purge_users {
        created.clone()
    } else {
        BTreeSet::new()
    };
    // A group we made goes when every member is an account we made: anyone
    // else in it was put there by someone, who keeps that membership.
    let mut deleting_groups = BTreeSet::new();
    for e in &entries {
        if let Change::GroupCreated { group } = &e.change
            && let Some(g) = m.accounts.group(group)?
        {
            let others: Vec<&String> = g
                .members
                .iter()
                .filter(|u| !created.contains(u.as_str()))
                .collect();
            if others.is_empty() {
                deleting_groups.insert(group.clone());
            } else {
                let names: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
                plan.leaves.push(format!(
                    "the group {group}: hubcfg made it, but it also holds {}, which hubcfg did not",
                    names.join(", ")
                ));
            }
        }
    }
    let acts = &mut plan.actions;
    // SystemdSpawner's servers run the user environment's jupyterhub-singleuser.
    let user_env = paths.user_env().display().to_string();
    for unit in m.services.transient_units("jupyter-*", &user_env) {
        acts.push(Undo::StopServer(unit));
    }
    let unit_of = |p: &Path| {
        (p.parent() == Some(m.unit_dir.as_path()))
            .then(|| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten()
    };
    for e in entries.iter().rev() {
        if let Change::File { path, .. } = &e.change
            && let Some(unit) = unit_of(path)
            && !matches!(
                m.services.active_state(&unit).as_str(),
                "inactive" | "failed"
            )
        {
            acts.push(Undo::Stop(unit));
        }
    }
    let (mut units_changed, mut packages) = (false, vec![]);
    for e in entries.iter().rev() {
        let leaves = &mut plan.leaves;
        let undo = match &e.change {
            Change::File { path, before } => put_back(path, before, leaves),
            Change::Link {
                path,
                target,
                before,
            } => match std::fs::read_link(path) {
                Ok(now) if &now == target => put_back(path, before, leaves),
                _ if exists(path) => {
                    leaves.push(format!(
                        "{}: changed since hubcfg linked it, left alone",
                        path.display()
                    ));
                    None
                }
                _ => None,
            },
            Change::UnitEnabled { unit } => m
                .services
                .is_enabled(unit)
                .then(|| Undo::Disable(unit.clone())),
            Change::GroupCreated { group } => deleting_groups
                .contains(group)
                .then(|| Undo::DeleteGroup(group.clone())),
            Change::UserCreated { user, home } => match m.accounts.user(user)? {
                Some(u) if deleting_users.contains(user.as_str()) && user != "root" => {
                    Some(Undo::DeleteUser {
                        user: user.clone(),
                        home: u.home,
                    })
                }
                Some(_) => {
                    leaves.push(format!(
                        "the account {user} and its home {} (--purge-users deletes them)",
                        home.display()
                    ));
                    None
                }
                None => None,
            },
            Change::MemberAdded { user, group } | Change::MemberRemoved { user, group } => {
                let skip =
                    deleting_groups.contains(group) || deleting_users.contains(user.as_str());
                let was_member = matches!(e.change, Change::MemberRemoved { .. });
                let (user, group) = (user.clone(), group.clone());
                match m.accounts.group(&group)? {
                    Some(g) if !skip && g.members.contains(&user) && !was_member => {
                        Some(Undo::RemoveMember { user, group })
                    }
                    Some(g) if !skip && !g.members.contains(&user) && was_member => m
                        .accounts
                        .user(&user)?
                        .map(|_| Undo::AddMember { user, group }),
                    _ => None,
                }
            }
            Change::DirCreated { path } => {
                if exists(path) {
                    leaves.push(format!(
                        "{}: made for an account that was there before hubcfg",
                        path.display()
                    ));
                }
                None
            }
            Change::ModeChanged { path, before_mode } => std::fs::metadata(path)
                .is_ok_and(|md| md.permissions().mode() & 0o7777 != *before_mode)
                .then(|| Undo::RestoreMode {
                    path: path.clone(),
                    mode: *before_mode,
                }),
            Change::PackageInstalled { package } => {
                packages.push(package.clone());
                None
            }
            Change::Adopted { .. } => None,
        };
        if let Some(u) = undo {
            if let Undo::RemoveFile(p) | Undo::Restore { path: p, .. } = &u {
                units_changed |= unit_of(p).is_some();
            }
            acts.push(u);
        }
    }
    if units_changed {
        acts.push(Undo::DaemonReload);
    }
    super::packages::plan_packages(&mut plan, packages, m, opts)?;
    if entries
        .iter()
        .any(|e| matches!(e.change, Change::Adopted { .. }))
        && prefix_ours
    {
        let url = crate::hub_probe::hub_api_url_or_default(paths);
        super::adopted::plan_tljh_back(&mut plan, paths, url);
    } else {
        plan_prefix(&mut plan, paths, prefix_ours, opts);
    }
    if !plan.actions.is_empty() {
        plan.leaves
            .extend(ALWAYS_LEFT.iter().map(|s| s.to_string()));
    }
    Ok(plan)
}

fn plan_prefix(plan: &mut Plan, paths: &Paths, ours: bool, opts: &Opts) {
    let prefix = &paths.prefix;
    if !prefix.exists() {
        return;
    }
    if !ours {
        plan.leaves.push(format!(
            "{}: no journal and no hubcfg install in it, left alone",
            prefix.display()
        ));
        return;
    }
    // Files put back inside the prefix (a migration's) stay too.
    let mut keep: Vec<PathBuf> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Undo::Restore { path, .. } | Undo::RestoreLink { path, .. }
                if path.starts_with(prefix) =>
            {
                Some(path.clone())
            }
            _ => None,
        })
        .collect();
    if opts.keep_data {
        keep.extend([paths.config_dir(), paths.state_dir()]);
    }
    if !anything_but(prefix, &keep) {
        return;
    }
    if opts.keep_data {
        plan.leaves.push(format!(
            "{} and {} (--keep-data)",
            paths.config_dir().display(),
            paths.state_dir().display()
        ));
    }
    plan.actions.push(Undo::RemovePrefix {
        prefix: prefix.clone(),
        keep,
    });
}

/// Is there anything in `dir` besides `keep` and the directories leading to them?
fn anything_but(dir: &Path, keep: &[PathBuf]) -> bool {
    if keep.iter().any(|k| k == dir) {
        return false;
    }
    if !keep.iter().any(|k| k.starts_with(dir)) {
        return true;
    }
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(|e| e.ok())
            .any(|e| anything_but(&e.path(), keep))
    })
}
