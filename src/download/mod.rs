//! Verified downloads: stream to a temp file beside the target while hashing,
//! rename into place only on a sha256 match. Network hiccups (connection
//! errors, timeouts, 5xx, truncated bodies) are retried; answers that will not
//! change (404, 403, a wrong checksum) are not.
//!
//! Sources may be `http(s)://` URLs, `file://` URLs or plain local paths, so
//! air-gapped sites can point the overrides at files they copied in.

#[cfg(test)]
pub(crate) mod test_server;

use crate::error::{Error, Kind, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// Download progress, kept out of the library: a `report::Reporter` hands
/// one out (`Reporter::progress`) and draws it.
pub trait Progress {
    /// A new attempt starts; `total` is the size when the server says it.
    fn start(&self, total: Option<u64>);
    fn advance(&self, n: u64);
    fn finish(&self);
    /// An attempt failed and another follows (`message` says why and when).
    fn retrying(&self, message: &str);
}

/// Draws nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
    fn retrying(&self, _message: &str) {}
}

/// How often and how patiently to retry.
#[derive(Debug, Clone)]
pub struct Retry {
    pub attempts: u32,
    /// Wait before the second attempt; doubles after each failure.
    pub first_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 3,
            first_backoff: Duration::from_secs(2),
        }
    }
}

/// Longest wait for a connection, the response headers, or the next chunk.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

const MISMATCH_HINT: &str = "nothing was installed and the partial file was deleted. A wrong \
checksum is not retried: if a mirror, proxy or override URL (--traefik-url, --miniforge-url) \
serves this file, check that it serves the same file as the checksum, or pass the matching \
--traefik-sha256/--miniforge-sha256";

/// Checks that `hex` is a sha256 (64 hex digits, any case) and returns it in
/// lowercase. `source` names where it came from (a flag, a file) for the error.
pub fn parse_sha256(hex: &str, source: &str) -> Result<String> {
    let hex = hex.trim();
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(hex.to_ascii_lowercase());
    }
    Err(Error::new(format!(
        "{source}: '{hex}' is not a sha256 checksum (expected 64 hex digits, got {} characters)",
        hex.chars().count()
    ))
    .with_hint("compute one with `sha256sum FILE`"))
}

/// Downloads `url` to `dest` if and only if its sha256 is `sha256_hex`, with
/// the default retries.
pub fn fetch_verified(
    url: &str,
    sha256_hex: &str,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<()> {
    fetch_verified_with(url, sha256_hex, dest, progress, &Retry::default())
}

pub fn fetch_verified_with(
    url: &str,
    sha256_hex: &str,
    dest: &Path,
    progress: &dyn Progress,
    retry: &Retry,
) -> Result<()> {
    let expected = parse_sha256(sha256_hex, &format!("the sha256 expected for {url}"))?;
    if let Some(path) = local_source(url) {
        return copy_verified(url, Path::new(path), &expected, dest, progress);
    }
    let client = crate::http::client(READ_TIMEOUT)?;
    let attempts = retry.attempts.max(1);
    let mut wait = retry.first_backoff;
    for attempt in 1..=attempts {
        match try_download(&client, url, &expected, dest, progress) {
            Ok(()) => return Ok(()),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retryable(e)) if attempt < attempts => {
                progress.retrying(&format!(
                    "download attempt {attempt} of {attempts} failed: {}; retrying in {}s",
                    e.message,
                    wait.as_secs()
                ));
                std::thread::sleep(wait);
                wait *= 2;
            }
            Err(Failure::Retryable(mut e)) => {
                e.message = format!("{} (gave up after {attempts} attempts)", e.message);
                if e.hint.is_none() {
                    e.hint = Some(
                        "check the machine's network and proxy settings (HTTPS_PROXY), or \
                         download the file elsewhere and pass it with the --traefik-url / \
                         --miniforge-url override (a local path or file:// URL works)"
                            .into(),
                    );
                }
                return Err(e);
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

enum Failure {
    /// Worth another attempt: the network may do better next time.
    Retryable(Error),
    /// Will fail the same way again.
    Fatal(Error),
}

/// `file:///x` → `/x`; a string without a scheme is a path.
fn local_source(url: &str) -> Option<&str> {
    if let Some(path) = url.strip_prefix("file://") {
        return Some(path);
    }
    (!url.contains("://")).then_some(url)
}

fn try_download(
    client: &reqwest::blocking::Client,
    url: &str,
    expected: &str,
    dest: &Path,
    progress: &dyn Progress,
) -> std::result::Result<(), Failure> {
    let mut resp = client.get(url).send().map_err(|e| {
        let fatal = e.is_builder();
        let err = Error::new(format!(
            "could not download {url}: {}",
            crate::error::chain(&e)
        ))
        .with_kind(Kind::Network)
        .with_source(e);
        if fatal {
            Failure::Fatal(err)
        } else {
            Failure::Retryable(err)
        }
    })?;
    let status = resp.status();
    if !status.is_success() {
        let err = Error::new(format!(
            "could not download {url}: the server answered HTTP {status}"
        ))
        .with_kind(Kind::Network);
        let transient = status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        return Err(if transient {
            Failure::Retryable(err)
        } else {
            Failure::Fatal(err.with_hint(format!(
                "HTTP {} is not retried; check the URL, or pass a mirror with the \
                 --traefik-url/--miniforge-url override and its sha256",
                status.as_u16()
            )))
        });
    }
    let total = resp.content_length();
    progress.start(total);
    let result = stream_verified(&mut resp, url, total, expected, dest, progress);
    progress.finish();
    result
}

fn copy_verified(
    url: &str,
    path: &Path,
    expected: &str,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<()> {
    let mut file = fs_err::File::open(path).map_err(|e| {
        Error::new(format!("could not read the download source: {e}"))
            .with_hint("check the path given as the override URL")
    })?;
    let total = file.metadata().ok().map(|m| m.len());
    progress.start(total);
    let result = stream_verified(&mut file, url, total, expected, dest, progress);
    progress.finish();
    result.map_err(|f| match f {
        Failure::Retryable(e) | Failure::Fatal(e) => e,
    })
}

/// Streams `body` into a temp file in `dest`'s directory while hashing it;
/// renames it to `dest` only when complete and matching `expected`. On any
/// failure the temp file is removed (by its drop).
fn stream_verified(
    body: &mut dyn Read,
    url: &str,
    total: Option<u64>,
    expected: &str,
    dest: &Path,
    progress: &dyn Progress,
) -> std::result::Result<(), Failure> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| {
            Failure::Fatal(Error::new(format!(
                "could not create a temp file in {} for {url}: {e}",
                dir.display()
            )))
        })?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut got: u64 = 0;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let how = if total.is_some() {
                    "truncated"
                } else {
                    "cut off"
                };
                return Err(Failure::Retryable(
                    Error::new(format!(
                        "download of {url} was {how} after {}: {}",
                        of_total(got, total),
                        crate::error::chain(&e)
                    ))
                    .with_kind(Kind::Network)
                    .with_source(e),
                ));
            }
        };
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(|e| {
            Failure::Fatal(Error::new(format!(
                "could not write {} while downloading {url}: {e}",
                tmp.path().display()
            )))
        })?;
        got += n as u64;
        progress.advance(n as u64);
    }
    if let Some(total) = total.filter(|&t| got < t) {
        return Err(Failure::Retryable(
            Error::new(format!(
                "download of {url} was truncated: got {got} of {total} bytes"
            ))
            .with_kind(Kind::Network),
        ));
    }
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        return Err(Failure::Fatal(
            Error::new(format!(
                "sha256 mismatch for {url}: expected {expected}, got {actual}"
            ))
            .with_kind(Kind::Verification)
            .with_hint(MISMATCH_HINT),
        ));
    }
    let fatal = |what: &str, e: std::io::Error| {
        Failure::Fatal(Error::new(format!("{what} {}: {e}", dest.display())))
    };
    tmp.as_file()
        .sync_all()
        .map_err(|e| fatal("could not flush the download for", e))?;
    tmp.persist(dest)
        .map_err(|e| fatal("could not move the download into", e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn of_total(got: u64, total: Option<u64>) -> String {
    match total {
        Some(t) => format!("{got} of {t} bytes"),
        None => format!("{got} bytes"),
    }
}

#[cfg(test)]
mod tests;
