//! What `hubcfg status` found: plain values, gathered by `gather`, judged
//! and printed by `report`. Serialized as they are into `status --json`.

use crate::systemd::UnitInfo;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    pub prefix: String,
    /// Why config.toml could not be used (the checks then use the defaults).
    pub config_error: Option<String>,
    pub services: Services,
    /// `GET …/hub/api` through Traefik, as a user's request goes.
    pub hub_api: Check,
    /// `GET /api/version` on Traefik's API, with the API secret.
    pub traefik_api: Check,
    pub https: Https,
    pub disk: Disk,
    pub memory: Memory,
    pub versions: Versions,
    pub servers: Servers,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Services {
    pub traefik: Unit,
    pub jupyterhub: Unit,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    /// `traefik.service`
    pub unit: String,
    #[serde(flatten)]
    pub info: UnitInfo,
}

impl Unit {
    /// The name without `.service`: `journalctl -u NAME`.
    pub fn short(&self) -> &str {
        self.unit.strip_suffix(".service").unwrap_or(&self.unit)
    }
    pub fn is_active(&self) -> bool {
        self.info.active_state == "active"
    }
}

/// One HTTP check: where it went and what came back.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Check {
    pub url: String,
    pub ok: bool,
    /// The version the answer named.
    pub version: Option<String>,
    /// The HTTP status when there was an answer.
    pub http_status: Option<u16>,
    /// Why it is not ok.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Https {
    pub enabled: bool,
    /// `letsencrypt`, `manual` (https.tls.cert/key) when enabled.
    pub source: Option<String>,
    pub port: Option<u16>,
    /// https.letsencrypt.domains
    pub domains: Vec<String>,
    /// What Traefik serves on the https port.
    pub certificate: Option<Certificate>,
    /// Why no certificate could be read there.
    pub certificate_error: Option<String>,
    /// The last ACME error in Traefik's journal since it started: for the
    /// first domain diagnosed with its next step (acme_diagnosis), else any.
    pub last_acme_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// DNS names and addresses it is valid for.
    pub names: Vec<String>,
    /// RFC 3339, UTC.
    pub not_after: String,
    /// Whole days until it expires; negative once expired.
    pub days_left: i64,
    /// Traefik's self-signed fallback ("TRAEFIK DEFAULT CERT").
    pub traefik_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Disk {
    pub path: String,
    pub free_bytes: Option<u64>,
    pub total_bytes: Option<u64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Memory {
    /// MemTotal, or the memory cgroup's limit when smaller.
    pub total_bytes: Option<u64>,
    /// MemAvailable (at most the total).
    pub available_bytes: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Versions {
    pub hubcfg: String,
    pub jupyterhub: Option<String>,
    pub traefik: Option<String>,
    pub hub_python: Option<String>,
    pub user_python: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Servers {
    /// User servers running or starting.
    pub running: Option<u64>,
    /// Why the number is not known, when that is no fault (no token yet,
    /// the hub does not answer).
    pub unknown: Option<String>,
    /// The hub refused the token, or answered nonsense: a problem.
    pub error: Option<String>,
}
