//! Owner and mode of everything in the user environment: root-owned,
//! readable by all, writable by root only (uv's lock file: root only); only
//! paths that differ are fixed.

use crate::error::{Context, Error, Result};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// The mode a path in the user env should have: no group/other write, and
/// readable (and for directories and executables, enterable) by everyone.
pub fn wanted_mode(mode: u32, is_dir: bool) -> u32 {
    let mut m = (mode & !0o022) | 0o444;
    if is_dir || mode & 0o100 != 0 {
        m |= 0o111;
    }
    m & 0o7777
}

/// Walks `root` (not following symlinks) and calls `fix` for every path whose
/// owner or mode is wrong. Returns how many there were.
fn walk_wrong(
    root: &Path,
    owner: (u32, u32),
    mut fix: impl FnMut(&Path, bool, u32, bool) -> Result<()>,
) -> Result<usize> {
    let mut count = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        let is_dir = meta.is_dir();
        let mode = meta.permissions().mode() & 0o7777;
        let wrong_owner = (meta.uid(), meta.gid()) != owner;
        // uv's lock: root only (see installer::restrict_uv_lock).
        let want = if path == crate::installer::uv_lock(root) {
            0o600
        } else {
            wanted_mode(mode, is_dir)
        };
        if wrong_owner || want != mode {
            count += 1;
            fix(&path, wrong_owner, want, want != mode)?;
        }
        if is_dir {
            for entry in
                std::fs::read_dir(&path).context(|| format!("listing {}", path.display()))?
            {
                stack.push(entry?.path());
            }
        }
    }
    Ok(count)
}

/// How many paths under `root` need their owner or mode fixed.
pub fn permission_fixes(root: &Path, owner: (u32, u32)) -> Result<usize> {
    walk_wrong(root, owner, |_, _, _, _| Ok(()))
}

/// Fixes only what differs (W19: no `chmod -R` over the whole env each run).
pub fn fix_permissions(root: &Path, owner: (u32, u32)) -> Result<usize> {
    walk_wrong(root, owner, |path, wrong_owner, mode, wrong_mode| {
        if wrong_owner {
            std::os::unix::fs::lchown(path, Some(owner.0), Some(owner.1))
                .context(|| format!("changing the owner of {}", path.display()))?;
        }
        if wrong_mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .context(|| format!("changing the mode of {}", path.display()))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_modes() {
        assert_eq!(wanted_mode(0o600, false), 0o644);
        assert_eq!(wanted_mode(0o775, true), 0o755);
        assert_eq!(
            wanted_mode(0o700, false),
            0o755,
            "an executable stays executable by all"
        );
        assert_eq!(wanted_mode(0o4755, false), 0o4755, "setuid kept");
        assert_eq!(wanted_mode(0o666, false), 0o644);
    }

    #[test]
    fn uvs_lock_is_root_only_and_the_rest_readable() {
        let dir = tempfile::tempdir().unwrap();
        let me = (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        );
        let (lock, other) = (dir.path().join(".lock"), dir.path().join("x.py"));
        for f in [&lock, &other] {
            std::fs::write(f, "").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(fix_permissions(dir.path(), me).unwrap(), 2);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&lock), mode(&other)), (0o600, 0o644));
        assert_eq!(permission_fixes(dir.path(), me).unwrap(), 0, "stable");
    }
}
