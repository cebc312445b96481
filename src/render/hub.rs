//! The hub's settings, rendered to `state/hub-config.json` and applied by
//! `assets/jupyterhub_config.py`. Pure: effective config in, JSON out.
//!
//! Shape (the glue holds no defaults; everything it sets is here):
//! ```json
//! {
//!   "version": 1,
//!   "traits": { "<ConfigurableClass>": { "<trait>": <value>, … }, … },
//!   "config_d": "<PREFIX>/config/jupyterhub_config.d"
//! }
//! ```
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

/// `state/hub-config.json`. Fields in the order JSON prints them (sorted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HubConfig {
    pub config_d: String,
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

/// A hub-managed service (`JupyterHub.services`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
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

/// Every spelling that selects FirstUseAuthenticator.
fn is_first_use(auth_type: &str) -> bool {
    matches!(
        auth_type,
        "firstuseauthenticator.FirstUseAuthenticator"
            | "firstuseauthenticator:FirstUseAuthenticator"
            | "firstuseauthenticator"
            | "firstuse"
    )
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
    if users.allowed.is_empty() && is_first_use(auth_type) && !allow_all_set {
        set("FirstUseAuthenticator", "allow_all", true.into());
    }

    // User servers.
    let default_url = match eff.user_environment.default_app {
        DefaultApp::Jupyterlab => "/lab",
        DefaultApp::Classic => "/tree",
    };
    set("Spawner", "default_url", default_url.into());
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

    if eff.services.cull.enabled {
        let (service, role) = culler(eff, paths);
        set("JupyterHub", "services", Trait::Services(vec![service]));
        set("JupyterHub", "load_roles", Trait::Roles(vec![role]));
    }

    // auth.<Class>.<trait> passes through last, so it wins.
    for (class, class_traits) in &eff.auth.classes {
        for (name, value) in class_traits {
            set(class, name, Trait::Passthrough(value.clone()));
        }
    }

    Ok(HubConfig {
        config_d: path(paths.jupyterhub_config_d()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effective::{Secrets, effective};
    use serde_json::{Value, json};

    fn try_hub(user: Value, password: &str, prefix: &str) -> Result<HubConfig> {
        let tree = effective(
            &user,
            &Secrets {
                traefik_api_password: Some(password.into()),
            },
        );
        hub_config(&Effective::from_tree(&tree)?, &Paths::new(prefix))
    }

    fn hub(user: Value) -> Value {
        serde_json::to_value(try_hub(user, "generated-secret", "/opt/tljh").unwrap()).unwrap()
    }

    fn pretty(v: &Value) -> String {
        serde_json::to_string_pretty(v).unwrap()
    }

    fn t<'a>(v: &'a Value, class: &str, name: &str) -> &'a Value {
        &v["traits"][class][name]
    }

    #[test]
    fn default_hub() {
        insta::assert_snapshot!(pretty(&hub(json!({}))));
    }

    #[test]
    fn dummy_auth_with_allowed_users() {
        let v = hub(json!({
            "auth": {"type": "dummy", "DummyAuthenticator": {"password": "pw", "unset": null}},
            "users": {"allowed": ["alice", "bob"], "admin": ["alice"], "banned": ["eve"]},
        }));
        assert_eq!(t(&v, "FirstUseAuthenticator", "allow_all"), &Value::Null);
        assert!(v["traits"]["DummyAuthenticator"].get("unset").is_none());
        insta::assert_snapshot!(pretty(&v));
    }

    #[test]
    fn limits() {
        let v = hub(json!({"limits": {"memory": "1G", "cpu": 2}}));
        assert_eq!(t(&v, "Spawner", "mem_limit"), &json!("1G"));
        assert_eq!(t(&v, "Spawner", "cpu_limit"), &json!(2.0));
        insta::assert_snapshot!(pretty(&v["traits"]["Spawner"]));
    }

    #[test]
    fn classic_app() {
        let v = hub(json!({"user_environment": {"default_app": "classic"}}));
        assert_eq!(t(&v, "Spawner", "default_url"), &json!("/tree"));
        insta::assert_snapshot!(pretty(&v["traits"]["Spawner"]));
        let v = hub(json!({}));
        assert_eq!(t(&v, "Spawner", "default_url"), &json!("/lab"));
    }

    #[test]
    fn culler_default_argv() {
        let v = hub(json!({}));
        assert_eq!(
            t(&v, "JupyterHub", "services")[0]["command"],
            json!([
                "/opt/tljh/hub/bin/python3",
                "-m",
                "jupyterhub_idle_culler",
                "--timeout=600",
                "--cull-every=60",
                "--concurrency=5",
                "--max-age=0"
            ])
        );
    }

    #[test]
    fn culler_custom_args() {
        let v = hub(json!({"services": {"cull": {
            "timeout": 3600, "every": 300, "concurrency": 2, "max_age": 86400,
            "users": true, "remove_named_servers": true,
        }}}));
        insta::assert_snapshot!(pretty(&json!({
            "services": t(&v, "JupyterHub", "services"),
            "load_roles": t(&v, "JupyterHub", "load_roles"),
        })));
    }

    #[test]
    fn culler_disabled_adds_no_service() {
        let v = hub(json!({"services": {"cull": {"enabled": false}}}));
        assert!(v["traits"]["JupyterHub"].get("services").is_none());
        assert!(v["traits"]["JupyterHub"].get("load_roles").is_none());
    }

    #[test]
    fn first_use_allow_all_rule() {
        // Default authenticator, nobody listed: anyone may sign up.
        assert_eq!(
            t(&hub(json!({})), "FirstUseAuthenticator", "allow_all"),
            &json!(true)
        );
        // An allow list switches it off.
        let v = hub(json!({"users": {"allowed": ["a"]}}));
        assert_eq!(t(&v, "FirstUseAuthenticator", "allow_all"), &Value::Null);
        // An explicit setting wins.
        let v = hub(json!({"auth": {"FirstUseAuthenticator": {"allow_all": false}}}));
        assert_eq!(t(&v, "FirstUseAuthenticator", "allow_all"), &json!(false));
        // Another authenticator is left alone.
        let v = hub(json!({"auth": {"type": "github"}}));
        assert_eq!(t(&v, "FirstUseAuthenticator", "allow_all"), &Value::Null);
    }

    #[test]
    fn auth_passthrough_and_create_users() {
        let v = hub(json!({"auth": {
            "type": "oauthenticator.github.GitHubOAuthenticator",
            "GitHubOAuthenticator": {"client_id": "id", "allowed_organizations": ["org"]},
            "FirstUseAuthenticator": {"create_users": true},
        }}));
        assert_eq!(
            t(&v, "JupyterHub", "authenticator_class"),
            &json!("oauthenticator.github.GitHubOAuthenticator")
        );
        assert_eq!(t(&v, "GitHubOAuthenticator", "client_id"), &json!("id"));
        assert_eq!(
            t(&v, "GitHubOAuthenticator", "allowed_organizations"),
            &json!(["org"])
        );
        assert_eq!(t(&v, "FirstUseAuthenticator", "create_users"), &json!(true));
    }

    #[test]
    fn https_routes_use_the_https_entrypoint_and_api_port_is_honoured() {
        let v = hub(json!({
            "https": {"enabled": true, "tls": {"cert": "/c.pem", "key": "/k.pem"}},
            "traefik_api": {"port": 9000, "username": "u", "password": "p"},
        }));
        assert_eq!(t(&v, "TraefikProxy", "traefik_entrypoint"), &json!("https"));
        assert_eq!(
            t(&v, "TraefikProxy", "traefik_api_url"),
            &json!("http://127.0.0.1:9000")
        );
        assert_eq!(t(&v, "TraefikProxy", "traefik_api_username"), &json!("u"));
        assert_eq!(t(&v, "TraefikProxy", "traefik_api_password"), &json!("p"));
    }

    #[test]
    fn base_url_and_groups() {
        let v = hub(json!({
            "base_url": "/jupyter/",
            "users": {"extra_user_groups": {"docker": ["alice"], "data": ["alice", "bob"]}},
        }));
        assert_eq!(t(&v, "JupyterHub", "base_url"), &json!("/jupyter/"));
        assert_eq!(
            t(&v, "HubcfgSpawner", "extra_user_groups"),
            &json!({"docker": ["alice"], "data": ["alice", "bob"]})
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_key() {
        let e = try_hub(
            json!({"users": {"extra_user_groups": {"g": "alice"}}}),
            "s",
            "/p",
        )
        .unwrap_err();
        assert!(
            e.message.contains("users.extra_user_groups"),
            "{}",
            e.message
        );
        let e = try_hub(json!({"auth": {"GitHubOAuthenticator": "x"}}), "s", "/p").unwrap_err();
        assert!(
            e.message.contains("auth.GitHubOAuthenticator"),
            "{}",
            e.message
        );
    }
}
