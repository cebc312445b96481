//! The HTTP checks of `hubcfg status`: the hub through Traefik, Traefik's
//! API, the hub's REST API for running servers. (network: loopback)
//! Secrets go in headers only, so no message or URL here carries one.

use super::facts::{Check, Servers};
use crate::render::traefik::Api;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value as Json;

fn send(req: RequestBuilder) -> Result<Response, String> {
    req.send().map_err(|e| short(&e))
}

/// reqwest's errors repeat the URL and wrap the cause several times; the
/// innermost cause is what a person needs.
fn short(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time".into();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let why = cause.to_string();
    if e.is_connect() {
        format!("cannot connect: {why}")
    } else {
        why
    }
}

fn json_of(r: Response) -> Result<Json, String> {
    let text = r.text().map_err(|e| short(&e))?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn http_error(r: &Response) -> String {
    format!("HTTP {}", r.status())
}

/// `GET url` must answer 200 with JSON; `version_key` names the version.
fn check_json(req: RequestBuilder, url: &str, version_key: &str) -> Check {
    let mut check = Check {
        url: url.to_string(),
        ..Check::default()
    };
    match send(req) {
        Err(e) => check.error = Some(e),
        Ok(r) => {
            check.http_status = Some(r.status().as_u16());
            if r.status().as_u16() != 200 {
                check.error = Some(http_error(&r));
                if r.status().as_u16() == 401 {
                    check.error =
                        Some(format!("{} (the credentials were refused)", http_error(&r)));
                }
                return check;
            }
            match json_of(r) {
                Ok(v) => {
                    check.ok = true;
                    check.version = v.get(version_key).and_then(Json::as_str).map(String::from);
                }
                Err(e) => check.error = Some(format!("the answer is not JSON: {e}")),
            }
        }
    }
    check
}

/// The hub's `/hub/api` through the proxy: `{"version": "5.2.1"}`.
pub fn hub_api(client: &Client, url: &str) -> Check {
    check_json(client.get(url), url, "version")
}

/// Traefik's `/api/version` with the API user and secret.
pub fn traefik_api(client: &Client, api: Result<Api, String>) -> Check {
    match api {
        Err(e) => Check {
            error: Some(e),
            ..Check::default()
        },
        Ok(api) => {
            let url = format!("{}/api/version", api.url);
            let req = client
                .get(&url)
                .basic_auth(&api.username, Some(&api.password));
            check_json(req, &url, "Version")
        }
    }
}

/// Running servers from `GET /hub/api/users` (hub_api's pages): unknown
/// without a token or when the hub does not answer; an error when the hub
/// refuses the token or answers nonsense.
pub fn running_servers(hub_api_base: &str, token: crate::error::Result<String>) -> Servers {
    use crate::error::Kind;
    let unknown = |why: String| Servers {
        unknown: Some(why),
        ..Servers::default()
    };
    let token = match token {
        Ok(t) => t,
        Err(e) if e.kind == Kind::NotFound => {
            return unknown("no hub token yet: re-run bootstrap".into());
        }
        Err(e) => return unknown(format!("{}; run `sudo hubcfg status`", e.message)),
    };
    let users = crate::hub_api::HubApi::new(hub_api_base, token)
        .map(|api| api.with_read_timeout(super::gather::CHECK_TIMEOUT))
        .and_then(|api| api.users());
    match users {
        Ok(users) => Servers {
            running: Some(users.iter().map(|u| u.running_servers()).sum()),
            ..Servers::default()
        },
        Err(e) if crate::hub_api::is_unreachable(&e) => unknown(e.message),
        // Another answer than 200, 401 or 403: the hub is not ready.
        Err(e) if e.kind != Kind::Permission && e.message.contains("answered HTTP") => {
            unknown(e.message)
        }
        Err(e) => Servers {
            error: Some(e.message),
            ..Servers::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::hub_api::tests::fake_hub::{FakeHub, user};

    #[test]
    fn running_servers_are_counted_across_pages_and_a_refused_token_is_an_error() {
        let users = (0..5).map(|i| user(&format!("s{i}"), false, i != 2, None));
        let hub = FakeHub::start("t", users.collect());
        let s = running_servers(&hub.api_url(), Ok("t".into()));
        assert_eq!((s.running, s.unknown, s.error), (Some(4), None, None));
        let s = running_servers(&hub.api_url(), Ok("wrong".into()));
        assert_eq!(s.running, None);
        assert!(s.error.unwrap().contains("HTTP 403"));
    }

    #[test]
    fn a_missing_token_is_unknown_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::paths::Paths::new(dir.path());
        let token = crate::hub_api::read_token(&paths);
        let s = running_servers("http://127.0.0.1:9/hub/api", token);
        assert_eq!(
            s.unknown.as_deref(),
            Some("no hub token yet: re-run bootstrap")
        );
        assert_eq!((s.running, s.error), (None, None));
    }
}
