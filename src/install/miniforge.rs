//! Miniforge (conda) into a directory, for the conda user environment:
//! download the pinned installer (or the `--miniforge-url` override), verify
//! it, run it in batch mode, then make the tree root-owned and not writable by
//! others (readable by all users, changed only by root).

use crate::cmd;
use crate::download;
use crate::error::{Context, Error, Result};
use crate::install::Ctx;
use crate::pins::{self, Resolved};
use crate::report::Reporter;
use fs_err as fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A conda environment (or base install) has `conda-meta/`.
pub fn is_conda_env(dir: &Path) -> bool {
    dir.join("conda-meta").is_dir()
}

fn is_installed(dest: &Path) -> bool {
    is_conda_env(dest) && dest.join("bin/conda").is_file()
}

fn resolve(ctx: &Ctx) -> Result<Resolved> {
    pins::resolve_miniforge(
        pins::host_arch(),
        ctx.args.miniforge_url.as_deref(),
        ctx.args.miniforge_sha256.as_deref(),
    )
}

/// Miniforge to install into `dest` (nothing there, an empty directory, or
/// a half-finished conda install).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiniforgeInstall {
    pub dest: PathBuf,
    pub want: Resolved,
    /// `dest` exists already: the installer must be told to update it.
    pub dest_exists: bool,
}

impl MiniforgeInstall {
    fn label(&self) -> String {
        match &self.want.version {
            Some(v) => format!("Miniforge {v}"),
            None => "Miniforge".to_string(),
        }
    }
}

impl std::fmt::Display for MiniforgeInstall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "install {} into {}, downloaded from {}",
            self.label(),
            self.dest.display(),
            self.want.url
        )
    }
}

/// What `install_miniforge` should do to `dest`, or None when Miniforge is
/// already there. Errors when `dest` holds something else.
pub fn plan_miniforge(ctx: &Ctx, dest: &Path) -> Result<Option<MiniforgeInstall>> {
    if is_installed(dest) {
        return Ok(None);
    }
    check_dest(dest)?;
    Ok(Some(MiniforgeInstall {
        dest: dest.to_path_buf(),
        want: resolve(ctx)?,
        dest_exists: dest.exists(),
    }))
}

/// Carries out `plan`; checks that it left a complete Miniforge.
pub fn install_miniforge(plan: &MiniforgeInstall, reporter: &dyn Reporter) -> Result<()> {
    let (dest, want) = (plan.dest.as_path(), &plan.want);
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| Error::new(format!("{} has no parent directory", dest.display())))?;
    fs::create_dir_all(parent)?;
    let work = tempfile::Builder::new()
        .prefix(".miniforge-download.")
        .tempdir_in(parent)
        .context(|| format!("creating a temp dir in {}", parent.display()))?;
    let installer = work.path().join("Miniforge3.sh");
    download::fetch_verified(
        &want.url,
        &want.sha256,
        &installer,
        &*reporter.progress(&plan.label()),
    )?;

    let mut run = Command::new("bash");
    run.arg(&installer).arg("-b").arg("-p").arg(dest);
    if plan.dest_exists {
        // An empty dir (checked by the plan) or a half-finished conda install: the
        // installer refuses an existing prefix unless asked to update it.
        run.arg("-u");
    }
    for var in [
        "PYTHONPATH",
        "PYTHONHOME",
        "CONDA_PREFIX",
        "CONDA_DEFAULT_ENV",
    ] {
        run.env_remove(var);
    }
    tracing::info!("installing Miniforge into {}", dest.display());
    cmd::run_checked(&mut run).map_err(|e| {
        e.with_hint(format!(
            "the Miniforge installer from {} failed; see its output above. Remove {} before \
             trying again, or use --user-env venv",
            want.url,
            dest.display()
        ))
    })?;
    if !is_installed(dest) {
        return Err(Error::new(format!(
            "the Miniforge installer from {} finished, but {} is missing",
            want.url,
            dest.join("bin/conda").display()
        ))
        .with_hint("check that the installer is a Miniforge (conda) installer for this machine"));
    }
    lock_down(dest)
}

/// Refuses anything at `dest` but nothing, an empty directory, or a conda env.
fn check_dest(dest: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let advice = "hubcfg will not overwrite it. Move it away (for example `mv {d} {d}.old`) and \
                  run bootstrap again, or choose --user-env venv";
    let advice = advice.replace("{d}", &dest.display().to_string());
    if !meta.is_dir() {
        return Err(Error::new(format!(
            "{} exists and is not a directory, so Miniforge cannot be installed there",
            dest.display()
        ))
        .with_hint(advice));
    }
    if is_conda_env(dest) {
        return Ok(());
    }
    let empty = fs::read_dir(dest)?.next().is_none();
    if !empty {
        return Err(Error::new(format!(
            "{} is not empty and is not a conda environment (it has no conda-meta/)",
            dest.display()
        ))
        .with_hint(advice));
    }
    Ok(())
}

/// Everything under `dest` owned by root (when we are root) and not writable
/// by others. Symlinks are not followed. Done once after install, not after
/// every package change.
fn lock_down(dest: &Path) -> Result<()> {
    let as_root = nix::unistd::geteuid().is_root();
    let mut stack = vec![dest.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path)?;
        if as_root && (meta.uid() != 0 || meta.gid() != 0) {
            std::os::unix::fs::lchown(&path, Some(0), Some(0))
                .context(|| format!("changing the owner of {} to root", path.display()))?;
        }
        if meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode();
        if mode & 0o002 != 0 {
            fs::set_permissions(
                &path,
                std::fs::Permissions::from_mode(mode & 0o7777 & !0o002),
            )?;
        }
        if meta.is_dir() {
            for entry in fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
