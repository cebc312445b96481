//! The actions of an uninstall plan, and how each is shown.

use crate::error::{Context, Error, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// One thing uninstall does, in the order of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// A user's server (a transient `jupyter-*` unit), before its account goes.
    StopServer(String),
    Stop(String),
    Disable(String),
    RemoveFile(PathBuf),
    /// Put back the file that was there before, from its saved copy.
    Restore {
        path: PathBuf,
        saved: PathBuf,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    RestoreLink {
        path: PathBuf,
        target: PathBuf,
    },
    DaemonReload,
    RemoveMember {
        user: String,
        group: String,
    },
    AddMember {
        user: String,
        group: String,
    },
    RestoreMode {
        path: PathBuf,
        mode: u32,
    },
    DeleteUser {
        user: String,
        home: PathBuf,
    },
    DeleteGroup(String),
    PurgePackages(Vec<String>),
    /// The prefix, all but `keep` (and the directories leading to them).
    RemovePrefix {
        prefix: PathBuf,
        keep: Vec<PathBuf>,
    },
}

impl std::fmt::Display for Undo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undo::StopServer(u) => write!(f, "stop the user server {u}"),
            Undo::Stop(u) => write!(f, "stop {u}"),
            Undo::Disable(u) => write!(f, "disable {u}"),
            Undo::RemoveFile(p) => write!(f, "remove {}", p.display()),
            Undo::Restore { path, saved, .. } => write!(
                f,
                "restore {} as it was before hubcfg (from {})",
                path.display(),
                saved.display()
            ),
            Undo::RestoreLink { path, target } => write!(
                f,
                "point {} at {} again, as before hubcfg",
                path.display(),
                target.display()
            ),
            Undo::DaemonReload => f.write_str("systemctl daemon-reload"),
            Undo::RemoveMember { user, group } => write!(f, "remove {user} from group {group}"),
            Undo::AddMember { user, group } => {
                write!(f, "add {user} to group {group} again, as before hubcfg")
            }
            Undo::RestoreMode { path, mode } => {
                write!(f, "set the mode of {} back to {mode:o}", path.display())
            }
            Undo::DeleteUser { user, home } => {
                write!(
                    f,
                    "delete the account {user} and its home {}",
                    home.display()
                )
            }
            Undo::DeleteGroup(g) => write!(f, "delete the group {g}"),
            Undo::PurgePackages(p) => write!(f, "apt-get purge {}", p.join(" ")),
            Undo::RemovePrefix { prefix, keep } if keep.is_empty() => {
                write!(f, "remove {}", prefix.display())
            }
            Undo::RemovePrefix { prefix, keep } => {
                let kept: Vec<String> = keep.iter().map(|k| k.display().to_string()).collect();
                write!(f, "remove {} except {}", prefix.display(), kept.join(", "))
            }
        }
    }
}

/// Carries out `actions` in order, saying each as it is done; stops at the
/// first that fails (a re-run plans only what is left).
pub fn execute(actions: &[Undo], m: &super::Machine, say: &mut dyn FnMut(&str)) -> Result<()> {
    for a in actions {
        run_one(a, m).map_err(|e| {
            Error::new(format!("uninstall stopped at `{a}`: {}", e.message)).with_hint(
                "fix that, then run `hubcfg uninstall` again: it plans only what is left to undo",
            )
        })?;
        tracing::info!("uninstall: {a}");
        say(&format!("  done: {a}"));
    }
    Ok(())
}

fn run_one(a: &Undo, m: &super::Machine) -> Result<()> {
    match a {
        Undo::StopServer(u) | Undo::Stop(u) => m.services.stop(u),
        Undo::Disable(u) => m.services.disable(u),
        Undo::RemoveFile(p) => match std::fs::remove_file(p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::new(format!("removing {}: {e}", p.display())))
            }
            _ => Ok(()),
        },
        Undo::Restore {
            path,
            saved,
            mode,
            uid,
            gid,
        } => {
            let bytes = fs_err::read(saved)?;
            if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
                fs_err::remove_file(path)?;
            }
            crate::fsutil::write_atomic(path, &bytes, *mode)
                .context(|| format!("writing {}", path.display()))?;
            std::os::unix::fs::chown(path, Some(*uid), Some(*gid))
                .context(|| format!("giving {} back to {uid}:{gid}", path.display()))
        }
        Undo::RestoreLink { path, target } => crate::install::services::replace_link(path, target),
        Undo::DaemonReload => m.services.daemon_reload(),
        Undo::RemoveMember { user, group } => m.accounts.remove_member(user, group),
        Undo::AddMember { user, group } => m.accounts.add_member(user, group),
        Undo::RestoreMode { path, mode } => {
            fs_err::set_permissions(path, std::fs::Permissions::from_mode(*mode))?;
            Ok(())
        }
        Undo::DeleteUser { user, .. } => m.accounts.delete_user(user),
        Undo::DeleteGroup(g) => m.accounts.delete_group(g),
        Undo::PurgePackages(p) => m.packages.purge(p),
        Undo::RemovePrefix { prefix, keep } => remove_all_but(prefix, keep),
    }
}

/// Removes `dir` and everything in it except the paths in `keep` and the
/// directories that lead to them.
pub fn remove_all_but(dir: &Path, keep: &[PathBuf]) -> Result<()> {
    if keep.iter().any(|k| k == dir) {
        return Ok(());
    }
    if !keep.iter().any(|k| k.starts_with(dir)) {
        return match std::fs::symlink_metadata(dir) {
            Ok(md) if md.is_dir() => fs_err::remove_dir_all(dir).map_err(Into::into),
            Ok(_) => fs_err::remove_file(dir).map_err(Into::into),
            Err(_) => Ok(()),
        };
    }
    for entry in fs_err::read_dir(dir)? {
        remove_all_but(&entry?.path(), keep)?;
    }
    Ok(())
}
