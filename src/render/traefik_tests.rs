use super::*;
use crate::effective::{Secrets, effective};
use serde_json::{Value as Json, json};
use std::path::PathBuf;

fn paths() -> Paths {
    Paths::new("/opt/tljh")
}

fn eff(user: Json) -> Effective {
    typed(&user, Some("generated-secret"))
}

fn typed(user: &Json, password: Option<&str>) -> Effective {
    let secrets = Secrets {
        traefik_api_password: password.map(String::from),
    };
    Effective::from_tree(&effective(user, &secrets)).unwrap()
}

fn both(user: Json) -> String {
    let r = render(&eff(user), &paths(), &[]).unwrap();
    format!(
        "--- traefik.toml\n{}--- rules/dynamic.toml\n{}",
        r.static_toml, r.dynamic_toml
    )
}

#[test]
fn default_http() {
    insta::assert_snapshot!(both(json!({})));
}

#[test]
fn custom_ports_and_addresses() {
    insta::assert_snapshot!(both(json!({
        "http": {"address": "10.0.0.5", "port": 8080},
        "traefik_api": {"ip": "::1", "port": 9099, "username": "hubapi"},
    })));
}

#[test]
fn manual_tls() {
    insta::assert_snapshot!(both(json!({"https": {
        "enabled": true,
        "port": 8443,
        "tls": {"cert": "/etc/ssl/hub.crt", "key": "/etc/ssl/hub.key"},
    }})));
}

#[test]
fn letsencrypt_staging() {
    insta::assert_snapshot!(both(json!({"https": {
        "enabled": true,
        "letsencrypt": {
            "email": "admin@example.org",
            "domains": ["hub.example.org", "www.hub.example.org"],
            "staging": true,
        },
    }})));
}

#[test]
fn letsencrypt_production_has_no_ca_override() {
    let r = render(
        &eff(json!({"https": {"enabled": true, "letsencrypt": {
            "email": "a@example.org", "domains": ["example.org"]}}})),
        &paths(),
        &[],
    )
    .unwrap();
    assert!(!r.static_toml.contains("caServer"), "{}", r.static_toml);
    assert!(r.static_toml.contains("certResolver = \"letsencrypt\""));
}

#[test]
fn traefik_config_d_snippets_deep_merge() {
    let snippets = [
        Snippet {
            path: PathBuf::from("/opt/tljh/config/traefik_config.d/10-metrics.toml"),
            text: "[entryPoints.metrics]\naddress = \"127.0.0.1:9100\"\n\n[metrics.prometheus]\nentryPoint = \"metrics\"\n".into(),
        },
        Snippet {
            path: PathBuf::from("/opt/tljh/config/traefik_config.d/20-debug.toml"),
            text: "[log]\nlevel = \"DEBUG\"\n\n[entryPoints.http.forwardedHeaders]\ntrustedIPs = [\"10.0.0.0/8\"]\n".into(),
        },
    ];
    let r = render(&eff(json!({})), &paths(), &snippets).unwrap();
    let t: toml::Table = r.static_toml.parse().unwrap();
    let eps = t["entryPoints"].as_table().unwrap();
    assert_eq!(eps["http"]["address"].as_str(), Some(":80"));
    assert_eq!(eps["auth_api"]["address"].as_str(), Some("127.0.0.1:8099"));
    assert_eq!(eps["metrics"]["address"].as_str(), Some("127.0.0.1:9100"));
    assert_eq!(t["log"]["level"].as_str(), Some("DEBUG"));
    insta::assert_snapshot!(r.static_toml);
}

#[test]
fn bad_snippet_is_refused_with_its_name() {
    let s = [Snippet {
        path: PathBuf::from("/opt/tljh/config/traefik_config.d/bad.toml"),
        text: "[log\n".into(),
    }];
    let e = render(&eff(json!({})), &paths(), &s).unwrap_err();
    assert!(e.message.contains("bad.toml"), "{}", e.message);
    assert!(e.message.contains("line 1"), "{}", e.message);
}

fn https_err(https: Json) -> String {
    let e = render(&eff(json!({"https": https})), &paths(), &[]).unwrap_err();
    e.message
}

#[test]
fn https_without_any_certificate_source_is_refused() {
    let m = https_err(json!({"enabled": true}));
    for key in [
        "https.tls.cert",
        "https.tls.key",
        "https.letsencrypt.email",
        "https.letsencrypt.domains",
    ] {
        assert!(m.contains(key), "{key} not in: {m}");
    }
}

#[test]
fn incomplete_https_names_the_missing_key() {
    let m = https_err(json!({"enabled": true, "tls": {"cert": "/c.pem"}}));
    assert!(m.contains("missing https.tls.key"), "{m}");
    let m = https_err(json!({"enabled": true, "tls": {"key": "/k.pem"}}));
    assert!(m.contains("missing https.tls.cert"), "{m}");
    let m = https_err(json!({"enabled": true, "letsencrypt": {"email": "a@b.org"}}));
    assert!(m.contains("missing https.letsencrypt.domains"), "{m}");
    let m = https_err(json!({"enabled": true, "letsencrypt": {"domains": ["b.org"]}}));
    assert!(m.contains("missing https.letsencrypt.email"), "{m}");
}

#[test]
fn both_certificate_sources_are_refused() {
    let m = https_err(json!({"enabled": true, "tls": {"cert": "/c", "key": "/k"},
        "letsencrypt": {"email": "a@b.org", "domains": ["b.org"]}}));
    assert!(m.contains("both"), "{m}");
}

#[test]
fn disabled_https_ignores_partial_settings() {
    let r = render(
        &eff(json!({"https": {"tls": {"cert": "/c.pem"}}})),
        &paths(),
        &[],
    )
    .unwrap();
    assert_eq!(r.https, Https::Off);
    assert!(!r.static_toml.contains("https"));
}

#[test]
fn rendering_is_deterministic() {
    let user = json!({"https": {"enabled": true, "letsencrypt": {
        "email": "a@example.org", "domains": ["example.org"]}}});
    assert_eq!(
        render(&eff(user.clone()), &paths(), &[]).unwrap(),
        render(&eff(user), &paths(), &[]).unwrap()
    );
}

#[test]
fn empty_api_password_is_refused() {
    let e = render(&typed(&json!({}), None), &paths(), &[]).unwrap_err();
    assert!(e.message.contains("traefik-api.secret"), "{}", e.message);
}

#[test]
fn letsencrypt_on_another_port_is_warned_about() {
    let le = json!({"enabled": true, "letsencrypt": {"email": "a@b.org", "domains": ["b.org"]}});
    assert!(warnings(&eff(json!({"https": le.clone()}))).is_empty());
    let mut moved = le;
    moved["port"] = json!(8443);
    let w = warnings(&eff(json!({"https": moved})));
    assert!(w.len() == 1 && w[0].contains("8443"), "{w:?}");
}

#[test]
fn values_cannot_inject_toml() {
    let evil = "a@b.org\"\n[api]\ninsecure = true\n#";
    let r = render(
        &eff(json!({"https": {"enabled": true, "letsencrypt": {
            "email": evil, "domains": ["b.org"]}}})),
        &paths(),
        &[],
    )
    .unwrap();
    let t: toml::Table = r.static_toml.parse().unwrap();
    assert_eq!(
        t["certificatesResolvers"]["letsencrypt"]["acme"]["email"].as_str(),
        Some(evil)
    );
    assert!(t["api"].get("insecure").is_none());
}

#[test]
fn htpasswd_sha_matches_htpasswd() {
    // `htpasswd -nbs api_admin password`
    assert_eq!(
        htpasswd_sha("api_admin", "password"),
        "api_admin:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="
    );
}

#[test]
fn listen_addresses() {
    assert_eq!(listen_address("", 80), ":80");
    assert_eq!(listen_address("10.1.2.3", 80), "10.1.2.3:80");
    assert_eq!(listen_address("::", 443), "[::]:443");
    assert_eq!(listen_address("[::1]", 443), "[::1]:443");
}
