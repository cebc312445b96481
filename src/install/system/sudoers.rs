//! Install step: the admins' sudoers file, installed only after `visudo -cf`
//! accepts it.

use crate::error::{Context, Error, Result};
use crate::install::{Ctx, Outcome, Step};
use crate::report::Reporter;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SUDOERS_FILE: &str = "jupyterhub-admins";
pub const SUDOERS_MODE: u32 = 0o440;
pub const SUDOERS_CONTENT: &str = "\
# Written by hubcfg: hub admins may run anything as root without a password.
%jupyterhub-admins ALL = (ALL) NOPASSWD: ALL
Defaults exempt_group = jupyterhub-admins
";

/// `/etc/sudoers.d/jupyterhub-admins`, installed only after `visudo -cf`
/// accepts it (W7).
pub struct Sudoers {
    /// Directory sudo includes (`/etc/sudoers.d`).
    pub dir: PathBuf,
    /// The validator; a bare name is looked up on PATH and in the sbin dirs.
    pub visudo: PathBuf,
}

impl Default for Sudoers {
    fn default() -> Self {
        Sudoers {
            dir: PathBuf::from("/etc/sudoers.d"),
            visudo: PathBuf::from("visudo"),
        }
    }
}

impl Sudoers {
    pub fn path(&self) -> PathBuf {
        self.dir.join(SUDOERS_FILE)
    }

    fn up_to_date(&self) -> Result<bool> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mode = fs_err::metadata(&path)?.permissions().mode() & 0o7777;
                Ok(bytes == SUDOERS_CONTENT.as_bytes() && mode == SUDOERS_MODE)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::new(format!("reading {}: {e}", path.display()))),
        }
    }

    fn visudo_path(&self) -> Result<PathBuf> {
        find_program(&self.visudo).ok_or_else(|| {
            Error::new(format!(
                "`{}` was not found, so {} cannot be checked before it is installed",
                self.visudo.display(),
                self.path().display()
            ))
            .with_hint("visudo comes with the `sudo` package: apt-get install sudo")
        })
    }
}

/// `prog` itself when it has a slash, else the first match on PATH or in
/// the sbin directories (often missing from a non-login PATH).
pub fn find_program(prog: &Path) -> Option<PathBuf> {
    if prog.components().count() > 1 {
        return prog.is_file().then(|| prog.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

/// Writes the sudoers file at `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSudoers {
    pub path: PathBuf,
}

impl std::fmt::Display for WriteSudoers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "write {} (mode {SUDOERS_MODE:o}, checked with visudo)",
            self.path.display()
        )
    }
}

impl Step for Sudoers {
    type Action = WriteSudoers;

    fn name(&self) -> &'static str {
        "Passwordless sudo for hub admins"
    }

    fn plan(&self, _ctx: &Ctx) -> Result<Vec<WriteSudoers>> {
        if self.up_to_date()? {
            return Ok(vec![]);
        }
        Ok(vec![WriteSudoers { path: self.path() }])
    }

    fn execute(&self, ctx: &Ctx, plan: &[WriteSudoers], _: &dyn Reporter) -> Result<Outcome> {
        let journal = crate::journal::Journal::of(ctx.paths, "bootstrap");
        for action in plan {
            let before = journal.before(&action.path)?;
            self.write(&action.path)?;
            if let Some(before) = before {
                journal.record(crate::journal::Change::File {
                    path: action.path.clone(),
                    before,
                })?;
            }
        }
        Ok(Outcome::done())
    }
}

impl Sudoers {
    /// Writes a temp file, has visudo check it, renames it to `target`.
    fn write(&self, target: &Path) -> Result<()> {
        let visudo = self.visudo_path()?;
        if !self.dir.is_dir() {
            fs_err::create_dir_all(&self.dir)?;
            fs_err::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o750))?;
        }
        // The temp name has a '.', so sudo ignores it should it be left behind.
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{SUDOERS_FILE}."))
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .context(|| format!("creating a temp file in {}", self.dir.display()))?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(SUDOERS_MODE))?;
        tmp.write_all(SUDOERS_CONTENT.as_bytes())?;
        tmp.as_file().sync_all()?;
        let check = crate::cmd::run(Command::new(&visudo).arg("-cf").arg(tmp.path()))?;
        if !check.success() {
            return Err(Error::new(format!(
                "visudo rejected the new {}; the old file is unchanged:\n{}",
                target.display(),
                crate::cmd::tail(&format!("{}{}", check.stdout, check.stderr), 20)
            )));
        }
        tmp.persist(target)
            .map_err(|e| Error::new(format!("renaming into {}: {}", target.display(), e.error)))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
