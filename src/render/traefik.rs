//! Traefik's static config (`state/traefik.toml`) and hubcfg's dynamic config
//! (`state/rules/dynamic.toml`), from the effective config. Pure: values in,
//! text out. JupyterHub's own routes live in `state/rules/rules.toml`, which
//! jupyterhub-traefik-proxy owns; nothing here touches it.

use super::acme::{self, LE_RESOLVER, LetsEncrypt};
use super::merge::{self, Snippet};
use crate::effective::Effective;
use crate::error::{Error, Result};
use crate::paths::Paths;
use base64::Engine;
use sha1::{Digest, Sha1};
use std::num::NonZeroU16;
use toml::{Table, Value};

pub const HTTP_ENTRYPOINT: &str = "http";
pub const HTTPS_ENTRYPOINT: &str = "https";
/// jupyterhub-traefik-proxy's default name for the API entrypoint.
pub const API_ENTRYPOINT: &str = "auth_api";
/// Names distinct from the proxy's own (`route_api`, `auth_api`) so a route
/// table left by an older setup cannot clash with ours.
pub const API_ROUTER: &str = "hubcfg-api";
pub const API_AUTH_MIDDLEWARE: &str = "hubcfg-api-auth";
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
    Manual { cert: String, key: String },
    LetsEncrypt(LetsEncrypt),
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
            Ok(Https::LetsEncrypt(LetsEncrypt::new(eff)?))
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

/// Sets the dotted `path` in `t`, creating tables on the way. Only for
/// paths written here: no part may contain a dot.
pub(super) fn put(t: &mut Table, path: &str, v: impl Into<Value>) {
    let (parents, leaf) = path.rsplit_once('.').unwrap_or(("", path));
    let mut cur = t;
    for part in parents.split('.').filter(|p| !p.is_empty()) {
        let entry = cur
            .entry(part)
            .or_insert_with(|| Value::Table(Table::new()));
        cur = entry.as_table_mut().expect("only tables on the way");
    }
    cur.insert(leaf.to_string(), v.into());
}

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_ref())).collect())
}

fn path(p: std::path::PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

/// A user-facing entrypoint; returns its dotted path for further settings.
fn entry_point(t: &mut Table, name: &str, address: &str, port: NonZeroU16) -> String {
    let ep = format!("entryPoints.{name}");
    put(
        t,
        &format!("{ep}.address"),
        listen_address(address, port.get()),
    );
    put(
        t,
        &format!("{ep}.transport.respondingTimeouts.idleTimeout"),
        "10m",
    );
    ep
}

/// The static config before `traefik_config.d` snippets are merged in.
pub fn static_config(eff: &Effective, paths: &Paths) -> Result<Table> {
    let https = https(eff)?;
    let api = api(eff, paths)?;
    let mut root = Table::new();
    let t = &mut root;
    put(t, "global.checkNewVersion", false);
    put(t, "global.sendAnonymousUsage", false);
    put(t, "log.level", "INFO");
    // The journal shows escape codes as they are; `hubcfg` reads these lines.
    put(t, "log.noColor", true);
    put(t, "accessLog.format", "json");
    put(t, "accessLog.filters.statusCodes", strings(&["500-999"]));
    for header in ["Authorization", "Cookie", "Set-Cookie", "X-Xsrftoken"] {
        put(
            t,
            &format!("accessLog.fields.headers.names.{header}"),
            "redact",
        );
    }
    put(t, "api.dashboard", true);
    put(t, "providers.providersThrottleDuration", "0s");
    put(t, "providers.file.directory", path(paths.rules_dir()));
    put(t, "providers.file.watch", true);

    let http = entry_point(t, HTTP_ENTRYPOINT, &eff.http.address, eff.http.port);
    put(
        t,
        &format!("entryPoints.{API_ENTRYPOINT}.address"),
        api.listen,
    );
    if https != Https::Off {
        let redirect = format!("{http}.http.redirections.entryPoint");
        put(t, &format!("{redirect}.to"), HTTPS_ENTRYPOINT);
        put(t, &format!("{redirect}.scheme"), "https");
        let ep = entry_point(t, HTTPS_ENTRYPOINT, &eff.https.address, eff.https.port);
        put(t, &format!("{ep}.http.tls.options"), "default");
        if let Https::LetsEncrypt(le) = &https {
            put(t, &format!("{ep}.http.tls.certResolver"), LE_RESOLVER);
            let mut domain = Table::new();
            put(&mut domain, "main", le.domains[0].as_str());
            put(&mut domain, "sans", strings(&le.domains[1..]));
            put(t, &format!("{ep}.http.tls.domains"), vec![domain]);
        }
    }
    if let Https::LetsEncrypt(le) = &https {
        acme::resolver(t, le, path(paths.acme_json()));
    }
    Ok(root)
}

/// hubcfg's dynamic config: the authenticated API router, and TLS settings.
pub fn dynamic_config(eff: &Effective, paths: &Paths) -> Result<Table> {
    let https = https(eff)?;
    let api = api(eff, paths)?;
    let mut root = Table::new();
    let t = &mut root;
    let router = format!("http.routers.{API_ROUTER}");
    put(
        t,
        &format!("{router}.rule"),
        "PathPrefix(`/api`) || PathPrefix(`/dashboard`)",
    );
    put(
        t,
        &format!("{router}.entryPoints"),
        strings(&[API_ENTRYPOINT]),
    );
    put(t, &format!("{router}.service"), "api@internal");
    put(
        t,
        &format!("{router}.middlewares"),
        strings(&[API_AUTH_MIDDLEWARE]),
    );
    put(
        t,
        &format!("http.middlewares.{API_AUTH_MIDDLEWARE}.basicAuth.users"),
        strings(&[htpasswd_sha(&api.username, &api.password)]),
    );
    if https != Https::Off {
        put(t, "tls.options.default.minVersion", "VersionTLS12");
        put(
            t,
            "tls.options.default.cipherSuites",
            strings(&CIPHER_SUITES),
        );
    }
    if let Https::Manual { cert, key } = &https {
        let store = "tls.stores.default.defaultCertificate";
        put(t, &format!("{store}.certFile"), cert.as_str());
        put(t, &format!("{store}.keyFile"), key.as_str());
    }
    Ok(root)
}

/// Settings that render but probably do not do what the user wants.
pub fn warnings(eff: &Effective) -> Vec<String> {
    match https(eff) {
        Ok(Https::LetsEncrypt(le)) => acme::warnings(eff, &le),
        _ => vec![],
    }
}

/// Both files' text, checked by parsing them back.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub static_toml: String,
    pub dynamic_toml: String,
    /// state/traefik.env, the unit's EnvironmentFile.
    pub env: String,
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
    let https = https(eff)?;
    let env = acme::traefik_env(match &https {
        Https::LetsEncrypt(le) => Some(le),
        _ => None,
    });
    Ok(Rendered {
        static_toml,
        dynamic_toml,
        env,
        https,
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
#[path = "traefik_tests.rs"]
mod tests;
