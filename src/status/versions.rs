//! Versions from the environments' metadata, without starting Python:
//! a package's `*.dist-info/METADATA`, a venv's `pyvenv.cfg`, a conda
//! environment's `conda-meta/python-*.json`. (files under the prefix)

use std::path::{Path, PathBuf};

/// The `site-packages` directories of the environment at `env`.
fn site_packages(env: &Path) -> Vec<PathBuf> {
    let Ok(lib) = std::fs::read_dir(env.join("lib")) else {
        return vec![];
    };
    let mut dirs: Vec<PathBuf> = lib
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
        .map(|e| e.path().join("site-packages"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The installed version of `package` in the environment at `env`, from
/// its dist-info METADATA (`Version:`).
pub fn package_version(env: &Path, package: &str) -> Option<String> {
    let wanted = normalize(package);
    for dir in site_packages(env) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some((dist, _)) = name
                .strip_suffix(".dist-info")
                .and_then(|n| n.rsplit_once('-'))
            else {
                continue;
            };
            if normalize(dist) != wanted {
                continue;
            }
            let meta = std::fs::read_to_string(e.path().join("METADATA")).ok()?;
            return metadata_version(&meta);
        }
    }
    None
}

/// PEP 503: `Jupyter_Hub` and `jupyter-hub` are one name.
fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The `Version:` header of a METADATA file (headers end at the first
/// empty line; the description after it may say anything).
pub fn metadata_version(meta: &str) -> Option<String> {
    meta.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Version:"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The Python version of the environment at `env`: `version` (venv) or
/// `version_info` (uv) in pyvenv.cfg, else conda-meta's python package,
/// else the `lib/pythonX.Y` directory's name.
pub fn python_version(env: &Path) -> Option<String> {
    if let Ok(cfg) = std::fs::read_to_string(env.join("pyvenv.cfg")) {
        let v = pyvenv_version(&cfg);
        if v.is_some() {
            return v;
        }
    }
    if let Ok(entries) = std::fs::read_dir(env.join("conda-meta")) {
        let mut found: Vec<String> = entries
            .flatten()
            .filter_map(|e| conda_python(&e.file_name().to_string_lossy()))
            .collect();
        found.sort();
        if let Some(v) = found.pop() {
            return Some(v);
        }
    }
    site_packages(env).last().and_then(|sp| {
        let lib = sp.parent()?.file_name()?.to_string_lossy().into_owned();
        lib.strip_prefix("python").map(str::to_string)
    })
}

pub fn pyvenv_version(cfg: &str) -> Option<String> {
    let value = |key: &str| {
        cfg.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    value("version")
        .or_else(|| value("version_info"))
        .filter(|v| !v.is_empty())
}

/// `python-3.12.7-h2628c8c_0_cpython.json` → 3.12.7 (not python_abi-…).
fn conda_python(file: &str) -> Option<String> {
    let rest = file.strip_prefix("python-")?.strip_suffix(".json")?;
    let version = rest.split('-').next()?;
    version
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn jupyterhub_from_its_dist_info_not_a_lookalike() {
        let env = tempfile::tempdir().unwrap();
        let sp = "lib/python3.11/site-packages";
        write(
            env.path(),
            &format!("{sp}/jupyterhub_traefik_proxy-2.1.0.dist-info/METADATA"),
            "Name: jupyterhub-traefik-proxy\nVersion: 2.1.0\n",
        );
        assert_eq!(package_version(env.path(), "jupyterhub"), None);
        write(
            env.path(),
            &format!("{sp}/jupyterhub-5.2.1.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: jupyterhub\nVersion: 5.2.1\n\nVersion: 0 in the text\n",
        );
        assert_eq!(
            package_version(env.path(), "jupyterhub").as_deref(),
            Some("5.2.1")
        );
        assert_eq!(python_version(env.path()).as_deref(), Some("3.11"));
    }

    #[test]
    fn python_from_pyvenv_cfg_venv_and_uv() {
        assert_eq!(
            pyvenv_version("home = /usr/bin\nversion = 3.11.2\n").as_deref(),
            Some("3.11.2")
        );
        assert_eq!(
            pyvenv_version("home = /x\nimplementation = CPython\nversion_info = 3.12.7\n")
                .as_deref(),
            Some("3.12.7")
        );
        assert_eq!(pyvenv_version("home = /x\n"), None);
    }

    #[test]
    fn python_from_conda_meta() {
        let env = tempfile::tempdir().unwrap();
        write(env.path(), "conda-meta/python_abi-3.12-5_cp312.json", "{}");
        write(
            env.path(),
            "conda-meta/python-3.12.7-hc5c86c4_0_cpython.json",
            "{}",
        );
        assert_eq!(python_version(env.path()).as_deref(), Some("3.12.7"));
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(python_version(empty.path()), None);
    }
}
