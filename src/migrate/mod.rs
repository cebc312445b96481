//! `hubcfg migrate`: TLJH's config.yaml → config.toml. Pure: the keys that
//! `hubcfg_hub.config_yaml` read (document order, typed values, comments)
//! in; the TOML text, its settings as JSON and a report out. `coerce` types
//! values as the schema says, `tljh` tells what TLJH itself would have
//! applied (for the differences), `apply` does the file work.

pub mod apply;
mod coerce;
pub mod command;
pub mod live;
pub mod tljh;
pub(crate) mod toml_out;

use crate::config::validate::{self, check_value};
use crate::config::value::KeyType;
use crate::schema;
use serde::Deserialize;
use serde_json::Value as Json;
use std::fmt;

/// What the Python side replies (see `config_yaml.py`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Parsed {
    #[serde(default)]
    pub entries: Vec<Entry>,
    #[serde(default)]
    pub trailing: Vec<String>,
    #[serde(default)]
    pub errors: Vec<SyntaxError>,
    #[serde(default)]
    pub empty: bool,
}

/// One mapping key of config.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Entry {
    pub path: Vec<String>,
    pub line: Option<usize>,
    /// A non-empty mapping: its keys follow as entries of their own.
    #[serde(default)]
    pub table: bool,
    #[serde(default)]
    pub value: Json,
    pub yaml_type: Option<String>,
    /// Why the value could not be read as data (`.nan`, binary…).
    pub unsupported: Option<String>,
    #[serde(default)]
    pub comments: Vec<String>,
    pub inline: Option<String>,
}

impl Entry {
    pub fn key(&self) -> String {
        self.path.join(".")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyntaxError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// A key that cannot be converted as it is; nothing is written then.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub key: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}: {}", self.key, self.message),
            None => write!(f, "{}: {}", self.key, self.message),
        }
    }
}

/// What the report says about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// A value TLJH would have coerced, written with the schema's type.
    Fixed,
    /// Not a hubcfg key: kept in config.toml as it was.
    Unknown,
    /// Not written (a null: TOML has none).
    Dropped,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub kind: NoteKind,
    pub key: String,
    pub line: Option<usize>,
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self
            .line
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        write!(f, "{}{at}: {}", self.key, self.text)
    }
}

/// The result of a conversion.
#[derive(Debug, Clone)]
pub struct Converted {
    pub toml: String,
    /// config.toml's settings, as `config::load` would read them back.
    pub user: Json,
    pub notes: Vec<Note>,
    /// What TLJH applied that hubcfg applies differently.
    pub differences: Vec<tljh::Difference>,
    /// What `hubcfg validate` will warn about (settings that do not work
    /// together).
    pub warnings: Vec<String>,
}

/// A kept leaf: where it goes and the value it gets.
pub(crate) struct Leaf<'a> {
    pub entry: &'a Entry,
    pub value: Json,
}

/// Converts; every key that cannot be is listed (and nothing is written).
pub fn convert(parsed: &Parsed, source: &str) -> Result<Converted, Vec<Refusal>> {
    if !parsed.errors.is_empty() {
        return Err(parsed
            .errors
            .iter()
            .map(|e| Refusal {
                key: match e.column {
                    Some(c) => format!("column {c}"),
                    None => "YAML".into(),
                },
                line: e.line,
                message: format!("not valid YAML: {}", e.message),
            })
            .collect());
    }
    let mut refusals = vec![];
    let mut notes = vec![];
    let mut leaves = vec![];
    for entry in &parsed.entries {
        match classify(entry) {
            Ok(Some((value, note))) => {
                // An unknown table is named once, at its top.
                let key = match note {
                    Some((NoteKind::Unknown, _)) => unknown_root(&entry.path),
                    _ => entry.key(),
                };
                let line = parsed
                    .entries
                    .iter()
                    .find(|e| e.key() == key)
                    .map_or(entry.line, |e| e.line);
                if !notes.iter().any(|n: &Note| n.key == key) {
                    notes.extend(note.map(|(kind, text)| Note {
                        kind,
                        text: hide_secret(&key, text),
                        key,
                        line,
                    }));
                }
                leaves.push(Leaf { entry, value });
            }
            Ok(None) => {}
            Err(Some((kind, text))) => notes.push(Note {
                kind,
                key: entry.key(),
                line: entry.line,
                text,
            }),
            Err(None) => {}
        }
        if let Some(r) = refusal(entry) {
            refusals.push(r);
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let (toml, user) = toml_out::build(&leaves, parsed, source);
    let differences = tljh::differences(parsed, &user);
    let warnings = validate::cross_key_warnings(&user)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Converted {
        toml,
        user,
        notes,
        differences,
        warnings,
    })
}

type Noted = Option<(NoteKind, String)>;

/// A kept leaf's value and what to say about it (`Ok(Some)`), a table
/// entry (`Ok(None)`), or a leaf that is not written, with why (`Err`).
/// Refusals are found by `refusal`.
fn classify(entry: &Entry) -> Result<Option<(Json, Noted)>, Noted> {
    let key = entry.key();
    if entry.table || entry.unsupported.is_some() {
        return Ok(None);
    }
    let ty = key_type(entry);
    if entry.value.is_null() {
        let why = match &ty {
            Ok(KeyType::Known(_)) => match schema::lookup(&key).map(|k| k.default.to_json()) {
                Some(Json::Null) | None => "null: not written, the same as not set".to_string(),
                Some(d) => format!("null: not written, so hubcfg uses the default {d}"),
            },
            Ok(_) => "null: not written (TLJH skips null settings too)".into(),
            Err(_) => "null: not written (TOML has no null)".into(),
        };
        return Err(Some((NoteKind::Dropped, why)));
    }
    let empty_table = entry.value.as_object().is_some_and(|o| o.is_empty());
    match ty {
        Ok(KeyType::Known(kind)) => coerce::to_kind(kind, &entry.value)
            .map(|(v, fix)| Some((v, fix.map(|t| (NoteKind::Fixed, t)))))
            .map_err(|_| None),
        Ok(KeyType::GroupMembers) => coerce::to_string_list(&entry.value)
            .map(|(v, fix)| Some((v, fix.map(|t| (NoteKind::Fixed, t)))))
            .map_err(|_| None),
        Ok(KeyType::Loose) => Ok(Some((entry.value.clone(), None))),
        // `https: {}` and the like say nothing.
        Err(_) if empty_table && (schema::is_table(&key) || schema::is_auth_class(&key)) => {
            Err(None)
        }
        Err(p) if p.unknown_key => Ok(Some((
            entry.value.clone(),
            Some((
                NoteKind::Unknown,
                "kept as it was (TLJH plugins read such keys)".into(),
            )),
        ))),
        Err(_) => Err(None),
    }
}

/// Why `entry` cannot be converted, if it cannot.
fn refusal(entry: &Entry) -> Option<Refusal> {
    let key = entry.key();
    let refuse = |message: String| {
        Some(Refusal {
            key: key.clone(),
            line: entry.line,
            message: hide_secret(&key, message),
        })
    };
    let ty = key_type(entry);
    if let Some(why) = &entry.unsupported {
        return refuse(format!("holds {why}, which hubcfg cannot store"));
    }
    if entry.table {
        return match ty {
            Ok(KeyType::Known(k)) if k != schema::Kind::GroupMap => {
                refuse(format!("{}, not a mapping", expected(k)))
            }
            Ok(KeyType::GroupMembers) => {
                refuse("must be a list of user names, not a mapping".into())
            }
            _ => None,
        };
    }
    if entry.value.is_null() {
        return None;
    }
    match ty {
        Ok(KeyType::Known(kind)) => match coerce::to_kind(kind, &entry.value) {
            Err(e) => refuse(e),
            Ok((v, _)) => check_value(kind, &v).err().and_then(refuse),
        },
        Ok(KeyType::GroupMembers) => coerce::to_string_list(&entry.value).err().and_then(refuse),
        Ok(KeyType::Loose) => None,
        Err(p) if p.unknown_key => None,
        Err(_) if entry.value.as_object().is_some_and(|o| o.is_empty()) => None,
        Err(p) => refuse(p.message),
    }
}

/// What the report says about a secret key's value, without the value
/// (the report is printed; the TOML keeps the value, like `hubcfg show`).
fn hide_secret(key: &str, text: String) -> String {
    if crate::effective::is_secret_key(key) && text.contains('"') {
        "its value was retyped (not shown: a secret)".into()
    } else {
        text
    }
}

/// How `entry` is typed; anything inside an `auth.<Class>.<trait>` value
/// (a trait that is a mapping) is passed through as that trait is.
fn key_type(entry: &Entry) -> Result<KeyType, validate::Problem> {
    let inside_trait =
        (3..entry.path.len()).any(|n| schema::is_free_form(&entry.path[..n].join(".")));
    if inside_trait {
        return Ok(KeyType::Loose);
    }
    validate::key_type(&entry.key())
}

/// The first part of `path` that hubcfg does not know (`plasma` of
/// `plasma.groups.course`).
fn unknown_root(path: &[String]) -> String {
    (1..=path.len())
        .map(|n| path[..n].join("."))
        .find(|p| !(schema::is_table(p) || schema::is_auth_class(p) || schema::lookup(p).is_some()))
        .unwrap_or_else(|| path.join("."))
}

fn expected(kind: schema::Kind) -> String {
    check_value(kind, &Json::Object(Default::default()))
        .err()
        .map(|m| m.trim_end_matches(", not a table").to_string())
        .unwrap_or_else(|| "must be a single value".into())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tljh_tests;
