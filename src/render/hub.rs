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

use super::get;
use super::traefik;
use crate::error::{Error, Result};
use crate::paths::Paths;
use serde_json::{Map, Value, json};

pub const FORMAT_VERSION: u64 = 1;
pub const HUB_IP: &str = "127.0.0.1";
pub const HUB_PORT: u16 = 15001;
pub const CULLER_SERVICE: &str = "cull-idle";

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

pub fn hub_config(eff: &Value, paths: &Paths) -> Result<Value> {
    let mut traits: Map<String, Value> = Map::new();
    let mut set = |class: &str, name: &str, value: Value| {
        let entry = traits
            .entry(class.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(name.to_string(), value);
        }
    };
    let state = |name: &str| paths.state_dir().join(name).to_string_lossy().into_owned();

    // The hub itself.
    let auth_type = get::string(eff, "auth.type")?;
    if auth_type.is_empty() {
        return Err(Error::new("auth.type is empty")
            .with_hint("`tljh-config unset auth.type` restores FirstUseAuthenticator"));
    }
    set("JupyterHub", "authenticator_class", json!(auth_type));
    set(
        "JupyterHub",
        "base_url",
        json!(get::string(eff, "base_url")?),
    );
    set("JupyterHub", "hub_ip", json!(HUB_IP));
    set("JupyterHub", "hub_port", json!(HUB_PORT));
    set("JupyterHub", "cleanup_servers", json!(false));
    set("JupyterHub", "proxy_class", json!("traefik_file"));
    set(
        "JupyterHub",
        "cookie_secret_file",
        json!(state("jupyterhub_cookie_secret")),
    );
    set(
        "JupyterHub",
        "db_url",
        json!(format!("sqlite:///{}", state("jupyterhub.sqlite"))),
    );

    // Who may log in.
    let allowed = get::strings(eff, "users.allowed")?;
    set("Authenticator", "allowed_users", json!(allowed));
    set(
        "Authenticator",
        "blocked_users",
        json!(get::strings(eff, "users.banned")?),
    );
    set(
        "Authenticator",
        "admin_users",
        json!(get::strings(eff, "users.admin")?),
    );
    set(
        "FirstUseAuthenticator",
        "create_users",
        json!(get::boolean(
            eff,
            "auth.FirstUseAuthenticator.create_users"
        )?),
    );
    set(
        "FirstUseAuthenticator",
        "dbm_path",
        json!(paths.passwords_dbm().to_string_lossy()),
    );
    // TLJH's rule: the default authenticator with no allow list lets anyone
    // who knows (or first sets) a password in, unless allow_all is set.
    if allowed.is_empty()
        && is_first_use(auth_type)
        && get::optional(eff, "auth.FirstUseAuthenticator.allow_all").is_none()
    {
        set("FirstUseAuthenticator", "allow_all", json!(true));
    }

    // User servers.
    let default_url = match get::string(eff, "user_environment.default_app")? {
        "jupyterlab" => "/lab",
        "classic" => "/tree",
        other => {
            return Err(Error::new(format!(
                "user_environment.default_app must be jupyterlab or classic, not {other:?}"
            )));
        }
    };
    set("Spawner", "default_url", json!(default_url));
    if let Some(mem) = get::optional(eff, "limits.memory") {
        set("Spawner", "mem_limit", mem.clone());
    }
    if let Some(cpu) = get::optional(eff, "limits.cpu") {
        if !cpu.is_number() {
            return Err(Error::new(format!(
                "limits.cpu must be a number of cores such as 0.5, not {cpu}"
            )));
        }
        set("Spawner", "cpu_limit", json!(cpu.as_f64()));
    }
    let user_bin = paths.user_env().join("bin");
    set(
        "Spawner",
        "cmd",
        json!([user_bin.join("jupyterhub-singleuser").to_string_lossy()]),
    );
    set(
        "SystemdSpawner",
        "extra_paths",
        json!([user_bin.to_string_lossy()]),
    );
    set("SystemdSpawner", "default_shell", json!("/bin/bash"));
    // Placeholders until HubcfgSpawner.start learns the mapped unix name.
    set(
        "SystemdSpawner",
        "unit_name_template",
        json!("jupyter-{USERNAME}"),
    );
    set(
        "SystemdSpawner",
        "username_template",
        json!("jupyter-{USERNAME}"),
    );
    set(
        "HubcfgSpawner",
        "hubcfg_bin",
        json!(paths.hubcfg_bin().to_string_lossy()),
    );
    set(
        "HubcfgSpawner",
        "hubcfg_prefix",
        json!(paths.prefix.to_string_lossy()),
    );
    set(
        "HubcfgSpawner",
        "extra_user_groups",
        extra_user_groups(eff)?,
    );

    // The proxy: Traefik runs as its own service; the hub only edits routes.
    let api = traefik::api(eff, paths)?;
    let entrypoint = traefik::route_entrypoint(eff)?;
    set("TraefikProxy", "should_start", json!(false));
    // hubcfg writes the API router itself (rules/dynamic.toml).
    set("TraefikProxy", "enable_setup_dynamic_config", json!(false));
    set("TraefikProxy", "traefik_api_url", json!(api.url));
    set("TraefikProxy", "traefik_api_username", json!(api.username));
    set("TraefikProxy", "traefik_api_password", json!(api.password));
    set("TraefikProxy", "traefik_entrypoint", json!(entrypoint));
    set(
        "TraefikFileProviderProxy",
        "dynamic_config_file",
        json!(paths.rules_toml().to_string_lossy()),
    );

    if get::boolean(eff, "services.cull.enabled")? {
        let (service, role) = culler(eff, paths)?;
        set("JupyterHub", "services", json!([service]));
        set("JupyterHub", "load_roles", json!([role]));
    }

    // auth.<Class>.<trait> passes through last, so it wins; nulls are skipped.
    if let Some(Value::Object(auth)) = get::optional(eff, "auth") {
        for (class, class_traits) in auth {
            if !class.starts_with(|c: char| c.is_ascii_uppercase()) {
                continue;
            }
            let Value::Object(class_traits) = class_traits else {
                return Err(Error::new(format!(
                    "auth.{class} must be a table of {class} settings, not {class_traits}"
                )));
            };
            for (name, value) in class_traits.iter().filter(|(_, v)| !v.is_null()) {
                set(class, name, value.clone());
            }
        }
    }

    Ok(json!({
        "version": FORMAT_VERSION,
        "traits": traits,
        "config_d": paths.jupyterhub_config_d().to_string_lossy(),
    }))
}

fn extra_user_groups(eff: &Value) -> Result<Value> {
    let bad = || {
        Error::new("users.extra_user_groups must be a table of unix group name = [hub user names]")
    };
    match get::optional(eff, "users.extra_user_groups") {
        None => Ok(json!({})),
        Some(Value::Object(groups)) => {
            for members in groups.values() {
                let ok = members
                    .as_array()
                    .is_some_and(|m| m.iter().all(Value::is_string));
                if !ok {
                    return Err(bad());
                }
            }
            Ok(Value::Object(groups.clone()))
        }
        Some(_) => Err(bad()),
    }
}

/// The idle culler as a hub-managed service, and the role with the scopes
/// jupyterhub-idle-culler documents.
fn culler(eff: &Value, paths: &Paths) -> Result<(Value, Value)> {
    let n = |key: &str, min: i64| get::integer(eff, key, min, i64::MAX);
    let mut command = vec![
        paths.hub_python().to_string_lossy().into_owned(),
        "-m".into(),
        "jupyterhub_idle_culler".into(),
        format!("--timeout={}", n("services.cull.timeout", 0)?),
        format!("--cull-every={}", n("services.cull.every", 1)?),
        format!("--concurrency={}", n("services.cull.concurrency", 1)?),
        format!("--max-age={}", n("services.cull.max_age", 0)?),
    ];
    let mut scopes = vec![
        "list:users",
        "read:users:activity",
        "read:servers",
        "delete:servers",
    ];
    if get::boolean(eff, "services.cull.users")? {
        command.push("--cull-users".into());
        scopes.push("admin:users");
    }
    if get::boolean(eff, "services.cull.remove_named_servers")? {
        command.push("--remove-named-servers".into());
    }
    Ok((
        json!({"name": CULLER_SERVICE, "command": command}),
        json!({
            "name": CULLER_SERVICE,
            "description": "Stops idle user servers",
            "scopes": scopes,
            "services": [CULLER_SERVICE],
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effective::{Secrets, effective};

    fn hub(user: Value) -> Value {
        let eff = effective(
            &user,
            &Secrets {
                traefik_api_password: Some("generated-secret".into()),
            },
        );
        hub_config(&eff, &Paths::new("/opt/tljh")).unwrap()
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
        let eff = effective(
            &json!({"users": {"extra_user_groups": {"g": "alice"}}}),
            &Secrets {
                traefik_api_password: Some("s".into()),
            },
        );
        let e = hub_config(&eff, &Paths::new("/p")).unwrap_err();
        assert!(
            e.message.contains("users.extra_user_groups"),
            "{}",
            e.message
        );
        let eff = effective(
            &json!({"auth": {"GitHubOAuthenticator": "x"}}),
            &Secrets {
                traefik_api_password: Some("s".into()),
            },
        );
        let e = hub_config(&eff, &Paths::new("/p")).unwrap_err();
        assert!(
            e.message.contains("auth.GitHubOAuthenticator"),
            "{}",
            e.message
        );
    }
}
