//! Putting a home directory back from a verified archive: owners by name
//! (the account's own name maps to its new uid), modes kept, symlinks made
//! as symlinks. Nothing is written through a symlink: directories are
//! walked parent first and a symlink standing where a directory or file
//! goes is replaced, files are renamed into place (rename replaces a link,
//! never follows it) and owners are set without following links.

use super::manifest::{Account, HOMES, Kind, Member};
use super::verify::Verified;
use crate::error::{Context, Result};
use crate::users::UserInfo;
use nix::unistd::{Gid, Group, Uid, User};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Restores `account`'s home into `info.home`; returns the files written.
pub fn restore_home(v: &Verified, account: &Account, info: &UserInfo) -> Result<usize> {
    let root = format!("{HOMES}/{}", account.unix_name);
    let ids = |m: &Member| -> (u32, u32) {
        let uid = if m.owner == account.unix_name {
            info.uid
        } else {
            User::from_name(&m.owner)
                .ok()
                .flatten()
                .map_or(info.uid, |u| u.uid.as_raw())
        };
        let gid = if m.group == account.unix_name {
            info.gid
        } else {
            Group::from_name(&m.group)
                .ok()
                .flatten()
                .map_or(info.gid, |g| g.gid.as_raw())
        };
        (uid, gid)
    };
    let mut files = 0;
    for m in &v.manifest.members {
        let rel = if m.path == root {
            ""
        } else if let Some(rel) = m.path.strip_prefix(&format!("{root}/")) {
            rel
        } else {
            continue;
        };
        let dest = if rel.is_empty() {
            info.home.clone()
        } else {
            info.home.join(rel)
        };
        let (uid, gid) = ids(m);
        let existing = std::fs::symlink_metadata(&dest).ok();
        match m.kind {
            Kind::Dir => {
                if existing.as_ref().is_some_and(|e| !e.is_dir()) {
                    std::fs::remove_file(&dest)
                        .context(|| format!("replacing {}", dest.display()))?;
                }
                if !dest.is_dir() {
                    std::fs::create_dir(&dest)
                        .context(|| format!("creating {}", dest.display()))?;
                }
                // Owner first: a chown clears set-id bits the mode may have.
                chown(&dest, uid, gid)?;
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(m.mode))
                    .context(|| format!("changing the mode of {}", dest.display()))?;
            }
            Kind::File => {
                if existing.as_ref().is_some_and(|e| e.is_dir()) {
                    return Err(crate::error::Error::new(format!(
                        "cannot restore {}: a directory is in its place",
                        dest.display()
                    ))
                    .with_hint("move that directory away and restore again"));
                }
                put_file(&v.path(&m.path), &dest, m.mode, uid, gid)?;
                files += 1;
            }
            Kind::Symlink => {
                if existing.as_ref().is_some_and(|e| !e.is_dir()) {
                    std::fs::remove_file(&dest)
                        .context(|| format!("replacing {}", dest.display()))?;
                }
                let target = m.target.as_deref().unwrap_or_default();
                std::os::unix::fs::symlink(target, &dest)
                    .context(|| format!("creating the symlink {}", dest.display()))?;
                chown(&dest, uid, gid)?;
            }
        }
    }
    Ok(files)
}

/// Copies `src` to a new file beside `dest`, sets mode and owner, renames it over `dest`.
fn put_file(src: &Path, dest: &Path, mode: u32, uid: u32, gid: u32) -> Result<()> {
    let dir = dest.parent().unwrap_or(Path::new("/"));
    let mut tmp = tempfile::Builder::new()
        .prefix(".hubcfg-restore.")
        .tempfile_in(dir)
        .context(|| format!("creating a temp file in {}", dir.display()))?;
    let mut from = std::fs::File::open(src).context(|| format!("reading {}", src.display()))?;
    std::io::copy(&mut from, tmp.as_file_mut())
        .context(|| format!("writing {}", dest.display()))?;
    let f = tmp.as_file();
    std::os::unix::fs::fchown(f, Some(uid), Some(gid))
        .context(|| format!("changing the owner of {}", dest.display()))?;
    f.set_permissions(std::fs::Permissions::from_mode(mode))
        .context(|| format!("changing the mode of {}", dest.display()))?;
    tmp.persist(dest)
        .map_err(|e| e.error)
        .context(|| format!("renaming into {}", dest.display()))?;
    Ok(())
}

/// chown without following a symlink.
fn chown(path: &Path, uid: u32, gid: u32) -> Result<()> {
    nix::unistd::fchownat(
        nix::fcntl::AT_FDCWD,
        path,
        Some(Uid::from_raw(uid)),
        Some(Gid::from_raw(gid)),
        nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
    )
    .map_err(std::io::Error::from)
    .context(|| format!("changing the owner of {}", path.display()))
}
