//! Runs a module of hubcfg's Python package (`assets/python/hubcfg_hub`,
//! compiled into this binary) with a given Python, one JSON request on its
//! stdin, one JSON reply on its stdout (`hubcfg_hub/_jsonio.py`).
//! (processes, a private temp directory)
//!
//! The package is written into a fresh private temp directory (0700) and
//! run from there as `python -E -s -m hubcfg_hub.NAME` with that directory
//! as the working directory, so the code that runs is always this binary's,
//! whatever Python it is: TLJH's hub environment before bootstrap has
//! replaced it, or ours. `-E -s` keep `PYTHON*` variables and the user's
//! site-packages out of it. `run_with` runs it in another working
//! directory (TLJH plugins run in `$PREFIX/state`): then the copy is found
//! through `PYTHONPATH`, every other `PYTHON*` variable is removed, and
//! `-s -B` stay.

use crate::error::{Context, Error, Result};
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

macro_rules! module {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../assets/python/hubcfg_hub/", $name)),
        )
    };
}

/// The package's files, relative to `hubcfg_hub/`.
pub const PACKAGE: &[(&str, &str)] = &[
    module!("__init__.py"),
    module!("_jsonio.py"),
    module!("config_yaml.py"),
    module!("plugins.py"),
    module!("tljh_compat/tljh/__init__.py"),
    module!("tljh_compat/tljh/config.py"),
    module!("tljh_compat/tljh/configurer.py"),
    module!("tljh_compat/tljh/hooks.py"),
    module!("tljh_compat/tljh/normalize.py"),
    module!("tljh_compat/tljh/systemd.py"),
    module!("tljh_compat/tljh/user.py"),
    module!("tljh_compat/tljh/utils.py"),
];

/// Where and how a module runs, beyond the defaults of `run`.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// The working directory (default: the temp copy). With one, the copy
    /// is found through `PYTHONPATH` (every other `PYTHON*` variable
    /// removed) instead of `-E`, so the package is still this binary's.
    pub cwd: Option<&'a Path>,
    /// Extra environment variables.
    pub env: Vec<(&'a str, String)>,
}

/// What a module replied.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `{"ok": true, …}`: the whole reply.
    Ok(Json),
    /// `{"ok": false, "error": KIND, "message": …}`: a failure the module
    /// knows, e.g. `missing_module` when a package it imports is missing.
    Failed { kind: String, message: String },
}

/// Runs `hubcfg_hub.<module>` with `python`; `doing` names the job in
/// errors ("reading config.yaml"). A crash (no JSON reply) is an error with
/// the end of its stderr.
pub fn run(python: &Path, module: &str, request: &Json, doing: &str) -> Result<Reply> {
    run_with(python, module, request, doing, &Options::default())
}

/// `run` with a working directory and environment of the caller's.
pub fn run_with(
    python: &Path,
    module: &str,
    request: &Json,
    doing: &str,
    opts: &Options,
) -> Result<Reply> {
    let dir = tempfile::Builder::new()
        .prefix("hubcfg-py.")
        .tempdir()
        .context(|| "making a temp directory for hubcfg's Python package".to_string())?;
    let pkg = dir.path().join("hubcfg_hub");
    fs_err::create_dir(&pkg)?;
    for (name, text) in PACKAGE {
        let path = pkg.join(name);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(path, text)?;
    }
    let mut cmd = Command::new(python);
    match opts.cwd {
        None => drop(cmd.args(["-E"]).current_dir(dir.path())),
        Some(cwd) => {
            for (k, _) in std::env::vars_os() {
                if k.to_string_lossy().starts_with("PYTHON") {
                    cmd.env_remove(k);
                }
            }
            cmd.env("PYTHONPATH", dir.path()).current_dir(cwd);
        }
    }
    cmd.args(["-s", "-B", "-m"])
        .arg(format!("hubcfg_hub.{module}"))
        .envs(opts.env.iter().map(|(k, v)| (k, v)));
    let out = crate::cmd::run_with_stdin(&mut cmd, request.to_string().as_bytes())
        .context(|| doing.to_string())?;
    let shown = format!("{} -m hubcfg_hub.{module}", python.display());
    let reply: Option<Json> = serde_json::from_str(out.stdout.trim()).ok();
    match reply {
        Some(r) if out.success() && r["ok"] == Json::Bool(true) => Ok(Reply::Ok(r)),
        Some(r) if out.success() && r["ok"] == Json::Bool(false) => Ok(Reply::Failed {
            kind: r["error"].as_str().unwrap_or("unknown").to_string(),
            message: r["message"].as_str().unwrap_or("").to_string(),
        }),
        _ => Err(Error::new(format!(
            "`{shown}` failed with exit code {} while {doing}:\n{}",
            out.status,
            crate::cmd::tail(
                if out.stderr.trim().is_empty() {
                    &out.stdout
                } else {
                    &out.stderr
                },
                20
            )
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_package_is_compiled_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/python/hubcfg_hub");
        let mut on_disk: Vec<String> = vec![];
        let mut todo = vec![dir.clone()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    todo.push(path);
                } else if path.extension().is_some_and(|x| x == "py") {
                    let rel = path.strip_prefix(&dir).unwrap();
                    on_disk.push(rel.to_string_lossy().into_owned());
                }
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = PACKAGE.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }

    /// The system python3 has no ruamel.yaml: the module says so in its
    /// reply instead of crashing.
    #[test]
    fn a_missing_import_is_a_failure_reply_and_a_crash_an_error() {
        let py = Path::new(crate::install::apt::SYSTEM_PYTHON);
        if !py.exists()
            || Command::new(py)
                .args(["-c", "import ruamel.yaml"])
                .status()
                .unwrap()
                .success()
        {
            eprintln!("skipped: needs a python3 without ruamel.yaml");
            return;
        }
        let reply = run(
            py,
            "config_yaml",
            &serde_json::json!({"text": "a: 1"}),
            "reading",
        )
        .unwrap();
        match reply {
            Reply::Failed { kind, message } => {
                assert_eq!(kind, "missing_module");
                assert!(message.contains("ruamel.yaml"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = run(
            py,
            "config_yaml",
            &serde_json::json!({}),
            "reading config.yaml",
        )
        .unwrap_err();
        assert!(e.message.contains("while reading config.yaml"), "{e}");
        assert!(e.message.contains("KeyError"), "{e}");
    }
}
