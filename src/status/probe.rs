//! The HTTP checks of `hubcfg status`: the hub through Traefik, Traefik's
//! API, the hub's REST API for running servers. (network: loopback)
//! Secrets go in headers only, so no message or URL here carries one.

use super::facts::{Check, Servers};
use crate::render::traefik::Api;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value as Json;

/// The token file's name for messages (never its content).
const TOKEN_FILE: &str = "state/hubcfg-hub-token";

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

/// What reading the hub token gave: the token, or why there is none.
pub enum Token {
    Found(String),
    Missing,
    Unreadable(String),
}

pub fn read_token(path: &std::path::Path) -> Token {
    match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => Token::Found(t.trim().to_string()),
        Ok(_) => Token::Missing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Token::Missing,
        Err(e) => Token::Unreadable(format!("cannot read {TOKEN_FILE}: {e}")),
    }
}

/// Pages of `GET /hub/api/users?state=active` (users with a server running
/// or starting), counting their servers.
pub fn running_servers(client: &Client, hub_api_base: &str, token: Token) -> Servers {
    let token = match token {
        Token::Found(t) => t,
        Token::Missing => {
            return Servers {
                unknown: Some("no hub token yet: re-run bootstrap".into()),
                ..Servers::default()
            };
        }
        Token::Unreadable(why) => {
            return Servers {
                unknown: Some(format!("{why}; run `sudo hubcfg status`")),
                ..Servers::default()
            };
        }
    };
    let mut running = 0;
    let mut offset = 0;
    // 200 users a page: a bound for a hub of any size.
    for _ in 0..500 {
        let url = format!("{hub_api_base}/users?state=active&offset={offset}&limit=200");
        let req = client
            .get(&url)
            .header("Authorization", format!("token {token}"))
            .header("Accept", "application/jupyterhub-pagination+json");
        let page = match send(req) {
            Err(e) => {
                return Servers {
                    unknown: Some(format!("the hub does not answer at {hub_api_base}: {e}")),
                    ..Servers::default()
                };
            }
            Ok(r) if matches!(r.status().as_u16(), 401 | 403) => {
                return Servers {
                    error: Some(format!("{} from {hub_api_base}/users", http_error(&r))),
                    ..Servers::default()
                };
            }
            Ok(r) if r.status().as_u16() != 200 => {
                return Servers {
                    unknown: Some(format!("{} from {hub_api_base}/users", http_error(&r))),
                    ..Servers::default()
                };
            }
            Ok(r) => match json_of(r) {
                Ok(v) => v,
                Err(e) => {
                    return Servers {
                        error: Some(format!("the hub's user list is not JSON: {e}")),
                        ..Servers::default()
                    };
                }
            },
        };
        let (count, next) = count_page(&page);
        running += count;
        match next {
            Some(n) if n > offset => offset = n,
            _ => break,
        }
    }
    Servers {
        running: Some(running),
        ..Servers::default()
    }
}

/// Servers on one page (a user without a `servers` map counts once), and
/// the next page's offset. A plain list (no pagination) is one page.
pub fn count_page(page: &Json) -> (u64, Option<u64>) {
    let items = page
        .get("items")
        .or(Some(page))
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let count = items
        .iter()
        .map(|u| match u.get("servers").and_then(Json::as_object) {
            Some(s) => s.len() as u64,
            None => 1,
        })
        .sum();
    let next = page
        .pointer("/_pagination/next/offset")
        .and_then(Json::as_u64);
    (count, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_count_servers_and_name_the_next_page() {
        let page = json!({"items": [
            {"name": "a", "servers": {"": {}, "lab2": {}}},
            {"name": "b", "servers": {"": {}}},
            {"name": "c"}
        ], "_pagination": {"offset": 0, "limit": 3, "total": 5, "next": {"offset": 3, "limit": 3}}});
        assert_eq!(count_page(&page), (4, Some(3)));
        let last = json!({"items": [{"name": "d"}], "_pagination": {"next": null}});
        assert_eq!(count_page(&last), (1, None));
        assert_eq!(count_page(&json!([{"name": "x"}])), (1, None));
        assert_eq!(count_page(&json!({"weird": 1})), (0, None));
    }

    #[test]
    fn a_missing_token_is_unknown_not_an_error() {
        let client = crate::http::local_client(std::time::Duration::from_secs(1)).unwrap();
        let s = running_servers(&client, "http://127.0.0.1:9/hub/api", Token::Missing);
        assert_eq!(
            s.unknown.as_deref(),
            Some("no hub token yet: re-run bootstrap")
        );
        assert_eq!((s.running, s.error), (None, None));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_token(&dir.path().join("none")),
            Token::Missing
        ));
    }
}
