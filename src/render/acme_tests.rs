use super::*;
use crate::effective::{Secrets, effective};
use crate::paths::Paths;
use crate::render::traefik::{Https, render};
use serde_json::{Value as Json, json};

fn eff(letsencrypt: Json) -> Effective {
    let mut le = json!({"email": "a@example.org", "domains": ["hub.example.org"]});
    crate::effective::merge(&mut le, &letsencrypt);
    let user = json!({"https": {"enabled": true, "letsencrypt": le}});
    let secrets = Secrets {
        traefik_api_password: Some("s".into()),
    };
    Effective::from_tree(&effective(&user, &secrets)).unwrap()
}

fn acme_table(letsencrypt: Json) -> toml::Table {
    let r = render(&eff(letsencrypt), &Paths::new("/opt/tljh"), &[]).unwrap();
    let t: toml::Table = r.static_toml.parse().unwrap();
    t["certificatesResolvers"]["letsencrypt"]["acme"]
        .as_table()
        .unwrap()
        .clone()
}

#[test]
fn tls_alpn_01_is_the_default() {
    let a = acme_table(json!({}));
    assert!(a.contains_key("tlsChallenge"), "{a}");
    assert!(!a.contains_key("httpChallenge"), "{a}");
}

#[test]
fn http_01_answers_on_the_http_entrypoint() {
    let a = acme_table(json!({"challenge": "http-01"}));
    assert_eq!(a["httpChallenge"]["entryPoint"].as_str(), Some("http"));
    assert!(!a.contains_key("tlsChallenge"), "{a}");
}

#[test]
fn ca_server_wins_over_staging() {
    let url = "https://127.0.0.1:14000/dir";
    let a = acme_table(json!({"ca_server": url, "staging": true}));
    assert_eq!(a["caServer"].as_str(), Some(url));
    let a = acme_table(json!({"staging": true}));
    assert_eq!(a["caServer"].as_str(), Some(LE_STAGING));
}

#[test]
fn bad_ca_server_is_refused_with_its_key() {
    for bad in [
        "ftp://x",
        "https://",
        "127.0.0.1:14000/dir",
        "https://a b/dir",
    ] {
        let e = render(
            &eff(json!({"ca_server": bad})),
            &Paths::new("/opt/tljh"),
            &[],
        )
        .unwrap_err();
        assert!(
            e.message.contains("https.letsencrypt.ca_server"),
            "{bad}: {}",
            e.message
        );
    }
}

#[test]
fn env_file_names_the_bundle_only_when_set() {
    let paths = Paths::new("/opt/tljh");
    let r = render(&eff(json!({})), &paths, &[]).unwrap();
    assert!(!r.env.contains(CA_BUNDLE_VAR), "{}", r.env);
    let r = render(
        &eff(json!({"ca_bundle": "/etc/pebble \"ca\".pem"})),
        &paths,
        &[],
    )
    .unwrap();
    assert!(
        r.env
            .ends_with("\nLEGO_CA_CERTIFICATES=\"/etc/pebble \\\"ca\\\".pem\"\n"),
        "{}",
        r.env
    );
    let mut off = eff(json!({}));
    off.https.enabled = false;
    let off = render(&off, &paths, &[]).unwrap();
    assert_eq!(off.https, Https::Off);
    assert!(!off.env.contains(CA_BUNDLE_VAR), "{}", off.env);
}

#[test]
fn each_challenge_warns_about_its_own_port() {
    let mut e = eff(json!({"challenge": "http-01"}));
    e.https.port = std::num::NonZeroU16::new(8443).unwrap();
    let le = LetsEncrypt::new(&e).unwrap();
    assert!(warnings(&e, &le).is_empty());
    e.http.port = std::num::NonZeroU16::new(8080).unwrap();
    let w = warnings(&e, &le);
    assert!(w.len() == 1 && w[0].contains("http.port is 8080"), "{w:?}");
    assert!(w[0].contains("http-01"), "{w:?}");
}
