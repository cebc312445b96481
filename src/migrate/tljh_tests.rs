use super::tests::{ok, parsed};
use super::*;
use serde_json::json;

#[test]
fn traefik_api_settings_tljh_half_used_are_differences() {
    let c = ok(&parsed(&[
        ("traefik_api.ip", 1, json!("127.0.0.2")),
        ("traefik_api.port", 2, json!(9000)),
    ]));
    let keys: Vec<_> = c.differences.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, vec!["traefik_api.ip", "traefik_api.port"]);
    assert!(c.differences[1].tljh.contains("8099 for the hub"));
}

/// tljh-reference.md §1.4, column "Default", for every key TLJH knows:
/// what TLJH applies when config.yaml does not set the key.
#[test]
fn tljh_defaults_are_the_schema_defaults() {
    let tljh = json!({
        "base_url": "/",
        "auth": {"type": "firstuseauthenticator.FirstUseAuthenticator",
                 "FirstUseAuthenticator": {"create_users": false}},
        "users": {"allowed": [], "banned": [], "admin": [], "extra_user_groups": {}},
        "limits": {"memory": null, "cpu": null},
        "http": {"address": "", "port": 80},
        "https": {"enabled": false, "address": "", "port": 443,
                  "tls": {"cert": "", "key": ""},
                  "letsencrypt": {"email": "", "domains": [], "staging": false}},
        "traefik_api": {"ip": "127.0.0.1", "port": 8099, "username": "api_admin", "password": ""},
        "user_environment": {"default_app": "jupyterlab"},
        "services": {"cull": {"enabled": true, "timeout": 600, "every": 60, "concurrency": 5,
                              "users": false, "max_age": 0, "remove_named_servers": false}},
    });
    let ours = tljh::defaults();
    let paths: Vec<String> = crate::effective::leaves(&tljh)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(paths.len(), 31);
    for p in &paths {
        assert_eq!(
            crate::effective::get(&ours, p),
            crate::effective::get(&tljh, p),
            "{p}"
        );
    }
}
