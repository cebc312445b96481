//! The file side of config.toml: reading, parsing with line:column errors,
//! and atomic writes (temp file in the target's directory → fsync → rename;
//! mode 0600, owner kept). A crash leaves the old file or the new one, never
//! a mix; an unchanged file is not rewritten. A symlinked config.toml keeps
//! its link: the file it points to is replaced. The writers' lock is in
//! `lock`.

use crate::error::{Error, Kind, Result};
use crate::fsutil::{self, Outcome};
use nix::unistd::{AccessFlags, access};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use toml_edit::DocumentMut;

/// Mode of config.toml (it may hold authenticator secrets).
pub const CONFIG_MODE: u32 = 0o600;
/// Mode of a config directory we create.
pub const CONFIG_DIR_MODE: u32 = 0o700;

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
    .with_kind(Kind::Permission)
}

/// A permission error explained. Only a user who is not root is told to
/// use sudo; root is told what really stops it (a file attribute, a
/// read-only mount).
pub fn permission_error(path: &Path, e: std::io::Error) -> Error {
    if !nix::unistd::geteuid().is_root() {
        return needs_root(path);
    }
    if let Some((p, attr)) = protected(path) {
        return attribute_error(path, &p, attr, e);
    }
    if e.raw_os_error() == Some(nix::libc::EROFS) {
        return Error::new(format!(
            "cannot change {}: it is on a read-only file system",
            path.display()
        ))
        .with_kind(Kind::Permission)
        .with_source(e);
    }
    Error::new(format!(
        "cannot change {}: {e}, even as root",
        path.display()
    ))
    .with_hint("is it on a read-only mount, or guarded by a security module (AppArmor, SELinux)?")
    .with_kind(Kind::Permission)
    .with_source(e)
}

/// The file or its directory, whichever carries an attribute that stops
/// even root from replacing the file.
fn protected(path: &Path) -> Option<(PathBuf, fsutil::Protection)> {
    [path.to_path_buf(), parent_dir(path)]
        .into_iter()
        .find_map(|p| fsutil::protecting_attribute(&p).map(|attr| (p, attr)))
}

fn attribute_error(path: &Path, p: &Path, attr: fsutil::Protection, e: std::io::Error) -> Error {
    let flag = attr.flag();
    Error::new(format!(
        "cannot change {}: {} is {} (`lsattr -d {}` shows the `{flag}` flag)",
        path.display(),
        p.display(),
        attr.name(),
        p.display()
    ))
    .with_hint(format!(
        "nothing was changed; if nobody set the flag on purpose, remove it with `chattr -{flag} {}` and try again",
        p.display()
    ))
    .with_kind(Kind::Permission)
    .with_source(e)
}

/// Refuses early (before locking) when this user cannot replace `config`:
/// that needs write access to the directory of the file it names (or the
/// nearest existing ancestor, which we would create it in) and to the file.
pub fn check_writable(config: &Path) -> Result<()> {
    let target = fsutil::resolve_symlinks(config).unwrap_or_else(|_| config.to_path_buf());
    let mut existing: PathBuf = parent_dir(&target);
    while !existing.exists() {
        match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => existing = p.to_path_buf(),
            _ => break,
        }
    }
    let dir = access(&existing, AccessFlags::W_OK | AccessFlags::X_OK);
    let file = if target.exists() {
        access(&target, AccessFlags::W_OK)
    } else {
        Ok(())
    };
    if let Err(errno) = dir.and(file) {
        return Err(permission_error(&target, std::io::Error::from(errno)));
    }
    // Root passes access() on an append-only or immutable file, but the
    // rename would fail: say so now, before anything else.
    if nix::unistd::geteuid().is_root()
        && let Some((p, attr)) = protected(&target)
    {
        let denied = std::io::Error::from_raw_os_error(nix::libc::EPERM);
        return Err(attribute_error(&target, &p, attr, denied));
    }
    Ok(())
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
        // toml_edit's errors carry no kind: its message is all there is.
        let message = e.message().trim_end();
        let at = match e.span() {
            Some(s) => Some(line_col(text, s.start)),
            None if message == "recursion limit" => line_of_deep_key(text).map(|l| (l, 1)),
            None => None,
        };
        let Some((line, col)) = at else {
            return Error::new(format!("{}: {message}", config.display())).with_kind(Kind::Invalid).with_hint(format!(
                "{} is not valid TOML and was not changed; fix it by hand, then check it with `hubcfg validate`",
                config.display()
            ));
        };
        let message = if message == "recursion limit" {
            format!("a key with more than {MAX_KEY_PARTS} dotted parts (hubcfg cannot read deeper)")
        } else {
            message.to_string()
        };
        Error::new(format!("{}:{line}:{col}: {message}", config.display())).with_kind(Kind::Invalid).with_hint(format!(
            "{} is not valid TOML and was not changed; fix line {line} by hand, then check it with `hubcfg validate`",
            config.display()
        ))
    })
}

/// The most dotted parts a key may have for the TOML reader (toml_edit's
/// recursion limit).
pub const MAX_KEY_PARTS: usize = 80;

/// The line of the first key (or table header) too deep for the reader;
/// toml_edit reports that error without a position.
fn line_of_deep_key(text: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let key = line.trim_start().trim_start_matches('[');
            let key = key.split(['=', ']']).next().unwrap_or("");
            key.split('.').count() > MAX_KEY_PARTS
        })
        .map(|i| i + 1)
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A warning when `config` has other hard links: an atomic write gives it a
/// new inode, so the other names keep the old text.
pub fn hard_link_warning(config: &Path) -> Option<String> {
    let target = fsutil::resolve_symlinks(config).ok()?;
    let links = std::fs::metadata(&target).ok()?.nlink();
    (links > 1).then(|| {
        format!(
            "{} has {links} hard links; the atomic write gives it a new inode, so the other names keep the old text (use a symbolic link instead)",
            target.display()
        )
    })
}

/// Replaces the file with `new` unless it already holds exactly that. Call
/// it under the lock: it also removes temp files that killed writers left.
pub fn write(config: &Path, old: Option<&str>, new: &str) -> Result<Outcome> {
    if old == Some(new) {
        return Ok(Outcome::Unchanged);
    }
    let target = fsutil::resolve_symlinks(config)
        .map_err(|e| Error::new(format!("could not follow {}: {e}", config.display())))?;
    fsutil::remove_stale_temps(&target);
    fsutil::write_atomic(&target, new.as_bytes(), CONFIG_MODE).map_err(|e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            permission_error(&target, e)
        } else {
            Error::new(format!("could not write {}: {e}", target.display()))
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

    #[test]
    fn too_deep_key_is_reported_on_its_own_line() {
        let deep = vec!["a"; 100].join(".");
        let e = parse(
            Path::new("c.toml"),
            &format!("x = 1\ny = 2\n[{deep}]\nb = 1\n"),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("c.toml:3:1: a key with more than 80"),
            "{}",
            e.message
        );
        let e = parse(Path::new("c.toml"), &format!("x = 1\n{deep} = 1\n")).unwrap_err();
        assert!(e.message.starts_with("c.toml:2:1:"), "{}", e.message);
    }

    #[test]
    fn symlinked_config_keeps_its_link_and_the_target_changes() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        std::fs::write(repo.join("config.toml"), "a = 1\n").unwrap();
        let cfg = dir.path().join("config.toml");
        std::os::unix::fs::symlink("repo/config.toml", &cfg).unwrap();
        write(&cfg, Some("a = 1\n"), "a = 2\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&cfg)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(repo.join("config.toml")).unwrap(),
            "a = 2\n"
        );
        let names: Vec<_> = std::fs::read_dir(&repo)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("config.toml")]);
    }

    #[test]
    fn stale_temp_copies_are_removed_on_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        for name in [".config.toml.aB3dE9.tmp", ".config.toml.zzzzzz.tmp"] {
            std::fs::write(dir.path().join(name), "secret = 1\n").unwrap();
        }
        let keep = [
            ".config.toml.notours",
            ".config.toml.toolong1.tmp",
            "other.tmp",
            ".x.abcdef.tmp",
        ];
        for name in keep {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        write(&cfg, None, "a = 1\n").unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut want: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
        want.push("config.toml".into());
        want.sort();
        assert_eq!(names, want);
    }

    #[test]
    #[ignore = "needs root for chattr; scripts/test runs it"]
    fn append_only_or_immutable_config_is_named_as_such_for_root() {
        assert!(nix::unistd::geteuid().is_root(), "run as root");
        for (flag, word) in [("+a", "append-only"), ("+i", "immutable")] {
            let dir = tempfile::tempdir().unwrap();
            let cfg = dir.path().join("config.toml");
            std::fs::write(&cfg, "a = 1\n").unwrap();
            let chattr = |f: &str| {
                assert!(
                    std::process::Command::new("chattr")
                        .args([f])
                        .arg(&cfg)
                        .status()
                        .unwrap()
                        .success()
                )
            };
            chattr(flag);
            let e = check_writable(&cfg).unwrap_err();
            let e2 = write(&cfg, Some("a = 1\n"), "a = 2\n").unwrap_err();
            chattr(&flag.replace('+', "-"));
            for e in [e, e2] {
                assert!(e.message.contains(&format!("is {word}")), "{}", e.message);
                assert!(!e.to_string().contains("sudo"), "{e}");
            }
            assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "a = 1\n");
        }
    }
}
