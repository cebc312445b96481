//! `hubcfg restore FILE`: verify the whole archive first (nothing is
//! touched before), install when this machine has no hub, then stop the
//! hub, put config and state back, re-create the accounts, restore homes,
//! install the user environment's missing packages, render and start.

use super::manifest::{self, Kind, Manifest};
use super::verify::{Verified, existing_ancestor, verify};
use crate::error::{Context, Error, Result};
use crate::install::BootstrapArgs;
use crate::paths::Paths;
use crate::report::Reporter;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Opts {
    pub file: PathBuf,
    /// Replace an existing install without asking.
    pub yes: bool,
    /// Verify only.
    pub check: bool,
    pub timeout: Duration,
    /// For the install on a machine without a hub (and the installer choice).
    pub install: BootstrapArgs,
}

pub fn run(paths: &Paths, opts: &Opts, ui: &dyn Reporter) -> Result<()> {
    let temp_in = existing_ancestor(paths.prefix.parent().unwrap_or(Path::new("/")));
    let v = verify(&opts.file, &temp_in)?;
    let m = &v.manifest;
    let warnings = m.check_versions(env!("CARGO_PKG_VERSION"))?;
    ui.note(&format!("{}: {}", opts.file.display(), describe(m)));
    if opts.check {
        return Ok(());
    }
    if !nix::unistd::geteuid().is_root() {
        return Err(Error::new(
            "hubcfg restore needs root: it installs, creates accounts and starts services",
        )
        .with_hint(format!(
            "run it with sudo: sudo hubcfg restore {}",
            opts.file.display()
        )));
    }
    for w in &warnings {
        ui.warn(w);
    }
    let installed = paths.config_toml().is_file() && paths.hub_python().is_file();
    if installed {
        confirm(paths, opts)?;
    } else {
        ui.note(&format!(
            "no hub in {}: installing first",
            paths.prefix.display()
        ));
        crate::install::run(paths, &opts.install, ui)?;
    }
    stop_hub()?;
    let placed = place(&v, paths)?;
    ui.note(&format!(
        "restored {placed} files of config/, state/ and the certificates"
    ));
    restore_accounts(&v, paths, ui)?;
    if let Some(text) = read_member(&v, manifest::PACKAGES) {
        let idx = opts.install.pip_index_url.as_deref();
        match super::packages::install_missing(paths, &text, opts.install.installer, idx) {
            Ok(done) if done.is_empty() => ui.note("user environment: no package of the backup is missing"),
            Ok(done) => ui.note(&format!("user environment: installed {}", done.join(" "))),
            Err(e) => ui.warn(&format!(
                "user environment: the backup's extra packages did not install ({e}); install them with `sudo {}/user/bin/pip install …` (list: {} in the archive)",
                paths.prefix.display(),
                manifest::PACKAGES
            )),
        }
    }
    crate::reload::run(
        paths,
        &paths.config_toml(),
        crate::reload::Component::Proxy,
        opts.timeout,
        ui,
    )?;
    ui.note(&format!(
        "restored {} into {}",
        opts.file.display(),
        paths.prefix.display()
    ));
    Ok(())
}

fn describe(m: &Manifest) -> String {
    let homes = m.accounts.iter().filter(|a| a.home).count();
    format!(
        "verified {} members (sha256 each): made {} by hubcfg {} with JupyterHub {}, {} hub users, {homes} home directories",
        m.members.len(),
        m.created,
        m.hubcfg_version,
        m.jupyterhub_version.as_deref().unwrap_or("unknown"),
        m.accounts.len()
    )
}

fn confirm(paths: &Paths, opts: &Opts) -> Result<()> {
    if opts.yes {
        return Ok(());
    }
    let what = format!(
        "replace the hub in {} (its config, state, database and the backed-up homes) with {}",
        paths.prefix.display(),
        opts.file.display()
    );
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(format!(
            "not asking on a non-terminal whether to {what}; nothing was changed"
        ))
        .with_hint("add --yes to restore over this install")
        .with_exit_code(2));
    }
    eprint!("{what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        return Ok(());
    }
    Err(Error::new("not restoring: nothing was changed"))
}

fn stop_hub() -> Result<()> {
    let mut c = std::process::Command::new("systemctl");
    c.args(["stop", "jupyterhub.service"]);
    crate::cmd::run_checked(&mut c).map(drop)
}

fn read_member(v: &Verified, member: &str) -> Option<String> {
    v.manifest.member(member)?;
    std::fs::read_to_string(v.path(member)).ok()
}

/// config/, state/ and the certificate files, each replaced atomically.
/// A restored database loses the old one's journal files (a stale WAL
/// would be applied to it); password-store files the archive lacks go.
pub(super) fn place(v: &Verified, paths: &Paths) -> Result<usize> {
    let state = paths.state_dir();
    if v.manifest
        .member(&format!("{}/{}", manifest::STATE, super::create::HUB_DB))
        .is_some()
    {
        for suffix in ["-journal", "-wal", "-shm"] {
            let p = state.join(format!("{}{suffix}", super::create::HUB_DB));
            if p.exists() {
                std::fs::remove_file(&p).context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    if v.manifest
        .members
        .iter()
        .any(|m| m.path.starts_with("state/passwords.dbm"))
    {
        for name in super::create::STATE_FILES
            .iter()
            .filter(|n| n.starts_with("passwords.dbm"))
        {
            let p = state.join(name);
            if p.exists() && v.manifest.member(&format!("state/{name}")).is_none() {
                std::fs::remove_file(&p).context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    let mut count = 0;
    for m in &v.manifest.members {
        let top = m.path.split('/').next().unwrap_or_default();
        if top != manifest::CONFIG && top != manifest::STATE {
            continue;
        }
        let dest = paths.prefix.join(&m.path);
        match m.kind {
            Kind::Dir => {
                let mode = if m.path == manifest::CONFIG {
                    0o700
                } else {
                    m.mode
                };
                crate::fsutil::ensure_dir(&dest, mode)
                    .context(|| format!("creating {}", dest.display()))?;
            }
            Kind::File => {
                let mode = if top == manifest::STATE {
                    0o600
                } else {
                    m.mode
                };
                put(v, &m.path, &dest, mode)?;
                count += 1;
            }
            Kind::Symlink => {
                let _ = std::fs::remove_file(&dest);
                let target = m.target.as_deref().unwrap_or_default();
                std::os::unix::fs::symlink(target, &dest)
                    .context(|| format!("creating the symlink {}", dest.display()))?;
            }
        }
    }
    crate::fsutil::ensure_dir(&state, 0o700).context(|| format!("creating {}", state.display()))?;
    // Certificates outside the prefix are journaled like bootstrap's files,
    // so uninstall puts back what was there before (or removes them).
    let journal = crate::journal::Journal::of(paths, "restore");
    for t in &v.manifest.tls_files {
        let dest = Path::new(&t.path);
        let before = match dest.starts_with(&paths.prefix) {
            true => None,
            false => journal.before(dest)?,
        };
        let mode = v.manifest.member(&t.member).map_or(0o600, |m| m.mode);
        put(v, &t.member, dest, mode)?;
        if let Some(before) = before {
            let path = dest.to_path_buf();
            journal.record(crate::journal::Change::File { path, before })?;
        }
        count += 1;
    }
    Ok(count)
}

fn put(v: &Verified, member: &str, dest: &Path, mode: u32) -> Result<()> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))?;
    }
    let bytes = std::fs::read(v.path(member)).context(|| format!("reading {member}"))?;
    crate::fsutil::write_atomic(dest, &bytes, mode)
        .context(|| format!("writing {}", dest.display()))
}

/// The accounts with the same names (hubcfg's mapping, as the spawner
/// does), then their homes.
fn restore_accounts(v: &Verified, paths: &Paths, ui: &dyn Reporter) -> Result<()> {
    let acc = crate::users::SystemAccounts;
    let (mut made, mut homes, mut files) = (0, 0, 0);
    for a in &v.manifest.accounts {
        let (unix, _) = crate::users::ensure_hub_user(paths, &a.hub_name, a.admin, &[])
            .context(|| format!("re-creating the account of hub user {}", a.hub_name))?;
        if unix != a.unix_name {
            ui.warn(&format!(
                "hub user {} runs as {unix} here, as {} in the backup",
                a.hub_name, a.unix_name
            ));
        }
        made += 1;
        if a.home {
            use crate::users::Accounts;
            let Some(info) = acc.user(&unix)? else {
                continue;
            };
            files += super::homes::restore_home(v, a, &info)?;
            homes += 1;
        }
    }
    ui.note(&format!(
        "accounts: {made} hub users' accounts, {homes} home directories ({files} files)"
    ));
    Ok(())
}

#[cfg(test)]
#[path = "restore_tests.rs"]
mod tests;
