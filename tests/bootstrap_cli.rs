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

#[test]
fn failed_preflight_touches_nothing() {
    let is_root = nix::unistd::geteuid().is_root();
    if is_root && pid1_is_systemd() {
        eprintln!(
            "skipped: this host is root with systemd as PID 1, so preflight could pass and \
             bootstrap would really install; the e2e container covers that"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("opt-tljh");
    let mut expected = vec![];
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
    assert!(
        !prefix.exists(),
        "preflight failure must not create the prefix"
    );
}
