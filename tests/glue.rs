//! The JupyterHub glue (assets/jupyterhub_config.py) loaded by the real hub
//! packages with files rendered by the real `hubcfg render`.
//!
//! Needs a python with jupyterhub, jupyterhub-systemdspawner,
//! jupyterhub-firstuseauthenticator, jupyterhub-traefik-proxy and
//! jupyterhub-idle-culler installed, so it is ignored by default. Run it with
//!   HUBCFG_GLUE_PYTHON=/path/to/venv/bin/python cargo test --test glue -- --ignored
//! Without HUBCFG_GLUE_PYTHON the ignored test fails rather than passing
//! without checking anything.

mod common;
use common::free_port;
use common::server::{Server, wait_until_ready};
use common::traefik::start_traefik;

use std::path::{Path, PathBuf};

fn glue_python() -> PathBuf {
    match std::env::var_os("HUBCFG_GLUE_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "HUBCFG_GLUE_PYTHON is not set: point it at the python of a venv with \
             'jupyterhub>=5.2,<6' 'jupyterhub-systemdspawner>=1.0.2,<2' \
             'jupyterhub-firstuseauthenticator>=1.1,<2' 'jupyterhub-traefik-proxy>=2,<3' \
             jupyterhub-idle-culler installed"
        ),
    }
}

fn check(config_toml: &str) {
    let python = glue_python();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path();
    common::render(prefix, config_toml);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(&python)
        .arg(root.join("tests/glue/check_glue.py"))
        .arg(root.join("assets/jupyterhub_config.py"))
        .arg(prefix.join("state/hub-config.json"))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "glue check failed for config:\n{config_toml}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("all glue checks passed"), "{stdout}");
}

#[test]
#[ignore = "needs HUBCFG_GLUE_PYTHON (a venv with the hub packages)"]
fn default_config() {
    check("");
}

#[test]
#[ignore = "needs HUBCFG_GLUE_PYTHON (a venv with the hub packages)"]
fn everything_set_with_manual_tls() {
    let config = r#"
base_url = "/jupyter/"
[auth]
type = "dummy"
DummyAuthenticator.password = "pw"
[users]
allowed = ["alice", "bob"]
admin = ["alice"]
banned = ["eve"]
extra_user_groups = { docker = ["alice"], data = ["alice", "bob"] }
[limits]
memory = "1G"
cpu = 0.5
[user_environment]
default_app = "classic"
[services.cull]
timeout = 3600
every = 300
concurrency = 2
max_age = 86400
users = true
remove_named_servers = true
[traefik_api]
port = 9099
username = "hubapi"
[https]
enabled = true
tls.cert = "/etc/hubcfg-test/hub.crt"
tls.key = "/etc/hubcfg-test/hub.key"
"#;
    // render refuses certificate paths that do not exist.
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("hub.crt");
    let key = dir.path().join("hub.key");
    std::fs::write(&cert, "cert").unwrap();
    std::fs::write(&key, "key").unwrap();
    let config = config
        .replace("/etc/hubcfg-test/hub.crt", &cert.to_string_lossy())
        .replace("/etc/hubcfg-test/hub.key", &key.to_string_lossy());
    check(&config);
}

#[test]
#[ignore = "needs HUBCFG_GLUE_PYTHON (a venv with the hub packages)"]
fn first_use_with_sign_up_and_letsencrypt() {
    check(
        r#"
[auth.FirstUseAuthenticator]
create_users = true
allow_all = false
min_password_length = 10
[users]
admin = ["teacher"]
[services.cull]
enabled = false
[https]
enabled = true
letsencrypt.email = "admin@example.org"
letsencrypt.domains = ["hub.example.org"]
letsencrypt.staging = true
"#,
    );
}

/// The real hub, configured only by the glue and the rendered JSON, starts
/// with an external Traefik configured only by the rendered TOML, registers
/// its route through Traefik's authenticated API, and answers through the
/// http entrypoint.
#[test]
#[ignore = "needs HUBCFG_GLUE_PYTHON (a venv with the hub packages) and HUBCFG_TRAEFIK_BIN"]
fn hub_starts_behind_traefik() {
    let python = glue_python();
    let venv = python
        .parent()
        .and_then(Path::parent)
        .expect("HUBCFG_GLUE_PYTHON is VENV/bin/python")
        .to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path();
    // PREFIX/hub is the hub venv (the culler runs as PREFIX/hub/bin/python3).
    std::os::unix::fs::symlink(&venv, prefix.join("hub")).unwrap();
    let (http, api, hub_port) = (free_port(), free_port(), free_port());
    std::fs::create_dir_all(prefix.join("config/jupyterhub_config.d")).unwrap();
    // 15001 may be taken on a shared host; the escape hatch moves it.
    std::fs::write(
        prefix.join("config/jupyterhub_config.d/10-port.py"),
        format!("c.JupyterHub.hub_port = {hub_port}\n"),
    )
    .unwrap();
    common::render(
        prefix,
        &format!("[http]\naddress = \"127.0.0.1\"\nport = {http}\n[traefik_api]\nport = {api}\n"),
    );
    let state = prefix.join("state");
    let token = "e2e0".repeat(16);
    std::fs::write(state.join("hubcfg-hub-token"), format!("{token}\n")).unwrap();
    // The hub asks Traefik's API for its routes as it starts: Traefik first.
    let traefik = start_traefik(prefix, &[], &[http, api]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hub = Server::start(
        "hub",
        prefix,
        std::process::Command::new(&python)
            .args(["-m", "jupyterhub", "-f"])
            .arg(root.join("assets/jupyterhub_config.py"))
            .env("HUBCFG_HUB_CONFIG", state.join("hub-config.json"))
            .current_dir(&state),
    )
    .stopped_by_sigterm();
    let client = hubcfg::http::probe_client(std::time::Duration::from_secs(5)).unwrap();
    let url = format!("http://127.0.0.1:{http}/hub/api");
    let body = wait_until_ready(
        &format!("{url} answering 200 through Traefik"),
        std::time::Duration::from_secs(120),
        &[&hub, &traefik],
        || {
            let r = client.get(&url).send().map_err(|e| e.to_string())?;
            if r.status() != 200 {
                return Err(format!("answered {}", r.status()));
            }
            r.text().map_err(|e| e.to_string())
        },
    );
    assert!(body.contains("\"version\""), "{body}");
    let routes = std::fs::read_to_string(state.join("rules/rules.toml")).unwrap();
    assert!(
        routes.contains(&format!("http://127.0.0.1:{hub_port}")),
        "{routes}"
    );
    let hub_log = std::fs::read_to_string(hub.log_path()).unwrap();
    assert!(
        hub_log.contains("Starting service 'cull-idle'"),
        "culler not started:\n{hub_log}"
    );
    // hubcfg's own service: the token from its file works, with the role's
    // scopes (a 404 for an unknown user means admin:users was granted: the
    // scope is checked first), and is in no log.
    let api = hubcfg::hub_api::HubApi::installed(&hubcfg::paths::Paths::new(prefix)).unwrap();
    let users = api.users().unwrap();
    assert!(users.is_empty(), "{users:?}");
    assert_eq!(
        api.delete_user("nobody").unwrap(),
        hubcfg::hub_api::Deleted::NotKnown
    );
    let hub_log = std::fs::read_to_string(hub.log_path()).unwrap();
    assert!(!hub_log.contains(&token), "the token is in the hub's log");
}
