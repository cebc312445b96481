//! `hubcfg ensure-user` refuses bad input before touching any account.
//! (Creating real accounts is left to the end-to-end run in a container.)

use assert_cmd::Command;
use predicates::str::contains;

#[test]
fn empty_name_is_refused() {
    Command::cargo_bin("hubcfg")
        .unwrap()
        .args(["ensure-user", ""])
        .assert()
        .failure()
        .stdout("")
        .stderr(contains("cannot be empty"));
}

#[test]
fn invalid_group_is_refused_before_any_change() {
    let name = "hubcfg-cli-test-nobody";
    Command::cargo_bin("hubcfg")
        .unwrap()
        .args(["ensure-user", name, "--group", "Bad Group"])
        .assert()
        .failure()
        .stdout("")
        .stderr(contains("\"Bad Group\""));
    assert!(
        nix::unistd::User::from_name(&format!("jupyter-{name}"))
            .unwrap()
            .is_none()
    );
}
