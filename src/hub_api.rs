//! The hub's REST API, as the `hubcfg` service (token in
//! `Paths::hub_token()`, registered by bootstrap with the scopes in
//! `render::hub::HUBCFG_SCOPES`). The URL is the one a user's request takes
//! (`hub_probe::hub_api_url`: through Traefik, from the effective config).
//!
//! Errors say what to do: the hub not answering → `systemctl status
//! jupyterhub` (kind `Network`, see `is_unreachable`); 403 → the token or the
//! role's scopes (kind `Permission`).

use crate::error::{Error, Kind, Result};
use crate::paths::Paths;
use serde::Deserialize;
use std::time::{Duration, Instant};

/// Stopping a user's server before deleting them can take a while (the
/// spawner's stop timeout); the hub answers the DELETE only after.
const DELETE_TIMEOUT: Duration = Duration::from_secs(90);
const READ_TIMEOUT: Duration = Duration::from_secs(20);
/// Users per page (JupyterHub caps a page at its `api_page_max_limit`, 200 by
/// default, and says where the next one starts).
const PAGE: usize = 200;

/// A client for one hub.
pub struct HubApi {
    /// `…/hub/api`, no trailing slash.
    base: String,
    token: String,
    client: reqwest::blocking::Client,
    read_timeout: Duration,
}

/// A user as the hub knows them (the fields `users list` shows).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HubUser {
    pub name: String,
    #[serde(default)]
    pub admin: bool,
    /// The default server's URL while it is running (null otherwise).
    #[serde(default)]
    pub server: Option<String>,
    /// `spawn` or `stop` while the default server is starting or stopping.
    #[serde(default)]
    pub pending: Option<String>,
    /// ISO 8601, UTC; null when never active.
    #[serde(default)]
    pub last_activity: Option<String>,
    /// The user's active servers by name (`""`: the default one), when the
    /// token may read them.
    #[serde(default)]
    pub servers: std::collections::BTreeMap<String, serde_json::Value>,
}

impl HubUser {
    pub fn running(&self) -> bool {
        self.server.is_some()
    }

    /// How many servers the user has running or starting: the `servers`
    /// map, else the default server alone.
    pub fn running_servers(&self) -> u64 {
        match self.servers.len() {
            0 => u64::from(self.running()),
            n => n as u64,
        }
    }
}

/// What `delete_user` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// The hub had no such user: nothing to do.
    NotKnown,
}

#[derive(Deserialize)]
struct Page {
    items: Vec<HubUser>,
    #[serde(rename = "_pagination")]
    pagination: Pagination,
}

#[derive(Deserialize)]
struct Pagination {
    next: Option<Next>,
}

#[derive(Deserialize)]
struct Next {
    offset: usize,
}

/// Was this error "the hub did not answer" (connection refused, timeout)?
pub fn is_unreachable(e: &Error) -> bool {
    e.kind == Kind::Network
}

impl HubApi {
    /// The installed hub of `paths`: its URL from the effective config, the
    /// token from `state/hubcfg-hub-token`.
    pub fn installed(paths: &Paths) -> Result<HubApi> {
        let effective = crate::effective::load(paths)?;
        let token = read_token(paths)?;
        HubApi::new(&crate::hub_probe::hub_api_url(&effective), token)
    }

    /// `base`: `…/hub/api` (a trailing slash is fine).
    pub fn new(base: &str, token: String) -> Result<HubApi> {
        Ok(HubApi {
            base: base.trim_end_matches('/').to_string(),
            token,
            client: crate::http::local_client(DELETE_TIMEOUT)?,
            read_timeout: READ_TIMEOUT,
        })
    }

    /// How long a GET may take (default 20 s; `status` checks in less).
    pub fn with_read_timeout(mut self, timeout: Duration) -> HubApi {
        self.read_timeout = timeout;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET `path` (below `…/hub/api`, e.g. `/users`), the body as JSON.
    /// For callers with their own questions (`status`).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        let r = self.send(self.client.get(&url).timeout(self.read_timeout), &url)?;
        parse(&url, r)
    }

    /// Every user the hub knows, page by page.
    pub fn users(&self) -> Result<Vec<HubUser>> {
        let mut users = vec![];
        let mut offset = 0;
        loop {
            let url = format!("{}/users?offset={offset}&limit={PAGE}", self.base);
            let request = self
                .client
                .get(&url)
                .timeout(self.read_timeout)
                .header("Accept", "application/jupyterhub-pagination+json");
            let page: Page = parse(&url, self.send(request, &url)?)?;
            users.extend(page.items);
            match page.pagination.next {
                Some(next) if next.offset > offset => offset = next.offset,
                _ => return Ok(users),
            }
        }
    }

    /// DELETE the user from the hub's database; the hub stops a running
    /// server first. A server still stopping is waited for (the hub answers
    /// 400 until it has stopped), up to `DELETE_TIMEOUT`.
    pub fn delete_user(&self, name: &str) -> Result<Deleted> {
        let mut url = reqwest::Url::parse(&format!("{}/users", self.base))
            .map_err(|e| Error::new(format!("bad hub API URL {}: {e}", self.base)))?;
        url.path_segments_mut()
            .map_err(|_| Error::new(format!("bad hub API URL {}", self.base)))?
            .push(name);
        let shown = url.to_string();
        let start = Instant::now();
        loop {
            let r = self.send(self.client.delete(url.clone()), &shown)?;
            let status = r.status().as_u16();
            match status {
                204 | 200 => return Ok(Deleted::Deleted),
                404 => return Ok(Deleted::NotKnown),
                400 if start.elapsed() < DELETE_TIMEOUT => {
                    let message = hub_message(r);
                    if !message.contains("stopping") {
                        return Err(refused(&shown, status, &message));
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                _ => return Err(refused(&shown, status, &hub_message(r))),
            }
        }
    }

    fn send(
        &self,
        request: reqwest::blocking::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::blocking::Response> {
        let r = request
            .header("Authorization", format!("token {}", self.token))
            .send()
            .map_err(|e| unreachable(url, &e))?;
        match r.status().as_u16() {
            401 | 403 => Err(forbidden(url, r.status().as_u16(), &hub_message(r))),
            _ => Ok(r),
        }
    }
}

/// `state/hubcfg-hub-token`, trimmed; missing or empty says to run bootstrap.
pub fn read_token(paths: &Paths) -> Result<String> {
    let path = paths.hub_token();
    let missing = || {
        Error::new(format!(
            "{} is missing or empty: hubcfg has no token for the hub's API",
            path.display()
        ))
        .with_hint("`sudo hubcfg bootstrap` creates it (and restarts the hub so that it knows it)")
        .with_kind(Kind::NotFound)
    };
    match std::fs::read_to_string(&path) {
        Ok(t) if t.trim().is_empty() => Err(missing()),
        Ok(t) => Ok(t.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
        Err(e) => Err(Error::new(format!("cannot read {}: {e}", path.display()))
            .with_hint("run hubcfg as root (`sudo hubcfg …`)")
            .with_source(e)),
    }
}

fn unreachable(url: &str, e: &reqwest::Error) -> Error {
    Error::new(format!(
        "the hub did not answer at {url}: {}",
        crate::error::chain(e)
    ))
    .with_hint(
        "is it running? `systemctl status jupyterhub traefik` and \
         `journalctl -u jupyterhub -n 50` say why not",
    )
    .with_kind(Kind::Network)
}

fn forbidden(url: &str, status: u16, message: &str) -> Error {
    Error::new(format!("the hub refused hubcfg's token at {url} (HTTP {status}: {message})"))
        .with_hint(
            "the hub loads state/hubcfg-hub-token and the `hubcfg` role's scopes when it starts: \
             `sudo hubcfg bootstrap` repairs them, `sudo systemctl restart jupyterhub` reloads them",
        )
        .with_kind(Kind::Permission)
}

fn refused(url: &str, status: u16, message: &str) -> Error {
    Error::new(format!(
        "the hub answered HTTP {status} at {url}: {message}"
    ))
    .with_hint("`journalctl -u jupyterhub -n 50` shows the hub's side")
}

/// The `message` of a JupyterHub error body, else the body itself (short).
fn hub_message(r: reqwest::blocking::Response) -> String {
    let body = r.text().unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn parse<T: serde::de::DeserializeOwned>(url: &str, r: reqwest::blocking::Response) -> Result<T> {
    let status = r.status().as_u16();
    if status != 200 {
        return Err(refused(url, status, &hub_message(r)));
    }
    let body = r.text().map_err(|e| unreachable(url, &e))?;
    serde_json::from_str(&body).map_err(|e| {
        Error::new(format!(
            "the hub's answer at {url} is not what hubcfg expects: {e}"
        ))
        .with_hint("hubcfg talks to JupyterHub 5: `sudo hubcfg bootstrap` installs it")
    })
}

#[cfg(test)]
#[path = "hub_api_tests.rs"]
pub(crate) mod tests;
