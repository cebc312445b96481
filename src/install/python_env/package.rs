//! hubcfg's Python package (`hubcfg_hub`, compiled into the binary from
//! `assets/python`, see `crate::pyhub`) in the hub environment's
//! site-packages, for the hub process to import (the spawner glue and
//! TLJH's plugin API will live there).
//!
//! It is written as an installed distribution, `hubcfg-hub` with this
//! binary's version: the files plus a `.dist-info` (METADATA, INSTALLER,
//! RECORD with each file's sha256), as pip itself leaves one, so `pip
//! list` and `pip show hubcfg-hub` name it and its version, and `pip
//! uninstall` could remove it cleanly. No wheel, no installer run: the
//! files are compared byte for byte and only the differing ones are
//! rewritten; an older version's `.dist-info` and top-level modules that
//! left the package are removed. Subdirectories (`tljh_compat/tljh/`, the
//! TLJH compatibility package plugins import) are written the same way; a
//! file that leaves one stays until the directory is removed.

use crate::error::{Context, Result};
use crate::fsutil;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const DIST_NAME: &str = "hubcfg-hub";
const MODULE: &str = "hubcfg_hub";

fn dist_info() -> String {
    format!("{MODULE}-{}.dist-info", env!("CARGO_PKG_VERSION"))
}

/// hubcfg's package and its dist-info (of any version) found in `site`.
pub fn installed_in(site: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(site)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name == MODULE
                || (name.starts_with(&format!("{MODULE}-")) && name.ends_with(".dist-info"))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// The hub venv's `lib/python3.X/site-packages`, once the venv exists.
pub fn site_packages(hub_env: &Path) -> Option<PathBuf> {
    let lib = hub_env.join("lib");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("site-packages")))
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found.pop()
}

/// Every file of the distribution (relative to site-packages) and its bytes.
pub fn wanted() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = crate::pyhub::PACKAGE
        .iter()
        .map(|(name, text)| (format!("{MODULE}/{name}"), text.as_bytes().to_vec()))
        .collect();
    let info = dist_info();
    let metadata = format!(
        "Metadata-Version: 2.1\nName: {DIST_NAME}\nVersion: {}\nSummary: hubcfg's Python side (installed by hubcfg bootstrap, versioned with the hubcfg binary)\n",
        env!("CARGO_PKG_VERSION")
    );
    files.push((format!("{info}/METADATA"), metadata.into_bytes()));
    files.push((format!("{info}/INSTALLER"), b"hubcfg\n".to_vec()));
    let mut record: String = files
        .iter()
        .map(|(path, bytes)| {
            let digest =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(bytes));
            format!("{path},sha256={digest},{}\n", bytes.len())
        })
        .collect();
    record.push_str(&format!("{info}/RECORD,,\n"));
    files.push((format!("{info}/RECORD"), record.into_bytes()));
    files
}

/// What is to be done in `site` (None: the venv does not exist yet, so
/// everything): files to write and paths to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub write: Vec<String>,
    pub remove: Vec<PathBuf>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.write.is_empty() && self.remove.is_empty()
    }
}

pub fn changes(site: Option<&Path>) -> Changes {
    let wanted = wanted();
    let Some(site) = site else {
        return Changes {
            write: wanted.into_iter().map(|(p, _)| p).collect(),
            remove: vec![],
        };
    };
    let write = wanted
        .iter()
        .filter(|(rel, bytes)| std::fs::read(site.join(rel)).ok().as_ref() != Some(bytes))
        .map(|(rel, _)| rel.clone())
        .collect();
    let mut remove = vec![];
    let info = dist_info();
    for entry in std::fs::read_dir(site).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("{MODULE}-")) && name.ends_with(".dist-info") && name != info {
            remove.push(entry.path());
        }
    }
    for entry in std::fs::read_dir(site.join(MODULE))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{MODULE}/{name}");
        if name.ends_with(".py") && !wanted.iter().any(|(p, _)| *p == rel) {
            remove.push(entry.path());
        }
    }
    remove.sort();
    Changes { write, remove }
}

/// Writes what differs (0644, atomically) and removes what left; returns
/// whether anything changed.
pub fn install(hub_env: &Path) -> Result<bool> {
    let site = site_packages(hub_env).ok_or_else(|| {
        crate::error::Error::new(format!(
            "cannot install hubcfg's Python package: {} has no lib/python3.*/site-packages",
            hub_env.display()
        ))
    })?;
    let todo = changes(Some(&site));
    for (rel, bytes) in wanted() {
        if !todo.write.contains(&rel) {
            continue;
        }
        let path = site.join(&rel);
        if let Some(dir) = path.parent() {
            fsutil::ensure_dir(dir, 0o755).context(|| format!("creating {}", dir.display()))?;
        }
        fsutil::write_atomic(&path, &bytes, 0o644)
            .context(|| format!("writing {}", path.display()))?;
    }
    for path in &todo.remove {
        let gone = if path.is_dir() {
            fs_err::remove_dir_all(path)
        } else {
            fs_err::remove_file(path)
        };
        gone.context(|| format!("removing {}", path.display()))?;
    }
    Ok(!todo.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_what_differs_removes_what_left_and_then_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("lib/python3.11/site-packages");
        std::fs::create_dir_all(site.join("hubcfg_hub")).unwrap();
        std::fs::create_dir_all(site.join("hubcfg_hub-0.0.1.dist-info")).unwrap();
        std::fs::write(site.join("hubcfg_hub/gone.py"), "").unwrap();
        std::fs::write(
            site.join("hubcfg_hub/__init__.py"),
            crate::pyhub::PACKAGE[0].1,
        )
        .unwrap();
        assert_eq!(site_packages(dir.path()), Some(site.clone()));
        let c = changes(Some(&site));
        assert!(
            !c.write.contains(&"hubcfg_hub/__init__.py".to_string()),
            "{c:?}"
        );
        assert_eq!(c.write.len(), wanted().len() - 1);
        assert_eq!(c.remove.len(), 2, "{c:?}");
        assert!(install(dir.path()).unwrap());
        assert!(changes(Some(&site)).is_empty());
        assert!(!install(dir.path()).unwrap());
        assert!(!site.join("hubcfg_hub/gone.py").exists());
        let record = std::fs::read_to_string(site.join(dist_info()).join("RECORD")).unwrap();
        assert!(
            record.contains("hubcfg_hub/config_yaml.py,sha256="),
            "{record}"
        );
        assert_eq!(changes(None).write.len(), wanted().len());
    }
}
