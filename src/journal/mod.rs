//! The journal: what hubcfg changed outside the prefix, with what was there
//! before, so `hubcfg uninstall` can undo exactly that (and backup and
//! `status` can tell what is ours).
//!
//! `state/journal.jsonl` (0600), append-only, one JSON object a line:
//! `{"v":1,"at":UNIX_SECONDS,"by":"bootstrap","kind":"file","path":…,"before":{"was":"absent"}}`.
//! Each entry is appended and fsynced right after its action succeeded, so a
//! half-finished install has a journal of what it did. An entry whose `key`
//! is already there is not appended again: the first `before` is the one
//! that counts, and a re-run that changes nothing appends nothing. A file or
//! link that was there before is kept: a regular file is copied to
//! `state/journal-saved/` (with its mode and owner), a link's target is
//! written into the entry. Format and kinds: src/install/README.md, "Journal".

use crate::error::{Context, Error, Result};
use crate::paths::Paths;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const VERSION: u32 = 1;
const JOURNAL_MODE: u32 = 0o600;

/// One change hubcfg made outside the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A regular file written at `path`: a unit, the sudoers rule, or a
    /// file another tool's install had there (a migration from TLJH records
    /// the unit it replaced this way, with `before` its saved copy).
    File {
        path: PathBuf,
        before: Before,
    },
    /// A symbolic link made at `path`, pointing at `target`.
    Link {
        path: PathBuf,
        target: PathBuf,
        before: Before,
    },
    /// A systemd unit enabled that was not enabled before.
    UnitEnabled {
        unit: String,
    },
    GroupCreated {
        group: String,
    },
    /// A unix account made with its home (`useradd --create-home`).
    UserCreated {
        user: String,
        home: PathBuf,
    },
    /// `user` added to `group` (either may have been there before us).
    MemberAdded {
        user: String,
        group: String,
    },
    /// `user` taken out of `group` (an admin no longer one). Same key as
    /// `MemberAdded`: the first change to a membership says what it was
    /// before hubcfg, which is what uninstall restores.
    MemberRemoved {
        user: String,
        group: String,
    },
    /// A directory made for an account that was there before us (a home
    /// that was missing).
    DirCreated {
        path: PathBuf,
    },
    /// The mode of something that was there before us changed (a home made
    /// private).
    ModeChanged {
        path: PathBuf,
        before_mode: u32,
    },
    /// An apt package installed that was not installed before (asked for,
    /// or pulled in as a dependency).
    PackageInstalled {
        package: String,
    },
    /// Bootstrap adopted the TLJH install it `found` in the prefix:
    /// uninstall gives TLJH back instead of removing the prefix.
    Adopted {
        found: String,
    },
}

/// What was at a path before hubcfg changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "was", rename_all = "snake_case")]
pub enum Before {
    Absent,
    /// A regular file, copied to `saved` (a path under `state/journal-saved/`,
    /// or wherever the tool that replaced it kept it).
    File {
        saved: PathBuf,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Link {
        target: PathBuf,
    },
}

impl Change {
    /// Entries with the same key describe the same thing: only the first
    /// is kept.
    pub fn key(&self) -> String {
        match self {
            Change::File { path, .. } | Change::Link { path, .. } => {
                format!("path {}", path.display())
            }
            Change::UnitEnabled { unit } => format!("enabled {unit}"),
            Change::GroupCreated { group } => format!("group {group}"),
            Change::UserCreated { user, .. } => format!("user {user}"),
            Change::MemberAdded { user, group } | Change::MemberRemoved { user, group } => {
                format!("member {user} {group}")
            }
            Change::DirCreated { path } => format!("dir {}", path.display()),
            Change::ModeChanged { path, .. } => format!("mode {}", path.display()),
            Change::PackageInstalled { package } => format!("package {package}"),
            Change::Adopted { .. } => "adopted".into(),
        }
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub v: u32,
    /// Seconds since the epoch.
    pub at: u64,
    /// The command that made the change: bootstrap, ensure-user, …
    pub by: String,
    #[serde(flatten)]
    pub change: Change,
    /// Why, in words, when the kind does not say it (e.g. "TLJH's unit").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The journal of one prefix, written in the name of one command.
pub struct Journal {
    pub path: PathBuf,
    pub saved_dir: PathBuf,
    by: String,
    prefix: PathBuf,
}

impl Journal {
    pub fn of(paths: &Paths, by: &str) -> Journal {
        Journal {
            path: paths.journal(),
            saved_dir: paths.journal_saved_dir(),
            by: by.into(),
            prefix: paths.prefix.clone(),
        }
    }

    /// Every entry, oldest first; none when there is no journal. A last line
    /// cut off by a crash is skipped; any other bad line is an error.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(Error::new(format!("reading {}: {e}", self.path.display()))),
        };
        parse(&text).map_err(|(line, e)| {
            Error::new(format!("{}, line {line}: {e}", self.path.display())).with_hint(
                "the journal is written by hubcfg only: restore it from a backup, or move it away to uninstall only what is found on the machine",
            )
        })
    }

    pub fn has(&self, key: &str) -> Result<bool> {
        Ok(self.entries()?.iter().any(|e| e.change.key() == key))
    }

    /// What is at `path` now, for an entry about to change it; a regular
    /// file is copied under `state/journal-saved/` first. None when the
    /// journal already has `path` (we changed it before: the first `before`
    /// stays, and nothing is saved again).
    pub fn before(&self, path: &Path) -> Result<Option<Before>> {
        if self.has(&format!("path {}", path.display()))? {
            return Ok(None);
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(Before::Absent)),
            Err(e) => return Err(Error::new(format!("checking {}: {e}", path.display()))),
        };
        if meta.file_type().is_symlink() {
            let target = fs_err::read_link(path)?;
            return Ok(Some(Before::Link { target }));
        }
        if !meta.is_file() {
            return Err(Error::new(format!(
                "{} is not a regular file or a link; hubcfg will not replace it",
                path.display()
            ))
            .with_hint("move it away and run the command again"));
        }
        self.ensure_state_dir()?;
        crate::fsutil::ensure_dir(&self.saved_dir, 0o700)?;
        let bytes = fs_err::read(path)?;
        let name = path
            .to_string_lossy()
            .trim_start_matches('/')
            .replace('/', "_");
        let saved = self
            .saved_dir
            .join(format!("{}-{name}", crate::clock::unix_seconds()));
        crate::fsutil::write_atomic(&saved, &bytes, 0o600)
            .context(|| format!("saving a copy of {}", path.display()))?;
        Ok(Some(Before::File {
            saved,
            mode: meta.permissions().mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
        }))
    }

    /// Appends `change` (unless an entry with its key is there) and fsyncs.
    pub fn record(&self, change: Change) -> Result<()> {
        self.record_with_note(change, None)
    }

    pub fn record_with_note(&self, change: Change, note: Option<&str>) -> Result<()> {
        if self.has(&change.key())? {
            return Ok(());
        }
        let entry = Entry {
            v: VERSION,
            at: crate::clock::unix_seconds(),
            by: self.by.clone(),
            change,
            note: note.map(String::from),
        };
        let mut line = serde_json::to_string(&entry)
            .map_err(|e| Error::new(format!("writing a journal entry: {e}")))?;
        line.push('\n');
        self.ensure_state_dir()?;
        let created = !self.path.exists();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(JOURNAL_MODE)
            .open(&self.path)
            .context(|| format!("opening {}", self.path.display()))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
            .context(|| format!("appending to {}", self.path.display()))?;
        if created && let Some(dir) = self.path.parent() {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        tracing::info!("journal: {line}");
        Ok(())
    }

    /// The prefix (0755) and `state/` (0700), as the layout step makes them:
    /// steps before it (apt) already record.
    fn ensure_state_dir(&self) -> Result<()> {
        let Some(state) = self.path.parent() else {
            return Ok(());
        };
        if !state.is_dir() {
            if !self.prefix.is_dir() {
                crate::fsutil::ensure_dir(&self.prefix, 0o755)?;
            }
            crate::fsutil::ensure_dir(state, 0o700)?;
        }
        Ok(())
    }
}

/// The entries of a journal's text; Err((line number, what is wrong)).
pub fn parse(text: &str) -> std::result::Result<Vec<Entry>, (usize, String)> {
    let mut out = vec![];
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) if e.v == VERSION => out.push(e),
            Ok(e) => {
                return Err((
                    i + 1,
                    format!("journal version {} is not known to this hubcfg", e.v),
                ));
            }
            // Torn by a crash mid-append: the action after it never ran.
            Err(_) if i + 1 == lines.len() && !raw.ends_with('\n') => {}
            Err(e) => return Err((i + 1, e.to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
