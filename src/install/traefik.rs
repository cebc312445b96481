//! Install step: the Traefik binary at `hub/bin/traefik`, from the pinned
//! release tarball (or the `--traefik-url`/`--traefik-sha256` override).
//!
//! A stamp file beside the binary records the sha256 of the tarball it came
//! from, so an override is not downloaded again on every run. A binary without
//! a stamp (installed by TLJH) is kept when it reports the pinned version.

use crate::download;
use crate::error::{Context, Error, Result};
use crate::fsutil;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::paths::Paths;
use crate::pins::{self, Resolved};
use crate::report::Reporter;
use fs_err as fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

const BIN_MODE: u32 = 0o755;

pub struct TraefikBinary;

/// `hub/bin/.traefik.sha256`: the sha256 of the tarball the binary came from.
pub fn stamp_path(paths: &Paths) -> PathBuf {
    paths.traefik_bin().with_file_name(".traefik.sha256")
}

fn resolve(ctx: &Ctx) -> Result<Resolved> {
    pins::resolve_traefik(
        pins::host_arch(),
        ctx.args.traefik_url.as_deref(),
        ctx.args.traefik_sha256.as_deref(),
    )
}

/// Traefik to download and put at `hub/bin/traefik`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallTraefik {
    pub want: Resolved,
    pub bin: PathBuf,
    /// What is there now: None when nothing; Some(None) when it reports no
    /// version.
    pub replaces: Option<Option<String>>,
}

impl std::fmt::Display for InstallTraefik {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let want = &self.want;
        let what = match &want.version {
            Some(v) => format!("Traefik {v}"),
            None => format!("Traefik (sha256 {})", want.sha256),
        };
        let bin = self.bin.display();
        match &self.replaces {
            Some(Some(old)) => write!(f, "replace Traefik {old} at {bin} with {what}"),
            Some(None) => write!(f, "replace {bin} with {what}"),
            None => write!(f, "install {what} at {bin}"),
        }?;
        write!(f, ", downloaded from {}", want.url)
    }
}

impl Step for TraefikBinary {
    type Action = InstallTraefik;

    fn name(&self) -> &'static str {
        "Traefik binary"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<InstallTraefik>> {
        let want = resolve(ctx)?;
        if up_to_date(ctx.paths, &want) {
            return Ok(vec![]);
        }
        let bin = ctx.paths.traefik_bin();
        let replaces = bin.exists().then(|| installed_version(&bin));
        Ok(vec![InstallTraefik {
            want,
            bin,
            replaces,
        }])
    }

    fn execute(
        &self,
        ctx: &Ctx,
        plan: &[InstallTraefik],
        reporter: &dyn Reporter,
    ) -> Result<Outcome> {
        for action in plan {
            install(ctx.paths, &action.want, reporter)?;
        }
        Ok(Outcome::done().with_restart(Restart::because("the Traefik binary changed")))
    }
}

/// The binary is there, executable, from the tarball we want, and (when
/// pinned) reports the pinned version.
fn up_to_date(paths: &Paths, want: &Resolved) -> bool {
    let bin = paths.traefik_bin();
    let mode_ok = fs::metadata(&bin)
        .map(|m| m.is_file() && m.permissions().mode() & 0o7777 == BIN_MODE)
        .unwrap_or(false);
    if !mode_ok {
        return false;
    }
    let stamp = std::fs::read_to_string(stamp_path(paths)).ok();
    let version_ok = || match &want.version {
        Some(v) => installed_version(&bin).as_deref() == Some(v.as_str()),
        None => true,
    };
    match stamp.as_deref().map(str::trim) {
        Some(s) => s == want.sha256 && version_ok(),
        // Installed by TLJH or by hand: trust it only as the pinned version.
        None => want.is_pinned() && version_ok(),
    }
}

fn install(paths: &Paths, want: &Resolved, reporter: &dyn Reporter) -> Result<()> {
    let bin = paths.traefik_bin();
    let bin_dir = bin
        .parent()
        .ok_or_else(|| Error::new(format!("{} has no parent directory", bin.display())))?;
    fs::create_dir_all(bin_dir)?;
    // Under hub/ so the download sits on the same filesystem as the binary.
    let work = tempfile::Builder::new()
        .prefix(".traefik-download.")
        .tempdir_in(paths.hub_env())
        .context(|| format!("creating a temp dir in {}", paths.hub_env().display()))?;
    let tarball = work.path().join("traefik.tar.gz");
    let label = match &want.version {
        Some(v) => format!("Traefik {v}"),
        None => "Traefik".to_string(),
    };
    download::fetch_verified(
        &want.url,
        &want.sha256,
        &tarball,
        &*reporter.progress(&label),
    )?;

    let mut tmp = tempfile::Builder::new()
        .prefix(".traefik.")
        .suffix(".tmp")
        .tempfile_in(bin_dir)
        .context(|| format!("creating a temp file in {}", bin_dir.display()))?;
    extract_member(&tarball, "traefik", tmp.as_file_mut())
        .context(|| format!("unpacking the Traefik tarball from {}", want.url))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(BIN_MODE))?;
    tmp.as_file().sync_all()?;
    // Closed before it is run: a file open for writing cannot be executed.
    let tmp = tmp.into_temp_path();

    let reported = installed_version(&tmp);
    match (&want.version, &reported) {
        (_, None) => {
            return Err(Error::new(format!(
                "the traefik binary from {} does not run or does not report a version \
                 (`traefik version`)",
                want.url
            ))
            .with_hint(
                "check that the tarball is a Traefik release for this machine's architecture",
            ));
        }
        (Some(v), Some(r)) if r != v => {
            return Err(Error::new(format!(
                "the traefik binary from {} reports version {r}, but {v} is pinned",
                want.url
            )));
        }
        _ => {}
    }
    tmp.persist(&bin).map_err(|e| {
        Error::new(format!(
            "could not move traefik into {}: {}",
            bin.display(),
            e.error
        ))
    })?;
    fsutil::write_atomic(
        &stamp_path(paths),
        format!("{}\n", want.sha256).as_bytes(),
        0o644,
    )?;
    tracing::info!(
        "installed Traefik {} at {}",
        reported.unwrap_or_default(),
        bin.display()
    );
    Ok(())
}

/// Copies the regular file `member` (top level of the archive) out of a
/// .tar.gz into `out`, streaming; nothing else is extracted. Entries with
/// absolute or `..` paths make the archive unacceptable.
pub fn extract_member(tarball: &Path, member: &str, out: &mut dyn Write) -> Result<()> {
    let file = fs::File::open(tarball)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let read_err = |e: std::io::Error| Error::new(format!("reading {}: {e}", tarball.display()));
    for entry in archive.entries().map_err(read_err)? {
        let mut entry = entry.map_err(read_err)?;
        let path = entry.path().map_err(read_err)?.into_owned();
        if path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
            return Err(Error::new(format!(
                "{} contains the unsafe path {}; refusing to use it",
                tarball.display(),
                path.display()
            )));
        }
        let normal: PathBuf = path
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        if normal != Path::new(member) {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            return Err(Error::new(format!(
                "`{member}` in {} is not a regular file",
                tarball.display()
            )));
        }
        std::io::copy(&mut entry, out).map_err(read_err)?;
        return Ok(());
    }
    Err(Error::new(format!(
        "{} has no `{member}` file at its top level",
        tarball.display()
    )))
}

/// What `BIN version` reports, or None when it does not run or say.
pub fn installed_version(bin: &Path) -> Option<String> {
    let mut cmd = Command::new(bin);
    cmd.arg("version");
    // A just-written file can be briefly "busy" while another thread forks;
    // that passes within moments.
    for _ in 0..5 {
        match crate::cmd::run(&mut cmd) {
            Ok(out) if out.success() => return parse_version_output(&out.stdout),
            Ok(_) => return None,
            Err(e) if e.os_error() == Some(nix::libc::ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(_) => return None,
        }
    }
    None
}

/// The value of the `Version:` line of `traefik version` output, without a
/// leading `v`.
pub fn parse_version_output(out: &str) -> Option<String> {
    out.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case("version")
            .then(|| value.trim().trim_start_matches('v').to_string())
            .filter(|v| !v.is_empty())
    })
}

#[cfg(test)]
pub(crate) mod tests;
