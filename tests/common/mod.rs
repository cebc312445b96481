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
