//! Helpers shared by the integration tests that run real programs.
#![allow(dead_code)] // each test binary uses its own subset

pub mod acme;
pub mod fake_http;
pub mod server;
pub mod tls;
pub mod traefik;

use assert_cmd::Command;
use std::path::Path;

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes `text` to `prefix/rel`, creating the directories on the way.
pub fn write(prefix: &Path, rel: &str, text: &str) {
    let path = prefix.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Writes `config` as PREFIX/config/config.toml and runs `hubcfg render`.
pub fn render(prefix: &Path, config: &str) {
    write(prefix, "config/config.toml", config);
    Command::cargo_bin("hubcfg")
        .unwrap()
        .arg("--prefix")
        .arg(prefix)
        .arg("render")
        .assert()
        .success();
}

/// Runs `script` (sh, with `args` as $1…) in a private mount namespace whose
/// /etc and /home are fresh copies; returns its stdout, panicking on failure.
pub fn in_namespace(script: &str, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().display();
    let setup = format!(
        "set -eu\ncp -a /etc {t}/etc\nmkdir {t}/home\n\
         mount --bind {t}/etc /etc\nmount --bind {t}/home /home\n"
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(setup + script)
        .arg("sh")
        .args(args)
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} {args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

pub fn assert_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it bind-mounts copies of /etc and /home)"
    );
}

/// `hubcfg --prefix PREFIX` with `fake_bin` first on PATH (fake systemctl,
/// dpkg-query…) and no prefix variables from the environment.
pub fn hubcfg_with_fakes(prefix: &Path, fake_bin: &Path) -> std::process::Command {
    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_hubcfg"));
    c.env_remove("HUBCFG_PREFIX")
        .env_remove("TLJH_INSTALL_PREFIX")
        .env("PATH", path)
        .arg("--prefix")
        .arg(prefix);
    c
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
