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
/// owner is kept.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let owner = fs::metadata(path).ok().map(|m| (m.uid(), m.gid()));
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(
            ".{}.",
            path.file_name().unwrap_or_default().to_string_lossy()
        ))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("creating a temp file in {}: {e}", dir.display()),
            )
        })?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    if let Some((uid, gid)) = owner {
        // Only root can give a file away; elsewhere the owner is already ours.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid));
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| {
        std::io::Error::new(
            e.error.kind(),
            format!("renaming into {}: {}", path.display(), e.error),
        )
    })?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
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
