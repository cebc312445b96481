//! The config commands (`show`, `set`, `unset`, `add-item`, `remove-item`,
//! `validate`), joining value parsing, validation, edits and the locked
//! file cycle. Messages for people go to stderr; data (values, the file,
//! JSON) to stdout. All human output goes through `output`, which escapes
//! control characters; no message quotes a secret key's value.
//!
//! Validation: the key being changed is checked fully (a problem refuses
//! the edit and leaves the file byte-identical); problems elsewhere in the
//! file are printed as warnings and do not block. `--no-validate` skips the
//! checks (but never the TOML syntax or the structure of the path).

use crate::config::load::Loaded;
use crate::config::output::{Lines, display_scalar_or_toml, out, out_text, print_json, shown};
use crate::config::show::not_set;
use crate::config::validate::{self, Problem};
use crate::config::value::{self, KeyType, Parsed};
use crate::config::{edit, edit_locked};
use crate::effective::{self, MASK};
use crate::error::{Error, Result};
use crate::fsutil::Outcome;
use crate::paths::Paths;
use crate::report::Reporter;
use crate::schema;
use serde_json::{Value as Json, json};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml_edit::DocumentMut;

pub use crate::config::show::show;

/// Options shared by the config commands.
#[derive(Debug, Clone)]
pub struct Opts {
    pub paths: Paths,
    pub config_path: PathBuf,
    pub validate: bool,
    pub lock_timeout: Duration,
    pub json: bool,
    /// `--string`: store values as strings, whatever they look like.
    pub force_string: bool,
    /// Where messages for people go.
    pub messages: Lines,
}

/// How a key is typed for this command, refusing unknown keys when
/// validating.
fn key_type_for(opts: &Opts, key: &str) -> Result<KeyType> {
    edit::split_key(key).map_err(Error::new)?;
    match validate::key_type(key) {
        Ok(t) => Ok(t),
        Err(_) if !opts.validate => Ok(KeyType::Loose),
        Err(p) => {
            let hint = match &p.hint {
                Some(h) => format!("{h} (--no-validate writes it anyway)"),
                None => "use --no-validate to write it anyway".to_string(),
            };
            Err(problem_error(&p).with_hint(hint))
        }
    }
}

fn problem_error(p: &Problem) -> Error {
    if p.unknown_key {
        Error::new(format!("unknown key `{}`", p.key))
    } else {
        Error::new(format!("`{}` {}", p.key, p.message))
    }
}

fn edit_validated(
    opts: &Opts,
    key: &str,
    change: impl FnOnce(&mut DocumentMut) -> Result<()>,
) -> Result<(Outcome, Vec<Problem>)> {
    if let Some(w) = crate::config::file::hard_link_warning(&opts.config_path) {
        opts.messages.warn(&w);
    }
    if opts.validate {
        crate::config::edit_locked_validated(&opts.config_path, opts.lock_timeout, key, change)
    } else {
        edit_locked(&opts.config_path, opts.lock_timeout, change).map(|o| (o, vec![]))
    }
}

fn report(opts: &Opts, key: &str, outcome: Outcome, warnings: &[Problem], done: &str) {
    for w in warnings {
        if w.concerns(key) {
            opts.messages.note(&format!("note: {w}"));
        } else {
            opts.messages.warn(&format!(
                "{}: {w} (elsewhere in the file; left as is)",
                opts.config_path.display()
            ));
        }
    }
    if opts.json {
        let _ = out(&format!(
            "{}\n",
            json!({"changed": outcome.changed(), "file": opts.config_path, "key": key})
        ));
        return;
    }
    if outcome.changed() {
        opts.messages.note(done);
        opts.messages.note(&format!(
            "  run `sudo hubcfg reload {}` to apply it",
            component_for(key)
        ));
    } else {
        opts.messages
            .note(&format!("{} not changed", opts.config_path.display()));
    }
}

/// Which `reload` a change to `key` needs.
pub fn component_for(key: &str) -> &'static str {
    let top = key.split('.').next().unwrap_or("");
    if matches!(top, "http" | "https" | "traefik_api") {
        "proxy"
    } else {
        "hub"
    }
}

/// `` `key` m `` for a value that was refused; when the key is secret, the
/// values given are replaced by the mask wherever `m` quotes them.
fn value_error(key: &str, raws: &[&str], m: &str) -> Error {
    let mut m = m.to_string();
    if effective::is_secret_key(key) {
        for raw in raws.iter().filter(|r| !r.is_empty()) {
            m = m.replace(raw, MASK);
        }
    }
    Error::new(format!("`{key}` {m}"))
}

/// `set KEY VALUE`.
pub fn set(opts: &Opts, key: &str, raw: &str) -> Result<()> {
    let ty = key_type_for(opts, key)?;
    let parsed = match value::parse(raw, ty, opts.force_string) {
        Ok(p) => p,
        Err(_) if !opts.validate => value::parse(raw, KeyType::Loose, opts.force_string)
            .map_err(|m| value_error(key, &[raw], &m))?,
        Err(m) => return Err(value_error(key, &[raw], &m)),
    };
    let value = match parsed {
        Parsed::Value(v) => v,
        Parsed::None => return set_none(opts, key, ty),
    };
    let shown = shown(key, &value);
    let (outcome, warnings) = edit_validated(opts, key, |doc| {
        edit::set(doc, key, value).map(drop).map_err(Error::new)
    })?;
    let done = format!("set {key} = {shown} in {}", opts.config_path.display());
    report(opts, key, outcome, &warnings, &done);
    Ok(())
}

/// `set KEY none`: TOML has no null, so a key whose default is none (or a
/// free-form one) is removed; other keys refuse.
fn set_none(opts: &Opts, key: &str, ty: KeyType) -> Result<()> {
    let default = schema::lookup(key).map(|k| k.default.to_json());
    let allowed = match ty {
        KeyType::Loose => true,
        _ => default.as_ref().is_some_and(Json::is_null),
    };
    if !allowed {
        let d = default
            .map(|d| format!(", {}", display_scalar_or_toml(&d)))
            .unwrap_or_default();
        return Err(Error::new(format!("`{key}` cannot be none")).with_hint(format!(
            "`hubcfg unset {key}` goes back to the default{d}; use --string to store the word \"none\""
        )));
    }
    let (outcome, warnings) = edit_validated(opts, key, |doc| {
        match edit::unset(doc, key) {
            Ok(()) => Ok(()),
            // Already absent, which is what none means.
            Err(_) if edit::get(doc, key).is_none() => Ok(()),
            Err(e) => Err(Error::new(e)),
        }
    })?;
    let done = format!(
        "removed {key} from {} (TOML has no none; an absent key means none)",
        opts.config_path.display()
    );
    report(opts, key, outcome, &warnings, &done);
    Ok(())
}

/// `unset KEY`.
pub fn unset(opts: &Opts, key: &str) -> Result<()> {
    edit::split_key(key).map_err(Error::new)?;
    let (outcome, warnings) = edit_validated(opts, key, |doc| {
        edit::unset(doc, key).map_err(|_| not_set(key, &opts.config_path))
    })?;
    let done = format!("removed {key} from {}", opts.config_path.display());
    report(opts, key, outcome, &warnings, &done);
    Ok(())
}

fn parse_items(opts: &Opts, key: &str, raws: &[String]) -> Result<Vec<toml_edit::Value>> {
    let ty = key_type_for(opts, key)?;
    raws.iter()
        .map(|raw| match value::parse_item(raw, ty, opts.force_string) {
            Ok(v) => Ok(v),
            Err(_) if !opts.validate => value::parse_item(raw, KeyType::Loose, opts.force_string)
                .map_err(|m| value_error(key, &[raw], &m)),
            Err(m) => Err(value_error(key, &[raw], &m)),
        })
        .collect()
}

/// `add-item KEY VALUE…`: a value already present is skipped with a note.
pub fn add_item(opts: &Opts, key: &str, raws: &[String]) -> Result<()> {
    let items = parse_items(opts, key, raws)?;
    let skipped = RefCell::new(vec![]);
    let (outcome, warnings) = edit_validated(opts, key, |doc| {
        for item in items {
            let shown = shown(key, &item);
            if !edit::add_item(doc, key, item).map_err(Error::new)? {
                skipped.borrow_mut().push(shown);
            }
        }
        Ok(())
    })?;
    for s in skipped.into_inner() {
        opts.messages
            .note(&format!("{key} already contains {s}; not added again"));
    }
    let done = format!("added to {key} in {}", opts.config_path.display());
    report(opts, key, outcome, &warnings, &done);
    Ok(())
}

/// `remove-item KEY VALUE…`: every value must be present, else nothing is
/// removed.
pub fn remove_item(opts: &Opts, key: &str, raws: &[String]) -> Result<()> {
    let items = parse_items(opts, key, raws)?;
    let (outcome, warnings) = edit_validated(opts, key, |doc| {
        for item in &items {
            let is_list = matches!(
                edit::get(doc, key),
                Some(toml_edit::Item::Value(toml_edit::Value::Array(_)))
            );
            edit::remove_item(doc, key, item).map_err(|m| {
                // That message quotes the value and the list's items.
                let m = if is_list && effective::is_secret_key(key) {
                    format!("a value given is not in `{key}` (values not shown: the key is secret)")
                } else {
                    m
                };
                Error::new(format!(
                    "{m}; {} was not changed",
                    opts.config_path.display()
                ))
            })?;
        }
        Ok(())
    })?;
    let done = format!("removed from {key} in {}", opts.config_path.display());
    report(opts, key, outcome, &warnings, &done);
    Ok(())
}

/// Every problem in a config file's text (after it parsed).
pub fn problems_in(doc: &DocumentMut) -> Vec<Problem> {
    let j = edit::to_json(doc);
    let mut all = validate::check_document(&j);
    all.extend(validate::cross_key_warnings(&j));
    all
}

/// `validate [FILE]`: prints every problem as `key: problem`; fails if any
/// is an error (warnings alone pass).
pub fn validate_file(opts: &Opts, path: Option<&Path>) -> Result<()> {
    let path = path.unwrap_or(&opts.config_path);
    let loaded = Loaded::read(path)?;
    if loaded.text.is_none() && path != opts.config_path {
        return Err(Error::new(format!("{} does not exist", path.display())));
    }
    let problems = problems_in(&loaded.doc);
    let errors = problems.iter().filter(|p| !p.warning).count();
    if opts.json {
        let list: Vec<Json> = problems
            .iter()
            .map(|p| {
                json!({
                    "key": p.key, "message": p.message, "hint": p.hint,
                    "severity": if p.warning { "warning" } else { "error" },
                })
            })
            .collect();
        print_json(&json!({"file": path, "valid": errors == 0, "problems": list}))?;
    } else {
        let mut text = String::new();
        for p in &problems {
            if p.warning {
                text.push_str(&format!("warning: {p}\n"));
            } else {
                text.push_str(&format!("{p}\n"));
            }
        }
        if errors == 0 {
            text.push_str(&format!("{}: ok\n", path.display()));
        }
        out_text(&text)?;
    }
    if errors > 0 {
        return Err(Error::new(format!(
            "{}: {errors} problem{} found",
            path.display(),
            if errors == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}
