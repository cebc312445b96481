//! config.toml: parsing command-line values (`value`), checking them
//! (`validate`), comment-keeping edits (`edit`), the locked atomic file
//! cycle (`file`) and the commands built from them (`commands`, `show`),
//! which print through `output`.

pub mod commands;
pub mod edit;
pub mod file;
pub mod load;
pub mod lock;
pub mod output;
pub mod show;
pub mod validate;
pub mod value;
pub mod walk;

use crate::error::Result;
use crate::fsutil::Outcome;
use std::path::Path;
use std::time::Duration;
use toml_edit::DocumentMut;

/// Default time to wait for another writer's lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Locks `path`, parses it (missing file = empty document), lets `edit`
/// change the document, and writes it back atomically (mode 0600, owner
/// kept) if the bytes changed. `edit` returns Err to abort without writing.
/// No validation happens here: that is the caller's job (the config
/// commands validate inside `edit`). An unparsable file is an error naming
/// line and column and is never overwritten. A missing config directory is
/// created with mode 0700.
pub fn edit_locked(
    path: &Path,
    lock_timeout: Duration,
    edit: impl FnOnce(&mut DocumentMut) -> Result<()>,
) -> Result<Outcome> {
    file::check_writable(path)?;
    file::ensure_config_dir(path)?;
    let _lock = lock::lock(path, lock_timeout)?;
    let load::Loaded {
        text: old, mut doc, ..
    } = load::Loaded::read(path)?;
    edit(&mut doc)?;
    let new = doc.to_string();
    // Whatever is written must read back, or every later command (unset
    // included) would fail on it.
    if old.as_deref() != Some(new.as_str())
        && let Err(e) = file::parse(path, &new)
    {
        let why = e.message.rsplit(": ").next().unwrap_or(&e.message);
        return Err(crate::error::Error::new(format!(
            "refusing to write {}: hubcfg could not read the result back ({why})",
            path.display(),
        ))
        .with_hint("nothing was changed; nest the value less deeply"));
    }
    file::write(path, old.as_deref(), &new)
}

/// `edit_locked`, then validation of the result: problems concerning `key`
/// (the key itself, keys inside it, or the table holding it) refuse the
/// write with every such problem listed; problems elsewhere in the file are
/// returned as warnings for the caller to print, so one old bad key does
/// not block unrelated edits. Notes that the edit itself brings about (a
/// new user name that runs as a hashed unix account) come back too: they
/// concern `key`, which is how the caller tells them from the others.
pub fn edit_locked_validated(
    path: &Path,
    lock_timeout: Duration,
    key: &str,
    edit: impl FnOnce(&mut DocumentMut) -> Result<()>,
) -> Result<(Outcome, Vec<validate::Problem>)> {
    let mut warnings = vec![];
    let outcome = edit_locked(path, lock_timeout, |doc| {
        let notes_before = validate::user_names::notes(&edit::to_json(doc));
        edit(doc)?;
        let after = edit::to_json(doc);
        let new_notes: Vec<_> = validate::user_names::notes(&after)
            .into_iter()
            .filter(|n| n.concerns(key) && !notes_before.contains(n))
            .collect();
        let (mine, others): (Vec<_>, Vec<_>) = validate::check_document(&after)
            .into_iter()
            .partition(|p| p.concerns(key));
        if !mine.is_empty() {
            let list: Vec<String> = mine.iter().map(|p| format!("  {p}")).collect();
            return Err(crate::error::Error::new(format!(
                "refusing to write an invalid value; {} was not changed:\n{}",
                path.display(),
                list.join("\n")
            ))
            .with_hint("fix the value, or use --no-validate to write it anyway"));
        }
        warnings = others;
        warnings.extend(new_notes);
        Ok(())
    })?;
    Ok((outcome, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn edit_creates_dir_and_file_then_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config/config.toml");
        let add = |d: &mut DocumentMut| {
            edit::add_item(d, "users.admin", "alice".into())
                .map(drop)
                .map_err(Error::new)
        };
        assert_eq!(
            edit_locked(&cfg, DEFAULT_LOCK_TIMEOUT, add).unwrap(),
            Outcome::Created
        );
        assert_eq!(
            edit_locked(&cfg, DEFAULT_LOCK_TIMEOUT, add).unwrap(),
            Outcome::Unchanged
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(cfg.parent().unwrap()), 0o700);
        assert_eq!(mode(&cfg), 0o600);
        assert_eq!(
            std::fs::read_to_string(&cfg).unwrap(),
            "[users]\nadmin = [\"alice\"]\n"
        );
    }

    #[test]
    fn validated_edit_refuses_its_key_and_warns_about_others() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, "[http]\nport = 0\n").unwrap();
        let err = edit_locked_validated(&cfg, DEFAULT_LOCK_TIMEOUT, "limits.memory", |d| {
            edit::set(d, "limits.memory", "lots".into())
                .map(drop)
                .map_err(Error::new)
        })
        .unwrap_err();
        assert!(
            err.message.contains("limits.memory: `lots`"),
            "{}",
            err.message
        );
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "[http]\nport = 0\n");
        let (outcome, warnings) =
            edit_locked_validated(&cfg, DEFAULT_LOCK_TIMEOUT, "users.admin", |d| {
                edit::add_item(d, "users.admin", "ann".into())
                    .map(drop)
                    .map_err(Error::new)
            })
            .unwrap();
        assert_eq!(outcome, Outcome::Updated);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].key, "http.port");
    }

    #[test]
    fn aborted_edit_and_bad_file_leave_bytes_alone() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, "a = [\n").unwrap();
        let err = edit_locked(&cfg, DEFAULT_LOCK_TIMEOUT, |_| Ok(())).unwrap_err();
        assert!(err.message.contains("config.toml:"), "{}", err.message);
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "a = [\n");
        std::fs::write(&cfg, "a = 1\n").unwrap();
        let err = edit_locked(&cfg, DEFAULT_LOCK_TIMEOUT, |d| {
            d.insert("b", toml_edit::value(2));
            Err(Error::new("no"))
        })
        .unwrap_err();
        assert_eq!(err.message, "no");
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "a = 1\n");
    }

    #[test]
    fn an_edit_that_would_not_read_back_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, "a = 1\n").unwrap();
        let err = edit_locked(&cfg, DEFAULT_LOCK_TIMEOUT, |d| {
            let mut value = toml_edit::Value::from(1);
            for _ in 0..90 {
                let mut t = toml_edit::InlineTable::new();
                t.insert("k", value);
                value = toml_edit::Value::InlineTable(t);
            }
            d.insert("deep", toml_edit::Item::Value(value));
            Ok(())
        })
        .unwrap_err();
        assert!(
            err.message.contains("could not read the result back"),
            "{}",
            err.message
        );
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "a = 1\n");
    }
}
