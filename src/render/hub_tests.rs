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
fn culler_disabled_leaves_only_the_hubcfg_service() {
    let v = hub(json!({"services": {"cull": {"enabled": false}}}));
    let names = |key: &str| -> Vec<Value> {
        t(&v, "JupyterHub", key)
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].clone())
            .collect()
    };
    assert_eq!(names("services"), vec![json!("hubcfg")]);
    assert_eq!(names("load_roles"), vec![json!("hubcfg")]);
}

#[test]
fn hubcfg_service_gets_its_token_from_the_file_and_only_its_scopes() {
    let v = hub(json!({}));
    let services = t(&v, "JupyterHub", "services").as_array().unwrap();
    let service = services.iter().find(|s| s["name"] == "hubcfg").unwrap();
    assert_eq!(
        service,
        &json!({"name": "hubcfg"}),
        "no command (the hub does not run hubcfg) and no token in the JSON"
    );
    assert_eq!(
        v["service_token_files"],
        json!({"hubcfg": "/opt/tljh/state/hubcfg-hub-token"})
    );
    let roles = t(&v, "JupyterHub", "load_roles").as_array().unwrap();
    let role = roles.iter().find(|r| r["name"] == "hubcfg").unwrap();
    assert_eq!(role["services"], json!(["hubcfg"]));
    assert_eq!(
        role["scopes"],
        json!([
            "list:users",
            "read:users",
            "read:users:activity",
            "read:servers",
            "admin:users"
        ])
    );
    // The culler keeps its own role.
    let culler = roles.iter().find(|r| r["name"] == "cull-idle").unwrap();
    assert_eq!(culler["services"], json!(["cull-idle"]));
}

#[test]
fn hubcfg_token_file_follows_the_prefix() {
    let v = serde_json::to_value(try_hub(json!({}), "s", "/srv/hub").unwrap()).unwrap();
    assert_eq!(
        v["service_token_files"]["hubcfg"],
        json!("/srv/hub/state/hubcfg-hub-token")
    );
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
