//! Helpers of the `hubcfg users` CLI tests. Include with
//! `#[path = "common/users.rs"] mod users;` after `mod hub;`.
#![allow(dead_code)] // each test binary uses its own subset

use crate::hub::{self, Hub};
use std::io::Write;
use std::process::Stdio;

pub fn with_stdin(hub: &Hub, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = std::process::Command::new(hub::BIN)
        .env_remove("HUBCFG_PREFIX")
        .env_remove("TLJH_INSTALL_PREFIX")
        .arg("--prefix")
        .arg(hub.prefix())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn write_csv(hub: &Hub, text: &str) -> String {
    let path = hub.prefix().join("class.csv");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

pub fn list(hub: &Hub, key: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&hub.ok(&["--json", "show", key])).unwrap();
    serde_json::from_value(v).unwrap()
}

/// The command fails with exit 1 and the config's bytes and the prefix's
/// entries stay as they were.
pub fn refused(hub: &Hub, args: &[&str]) -> String {
    let before = hub.file();
    let entries = || {
        let mut v: Vec<_> = walk(hub.prefix());
        v.sort();
        v
    };
    let listing = entries();
    let err = hub.fails(args);
    assert_eq!(hub.file(), before, "{args:?} changed the config:\n{err}");
    assert_eq!(entries(), listing, "{args:?} created files");
    err
}

pub fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.display().to_string());
        if p.is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

/// Makes `hub`'s `hub/bin/python3` run `python` (a venv's python must keep
/// its own path to find its packages, so a wrapper script, not a link).
pub fn use_python(hub: &Hub, python: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let bin = hub.prefix().join("hub/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("python3");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", python.display()),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `python -c script args…`, which must succeed; its stdout, trimmed.
pub fn python_out(python: &std::path::Path, script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
