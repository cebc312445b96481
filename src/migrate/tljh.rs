//! What TLJH itself applied for a config.yaml (tljh-reference.md §1.4:
//! its defaults, merged with the file's values as YAML typed them, read the
//! way TLJH's code reads them), compared with hubcfg's effective config of
//! the converted file. Pure.
//!
//! TLJH's defaults are the schema's: the schema took them from §1.4 (the
//! test `tljh_defaults_are_the_schema_defaults` holds the table). Keys TLJH
//! lacks have defaults that do what TLJH did (`https.letsencrypt.challenge`
//! = `tls-alpn-01`, TLJH's `tlsChallenge`; no `ca_server`, no `ca_bundle`).

use super::{Parsed, coerce};
use crate::effective::{self, Secrets};
use crate::schema::{self, Kind};
use serde_json::Value as Json;
use std::fmt;

/// One setting TLJH and hubcfg apply differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub key: String,
    pub tljh: String,
    pub hubcfg: String,
    pub why: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: TLJH applied {}, hubcfg applies {} ({})",
            self.key, self.tljh, self.hubcfg, self.why
        )
    }
}

/// TLJH's defaults (§1.4), as a tree.
pub fn defaults() -> Json {
    effective::defaults()
}

/// Each schema key whose effective value under hubcfg differs from what
/// TLJH applied for the same file, in the schema's order.
pub fn differences(parsed: &Parsed, user: &Json) -> Vec<Difference> {
    let hub = effective::effective(user, &Secrets::default());
    let mut out = vec![];
    for key in schema::KEYS {
        let raw = parsed
            .entries
            .iter()
            .find(|e| !e.table && e.key() == key.path)
            .map(|e| &e.value);
        let hub_value = effective::get(&hub, key.path)
            .cloned()
            .unwrap_or(Json::Null);
        if let Some(d) = special(key.path, &hub_value) {
            out.push(d);
            continue;
        }
        let Some(raw) = raw else { continue };
        let (tljh, why) = as_tljh_read(key.kind, raw);
        if !same_meaning(&tljh, &hub_value) {
            let secret = key.secret || effective::is_secret_key(key.path);
            let shown = |v: &Json| {
                if secret {
                    effective::MASK.to_string()
                } else {
                    show(v)
                }
            };
            out.push(Difference {
                key: key.path.to_string(),
                tljh: shown(&tljh),
                hubcfg: shown(&hub_value),
                why: why.unwrap_or_else(|| "hubcfg uses its default for a null value".into()),
            });
        }
    }
    out
}

/// TLJH's W14: `traefik_api.ip` was never used, and `traefik_api.port`
/// moved Traefik's API but not the hub's calls to it.
fn special(key: &str, hub: &Json) -> Option<Difference> {
    match key {
        "traefik_api.ip" if hub != "127.0.0.1" => Some(Difference {
            key: key.into(),
            tljh: "localhost".into(),
            hubcfg: show(hub),
            why: "TLJH never read traefik_api.ip; hubcfg's Traefik API listens there".into(),
        }),
        "traefik_api.port" if hub != 8099 => Some(Difference {
            key: key.into(),
            tljh: format!("{} for Traefik but 8099 for the hub", show(hub)),
            hubcfg: format!("{} for both", show(hub)),
            why: "TLJH's hub kept calling port 8099, so it could not reach its proxy".into(),
        }),
        _ => None,
    }
}

/// The value TLJH's code saw, and why that is not what hubcfg applies.
fn as_tljh_read(kind: Kind, raw: &Json) -> (Json, Option<String>) {
    match (kind, raw) {
        (Kind::Bool, Json::Bool(_)) => (raw.clone(), None),
        (Kind::Bool, _) => {
            let truthy = match raw {
                Json::Null => false,
                Json::String(s) => !s.is_empty(),
                Json::Number(n) => n.as_f64() != Some(0.0),
                Json::Array(a) => !a.is_empty(),
                Json::Object(o) => !o.is_empty(),
                Json::Bool(b) => *b,
            };
            let why = match raw {
                Json::String(s) if coerce::spelled_bool(s).is_some() => format!(
                    "TLJH's `if` read the string {s:?} as {truthy}; hubcfg reads it as the word says"
                ),
                _ => format!("TLJH's `if` read {} as {truthy}", show(raw)),
            };
            (Json::Bool(truthy), Some(why))
        }
        (Kind::StringList | Kind::HostnameList, Json::String(s)) => (
            Json::Array(s.chars().map(|c| Json::from(c.to_string())).collect()),
            Some("TLJH took each letter of a single string as a name".into()),
        ),
        (_, Json::Null) => (Json::Null, Some("TLJH applied null (none)".into())),
        _ => (raw.clone(), None),
    }
}

/// Equal as TLJH's templates and command lines use them: `"8080"` and
/// `8080` render alike.
fn same_meaning(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::String(s), Json::Number(n)) | (Json::Number(n), Json::String(s)) => {
            s.trim().parse::<f64>().ok() == n.as_f64()
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_meaning(a, b))
        }
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn show(v: &Json) -> String {
    match v {
        Json::Null => "none".into(),
        other => other.to_string(),
    }
}
