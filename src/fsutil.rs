//! File writes that never leave a half-written file: temp file beside the
//! target, fsync, rename, fsync the directory. Files are compared first so an
//! unchanged file is not touched.

use fs_err as fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// What a write did, so install steps can say "already up to date".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Created,
    Updated,
}

impl Outcome {
    pub fn changed(self) -> bool {
        self != Outcome::Unchanged
    }
}

/// Atomically replaces `path` with `bytes`, mode `mode`. An existing file's
/// owner is kept. Where the file system has `O_TMPFILE`, the new content
/// gets a name only once it is complete, so a writer killed mid-write
/// leaves nothing behind; elsewhere a named temp file is used.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = parent_of(path);
    let owner = fs::metadata(path).ok().map(|m| (m.uid(), m.gid()));
    let fill = |mut file: &std::fs::File| -> std::io::Result<()> {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some((uid, gid)) = owner {
            // Only root can give a file away; elsewhere the owner is already ours.
            let _ = std::os::unix::fs::fchown(file, Some(uid), Some(gid));
        }
        file.write_all(bytes)?;
        file.sync_all()
    };
    let in_dir = |e: std::io::Error| {
        std::io::Error::new(
            e.kind(),
            format!("creating a temp file in {}: {e}", dir.display()),
        )
    };
    let prefix = format!(".{}.", file_name(path));
    let mut names = tempfile::Builder::new();
    names
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RAND_LEN);
    let renamed = match anonymous_file(dir) {
        Some(file) => {
            fill(&file)?;
            let tmp = names
                .make_in(dir, |name| link_anonymous(&file, name))
                .map_err(in_dir)?;
            tmp.persist(path).map(drop).map_err(|e| e.error)
        }
        None => {
            let tmp = names.tempfile_in(dir).map_err(in_dir)?;
            fill(tmp.as_file())?;
            tmp.persist(path).map(drop).map_err(|e| e.error)
        }
    };
    renamed.map_err(|e| {
        std::io::Error::new(e.kind(), format!("renaming into {}: {e}", path.display()))
    })?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RAND_LEN: usize = 6;

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// An unnamed file in `dir` (`O_TMPFILE`), or None where the file system
/// does not offer it.
fn anonymous_file(dir: &Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_TMPFILE)
        .open(dir)
        .ok()
}

/// Gives the unnamed `file` the name `name` (through /proc, which needs no
/// privilege, unlike `AT_EMPTY_PATH`).
fn link_anonymous(file: &std::fs::File, name: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    nix::unistd::linkat(
        nix::fcntl::AT_FDCWD,
        proc_path.as_str(),
        nix::fcntl::AT_FDCWD,
        name,
        nix::fcntl::AtFlags::AT_SYMLINK_FOLLOW,
    )
    .map_err(std::io::Error::from)
}

/// Removes temp files that `write_atomic` left beside `path` when a writer
/// was killed (`.NAME.XXXXXX.tmp`; nothing else). Only call it while no
/// other writer of `path` can be running (under its lock). Returns how many
/// went.
pub fn remove_stale_temps(path: &Path) -> usize {
    let prefix = format!(".{}.", file_name(path));
    let Ok(entries) = std::fs::read_dir(parent_of(path)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(middle) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let ours =
            middle.len() == TEMP_RAND_LEN && middle.bytes().all(|b| b.is_ascii_alphanumeric());
        let plain_file = entry.file_type().is_ok_and(|t| t.is_file());
        if ours && plain_file && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Follows `path` through symbolic links to the file they name (relative
/// links against their own directory), so a write can replace the target
/// and keep the link. A missing final target is returned as it is (the
/// write creates it).
pub fn resolve_symlinks(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut cur = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&cur)?;
                cur = parent_of(&cur).join(target);
            }
            Ok(_) => return Ok(cur),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cur),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{}: too many levels of symbolic links", path.display()),
    ))
}

/// A file attribute that stops even root from replacing a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// `chattr +a`
    AppendOnly,
    /// `chattr +i`
    Immutable,
}

impl Protection {
    pub fn name(self) -> &'static str {
        match self {
            Protection::AppendOnly => "append-only",
            Protection::Immutable => "immutable",
        }
    }
    /// The letter `lsattr` shows and `chattr` takes.
    pub fn flag(self) -> char {
        match self {
            Protection::AppendOnly => 'a',
            Protection::Immutable => 'i',
        }
    }
}

/// The protecting attribute `path` has, if any.
pub fn protecting_attribute(path: &Path) -> Option<Protection> {
    nix::ioctl_read!(fs_ioc_getflags, b'f', 1, nix::libc::c_long);
    const IMMUTABLE: nix::libc::c_long = 0x10;
    const APPEND_ONLY: nix::libc::c_long = 0x20;
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path).ok()?;
    let mut flags: nix::libc::c_long = 0;
    // SAFETY: the ioctl writes the flags into `flags`, which outlives the call.
    unsafe { fs_ioc_getflags(file.as_raw_fd(), &mut flags) }.ok()?;
    if flags & IMMUTABLE != 0 {
        Some(Protection::Immutable)
    } else if flags & APPEND_ONLY != 0 {
        Some(Protection::AppendOnly)
    } else {
        None
    }
}

/// Writes only when content or mode differ.
pub fn write_if_changed(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<Outcome> {
    match std::fs::read(path) {
        Ok(old) if old == bytes => {
            let current = fs::metadata(path)?.permissions().mode() & 0o7777;
            if current == mode {
                return Ok(Outcome::Unchanged);
            }
            fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            Ok(Outcome::Updated)
        }
        Ok(_) => write_atomic(path, bytes, mode).map(|()| Outcome::Updated),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_atomic(path, bytes, mode).map(|()| Outcome::Created)
        }
        Err(e) => Err(fs_err_wrap(e, "reading", path)),
    }
}

/// Creates `path` (and parents) if missing and sets its mode.
pub fn ensure_dir(path: &Path, mode: u32) -> std::io::Result<Outcome> {
    let outcome = if path.is_dir() {
        Outcome::Unchanged
    } else {
        fs::create_dir_all(path)?;
        Outcome::Created
    };
    let current = fs::metadata(path)?.permissions().mode() & 0o7777;
    if current != mode {
        fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        return Ok(if outcome == Outcome::Created {
            outcome
        } else {
            Outcome::Updated
        });
    }
    Ok(outcome)
}

fn fs_err_wrap(e: std::io::Error, op: &str, path: &Path) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{op} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_identical_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        assert_eq!(write_if_changed(&p, b"a", 0o600).unwrap(), Outcome::Created);
        let before = std::fs::metadata(&p).unwrap().modified().unwrap();
        assert_eq!(
            write_if_changed(&p, b"a", 0o600).unwrap(),
            Outcome::Unchanged
        );
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
        assert_eq!(write_if_changed(&p, b"b", 0o600).unwrap(), Outcome::Updated);
        assert_eq!(std::fs::read(&p).unwrap(), b"b");
    }

    #[test]
    fn mode_is_applied_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret");
        write_if_changed(&p, b"s", 0o600).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(write_if_changed(&p, b"s", 0o600).unwrap(), Outcome::Updated);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn no_temp_files_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, b"x", 0o644).unwrap();
        write_atomic(&p, b"y", 0o644).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("f")]);
    }

    #[test]
    fn ensure_dir_sets_mode_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b");
        assert_eq!(ensure_dir(&p, 0o700).unwrap(), Outcome::Created);
        assert_eq!(ensure_dir(&p, 0o700).unwrap(), Outcome::Unchanged);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
}
