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
    /// TLJH's config.yaml back from `retired` (hubcfg's note taken out);
    /// config.toml renamed `aside`.
    TljhConfigBack {
        retired: PathBuf,
        yaml: PathBuf,
        toml: PathBuf,
        aside: PathBuf,
    },
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    Restart(String),
    /// Until the hub answers at this URL.
    WaitHub(String),
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
            Undo::TljhConfigBack {
                retired,
                yaml,
                toml,
                aside,
            } => write!(
                f,
                "put TLJH's {} back from {} (without hubcfg's note), keep {} as {}",
                yaml.display(),
                retired.display(),
                toml.display(),
                aside.display()
            ),
            Undo::Rename { from, to } => {
                write!(f, "rename {} to {}", from.display(), to.display())
            }
            Undo::Restart(u) => write!(f, "restart {u}"),
            Undo::WaitHub(url) => write!(f, "wait until TLJH's hub answers at {url}"),
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
        let stopped = |e: Error| {
            Error::new(format!("uninstall stopped at `{a}`: {}", e.message)).with_hint(
                "fix that, then run `hubcfg uninstall` again: it plans only what is left to undo",
            )
        };
        if let Undo::WaitHub(url) = a {
            let took = (m.wait_hub)(url).map_err(stopped)?;
            say(&format!(
                "  done: TLJH's hub answers at {url} ({:.1}s)",
                took.as_secs_f64()
            ));
            continue;
        }
        run_one(a, m).map_err(stopped)?;
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
        Undo::TljhConfigBack {
            retired,
            yaml,
            toml,
            aside,
        } => {
            if toml.exists() {
                fs_err::rename(toml, aside)?;
            }
            let text = fs_err::read_to_string(retired)?;
            let mode = fs_err::metadata(retired)?.permissions().mode() & 0o7777;
            let tljh = crate::migrate::apply::unretired_text(&text);
            crate::fsutil::write_atomic(yaml, tljh.as_bytes(), mode)?;
            fs_err::remove_file(retired).map_err(Into::into)
        }
        Undo::Rename { from, to } => fs_err::rename(from, to).map_err(Into::into),
        Undo::Restart(u) => m.services.restart(u),
        Undo::WaitHub(_) => Ok(()),
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
