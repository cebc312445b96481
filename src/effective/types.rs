//! The effective config as types: what the renderers, the probe and the
//! installer read. Built from the merged tree (schema defaults + the user's
//! values + secrets), so every field has its value; a wrong type in
//! config.toml is refused here with the key's dotted name.

use super::extra::{AuthClasses, Passthrough};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::num::{NonZeroU16, NonZeroU64};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Effective {
    pub base_url: String,
    pub auth: Auth,
    pub users: Users,
    pub limits: Limits,
    pub http: Listener,
    pub https: Https,
    pub traefik_api: TraefikApi,
    pub user_environment: UserEnvironment,
    pub services: Services,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Auth {
    #[serde(rename = "type")]
    pub class: String,
    #[serde(rename = "FirstUseAuthenticator")]
    pub first_use: FirstUse,
    /// `auth.<Class>.<trait>`, passed through to JupyterHub as is.
    #[serde(skip)]
    pub classes: AuthClasses,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FirstUse {
    pub create_users: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Users {
    pub allowed: Vec<String>,
    pub banned: Vec<String>,
    pub admin: Vec<String>,
    /// Unix group name → hub user names.
    pub extra_user_groups: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Limits {
    pub memory: Option<Memory>,
    pub cpu: Option<f64>,
}

/// Bytes, or a size with a K/M/G/T suffix; JupyterHub parses both.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Memory {
    Bytes(u64),
    Size(String),
}

/// Where Traefik listens for http.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Listener {
    /// Empty: all interfaces.
    pub address: String,
    pub port: NonZeroU16,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Https {
    pub enabled: bool,
    pub address: String,
    pub port: NonZeroU16,
    pub tls: Tls,
    pub letsencrypt: LetsEncrypt,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tls {
    pub cert: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LetsEncrypt {
    pub email: String,
    pub domains: Vec<String>,
    pub staging: bool,
    pub challenge: Challenge,
    /// Empty: Let's Encrypt (or its staging server).
    pub ca_server: String,
    /// Empty: the system's CA certificates.
    pub ca_bundle: String,
}

/// How the ACME server checks that a domain is this machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Challenge {
    /// A TLS handshake on port 443 (Traefik's tlsChallenge).
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
    /// A request to port 80 (Traefik's httpChallenge on the http entrypoint).
    #[serde(rename = "http-01")]
    Http01,
}

impl Challenge {
    pub fn name(self) -> &'static str {
        match self {
            Challenge::TlsAlpn01 => "tls-alpn-01",
            Challenge::Http01 => "http-01",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TraefikApi {
    pub ip: String,
    pub port: NonZeroU16,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserEnvironment {
    pub default_app: DefaultApp,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultApp {
    Jupyterlab,
    Classic,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Services {
    pub cull: Cull,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cull {
    pub enabled: bool,
    pub timeout: u64,
    pub every: NonZeroU64,
    pub concurrency: NonZeroU64,
    pub users: bool,
    pub max_age: u64,
    pub remove_named_servers: bool,
}

impl Effective {
    /// The typed view of a merged tree (see [`super::effective`]). Keys the
    /// types do not name (unknown ones, lower-case `auth.*`) are ignored.
    pub fn from_tree(tree: &Json) -> Result<Effective> {
        let classes = auth_classes(tree)?;
        let mut eff: Effective =
            serde_path_to_error::deserialize(tree).map_err(|e| wrong_value(tree, e))?;
        eff.auth.classes = classes;
        Ok(eff)
    }

    /// Every key at its schema default.
    pub fn defaults() -> Effective {
        let tree = super::effective(&Json::Object(Default::default()), &Default::default());
        Effective::from_tree(&tree).expect("the schema's defaults have the right types")
    }

    /// The port user requests arrive on: https.port when https is on.
    pub fn public_port(&self) -> u16 {
        if self.https.enabled {
            self.https.port.get()
        } else {
            self.http.port.get()
        }
    }

    /// The ports Traefik listens on for users.
    pub fn proxy_ports(&self) -> Vec<u16> {
        let mut ports = vec![self.http.port.get()];
        if self.https.enabled {
            ports.push(self.https.port.get());
        }
        ports
    }
}

/// A value of the wrong type, named by its schema key and described in the
/// schema's words when it has one (serde's otherwise).
fn wrong_value(tree: &Json, e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    let within = |key: &str| {
        path == key
            || [".", "["]
                .iter()
                .any(|sep| path.starts_with(&format!("{key}{sep}")))
    };
    let schema_words = crate::schema::KEYS
        .iter()
        .find(|k| within(k.path))
        .and_then(|k| {
            let v = super::get(tree, k.path)?;
            let why = crate::config::validate::check_value(k.kind, v).err()?;
            Some((k.path.to_string(), format!("{why} (config.toml has {v})")))
        });
    let (key, why) = schema_words.unwrap_or_else(|| {
        let why = format!("has a wrong value in config.toml: {}", e.into_inner());
        (path, why)
    });
    Error::new(format!("config key {key} {why}")).with_hint(format!(
        "fix it with `tljh-config set {key} <value>` or `tljh-config unset {key}`"
    ))
}

/// `auth.<Class>` tables (upper-case class names), refusing non-tables.
fn auth_classes(tree: &Json) -> Result<AuthClasses> {
    let mut out = AuthClasses::new();
    let Some(auth) = tree.get("auth").and_then(Json::as_object) else {
        return Ok(out);
    };
    for (class, traits) in auth {
        if !crate::schema::is_auth_class(&format!("auth.{class}")) {
            continue;
        }
        let Json::Object(traits) = traits else {
            return Err(Error::new(format!(
                "auth.{class} must be a table of {class} settings, not {traits}"
            )));
        };
        let traits = traits
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), Passthrough(v.clone())))
            .collect();
        out.insert(class.clone(), traits);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn typed(user: Json) -> Result<Effective> {
        Effective::from_tree(&super::super::effective(&user, &Default::default()))
    }

    #[test]
    fn defaults_come_from_the_schema() {
        let d = Effective::defaults();
        assert_eq!((d.http.port.get(), d.https.port.get()), (80, 443));
        assert_eq!(d.proxy_ports(), vec![80]);
        assert_eq!(d.user_environment.default_app, DefaultApp::Jupyterlab);
        assert_eq!(d.https.letsencrypt.challenge, Challenge::TlsAlpn01);
    }

    #[test]
    fn wrong_types_name_the_key() {
        let e = typed(json!({"http": {"port": "eighty"}})).unwrap_err();
        assert!(e.message.contains("http.port"), "{}", e.message);
        assert!(e.message.contains("\"eighty\""), "{}", e.message);
        let e = typed(json!({"users": {"admin": ["a", 1]}})).unwrap_err();
        assert!(e.message.contains("users.admin"), "{}", e.message);
        let e = typed(json!({"http": {"port": 70000}})).unwrap_err();
        assert!(e.message.contains("between 1 and 65535"), "{}", e.message);
        let e = typed(json!({"limits": {"memory": true}})).unwrap_err();
        assert!(e.message.contains("limits.memory"), "{}", e.message);
    }

    #[test]
    fn challenge_names_are_tljh_style() {
        let e = typed(json!({"https": {"letsencrypt": {"challenge": "http-01"}}})).unwrap();
        assert_eq!(e.https.letsencrypt.challenge, Challenge::Http01);
        assert_eq!(e.https.letsencrypt.challenge.name(), "http-01");
        let e = typed(json!({"https": {"letsencrypt": {"challenge": "dns-01"}}})).unwrap_err();
        assert!(
            e.message.contains("https.letsencrypt.challenge"),
            "{}",
            e.message
        );
    }

    #[test]
    fn out_of_range_port_is_refused() {
        assert!(typed(json!({"http": {"port": 70000}})).is_err());
        assert!(typed(json!({"http": {"port": 0}})).is_err());
        let e = typed(json!({"https": {"port": 443}})).unwrap();
        assert_eq!(e.https.port.get(), 443);
    }

    #[test]
    fn unset_optional_keys_read_as_none() {
        let e = typed(json!({})).unwrap();
        assert_eq!((e.limits.memory, e.limits.cpu), (None, None));
        let e = typed(json!({"limits": {"memory": "1G", "cpu": 2}})).unwrap();
        assert_eq!(e.limits.memory, Some(Memory::Size("1G".into())));
        assert_eq!(e.limits.cpu, Some(2.0));
    }

    #[test]
    fn auth_classes_are_passed_through_without_nulls() {
        let e = typed(json!({"auth": {"allow_all": true,
            "GitHubOAuthenticator": {"client_id": "x", "gone": null}}}))
        .unwrap();
        let gh = &e.auth.classes["GitHubOAuthenticator"];
        assert_eq!(gh["client_id"], Passthrough(json!("x")));
        assert!(!gh.contains_key("gone"));
        assert!(!e.auth.classes.contains_key("allow_all"));
        assert!(e.auth.classes.contains_key("FirstUseAuthenticator"));
    }
}
