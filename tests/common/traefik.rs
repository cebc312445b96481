//! A real Traefik (HUBCFG_TRAEFIK_BIN) loading the rendered configuration.

use super::server::Server;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub fn traefik_bin() -> PathBuf {
    match std::env::var_os("HUBCFG_TRAEFIK_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!("HUBCFG_TRAEFIK_BIN is not set: point it at a Traefik v3 binary"),
    }
}

/// Traefik on PREFIX/state/traefik.toml (log: PREFIX/traefik.log), with
/// `env` added, returned once it listens on every one of `ports` (its
/// entrypoints: what the rendered static configuration opens).
pub fn start_traefik(prefix: &Path, env: &[(&str, &OsStr)], ports: &[u16]) -> Server {
    let state = prefix.join("state");
    let mut cmd = std::process::Command::new(traefik_bin());
    cmd.arg("--configfile")
        .arg(state.join("traefik.toml"))
        .current_dir(&state)
        .envs(env.iter().copied());
    let traefik = Server::start("traefik", prefix, &mut cmd);
    traefik.wait_for_ports(ports);
    traefik
}
