//! Traefik's static config (`state/traefik.toml`) and hubcfg's dynamic config
//! (`state/rules/dynamic.toml`), from the effective config. Pure: values in,
//! text out. JupyterHub's own routes live in `state/rules/rules.toml`, which
//! jupyterhub-traefik-proxy owns; nothing here touches it.

use super::merge::{self, Snippet};
use crate::effective::Effective;
use crate::error::{Error, Result};
use crate::paths::Paths;
use base64::Engine;
use sha1::{Digest, Sha1};
use toml::{Table, Value};

pub const HTTP_ENTRYPOINT: &str = "http";
pub const HTTPS_ENTRYPOINT: &str = "https";
/// jupyterhub-traefik-proxy's default name for the API entrypoint.
pub const API_ENTRYPOINT: &str = "auth_api";
/// Names distinct from the proxy's own (`route_api`, `auth_api`) so a route
/// table left by an older setup cannot clash with ours.
pub const API_ROUTER: &str = "hubcfg-api";
pub const API_AUTH_MIDDLEWARE: &str = "hubcfg-api-auth";
pub const LE_RESOLVER: &str = "letsencrypt";
const LE_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";
const CIPHER_SUITES: [&str; 6] = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
];
const HEADER: &str =
    "# Written by `hubcfg render` from config/config.toml; changes here are overwritten.\n";

/// Where https certificates come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Https {
    Off,
    Manual {
        cert: String,
        key: String,
    },
    LetsEncrypt {
        email: String,
        domains: Vec<String>,
        staging: bool,
    },
}

/// The https settings, refusing incomplete or ambiguous ones with the
/// missing keys named.
pub fn https(eff: &Effective) -> Result<Https> {
    let https = &eff.https;
    if !https.enabled {
        return Ok(Https::Off);
    }
    let (cert, key) = (&https.tls.cert, &https.tls.key);
    let (email, domains) = (&https.letsencrypt.email, &https.letsencrypt.domains);
    let manual = !cert.is_empty() || !key.is_empty();
    let acme = !email.is_empty() || !domains.is_empty();
    let missing = |names: &[(&str, bool)]| -> Vec<String> {
        names
            .iter()
            .filter(|(_, set)| !set)
            .map(|(n, _)| n.to_string())
            .collect()
    };
    match (manual, acme) {
        (true, true) => Err(Error::new(
            "https.enabled is true and both https.tls.* (your own certificate) and \
             https.letsencrypt.* (Let's Encrypt) are set",
        )
        .with_hint(
            "keep one: `tljh-config unset https.tls.cert` and `… https.tls.key`, or unset \
             https.letsencrypt.email and https.letsencrypt.domains",
        )),
        (false, false) => Err(Error::new(
            "https.enabled is true but no certificate is configured: missing \
             https.tls.cert and https.tls.key, or https.letsencrypt.email and \
             https.letsencrypt.domains",
        )
        .with_hint(
            "set https.letsencrypt.email and add-item https.letsencrypt.domains, or set \
             https.tls.cert and https.tls.key to PEM files; or set https.enabled false",
        )),
        (true, false) => {
            let m = missing(&[
                ("https.tls.cert", !cert.is_empty()),
                ("https.tls.key", !key.is_empty()),
            ]);
            if !m.is_empty() {
                return Err(incomplete(&m));
            }
            Ok(Https::Manual {
                cert: cert.to_string(),
                key: key.to_string(),
            })
        }
        (false, true) => {
            let m = missing(&[
                ("https.letsencrypt.email", !email.is_empty()),
                ("https.letsencrypt.domains", !domains.is_empty()),
            ]);
            if !m.is_empty() {
                return Err(incomplete(&m));
            }
            Ok(Https::LetsEncrypt {
                email: email.to_string(),
                domains: domains.clone(),
                staging: https.letsencrypt.staging,
            })
        }
    }
}

fn incomplete(missing: &[String]) -> Error {
    Error::new(format!(
        "https.enabled is true but the https settings are incomplete: missing {}",
        missing.join(" and ")
    ))
    .with_hint(format!(
        "set {} with `tljh-config set`",
        missing.join(" and ")
    ))
}

/// `addr:port` as Traefik wants it: empty address = all interfaces, IPv6 in brackets.
/// The entrypoint the hub's routes live on: https when it is on.
pub fn route_entrypoint(eff: &Effective) -> Result<&'static str> {
    Ok(match https(eff)? {
        Https::Off => HTTP_ENTRYPOINT,
        _ => HTTPS_ENTRYPOINT,
    })
}

pub fn listen_address(addr: &str, port: u16) -> String {
    if addr.contains(':') && !addr.starts_with('[') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

/// How the hub reaches Traefik's API, and how Traefik protects it.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The `auth_api` entrypoint address.
    pub listen: String,
    /// `TraefikProxy.traefik_api_url`.
    pub url: String,
    pub username: String,
    pub password: String,
}

pub fn api(eff: &Effective, paths: &Paths) -> Result<Api> {
    let t = &eff.traefik_api;
    let (ip, port) = (t.ip.as_str(), t.port.get());
    let (username, password) = (&t.username, &t.password);
    if username.is_empty() || username.contains(':') {
        return Err(Error::new(format!(
            "traefik_api.username {username:?} must be non-empty and contain no ':'"
        ))
        .with_hint("`tljh-config unset traefik_api.username` restores api_admin"));
    }
    if password.is_empty() {
        return Err(Error::new(format!(
            "the Traefik API password is empty: {} is missing or empty and \
             traefik_api.password is not set",
            paths.traefik_api_secret().display()
        ))
        .with_hint("run `hubcfg render` as root, which creates the secret"));
    }
    // Listening on all interfaces still means the hub connects over loopback.
    let host = match ip {
        "" | "0.0.0.0" => "127.0.0.1".to_string(),
        "::" | "[::]" => "[::1]".to_string(),
        v6 if v6.contains(':') && !v6.starts_with('[') => format!("[{v6}]"),
        other => other.to_string(),
    };
    Ok(Api {
        listen: listen_address(ip, port),
        url: format!("http://{host}:{port}"),
        username: username.clone(),
        password: password.clone(),
    })
}

/// An htpasswd `{SHA}` entry. Traefik accepts MD5, SHA1 and bcrypt; the
/// unsalted form keeps renders byte-identical for identical input, and the
/// password is a generated random secret whose plaintext already sits in
/// files just as protected (config.toml or state/, root-only).
pub fn htpasswd_sha(username: &str, password: &str) -> String {
    let digest = Sha1::digest(password.as_bytes());
    format!(
        "{username}:{{SHA}}{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A TOML table from key/value pairs.
fn table<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_ref())).collect())
}

fn path(p: std::path::PathBuf) -> Value {
    Value::from(p.to_string_lossy().into_owned())
}

fn into_table(v: Value) -> Table {
    match v {
        Value::Table(t) => t,
        _ => unreachable!("built by table()"),
    }
}

/// The static config before `traefik_config.d` snippets are merged in.
pub fn static_config(eff: &Effective, paths: &Paths) -> Result<Table> {
    let https = https(eff)?;
    let api = api(eff, paths)?;
    let timeouts = || table([("respondingTimeouts", table([("idleTimeout", "10m".into())]))]);
    let listen = |address: &str, port: std::num::NonZeroU16| {
        Value::from(listen_address(address, port.get()))
    };
    let mut entry_points = Table::new();
    let mut http = into_table(table([
        ("address", listen(&eff.http.address, eff.http.port)),
        ("transport", timeouts()),
    ]));
    if https != Https::Off {
        http.insert(
            "http".into(),
            table([(
                "redirections",
                table([(
                    "entryPoint",
                    table([("to", HTTPS_ENTRYPOINT.into()), ("scheme", "https".into())]),
                )]),
            )]),
        );
        let mut tls = into_table(table([("options", "default".into())]));
        if let Https::LetsEncrypt { domains, .. } = &https {
            tls.insert("certResolver".into(), LE_RESOLVER.into());
            tls.insert(
                "domains".into(),
                Value::Array(vec![table([
                    ("main", domains[0].as_str().into()),
                    ("sans", strings(&domains[1..])),
                ])]),
            );
        }
        entry_points.insert(
            HTTPS_ENTRYPOINT.into(),
            table([
                ("address", listen(&eff.https.address, eff.https.port)),
                ("transport", timeouts()),
                ("http", table([("tls", Value::Table(tls))])),
            ]),
        );
    }
    entry_points.insert(HTTP_ENTRYPOINT.into(), Value::Table(http));
    entry_points.insert(
        API_ENTRYPOINT.into(),
        table([("address", api.listen.into())]),
    );

    let redact = || Value::from("redact");
    let mut root = into_table(table([
        (
            "global",
            table([
                ("checkNewVersion", false.into()),
                ("sendAnonymousUsage", false.into()),
            ]),
        ),
        ("log", table([("level", "INFO".into())])),
        (
            "accessLog",
            table([
                ("format", "json".into()),
                ("filters", table([("statusCodes", strings(&["500-999"]))])),
                (
                    "fields",
                    table([(
                        "headers",
                        table([(
                            "names",
                            table([
                                ("Authorization", redact()),
                                ("Cookie", redact()),
                                ("Set-Cookie", redact()),
                                ("X-Xsrftoken", redact()),
                            ]),
                        )]),
                    )]),
                ),
            ]),
        ),
        ("api", table([("dashboard", true.into())])),
        (
            "providers",
            table([
                ("providersThrottleDuration", "0s".into()),
                (
                    "file",
                    table([
                        ("directory", path(paths.rules_dir())),
                        ("watch", true.into()),
                    ]),
                ),
            ]),
        ),
        ("entryPoints", Value::Table(entry_points)),
    ]));
    if let Https::LetsEncrypt { email, staging, .. } = &https {
        let mut acme = into_table(table([
            ("email", email.as_str().into()),
            ("storage", path(paths.acme_json())),
            ("tlsChallenge", Value::Table(Table::new())),
        ]));
        if *staging {
            acme.insert("caServer".into(), LE_STAGING.into());
        }
        root.insert(
            "certificatesResolvers".into(),
            table([(LE_RESOLVER, table([("acme", Value::Table(acme))]))]),
        );
    }
    Ok(root)
}

/// hubcfg's dynamic config: the authenticated API router, and TLS settings.
pub fn dynamic_config(eff: &Effective, paths: &Paths) -> Result<Table> {
    let https = https(eff)?;
    let api = api(eff, paths)?;
    let mut root = into_table(table([(
        "http",
        table([
            (
                "routers",
                table([(
                    API_ROUTER,
                    table([
                        (
                            "rule",
                            "PathPrefix(`/api`) || PathPrefix(`/dashboard`)".into(),
                        ),
                        ("entryPoints", strings(&[API_ENTRYPOINT])),
                        ("service", "api@internal".into()),
                        ("middlewares", strings(&[API_AUTH_MIDDLEWARE])),
                    ]),
                )]),
            ),
            (
                "middlewares",
                table([(
                    API_AUTH_MIDDLEWARE,
                    table([(
                        "basicAuth",
                        table([(
                            "users",
                            strings(&[htpasswd_sha(&api.username, &api.password)]),
                        )]),
                    )]),
                )]),
            ),
        ]),
    )]));
    if https != Https::Off {
        let mut tls = into_table(table([(
            "options",
            table([(
                "default",
                table([
                    ("minVersion", "VersionTLS12".into()),
                    ("cipherSuites", strings(&CIPHER_SUITES)),
                ]),
            )]),
        )]));
        if let Https::Manual { cert, key } = &https {
            tls.insert(
                "stores".into(),
                table([(
                    "default",
                    table([(
                        "defaultCertificate",
                        table([
                            ("certFile", cert.as_str().into()),
                            ("keyFile", key.as_str().into()),
                        ]),
                    )]),
                )]),
            );
        }
        root.insert("tls".into(), Value::Table(tls));
    }
    Ok(root)
}

/// Settings that render but probably do not do what the user wants.
pub fn warnings(eff: &Effective) -> Vec<String> {
    let mut out = vec![];
    let port = eff.https.port.get();
    if let Ok(Https::LetsEncrypt { .. }) = https(eff)
        && port != 443
    {
        out.push(format!(
            "https.port is {port}, but Let's Encrypt's tls-alpn-01 check connects to port 443: \
             certificates are only issued if port 443 reaches this port"
        ));
    }
    out
}

/// Both files' text, checked by parsing them back.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub static_toml: String,
    pub dynamic_toml: String,
    pub https: Https,
}

pub fn render(eff: &Effective, paths: &Paths, snippets: &[Snippet]) -> Result<Rendered> {
    let mut stat = static_config(eff, paths)?;
    for s in snippets {
        merge::deep_merge(&mut stat, merge::parse(s)?);
    }
    let extra = if snippets.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = snippets
            .iter()
            .map(|s| s.path.display().to_string())
            .collect();
        format!("# Merged with: {}\n", names.join(", "))
    };
    let static_toml = format!("{HEADER}{extra}\n{}", serialize(&stat, "traefik.toml")?);
    let dynamic_toml = format!(
        "{HEADER}# Extra dynamic config can go in other files in this directory.\n\n{}",
        serialize(&dynamic_config(eff, paths)?, "rules/dynamic.toml")?
    );
    Ok(Rendered {
        static_toml,
        dynamic_toml,
        https: https(eff)?,
    })
}

fn serialize(t: &Table, what: &str) -> Result<String> {
    let text =
        toml::to_string_pretty(t).map_err(|e| Error::new(format!("rendering {what}: {e}")))?;
    text.parse::<toml::Table>()
        .map_err(|e| Error::new(format!("rendered {what} does not parse back: {e}")))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
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
        let le =
            json!({"enabled": true, "letsencrypt": {"email": "a@b.org", "domains": ["b.org"]}});
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
}
