//! The I/O half of rendering: reading snippets and certificate paths, and
//! writing into state/. Everything is rendered and checked before the first
//! write, so bad input never changes a file.

use super::merge::Snippet;
use super::traefik::Https;
use crate::error::{Context, Error, Result};
use crate::fsutil::{self, Outcome};
use crate::paths::Paths;
use std::io::Read;
use std::path::Path;

pub const STATE_DIR_MODE: u32 = 0o700;
pub const STATE_FILE_MODE: u32 = 0o600;

/// `dir/*.toml` in name order; a missing directory has none.
pub fn read_snippets(dir: &Path) -> Result<Vec<Snippet>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::new(format!("reading {}: {e}", dir.display()))),
    };
    let mut paths = vec![];
    for entry in entries {
        let path = entry
            .map_err(|e| Error::new(format!("reading {}: {e}", dir.display())))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs_err::read_to_string(&path)?;
            Ok(Snippet { path, text })
        })
        .collect()
}

/// A manual certificate and key must exist and be readable before Traefik
/// is pointed at them (Traefik would silently serve its default cert).
pub fn check_tls_files(https: &Https) -> Result<()> {
    if let Https::Manual { cert, key } = https {
        for (name, path) in [("https.tls.cert", cert), ("https.tls.key", key)] {
            let p = Path::new(path);
            if !p.is_absolute() {
                return Err(Error::new(format!(
                    "{name} must be an absolute path, not {path:?}"
                )));
            }
            std::fs::File::open(p).map_err(|e| {
                Error::new(format!("{name}: cannot read {path}: {e}")).with_hint(format!(
                    "copy the PEM file there, or `tljh-config set {name} /path/to/file`"
                ))
            })?;
        }
    }
    Ok(())
}

/// A CA bundle for the ACME server must be readable PEM: Traefik refuses
/// to start its ACME client without saying so on the command line.
pub fn check_ca_bundle(https: &Https) -> Result<()> {
    let Https::LetsEncrypt(le) = https else {
        return Ok(());
    };
    let Some(path) = &le.ca_bundle else {
        return Ok(());
    };
    let key = "https.letsencrypt.ca_bundle";
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(format!("{key}: cannot read {path}: {e}")).with_hint(format!(
            "copy the CA's PEM certificate there, or `tljh-config unset {key}`"
        ))
    })?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(
            Error::new(format!("{key}: {path} holds no PEM certificate")).with_hint(
                "it must contain -----BEGIN CERTIFICATE----- blocks (the ACME server's CA)",
            ),
        );
    }
    Ok(())
}

/// A fresh Traefik API secret: 32 random bytes as hex.
pub fn new_api_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    fs_err::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Writes `text` to `path` (0600) unless it already holds exactly that.
pub fn write_state_file(path: &Path, text: &str) -> Result<Outcome> {
    fsutil::write_if_changed(path, text.as_bytes(), STATE_FILE_MODE)
        .context(|| format!("writing {}", path.display()))
}

/// Traefik refuses an ACME store that is not 0600; an existing one is never
/// emptied.
pub fn ensure_acme_json(path: &Path) -> Result<Outcome> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o7777 == STATE_FILE_MODE => Ok(Outcome::Unchanged),
        Ok(_) => {
            fs_err::set_permissions(path, std::fs::Permissions::from_mode(STATE_FILE_MODE))?;
            Ok(Outcome::Updated)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fsutil::write_atomic(path, b"", STATE_FILE_MODE)
                .context(|| format!("creating {}", path.display()))?;
            Ok(Outcome::Created)
        }
        Err(e) => Err(Error::new(format!("reading {}: {e}", path.display()))),
    }
}

pub fn ensure_state_dirs(paths: &Paths) -> Result<Outcome> {
    let mut outcome = Outcome::Unchanged;
    for dir in [paths.state_dir(), paths.rules_dir()] {
        let o = fsutil::ensure_dir(&dir, STATE_DIR_MODE)
            .context(|| format!("creating {}", dir.display()))?;
        if o.changed() {
            outcome = o;
        }
    }
    Ok(outcome)
}
