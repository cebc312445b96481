//! Pinned downloads (Traefik, Miniforge) as data: `assets/pins.toml`, embedded
//! at build time. Every pin can be overridden with a URL and its sha256.

use crate::download::parse_sha256;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const PINS_TOML: &str = include_str!("../assets/pins.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    pub url: String,
    pub sha256: String,
}

/// One pinned tool: its version and, per architecture, where to get it.
#[derive(Debug, Clone, Deserialize)]
pub struct Pin {
    pub version: String,
    #[serde(flatten)]
    pub arches: BTreeMap<String, Artifact>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pins {
    pub traefik: Pin,
    pub miniforge: Pin,
}

/// What to download: the URL, its expected sha256 (lowercase hex) and the
/// version when it is the pinned one (None for an override: unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub url: String,
    pub sha256: String,
    pub version: Option<String>,
}

impl Resolved {
    pub fn is_pinned(&self) -> bool {
        self.version.is_some()
    }
}

/// The embedded table. It is checked by the tests, so parsing cannot fail in
/// a released binary.
pub fn pins() -> &'static Pins {
    static PINS: OnceLock<Pins> = OnceLock::new();
    PINS.get_or_init(|| {
        toml::from_str(PINS_TOML).expect("assets/pins.toml is checked by the pins tests")
    })
}

/// The machine architecture as `uname -m` names it (x86_64, aarch64, …).
pub fn host_arch() -> &'static str {
    std::env::consts::ARCH
}

pub fn resolve_traefik(
    arch: &str,
    url_override: Option<&str>,
    sha_override: Option<&str>,
) -> Result<Resolved> {
    resolve(
        "Traefik",
        "traefik",
        &pins().traefik,
        arch,
        url_override,
        sha_override,
    )
}

pub fn resolve_miniforge(
    arch: &str,
    url_override: Option<&str>,
    sha_override: Option<&str>,
) -> Result<Resolved> {
    resolve(
        "Miniforge",
        "miniforge",
        &pins().miniforge,
        arch,
        url_override,
        sha_override,
    )
}

fn resolve(
    what: &str,
    flag: &str,
    pin: &Pin,
    arch: &str,
    url_override: Option<&str>,
    sha_override: Option<&str>,
) -> Result<Resolved> {
    let url_flag = format!("--{flag}-url");
    let sha_flag = format!("--{flag}-sha256");
    let url_override = url_override.map(str::trim).filter(|u| !u.is_empty());
    let sha_override = sha_override.map(str::trim).filter(|s| !s.is_empty());
    match (url_override, sha_override) {
        (Some(url), Some(sha)) => Ok(Resolved {
            url: url.to_string(),
            sha256: parse_sha256(sha, &sha_flag)?,
            version: None,
        }),
        (Some(url), None) => Err(Error::new(format!(
            "{url_flag} {url} was given without {sha_flag}"
        ))
        .with_hint(format!(
            "pass the file's checksum too: {sha_flag} $(sha256sum FILE | cut -d' ' -f1)"
        ))),
        (None, Some(_)) => Err(Error::new(format!(
            "{sha_flag} was given without {url_flag}"
        ))
        .with_hint(format!(
            "the pinned {what} download has its own checksum; pass {sha_flag} only together with {url_flag}"
        ))),
        (None, None) => {
            let artifact = pin.arches.get(arch).ok_or_else(|| {
                let known: Vec<&str> = pin.arches.keys().map(String::as_str).collect();
                Error::new(format!(
                    "{what} {} is pinned only for {}, not for this machine's architecture {arch}",
                    pin.version,
                    known.join(", ")
                ))
                .with_hint(format!(
                    "download a {what} build for {arch} yourself and pass {url_flag} URL {sha_flag} HEX"
                ))
            })?;
            Ok(Resolved {
                url: artifact.url.clone(),
                sha256: artifact.sha256.to_ascii_lowercase(),
                version: Some(pin.version.clone()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_is_complete_and_well_formed() {
        for (name, pin) in [
            ("traefik", &pins().traefik),
            ("miniforge", &pins().miniforge),
        ] {
            for arch in ["x86_64", "aarch64"] {
                let a = pin
                    .arches
                    .get(arch)
                    .unwrap_or_else(|| panic!("{name} has no {arch} entry"));
                assert!(a.url.starts_with("https://"), "{name}.{arch}: {}", a.url);
                assert!(
                    a.url.contains(&pin.version),
                    "{name}.{arch} URL does not mention version {}",
                    pin.version
                );
                assert_eq!(
                    parse_sha256(&a.sha256, "pins.toml").unwrap(),
                    a.sha256,
                    "{name}.{arch} sha256 must be 64 lowercase hex digits"
                );
            }
        }
    }

    #[test]
    fn pinned_values_match_upstream_pins() {
        // Also pinned by TLJH (tljh/traefik.py, tljh/installer.py); a change
        // here must come with a new source for the checksum.
        let t = resolve_traefik("x86_64", None, None).unwrap();
        assert_eq!(t.version.as_deref(), Some("3.6.5"));
        assert_eq!(
            t.sha256,
            "a9d891026496e0e16cbe4e0599339487411c9876246238c06bbe1a532350a096"
        );
        assert!(t.url.ends_with("traefik_v3.6.5_linux_amd64.tar.gz"));
        let t = resolve_traefik("aarch64", None, None).unwrap();
        assert!(t.url.ends_with("traefik_v3.6.5_linux_arm64.tar.gz"));
        let m = resolve_miniforge("aarch64", None, None).unwrap();
        assert_eq!(m.version.as_deref(), Some("24.7.1-2"));
        assert!(m.url.ends_with("Miniforge3-24.7.1-2-Linux-aarch64.sh"));
        assert_eq!(
            m.sha256,
            "7bf60bce50f57af7ea4500b45eeb401d9350011ab34c9c45f736647d8dba9021"
        );
    }

    #[test]
    fn override_wins_and_is_normalised() {
        let sha = "AB".repeat(32);
        let r = resolve_traefik("riscv64", Some("http://127.0.0.1/t.tgz"), Some(&sha)).unwrap();
        assert_eq!(r.url, "http://127.0.0.1/t.tgz");
        assert_eq!(r.sha256, "ab".repeat(32));
        assert!(!r.is_pinned());
    }

    #[test]
    fn override_url_needs_its_sha() {
        let e = resolve_miniforge("x86_64", Some("http://x/m.sh"), None).unwrap_err();
        assert!(e.message.contains("--miniforge-sha256"), "{}", e.message);
        let e = resolve_miniforge("x86_64", None, Some(&"a".repeat(64))).unwrap_err();
        assert!(e.message.contains("--miniforge-url"), "{}", e.message);
    }

    #[test]
    fn malformed_override_sha_names_the_flag() {
        let e = resolve_traefik("x86_64", Some("http://x/t.tgz"), Some("abc")).unwrap_err();
        assert!(e.message.contains("--traefik-sha256"), "{}", e.message);
    }

    #[test]
    fn unknown_arch_says_how_to_override() {
        let e = resolve_traefik("riscv64", None, None).unwrap_err();
        assert!(e.message.contains("riscv64"), "{}", e.message);
        assert!(e.hint.unwrap().contains("--traefik-url"));
    }
}
