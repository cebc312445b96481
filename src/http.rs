//! One place that builds HTTP clients: rustls with the ring provider, the
//! system trust store (honours SSL_CERT_FILE), proxies from the environment.

use crate::error::{Error, Result};
use std::time::Duration;

fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client for downloads: verifies certificates.
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    install_crypto_provider();
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(timeout)
        .user_agent(concat!("hubcfg/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(format!("could not set up an HTTP client: {e}")))
}

/// A client for probing our own hub, whose certificate may be self-signed or
/// not issued yet; no redirects, so an http→https redirect is seen as such.
pub fn probe_client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    install_crypto_provider();
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::new(format!("could not set up an HTTP client: {e}")))
}

/// A client for our own hub's API on this machine: no proxy from the
/// environment (the request must not leave the host with the token), a
/// self-signed or not-yet-issued certificate accepted, no redirects.
pub fn local_client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    install_crypto_provider();
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .no_proxy()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hubcfg/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(format!("could not set up an HTTP client: {e}")))
}
