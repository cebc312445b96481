//! The hub's settings, rendered to `state/hub-config.json` and applied by
//! `assets/jupyterhub_config.py`. Pure: effective config in, JSON out.
//!
//! Shape (the glue holds no defaults; everything it sets is here):
//! ```json
//! {
//!   "version": 1,
//!   "traits": { "<ConfigurableClass>": { "<trait>": <value>, … }, … },
//!   "service_token_files": { "<service>": "<PREFIX>/state/<file>" },
//!   "config_d": "<PREFIX>/config/jupyterhub_config.d"
//! }
//! ```
//! `service_token_files` names, per service in `JupyterHub.services`, the
//! file its `api_token` is read from: the glue reads it, so no token is in
//! this file. (An older glue ignores the key and registers the service
//! without a token: the hub still starts.)
//! The glue does `c.<Class>.<trait> = value` for every entry, sets
//! `JupyterHub.spawner_class` to its `HubcfgSpawner` (configured through the
//! `HubcfgSpawner` traits here), then loads `config_d/*.py` in sorted order.

use super::traefik;
use crate::effective::{DefaultApp, Effective, Memory, Passthrough};
use crate::error::{Error, Result};
use crate::paths::Paths;
use serde::Serialize;
use std::collections::BTreeMap;

pub const FORMAT_VERSION: u64 = 1;
pub const HUB_IP: &str = "127.0.0.1";
pub const HUB_PORT: u16 = 15001;
pub const CULLER_SERVICE: &str = "cull-idle";
/// Seconds a server may take to start, and then to answer HTTP.
pub const SPAWN_TIMEOUT_S: u64 = 120;
/// Seconds between the spawner's checks that a started server listens.
pub const READY_CHECK_INTERVAL_S: f64 = 0.1;
/// The service whose token `hubcfg` itself uses (`Paths::hub_token`).
pub const HUBCFG_SERVICE: &str = "hubcfg";

/// What the `hubcfg` service may do, and which command needs it. Nothing
/// else: it cannot start servers, read tokens or change roles.
pub const HUBCFG_SCOPES: &[&str] = &[
    // users list: every user's name (GET /hub/api/users).
    "list:users",
    // users list: the user model (admin flag; the default server's URL).
    "read:users",
    // users list: last activity.
    "read:users:activity",
    // users list, status: whether a server is running or pending.
    "read:servers",
    // users remove: DELETE /hub/api/users/NAME (the hub stops a running
    // server first). JupyterHub 5.5 has `delete:users` for just that; hub/
    // may hold any 5.x from 5.2, and a role naming a scope the hub does not
    // know stops the hub, so the scope every 5.x knows.
    "admin:users",
];

/// `state/hub-config.json`. Fields in the order JSON prints them (sorted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HubConfig {
    pub config_d: String,
    pub service_token_files: BTreeMap<String, String>,
    pub traits: BTreeMap<String, BTreeMap<String, Trait>>,
    pub version: u64,
}

/// One trait's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Trait {
    Bool(bool),
    Int(u64),
    Float(f64),
    Str(String),
    Strs(Vec<String>),
    Groups(BTreeMap<String, Vec<String>>),
    Memory(Memory),
    Services(Vec<Service>),
    Roles(Vec<Role>),
    Passthrough(Passthrough),
}

impl From<bool> for Trait {
    fn from(b: bool) -> Self {
        Trait::Bool(b)
    }
}

impl From<&str> for Trait {
    fn from(s: &str) -> Self {
        Trait::Str(s.to_string())
    }
}

impl From<String> for Trait {
    fn from(s: String) -> Self {
        Trait::Str(s)
    }
}

impl From<Vec<String>> for Trait {
    fn from(v: Vec<String>) -> Self {
        Trait::Strs(v)
    }
}

/// A service (`JupyterHub.services`): hub-managed when it has a command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    pub name: String,
}

/// A role (`JupyterHub.load_roles`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Role {
    pub description: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub services: Vec<String>,
}

pub fn hub_config(eff: &Effective, paths: &Paths) -> Result<HubConfig> {
    let mut traits: BTreeMap<String, BTreeMap<String, Trait>> = BTreeMap::new();
    let mut set = |class: &str, name: &str, value: Trait| {
        traits
            .entry(class.to_string())
            .or_default()
            .insert(name.to_string(), value);
    };
    let state = |name: &str| paths.state_dir().join(name).to_string_lossy().into_owned();
    let path = |p: std::path::PathBuf| p.to_string_lossy().into_owned();

    // The hub itself.
    let auth_type = eff.auth.class.as_str();
    if auth_type.is_empty() {
        return Err(Error::new("auth.type is empty")
            .with_hint("`tljh-config unset auth.type` restores FirstUseAuthenticator"));
    }
    set("JupyterHub", "authenticator_class", auth_type.into());
    set("JupyterHub", "base_url", eff.base_url.clone().into());
    set("JupyterHub", "hub_ip", HUB_IP.into());
    set("JupyterHub", "hub_port", Trait::Int(HUB_PORT.into()));
    set("JupyterHub", "cleanup_servers", false.into());
    set("JupyterHub", "proxy_class", "traefik_file".into());
    set(
        "JupyterHub",
        "cookie_secret_file",
        state("jupyterhub_cookie_secret").into(),
    );
    set(
        "JupyterHub",
        "db_url",
        format!("sqlite:///{}", state("jupyterhub.sqlite")).into(),
    );

    // Who may log in.
    let users = &eff.users;
    set(
        "Authenticator",
        "allowed_users",
        users.allowed.clone().into(),
    );
    set(
        "Authenticator",
        "blocked_users",
        users.banned.clone().into(),
    );
    set("Authenticator", "admin_users", users.admin.clone().into());
    set(
        "FirstUseAuthenticator",
        "create_users",
        eff.auth.first_use.create_users.into(),
    );
    set(
        "FirstUseAuthenticator",
        "dbm_path",
        path(paths.passwords_dbm()).into(),
    );
    // TLJH's rule: the default authenticator with no allow list lets anyone
    // who knows (or first sets) a password in, unless allow_all is set.
    let allow_all_set = eff
        .auth
        .classes
        .get("FirstUseAuthenticator")
        .is_some_and(|t| t.contains_key("allow_all"));
    if users.allowed.is_empty() && crate::firstuse::is_first_use(auth_type) && !allow_all_set {
        set("FirstUseAuthenticator", "allow_all", true.into());
    }

    // User servers.
    let default_url = match eff.user_environment.default_app {
        DefaultApp::Jupyterlab => "/lab",
        DefaultApp::Classic => "/tree",
    };
    set("Spawner", "default_url", default_url.into());
    // A room logging in at once keeps a 2-core machine busy: 50 at once, a
    // server took up to 62 s from its start to answering, against
    // JupyterHub's 60 s (start) and 30 s (HTTP) defaults.
    set("Spawner", "start_timeout", Trait::Int(SPAWN_TIMEOUT_S));
    set("Spawner", "http_timeout", Trait::Int(SPAWN_TIMEOUT_S));
    if let Some(mem) = &eff.limits.memory {
        set("Spawner", "mem_limit", Trait::Memory(mem.clone()));
    }
    if let Some(cpu) = eff.limits.cpu {
        set("Spawner", "cpu_limit", Trait::Float(cpu));
    }
    let user_bin = paths.user_env().join("bin");
    set(
        "Spawner",
        "cmd",
        vec![path(user_bin.join("jupyterhub-singleuser"))].into(),
    );
    set(
        "SystemdSpawner",
        "extra_paths",
        vec![path(user_bin.clone())].into(),
    );
    set("SystemdSpawner", "default_shell", "/bin/bash".into());
    // Placeholders until HubcfgSpawner.start learns the mapped unix name.
    set(
        "SystemdSpawner",
        "unit_name_template",
        "jupyter-{USERNAME}".into(),
    );
    set(
        "SystemdSpawner",
        "username_template",
        "jupyter-{USERNAME}".into(),
    );
    set(
        "HubcfgSpawner",
        "hubcfg_bin",
        path(paths.hubcfg_bin()).into(),
    );
    set(
        "HubcfgSpawner",
        "hubcfg_prefix",
        path(paths.prefix.clone()).into(),
    );
    set(
        "HubcfgSpawner",
        "extra_user_groups",
        Trait::Groups(users.extra_user_groups.clone()),
    );
    // The hub's own check that a started server answers pauses up to 5 s
    // between tries; the spawner's check every 0.1 s finds it up at once
    // (a TCP connect: no load on the server).
    set(
        "HubcfgSpawner",
        "ready_check_interval",
        Trait::Float(READY_CHECK_INTERVAL_S),
    );
    // Kernels on unix sockets: with TCP, servers starting kernels at the same
    // moment can pick the same free port, and the kernel dies (2 of 20 in a
    // rehearsal).
    set("HubcfgSpawner", "kernel_ipc", true.into());

    // The proxy: Traefik runs as its own service; the hub only edits routes.
    let api = traefik::api(eff, paths)?;
    let entrypoint = traefik::route_entrypoint(eff)?;
    set("TraefikProxy", "should_start", false.into());
    // hubcfg writes the API router itself (rules/dynamic.toml).
    set("TraefikProxy", "enable_setup_dynamic_config", false.into());
    set("TraefikProxy", "traefik_api_url", api.url.into());
    set("TraefikProxy", "traefik_api_username", api.username.into());
    set("TraefikProxy", "traefik_api_password", api.password.into());
    set("TraefikProxy", "traefik_entrypoint", entrypoint.into());
    set(
        "TraefikFileProviderProxy",
        "dynamic_config_file",
        path(paths.rules_toml()).into(),
    );

    let (mut services, mut roles) = (vec![], vec![]);
    if eff.services.cull.enabled {
        let (service, role) = culler(eff, paths);
        services.push(service);
        roles.push(role);
    }
    let (service, role) = hubcfg_service();
    services.push(service);
    roles.push(role);
    set("JupyterHub", "services", Trait::Services(services));
    set("JupyterHub", "load_roles", Trait::Roles(roles));

    // auth.<Class>.<trait> passes through last, so it wins.
    for (class, class_traits) in &eff.auth.classes {
        for (name, value) in class_traits {
            set(class, name, Trait::Passthrough(value.clone()));
        }
    }

    Ok(HubConfig {
        config_d: path(paths.jupyterhub_config_d()),
        service_token_files: BTreeMap::from([(HUBCFG_SERVICE.into(), path(paths.hub_token()))]),
        traits,
        version: FORMAT_VERSION,
    })
}

/// The idle culler as a hub-managed service, and the role with the scopes
/// jupyterhub-idle-culler documents.
fn culler(eff: &Effective, paths: &Paths) -> (Service, Role) {
    let cull = &eff.services.cull;
    let mut command = vec![
        paths.hub_python().to_string_lossy().into_owned(),
        "-m".into(),
        "jupyterhub_idle_culler".into(),
        format!("--timeout={}", cull.timeout),
        format!("--cull-every={}", cull.every),
        format!("--concurrency={}", cull.concurrency),
        format!("--max-age={}", cull.max_age),
    ];
    let mut scopes = vec![
        "list:users",
        "read:users:activity",
        "read:servers",
        "delete:servers",
    ];
    if cull.users {
        command.push("--cull-users".into());
        scopes.push("admin:users");
    }
    if cull.remove_named_servers {
        command.push("--remove-named-servers".into());
    }
    (
        Service {
            command,
            name: CULLER_SERVICE.into(),
        },
        Role {
            description: "Stops idle user servers".into(),
            name: CULLER_SERVICE.into(),
            scopes: scopes.into_iter().map(String::from).collect(),
            services: vec![CULLER_SERVICE.into()],
        },
    )
}

/// hubcfg's own service: no command (hubcfg is not a process the hub runs),
/// its token from `service_token_files`, the role with `HUBCFG_SCOPES`.
fn hubcfg_service() -> (Service, Role) {
    (
        Service {
            command: vec![],
            name: HUBCFG_SERVICE.into(),
        },
        Role {
            description: "hubcfg users list/remove and status".into(),
            name: HUBCFG_SERVICE.into(),
            scopes: HUBCFG_SCOPES.iter().map(|s| s.to_string()).collect(),
            services: vec![HUBCFG_SERVICE.into()],
        },
    )
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
