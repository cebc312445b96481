//! The file side of config.toml: an exclusive lock beside it, reading,
//! parsing with line:column errors, and atomic writes (temp file in the
//! same directory → fsync → rename; mode 0600, owner kept). A crash leaves
//! the old file or the new one, never a mix; an unchanged file is not
//! rewritten.

use crate::error::{Error, Result};
use crate::fsutil::{self, Outcome};
use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{AccessFlags, access};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use toml_edit::DocumentMut;

/// Mode of config.toml (it may hold authenticator secrets).
pub const CONFIG_MODE: u32 = 0o600;
/// Mode of a config directory we create.
pub const CONFIG_DIR_MODE: u32 = 0o700;

/// Held while a writer reads, edits and replaces config.toml. Released when
/// dropped (or when the process dies, so a crash never leaves it stuck).
pub struct ConfigLock {
    _lock: Flock<File>,
}

/// Takes the exclusive `flock` on `config.toml.lock`, polling until
/// `timeout`; the holder's pid is written into the lock file so a waiter can
/// name it.
pub fn lock(config: &Path, timeout: Duration) -> Result<ConfigLock> {
    let path = crate::paths::lock_path_for(config);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(CONFIG_MODE)
        .open(&path)
        .map_err(|e| open_error(&path, e))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => {
                let pid = format!("{}\n", std::process::id());
                // Best effort: the pid only improves a waiter's message.
                let _ = lock.set_len(0);
                let _ = lock.write_at(pid.as_bytes(), 0);
                return Ok(ConfigLock { _lock: lock });
            }
            Err((f, nix::errno::Errno::EWOULDBLOCK | nix::errno::Errno::EINTR)) => file = f,
            Err((_, e)) => {
                return Err(Error::new(format!(
                    "could not lock {}: {e}",
                    path.display()
                )));
            }
        }
        if start.elapsed() >= timeout {
            return Err(lock_timeout_error(&path, &mut file, timeout));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn lock_timeout_error(path: &Path, file: &mut File, timeout: Duration) -> Error {
    let mut pid = String::new();
    let _ = file.read_to_string(&mut pid);
    let who = match pid.trim() {
        "" => String::new(),
        p => format!(" (pid {p})"),
    };
    Error::new(format!(
        "another hubcfg/tljh-config holds the lock {}{who}; gave up after {}s",
        path.display(),
        timeout.as_secs_f64()
    ))
    .with_hint("try again, or raise --lock-timeout")
}

fn open_error(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        return needs_root(path);
    }
    Error::new(format!("could not open {}: {e}", path.display()))
}

/// tljh-config's message, naming the file.
pub fn needs_root(path: &Path) -> Error {
    let argv: Vec<String> = std::env::args().collect();
    let cmd = argv
        .iter()
        .map(|a| {
            if a.contains(|c: char| c.is_whitespace() || "'\"$`\\[]{}*?".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    Error::new(format!(
        "hubcfg needs root privileges to change {}",
        path.display()
    ))
    .with_hint(format!("run it with sudo: sudo {cmd}"))
}

/// Refuses early (before locking) when this user cannot replace `config`:
/// that needs write access to its directory (or the nearest existing
/// ancestor, which we would create it in) and to the file itself.
pub fn check_writable(config: &Path) -> Result<()> {
    let dir = parent_dir(config);
    let mut existing: PathBuf = dir.clone();
    while !existing.exists() {
        match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => existing = p.to_path_buf(),
            _ => break,
        }
    }
    let dir = access(&existing, AccessFlags::W_OK | AccessFlags::X_OK);
    let file = if config.exists() {
        access(config, AccessFlags::W_OK)
    } else {
        Ok(())
    };
    match dir.and(file) {
        Ok(()) => Ok(()),
        Err(nix::errno::Errno::EROFS) => Err(Error::new(format!(
            "cannot change {}: it is on a read-only file system",
            config.display()
        ))),
        Err(_) if nix::unistd::geteuid().is_root() => Err(Error::new(format!(
            "cannot change {}: permission denied even for root",
            config.display()
        ))
        .with_hint("is the file immutable (lsattr) or on a read-only mount?")),
        Err(_) => Err(needs_root(config)),
    }
}

fn parent_dir(config: &Path) -> PathBuf {
    config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Creates the config directory (mode 0700) if it is missing; an existing
/// directory is left as it is.
pub fn ensure_config_dir(config: &Path) -> Result<()> {
    let dir = parent_dir(config);
    if dir.is_dir() {
        return Ok(());
    }
    fs_err::create_dir_all(&dir)?;
    fs_err::set_permissions(&dir, std::fs::Permissions::from_mode(CONFIG_DIR_MODE))?;
    Ok(())
}

/// The file's text; `None` when it does not exist.
pub fn read(config: &Path) -> Result<Option<String>> {
    match std::fs::read(config) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            Error::new(format!(
                "{} is not UTF-8 text (byte {})",
                config.display(),
                e.utf8_error().valid_up_to()
            ))
            .with_hint("the file was not changed; fix or remove it by hand")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(Error::new(format!(
            "cannot read {}: permission denied",
            config.display()
        ))
        .with_hint("it is readable by root only; run the command with sudo")),
        Err(e) => Err(Error::new(format!("cannot read {}: {e}", config.display()))),
    }
}

/// Parses `text`; errors read `config.toml:LINE:COL: message`.
pub fn parse(config: &Path, text: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>().map_err(|e| {
        let (line, col) = e
            .span()
            .map(|s| line_col(text, s.start))
            .unwrap_or((1, 1));
        Error::new(format!(
            "{}:{line}:{col}: {}",
            config.display(),
            e.message().trim_end()
        ))
        .with_hint(format!(
            "{} is not valid TOML and was not changed; fix line {line} by hand, then check it with `hubcfg validate`",
            config.display()
        ))
    })
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Replaces the file with `new` unless it already holds exactly that.
pub fn write(config: &Path, old: Option<&str>, new: &str) -> Result<Outcome> {
    if old == Some(new) {
        return Ok(Outcome::Unchanged);
    }
    fsutil::write_atomic(config, new.as_bytes(), CONFIG_MODE).map_err(|e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            needs_root(config)
        } else {
            Error::new(format!("could not write {}: {e}", config.display()))
        }
    })?;
    Ok(if old.is_some() {
        Outcome::Updated
    } else {
        Outcome::Created
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("a = 1\nb = ?\n", 10), (2, 5));
        assert_eq!(line_col("x", 0), (1, 1));
    }

    #[test]
    fn parse_error_names_position_and_file() {
        let e = parse(Path::new("/x/config.toml"), "a = 1\nb = \n").unwrap_err();
        assert!(e.message.starts_with("/x/config.toml:2:"), "{}", e.message);
        assert!(e.hint.unwrap().contains("was not changed"));
    }

    #[test]
    fn second_lock_waits_then_times_out_naming_pid() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        let held = lock(&cfg, Duration::from_secs(1)).unwrap();
        let e = lock(&cfg, Duration::from_millis(50)).err().unwrap();
        assert!(
            e.message.contains(&format!("(pid {})", std::process::id())),
            "{}",
            e.message
        );
        drop(held);
        assert!(lock(&cfg, Duration::from_millis(50)).is_ok());
    }

    #[test]
    fn unchanged_text_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        assert_eq!(write(&cfg, None, "a = 1\n").unwrap(), Outcome::Created);
        let mode = std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            write(&cfg, Some("a = 1\n"), "a = 1\n").unwrap(),
            Outcome::Unchanged
        );
    }
}
