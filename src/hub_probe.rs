//! Is the hub really up? `GET <scheme>://<addr>:<port><base_url>hub/api`
//! through Traefik must answer 200.

use crate::effective::Effective;
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// The URL a user's request would take, from the effective config.
pub fn hub_api_url(effective: &Effective) -> String {
    let (scheme, address) = if effective.https.enabled {
        ("https", &effective.https.address)
    } else {
        ("http", &effective.http.address)
    };
    let address = match address.as_str() {
        "" | "0.0.0.0" | "::" => "127.0.0.1",
        a => a,
    };
    let host = if address.contains(':') {
        format!("[{address}]")
    } else {
        address.to_string()
    };
    let port = effective.public_port();
    let base = effective.base_url.trim_end_matches('/');
    format!("{scheme}://{host}:{port}{base}/hub/api")
}

/// The hub's API URL from the prefix's config, or from the defaults when
/// that does not load (a rollback or an uninstall still waits for a hub).
pub fn hub_api_url_or_default(paths: &crate::paths::Paths) -> String {
    let eff = crate::effective::load(paths).unwrap_or_else(|_| {
        Effective::from_tree(&crate::effective::defaults())
            .expect("the defaults are a valid config")
    });
    hub_api_url(&eff)
}

/// Polls `url` until it answers 200 or `timeout` passes; the error says what
/// the last attempt saw.
pub fn wait_ready(url: &str, timeout: Duration) -> Result<Duration> {
    let start = Instant::now();
    let client = crate::http::probe_client(Duration::from_secs(5))?;
    let mut last;
    loop {
        last = match client.get(url).send() {
            Ok(r) if r.status().as_u16() == 200 => return Ok(start.elapsed()),
            Ok(r) => format!("HTTP {}", r.status()),
            Err(e) => crate::error::chain(&e),
        };
        if start.elapsed() >= timeout {
            return Err(Error::new(format!(
                "the hub did not answer 200 at {url} within {}s (last answer: {last})",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eff(user: serde_json::Value) -> Effective {
        Effective::from_tree(&crate::effective::effective(&user, &Default::default())).unwrap()
    }

    #[test]
    fn default_url() {
        assert_eq!(hub_api_url(&eff(json!({}))), "http://127.0.0.1:80/hub/api");
    }

    #[test]
    fn a_config_that_does_not_load_gives_the_default_url() {
        let t = tempfile::tempdir().unwrap();
        let paths = crate::paths::Paths::new(t.path());
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        std::fs::write(paths.config_toml(), "[http]\nport = 8080\n").unwrap();
        assert_eq!(
            hub_api_url_or_default(&paths),
            "http://127.0.0.1:8080/hub/api"
        );
        std::fs::write(paths.config_toml(), "http = [not toml").unwrap();
        assert_eq!(
            hub_api_url_or_default(&paths),
            "http://127.0.0.1:80/hub/api"
        );
    }

    #[test]
    fn honours_port_address_base_url_and_https() {
        let e = eff(
            json!({"base_url": "/custom-base/", "http": {"port": 8080, "address": "10.0.0.5"}}),
        );
        assert_eq!(hub_api_url(&e), "http://10.0.0.5:8080/custom-base/hub/api");
        let e = eff(json!({"base_url": "", "https": {"enabled": true, "port": 8443}}));
        assert_eq!(hub_api_url(&e), "https://127.0.0.1:8443/hub/api");
    }

    #[test]
    fn times_out_with_reason() {
        // Nothing listens on port 9 of loopback.
        let err = wait_ready("http://127.0.0.1:9/hub/api", Duration::from_millis(200)).unwrap_err();
        assert!(
            err.message.contains("did not answer 200"),
            "{}",
            err.message
        );
    }
}
