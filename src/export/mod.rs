//! `hubcfg export z2jh`: this hub's settings as a Zero to JupyterHub
//! values file, with what has no equivalent written as comments and
//! warnings.
//!
//! export::{z2jh, auth, out, yaml}   pure: Effective → values tree → YAML text
//! export::gather                    reads jupyterhub_config.d and PEM files

mod auth;
pub mod gather;
mod out;
pub mod yaml;
pub mod z2jh;

pub use auth::PLACEHOLDER;

use crate::config::load::Loaded;
use crate::config::output::Lines;
use crate::effective::{Secrets, load::typed};
use crate::error::{Error, Result};
use crate::report::Reporter;
use std::path::PathBuf;

pub struct Opts {
    pub config_path: PathBuf,
    pub config_d: PathBuf,
    /// None: stdout.
    pub output: Option<PathBuf>,
    pub include_secrets: bool,
    pub messages: Lines,
}

/// Values files may hold secrets (and `--include-secrets` surely does).
const MODE: u32 = 0o600;

pub fn run(opts: &Opts) -> Result<()> {
    if opts.include_secrets && opts.output.is_none() {
        return Err(Error::new(
            "--include-secrets writes secrets in clear; refusing to print them",
        )
        .with_hint("add -o FILE (written with mode 0600)")
        .with_exit_code(2));
    }
    if let Some(path) = &opts.output {
        check_output_dir(path)?;
    }
    // The Traefik API secret has no equivalent, so state/ is not read.
    let loaded = Loaded::read(&opts.config_path)?;
    let eff = typed(&loaded, &Secrets::default())?;
    let unknown_keys = crate::config::validate::check_document(&loaded.user())
        .into_iter()
        .filter(|p| p.unknown_key)
        .map(|p| p.key)
        .collect();
    let export = z2jh::z2jh(&z2jh::Inputs {
        eff: &eff,
        unknown_keys,
        config_d: gather::config_d(&opts.config_d)?,
        read_pem: &gather::read_pem,
        include_secrets: opts.include_secrets,
    })?;
    match &opts.output {
        None => crate::config::output::out(&export.text)?,
        Some(path) => crate::fsutil::write_atomic(path, export.text.as_bytes(), MODE)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))?,
    }
    for w in &export.warnings {
        opts.messages.warn(w);
    }
    if let Some(path) = &opts.output {
        opts.messages.note(&format!(
            "hubcfg export: wrote {} ({} warnings, each also a comment in the file)",
            path.display(),
            export.warnings.len()
        ));
    }
    Ok(())
}

/// Refused before anything is read, with the directory named.
fn check_output_dir(path: &std::path::Path) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    match dir {
        Some(dir) if !dir.is_dir() => Err(Error::new(format!(
            "cannot write {}: {} is not a directory",
            path.display(),
            dir.display()
        ))
        .with_hint("create the directory first, or give another -o FILE")),
        _ => Ok(()),
    }
}
