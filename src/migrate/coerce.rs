//! YAML values typed as the schema says. TLJH checks types only when
//! `tljh-config` writes, and its hub uses whatever YAML produced: a quoted
//! `'false'` for a boolean is a non-empty string, so TLJH's `if enabled:`
//! read it as true; a quoted port `'8080'` worked as 8080. What a TLJH user
//! meant is what the text says, so a string that spells a boolean or a
//! number becomes that boolean or number (noted, and listed as a difference
//! where TLJH behaved otherwise); anything else of the wrong type is
//! refused, naming the key and line.

use crate::schema::Kind;
use serde_json::Value as Json;

/// A value and what was changed to get it (None: taken as it was).
pub type Coerced = (Json, Option<String>);

pub fn to_kind(kind: Kind, v: &Json) -> Result<Coerced, String> {
    match (kind, v) {
        (Kind::Bool, Json::String(s)) => match spelled_bool(s) {
            Some(b) => Ok((
                Json::Bool(b),
                Some(format!("the string {s:?} became the boolean {b}")),
            )),
            None => Err(format!(
                "must be true or false, not the string {s:?} (TLJH read any non-empty string as true)"
            )),
        },
        (Kind::Int { .. }, Json::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) => Ok((
                Json::from(i),
                Some(format!("the string {s:?} became the number {i}")),
            )),
            Err(_) => Err(format!("must be a whole number, not the string {s:?}")),
        },
        (Kind::Int { .. }, Json::Number(n)) if n.as_i64().is_none() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => Ok((
                Json::from(f as i64),
                Some(format!("{f} became the whole number {}", f as i64)),
            )),
            _ => Err(format!("must be a whole number, not {n}")),
        },
        (Kind::Number { .. }, Json::String(s)) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok((
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
                Some(format!("the string {s:?} became the number {f}")),
            )),
            _ => Err(format!("must be a number, not the string {s:?}")),
        },
        (Kind::StringList | Kind::HostnameList, _) => to_string_list(v),
        (Kind::Memory, Json::Number(n)) if n.as_u64().is_some() => Ok((v.clone(), None)),
        (kind, Json::Number(n)) if kind.is_text() => Ok((
            Json::from(n.to_string()),
            Some(format!("the number {n} became the string \"{n}\"")),
        )),
        _ => Ok((v.clone(), None)),
    }
}

/// A list of user or domain names. A single name becomes a list of one
/// (TLJH made a set of its letters); numbers and booleans in the list
/// become strings (TLJH's hub refused them).
pub fn to_string_list(v: &Json) -> Result<Coerced, String> {
    match v {
        Json::String(s) => Ok((
            Json::Array(vec![v.clone()]),
            Some(format!(
                "the single name {s:?} became the list [{s:?}] (TLJH would have taken each letter as a name)"
            )),
        )),
        Json::Array(items) => {
            let mut fixed = vec![];
            let mut out = vec![];
            for i in items {
                match i {
                    Json::String(_) => out.push(i.clone()),
                    Json::Number(_) | Json::Bool(_) => {
                        fixed.push(i.to_string());
                        out.push(Json::from(i.to_string()));
                    }
                    other => {
                        return Err(format!(
                            "must be a list of names, but holds {}",
                            if other.is_null() {
                                "null"
                            } else {
                                "a nested list or mapping"
                            }
                        ));
                    }
                }
            }
            let note =
                (!fixed.is_empty()).then(|| format!("{} became names (strings)", fixed.join(", ")));
            Ok((Json::Array(out), note))
        }
        other => Err(format!("must be a list of names, not {other}")),
    }
}

/// `true`/`yes`/`on` and `false`/`no`/`off`, any case (YAML 1.1's words,
/// which ruamel's YAML 1.2 reads as strings).
pub fn spelled_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
