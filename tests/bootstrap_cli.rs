//! `hubcfg bootstrap` as a user runs it, on a temp prefix. The full install
//! needs systemd as PID 1 and runs in the end-to-end container; here we check
//! what must hold on any machine: --help always works, and a failed preflight
//! changes nothing.

use assert_cmd::Command;
use predicates::prelude::*;

fn pid1_is_systemd() -> bool {
    std::fs::read_to_string("/proc/1/comm").is_ok_and(|s| s.trim() == "systemd")
}

#[test]
fn help_works_and_warns_about_the_progress_page() {
    Command::cargo_bin("hubcfg")
        .unwrap()
        .args(["bootstrap", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--show-progress-page"))
        .stdout(predicate::str::contains("anyone who can reach port 80"));
}

/// Lists every path under `dir`, sorted.
fn tree(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
        out.push(p);
    }
    out.sort();
    out
}

/// A prefix holding a TLJH config.yaml that cannot be converted (a port
/// that is no number; and where no Python has ruamel.yaml, it cannot even
/// be read) fails preflight on any host (even root with systemd), so this
/// always runs.
fn failing_prefix() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("opt-tljh");
    std::fs::create_dir_all(prefix.join("config")).unwrap();
    std::fs::write(
        prefix.join("config/config.yaml"),
        "users:\n  admin: [bob]\nhttp:\n  port: eighty\n",
    )
    .unwrap();
    (dir, prefix)
}

/// TLJH's config.yaml converts (a stand-in for the hub environment's
/// Python replies what `hubcfg_hub.config_yaml` would): preflight checks
/// the port the converted config listens on and prints the conversion's
/// report; here that port is held, so bootstrap stops and nothing changes.
#[test]
fn preflight_converts_tljhs_config_yaml_and_checks_its_port() {
    use std::os::unix::fs::PermissionsExt;
    let held = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("opt-tljh");
    std::fs::create_dir_all(prefix.join("config")).unwrap();
    std::fs::create_dir_all(prefix.join("hub/bin")).unwrap();
    std::fs::write(
        prefix.join("config/config.yaml"),
        format!("http:\n  port: {port}\n"),
    )
    .unwrap();
    let reply = format!(
        r#"{{"ok": true, "entries": [{{"path": ["http"], "line": 1, "table": true}}, {{"path": ["http", "port"], "line": 2, "value": "{port}"}}], "trailing": [], "errors": [], "empty": false}}"#
    );
    let python = prefix.join("hub/bin/python3");
    std::fs::write(
        &python,
        format!("#!/bin/sh\ncat >/dev/null\necho '{reply}'\n"),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = tree(&prefix);
    let assert = Command::cargo_bin("hubcfg")
        .unwrap()
        .args(["bootstrap", "--prefix"])
        .arg(&prefix)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[1/16] Preflight checks … failed"));
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        out.contains(&format!("port {port} is used by another program")),
        "{out}"
    );
    assert!(out.contains("becomes config/config.toml"), "{out}");
    assert!(
        out.contains(&format!(
            "http.port (line 2): the string \"{port}\" became the number {port}"
        )),
        "{out}"
    );
    assert_eq!(tree(&prefix), before);
    drop(held);
}

#[test]
fn failed_preflight_touches_nothing() {
    let is_root = nix::unistd::geteuid().is_root();
    let (_dir, prefix) = failing_prefix();
    let before = tree(&prefix);
    let mut expected = vec!["config.yaml"];
    if !is_root {
        expected.push("must run as root");
    }
    if !pid1_is_systemd() {
        expected.push("systemd is required");
    }
    let assert = Command::cargo_bin("hubcfg")
        .unwrap()
        .args(["bootstrap", "--admin", "alice:pw", "--prefix"])
        .arg(&prefix)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[1/15] Preflight checks … failed"))
        .stderr(predicate::str::contains("stopped before changing anything"));
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for e in expected {
        assert!(out.contains(e), "missing {e:?} in:\n{out}");
    }
    assert_eq!(
        tree(&prefix),
        before,
        "preflight failure must not create anything in the prefix"
    );
}

#[test]
fn quiet_prints_only_the_problems() {
    let (_dir, prefix) = failing_prefix();
    let assert = Command::cargo_bin("hubcfg")
        .unwrap()
        .args(["bootstrap", "--quiet", "--prefix"])
        .arg(&prefix)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("stopped before changing anything"));
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(!out.contains("Preflight checks"), "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("hubcfg ")),
        "no version banner: {out}"
    );
    assert!(
        out.contains("      error: ") && out.contains("config.yaml"),
        "{out}"
    );
}
