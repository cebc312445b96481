//! The writers' lock: an exclusive `flock` on `config.toml.lock` beside the
//! config. The lock file is opened without following links and must be a
//! plain file of ours, so a planted link cannot make root truncate or create
//! another file. Who holds the lock is read from the kernel (`/proc/locks`),
//! never from the file's contents, which a dead process may have left.

use crate::error::{Error, Kind, Result};
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// Mode of a lock file we create.
const LOCK_MODE: u32 = 0o600;

/// Held while a writer reads, edits and replaces config.toml. Released when
/// dropped (or when the process dies, so a crash never leaves it stuck).
pub struct ConfigLock {
    _lock: Flock<File>,
}

/// Takes the exclusive lock for `config`, polling until `timeout`.
pub fn lock(config: &Path, timeout: Duration) -> Result<ConfigLock> {
    let path = crate::paths::lock_path_for(config);
    let mut file = open_lock_file(&path)?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(ConfigLock { _lock: lock }),
            Err((f, nix::errno::Errno::EWOULDBLOCK | nix::errno::Errno::EINTR)) => file = f,
            Err((_, e)) => {
                return Err(Error::new(format!(
                    "could not lock {}: {e}",
                    path.display()
                )));
            }
        }
        if start.elapsed() >= timeout {
            return Err(timeout_error(&path, &file, timeout));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn open_lock_file(path: &Path) -> Result<File> {
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(LOCK_MODE)
        // O_NONBLOCK: a FIFO planted here must not hang the open.
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NOCTTY | nix::libc::O_NONBLOCK)
        .open(path);
    let file = match opened {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
            return Err(refuse(path, "is a symbolic link"));
        }
        Err(e) if e.raw_os_error() == Some(nix::libc::EISDIR) => {
            return Err(refuse(path, "is not a regular file"));
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(super::file::permission_error(path, e));
        }
        Err(e) => {
            return Err(Error::new(format!(
                "could not open {}: {e}",
                path.display()
            )));
        }
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refuse(path, "is not a regular file"));
    }
    if meta.nlink() > 1 {
        return Err(refuse(path, "has other hard links"));
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(refuse(
            path,
            &format!("belongs to uid {}, not uid {me}", meta.uid()),
        ));
    }
    Ok(file)
}

fn refuse(path: &Path, why: &str) -> Error {
    Error::new(format!(
        "refusing to use the lock file {}: it {why}",
        path.display()
    ))
    .with_kind(Kind::Invalid)
    .with_hint(format!(
        "nothing was changed; if you did not put it there on purpose, remove it (`rm {}`) and try again",
        path.display()
    ))
}

fn timeout_error(path: &Path, file: &File, timeout: Duration) -> Error {
    let holder = file
        .metadata()
        .ok()
        .and_then(|m| std::fs::read_to_string("/proc/locks").ok().map(|t| (m, t)))
        .and_then(|(m, locks)| holder_pid(&locks, m.dev(), m.ino()))
        .filter(|pid| Path::new(&format!("/proc/{pid}")).exists());
    let who = match holder {
        Some(pid) => {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            match comm.trim() {
                "" => format!("process {pid}"),
                name => format!("process {pid} ({name})"),
            }
        }
        None => "another process (its pid is not visible from here)".to_string(),
    };
    Error::new(format!(
        "{} is held by {who}; gave up waiting after {}s",
        path.display(),
        timeout.as_secs_f64()
    ))
    .with_hint(
        "another hubcfg/tljh-config may be changing the config: try again, or raise --lock-timeout",
    )
    .with_kind(Kind::Timeout)
}

/// The pid holding a granted lock on the file `dev`/`ino`, from the text of
/// `/proc/locks` (lines like `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF`;
/// waiters' lines carry `->` and are skipped).
pub fn holder_pid(proc_locks: &str, dev: u64, ino: u64) -> Option<u32> {
    let want = format!(
        "{:02x}:{:02x}:{ino}",
        nix::sys::stat::major(dev),
        nix::sys::stat::minor(dev)
    );
    proc_locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.contains(&"->") {
            return None;
        }
        let at = fields.iter().position(|f| *f == want)?;
        fields.get(at.checked_sub(1)?)?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_is_read_from_the_kernels_table() {
        let dev = nix::sys::stat::makedev(0xfd, 1);
        let locks = "1: POSIX  ADVISORY  WRITE 11 fd:01:99 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 5555 fd:01:1234 0 EOF\n";
        assert_eq!(holder_pid(locks, dev, 1234), Some(4242));
        assert_eq!(holder_pid(locks, dev, 7), None);
        assert_eq!(holder_pid(locks, nix::sys::stat::makedev(8, 1), 1234), None);
    }

    #[test]
    fn second_lock_times_out_naming_the_live_holder() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        let held = lock(&cfg, Duration::from_secs(1)).unwrap();
        // A stale pid in the file (as older versions wrote) must not be named.
        std::fs::write(dir.path().join("config.toml.lock"), "999999999\n").unwrap();
        let e = lock(&cfg, Duration::from_millis(50)).err().unwrap();
        let me = std::process::id();
        assert!(
            e.message.contains(&format!("process {me} (")),
            "{}",
            e.message
        );
        assert!(!e.message.contains("999999999"), "{}", e.message);
        drop(held);
        assert!(lock(&cfg, Duration::from_millis(50)).is_ok());
    }

    #[test]
    fn symlinked_lock_file_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("config.toml.lock")).unwrap();
        let e = lock(&cfg, Duration::from_millis(50)).err().unwrap();
        assert!(e.message.contains("is a symbolic link"), "{}", e.message);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

        let dangling = tempfile::tempdir().unwrap();
        let cfg = dangling.path().join("config.toml");
        let target = dangling.path().join("created-by-us");
        std::os::unix::fs::symlink(&target, dangling.path().join("config.toml.lock")).unwrap();
        assert!(lock(&cfg, Duration::from_millis(50)).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn lock_file_must_be_a_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::create_dir(dir.path().join("config.toml.lock")).unwrap();
        let e = lock(&cfg, Duration::from_millis(50)).err().unwrap();
        assert!(e.message.contains("lock file"), "{}", e.message);

        let fifo_dir = tempfile::tempdir().unwrap();
        let cfg = fifo_dir.path().join("config.toml");
        nix::unistd::mkfifo(
            &fifo_dir.path().join("config.toml.lock"),
            nix::sys::stat::Mode::S_IRWXU,
        )
        .unwrap();
        let e = lock(&cfg, Duration::from_millis(50)).err().unwrap();
        assert!(e.message.contains("not a regular file"), "{}", e.message);

        let linked = tempfile::tempdir().unwrap();
        let cfg = linked.path().join("config.toml");
        std::fs::write(linked.path().join("other"), "x").unwrap();
        std::fs::hard_link(
            linked.path().join("other"),
            linked.path().join("config.toml.lock"),
        )
        .unwrap();
        let e = lock(&cfg, Duration::from_millis(50)).err().unwrap();
        assert!(e.message.contains("hard links"), "{}", e.message);
        assert_eq!(
            std::fs::read_to_string(linked.path().join("other")).unwrap(),
            "x"
        );
    }
}
