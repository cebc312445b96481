//! Let's Encrypt (ACME) for Traefik: the certificate resolver in the static
//! config (which challenge Traefik answers, which CA it asks), and
//! `state/traefik.env`, the environment traefik.service loads
//! (`EnvironmentFile=`), which names the CA bundle Traefik trusts when it
//! talks to a private ACME server. Pure: values in, text out.

use super::traefik::{HTTP_ENTRYPOINT, put};
use crate::effective::{Challenge, Effective};
use crate::error::{Error, Result};
use toml::Table;

pub const LE_RESOLVER: &str = "letsencrypt";
const LE_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";
/// The variable Traefik's ACME client (lego) reads its CA bundle from.
pub const CA_BUNDLE_VAR: &str = "LEGO_CA_CERTIFICATES";

/// Complete Let's Encrypt settings (see `traefik::https`).
#[derive(Debug, Clone, PartialEq)]
pub struct LetsEncrypt {
    pub email: String,
    pub domains: Vec<String>,
    pub challenge: Challenge,
    /// The ACME directory; None: Let's Encrypt's production one (Traefik's default).
    pub ca_server: Option<String>,
    /// CA certificates (PEM) trusted for the ACME server; None: the system's.
    pub ca_bundle: Option<String>,
}

impl LetsEncrypt {
    /// From the effective config, once email and domains are known to be
    /// set; a malformed CA URL or bundle path is refused with its key.
    pub fn new(eff: &Effective) -> Result<LetsEncrypt> {
        let le = &eff.https.letsencrypt;
        let ca_server = match le.ca_server.as_str() {
            "" if le.staging => Some(LE_STAGING.to_string()),
            "" => None,
            url => Some(check_url(url)?.to_string()),
        };
        let ca_bundle = match le.ca_bundle.as_str() {
            "" => None,
            p if p.contains(['\n', '\r']) || !p.starts_with('/') => {
                return Err(Error::new(format!(
                    "https.letsencrypt.ca_bundle {p:?} must be an absolute path on one line"
                ))
                .with_hint("`tljh-config set https.letsencrypt.ca_bundle /path/to/ca.pem`"));
            }
            p => Some(p.to_string()),
        };
        Ok(LetsEncrypt {
            email: le.email.clone(),
            domains: le.domains.clone(),
            challenge: le.challenge,
            ca_server,
            ca_bundle,
        })
    }
}

/// Also checked by `set`; this catches a config.toml edited by hand.
fn check_url(url: &str) -> Result<&str> {
    match crate::config::validate::is_url(url) {
        true => Ok(url),
        false => Err(Error::new(format!(
            "https.letsencrypt.ca_server {url:?} is not an ACME directory URL"
        ))
        .with_hint(
            "set it to the directory's URL, e.g. `tljh-config set https.letsencrypt.ca_server \
             https://ca.example.org/acme/directory`, or unset it to use Let's Encrypt",
        )),
    }
}

/// `certificatesResolvers.letsencrypt` in the static config.
pub fn resolver(t: &mut Table, le: &LetsEncrypt, storage: String) {
    let acme = format!("certificatesResolvers.{LE_RESOLVER}.acme");
    put(t, &format!("{acme}.email"), le.email.as_str());
    put(t, &format!("{acme}.storage"), storage);
    match le.challenge {
        Challenge::TlsAlpn01 => put(t, &format!("{acme}.tlsChallenge"), Table::new()),
        // Traefik answers /.well-known/acme-challenge/ on this entrypoint
        // before its http→https redirect applies.
        Challenge::Http01 => put(
            t,
            &format!("{acme}.httpChallenge.entryPoint"),
            HTTP_ENTRYPOINT,
        ),
    }
    if let Some(url) = &le.ca_server {
        put(t, &format!("{acme}.caServer"), url.as_str());
    }
}

/// The text of state/traefik.env: only comments unless a CA bundle is set,
/// so unsetting the key clears the variable on the next reload.
pub fn traefik_env(le: Option<&LetsEncrypt>) -> String {
    let mut text = String::from(
        "# Written by `hubcfg render` from config/config.toml; changes here are overwritten.\n\
         # traefik.service loads it (EnvironmentFile=); `hubcfg reload proxy` applies it.\n",
    );
    if let Some(bundle) = le.and_then(|le| le.ca_bundle.as_deref()) {
        let quoted = bundle.replace('\\', "\\\\").replace('"', "\\\"");
        text.push_str(&format!("{CA_BUNDLE_VAR}=\"{quoted}\"\n"));
    }
    text
}

/// Settings that render but probably keep a certificate from being issued.
pub fn warnings(eff: &Effective, le: &LetsEncrypt) -> Vec<String> {
    let (port, needed, key) = match le.challenge {
        Challenge::TlsAlpn01 => (eff.https.port.get(), 443, "https.port"),
        Challenge::Http01 => (eff.http.port.get(), 80, "http.port"),
    };
    if port == needed {
        return vec![];
    }
    vec![format!(
        "{key} is {port}, but Let's Encrypt's {} check connects to port {needed}: \
         certificates are only issued if port {needed} reaches this port",
        le.challenge.name()
    )]
}

#[cfg(test)]
#[path = "acme_tests.rs"]
mod tests;
