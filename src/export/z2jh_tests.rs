use super::*;
use crate::effective::{Secrets, effective};
use crate::export::yaml::tests::parse;
use serde_json::{Value as Json, json};

pub struct Run {
    pub values: Json,
    pub text: String,
    pub warnings: Vec<String>,
}

fn files(names: &[(&str, &str)]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

fn fake_pem(path: &str) -> std::result::Result<String, String> {
    match path {
        "/etc/ssl/hub.crt" => {
            Ok("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into())
        }
        "/etc/ssl/hub.key" => {
            Ok("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n".into())
        }
        _ => Err("No such file or directory (os error 2)".into()),
    }
}

/// Inputs with nothing but the config: no snippets, no unknown keys, no secrets.
fn inputs(eff: &Effective) -> Inputs<'_> {
    Inputs {
        eff,
        unknown_keys: vec![],
        config_d: vec![],
        read_pem: &fake_pem,
        include_secrets: false,
    }
}

pub fn export_with(user: Json, config_d: Vec<(String, String)>, include_secrets: bool) -> Run {
    let eff = Effective::from_tree(&effective(&user, &Secrets::default())).unwrap();
    let e = z2jh(&Inputs {
        config_d,
        include_secrets,
        ..inputs(&eff)
    })
    .unwrap();
    Run {
        values: parse(&e.text),
        text: e.text,
        warnings: e.warnings,
    }
}

pub fn export(user: Json) -> Run {
    export_with(user, vec![], false)
}

pub fn warned(run: &Run, words: &str) -> bool {
    run.warnings.iter().any(|w| w.contains(words))
}

const TLJH_CULL: &str = r#"{"enabled": true, "timeout": 600, "every": 60, "concurrency": 5,
    "users": false, "maxAge": 0, "removeNamedServers": false}"#;

#[test]
fn defaults_make_tljh_behaviour_explicit() {
    let run = export(json!({}));
    let cull: Json = serde_json::from_str(TLJH_CULL).unwrap();
    assert_eq!(
        run.values,
        json!({
            "hub": {"baseUrl": "/", "config": {
                "JupyterHub": {"authenticator_class": "firstuseauthenticator.FirstUseAuthenticator"},
                "FirstUseAuthenticator": {"create_users": false, "allow_all": true}}},
            "proxy": {"https": {"enabled": false}},
            "singleuser": {"defaultUrl": "/lab"},
            "cull": cull,
        })
    );
    assert!(warned(&run, "password store"), "{:?}", run.warnings);
    assert!(warned(&run, "singleuser.image"), "{:?}", run.warnings);
    assert!(warned(&run, "/home/jupyter-NAME"), "{:?}", run.warnings);
    assert_eq!(run.warnings.len(), 3, "{:?}", run.warnings);
    // Each warning is a comment in the file too.
    assert!(
        run.text.contains("# WARNING: FirstUseAuthenticator works"),
        "{}",
        run.text
    );
    assert!(run.text.contains("# - user_environment"), "{}", run.text);
}

/// Every schema key set away from its default (https.tls.* in the manual
/// variant below: it excludes Let's Encrypt).
fn every_key() -> Json {
    json!({
        "base_url": "/jhub/",
        "auth": {"type": "firstuseauthenticator.FirstUseAuthenticator",
                 "FirstUseAuthenticator": {"create_users": true, "min_password_length": 10}},
        "users": {"allowed": ["ann", "bob"], "banned": ["eve"], "admin": ["ada"],
                  "extra_user_groups": {"course": ["ann", "bob"]}},
        "limits": {"memory": "2G", "cpu": 1.5},
        "http": {"address": "10.0.0.5", "port": 8080},
        "https": {"enabled": true, "address": "10.0.0.5", "port": 8443,
                  "letsencrypt": {"email": "ops@example.org", "domains": ["hub.example.org"],
                                  "staging": true, "challenge": "http-01",
                                  "ca_server": "https://ca.example.org/dir",
                                  "ca_bundle": "/etc/ssl/ca.pem"}},
        "traefik_api": {"ip": "127.0.0.2", "port": 9000, "username": "me", "password": "pw"},
        "user_environment": {"default_app": "classic"},
        "services": {"cull": {"enabled": false, "timeout": 100, "every": 10, "concurrency": 2,
                              "users": true, "max_age": 3600, "remove_named_servers": true}},
    })
}

#[test]
fn a_config_with_every_key() {
    let mut all = every_key();
    crate::effective::set_path(&mut all, "https.tls", json!({"cert": "x", "key": "y"}));
    for k in crate::schema::KEYS {
        let v = crate::effective::get(&all, k.path);
        assert!(v.is_some(), "{} is not set", k.path);
    }
    let run = export_with(every_key(), files(&[("10-a.py", "c.A.b = 1\n")]), false);
    assert_eq!(
        run.values,
        json!({
            "hub": {"baseUrl": "/jhub/", "config": {
                "JupyterHub": {"authenticator_class": "firstuseauthenticator.FirstUseAuthenticator"},
                "Authenticator": {"admin_users": ["ada"], "allowed_users": ["ann", "bob"],
                                  "blocked_users": ["eve"]},
                "FirstUseAuthenticator": {"create_users": true, "min_password_length": 10}},
                "extraConfig": {"10-a.py": "c.A.b = 1\n"}},
            "proxy": {"https": {"enabled": true, "type": "letsencrypt",
                "letsencrypt": {"contactEmail": "ops@example.org",
                                "acmeServer": "https://ca.example.org/dir"},
                "hosts": ["hub.example.org"]}},
            "singleuser": {"defaultUrl": "/tree", "memory": {"limit": "2G"},
                           "cpu": {"limit": 1.5}},
            "cull": {"enabled": false, "timeout": 100, "every": 10, "concurrency": 2,
                     "users": true, "maxAge": 3600, "removeNamedServers": true},
        })
    );
    for words in [
        "http.port 8080",
        "https.port 8443",
        "http.address 10.0.0.5",
        "https.address 10.0.0.5",
        "course = ann, bob",
        "ca_bundle (/etc/ssl/ca.pem)",
        "hub.extraConfig: copied",
    ] {
        assert!(warned(&run, words), "{words}: {:?}", run.warnings);
    }
    assert!(
        !run.text.contains("pw"),
        "the Traefik password is never exported"
    );
    assert!(!run.text.contains("9000"), "{}", run.text);
}

#[test]
fn staging_becomes_the_staging_acme_server_and_tls_alpn_gets_a_note() {
    let run = export(json!({"https": {"enabled": true, "letsencrypt": {
        "email": "a@b.org", "domains": ["h.b.org", "i.b.org"], "staging": true}}}));
    assert_eq!(
        run.values["proxy"],
        json!({"https": {"enabled": true, "type": "letsencrypt",
            "letsencrypt": {"contactEmail": "a@b.org",
                "acmeServer": "https://acme-staging-v02.api.letsencrypt.org/directory"},
            "hosts": ["h.b.org", "i.b.org"]}})
    );
    assert!(run.text.contains("HTTP-01 challenge"), "{}", run.text);
    let run = export(json!({"https": {"enabled": true, "letsencrypt": {
        "email": "a@b.org", "domains": ["h.b.org"]}}}));
    assert!(
        run.values["proxy"]["https"]["letsencrypt"]
            .get("acmeServer")
            .is_none()
    );
}

#[test]
fn incomplete_https_is_refused_like_render() {
    let eff = Effective::from_tree(&effective(
        &json!({"https": {"enabled": true, "letsencrypt": {"email": "a@b.org"}}}),
        &Secrets::default(),
    ))
    .unwrap();
    let e = z2jh(&inputs(&eff)).unwrap_err();
    assert!(
        e.message.contains("https.letsencrypt.domains"),
        "{}",
        e.message
    );
}

fn manual(cert: &str) -> Json {
    json!({"https": {"enabled": true, "tls": {"cert": cert, "key": "/etc/ssl/hub.key"}}})
}

#[test]
fn manual_certificate_is_pem_contents_and_the_key_a_placeholder() {
    let run = export(manual("/etc/ssl/hub.crt"));
    let https = &run.values["proxy"]["https"];
    assert_eq!(https["type"], "manual");
    assert_eq!(
        https["manual"]["cert"],
        fake_pem("/etc/ssl/hub.crt").unwrap()
    );
    assert_eq!(https["manual"]["key"], PLACEHOLDER);
    assert!(
        warned(&run, "private key (/etc/ssl/hub.key) was not exported"),
        "{:?}",
        run.warnings
    );
    assert!(
        run.text.contains("wants the PEM contents, not paths"),
        "{}",
        run.text
    );
    assert!(
        run.text
            .contains("      cert: |\n        -----BEGIN CERTIFICATE-----\n"),
        "{}",
        run.text
    );

    let run = export_with(manual("/etc/ssl/hub.crt"), vec![], true);
    assert_eq!(
        run.values["proxy"]["https"]["manual"]["key"],
        fake_pem("/etc/ssl/hub.key").unwrap()
    );
    assert!(!warned(&run, "private key"), "{:?}", run.warnings);
    assert!(
        run.text
            .contains("# SECRET (the private key /etc/ssl/hub.key)"),
        "{}",
        run.text
    );

    let run = export(manual("/gone.crt"));
    assert_eq!(run.values["proxy"]["https"]["manual"]["cert"], PLACEHOLDER);
    assert!(
        warned(&run, "could not read /gone.crt (No such file"),
        "{:?}",
        run.warnings
    );
}

#[test]
fn limits_keep_tljh_units_and_avoid_a_guarantee_above_the_limit() {
    let run = export(json!({"limits": {"memory": "512M", "cpu": 2}}));
    assert_eq!(
        run.values["singleuser"]["memory"],
        json!({"limit": "512M", "guarantee": null})
    );
    assert_eq!(run.values["singleuser"]["cpu"], json!({"limit": 2.0}));
    assert!(
        run.text.contains("  cpu:\n    limit: 2.0\n"),
        "{}",
        run.text
    );
    for (mem, guarantee) in [
        (json!("1G"), false),
        (json!("0.5G"), true),
        (json!(1073741824u64), false),
        (json!(1000), true),
        (json!("1.5T"), false),
    ] {
        let run = export(json!({"limits": {"memory": mem}}));
        assert_eq!(run.values["singleuser"]["memory"]["limit"], mem);
        let has = run.values["singleuser"]["memory"]
            .get("guarantee")
            .is_some();
        assert_eq!(has, guarantee, "{mem}");
    }
    assert!(
        export(json!({})).values["singleuser"]
            .get("memory")
            .is_none()
    );
}

#[test]
fn config_d_files_become_extra_config_in_load_order() {
    let code = "# adds a template\nc.JupyterHub.template_vars = {\"x\": 1}\n";
    let run = export_with(
        json!({}),
        files(&[("00-first.py", code), ("zz.py", "c.A.b = 2")]),
        false,
    );
    assert_eq!(
        run.values["hub"]["extraConfig"],
        json!({"00-first.py": code, "zz.py": "c.A.b = 2"})
    );
    let keys: Vec<&str> = run
        .text
        .lines()
        .filter(|l| l.ends_with(": |") || l.ends_with(": |-") || l.contains("zz.py"))
        .collect();
    assert_eq!(keys, ["    \"00-first.py\": |", "    zz.py: \"c.A.b = 2\""]);
}

#[test]
fn default_ports_and_addresses_need_no_warning() {
    let run = export(json!({"http": {"port": 80}, "https": {"port": 8443}}));
    assert!(
        !warned(&run, "proxy-public"),
        "https off: its port does not matter: {:?}",
        run.warnings
    );
    let run = export(json!({"http": {"port": 8000}}));
    assert!(
        warned(&run, "http.port 8000: the chart's proxy-public"),
        "{:?}",
        run.warnings
    );
}

#[test]
fn unknown_keys_are_named_as_not_exported() {
    let eff = Effective::defaults();
    let inp = Inputs {
        unknown_keys: vec!["user.admin".into()],
        ..inputs(&eff)
    };
    let e = z2jh(&inp).unwrap();
    assert!(
        e.text.contains("# - user.admin: not a key hubcfg knows"),
        "{}",
        e.text
    );
    assert!(
        e.warnings
            .iter()
            .any(|w| w.starts_with("user.admin: not a key")),
        "{:?}",
        e.warnings
    );
}
