//! The config commands (`show`, `set`, `unset`, `add-item`, `remove-item`,
//! `validate`), joining value parsing, validation, edits and the locked
//! file cycle. Messages for people go to stderr; data (values, the file,
//! JSON) to stdout.
//!
//! Validation: the key being changed is checked fully (a problem refuses
//! the edit and leaves the file byte-identical); problems elsewhere in the
//! file are printed as warnings and do not block. `--no-validate` skips the
//! checks (but never the TOML syntax or the structure of the path).

use crate::config::validate::{self, Problem};
use crate::config::value::{self, KeyType, Parsed};
use crate::config::{edit, edit_locked, file};
use crate::effective;
use crate::error::{Error, Result};
use crate::fsutil::Outcome;
use crate::paths::Paths;
use crate::schema;
use serde_json::{Value as Json, json};
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml_edit::DocumentMut;

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
}

/// `show [KEY] [--effective]`.
pub fn show(opts: &Opts, key: Option<&str>, effective: bool) -> Result<()> {
    if effective {
        return show_effective(opts, key);
    }
    let text = file::read(&opts.config_path)?;
    let Some(key) = key else {
        if opts.json {
            let doc = file::parse(&opts.config_path, text.as_deref().unwrap_or(""))?;
            return print_json(&edit::to_json(&doc));
        }
        // Exactly as stored, comments and all.
        return out(&text.unwrap_or_default());
    };
    edit::split_key(key).map_err(Error::new)?;
    let doc = file::parse(&opts.config_path, text.as_deref().unwrap_or(""))?;
    let Some(item) = edit::get(&doc, key) else {
        return Err(not_set(key, &opts.config_path));
    };
    if !opts.json {
        // Lists and tables as written in the file, comments included.
        match item {
            toml_edit::Item::Table(t) => {
                let mut t = t.clone();
                t.decor_mut().clear();
                t.set_implicit(true);
                let mut d = DocumentMut::new();
                *d.as_table_mut() = t;
                return out(d.to_string().trim_start_matches('\n'));
            }
            toml_edit::Item::Value(v @ toml_edit::Value::Array(_)) => {
                return out(&format!("{}\n", describe(v)));
            }
            _ => {}
        }
    }
    let Some(value) = edit::item_to_json(item) else {
        return Err(not_set(key, &opts.config_path));
    };
    print_value(opts, &value)
}

fn not_set(key: &str, config: &Path) -> Error {
    let err = Error::new(format!("`{key}` is not set in {}", config.display()));
    match schema::lookup(key) {
        Some(k) => {
            let default = k.default.to_json();
            if default.is_null() {
                err.with_hint("it has no default (none)")
            } else {
                err.with_hint(format!(
                    "its default is {}; see `hubcfg show --effective {key}`",
                    display_scalar_or_toml(&default)
                ))
            }
        }
        None if schema::is_table(key) || validate::key_type(key).is_ok() => err,
        None => match validate::unknown_key(key).hint {
            Some(h) => err.with_hint(h),
            None => err,
        },
    }
}

fn show_effective(opts: &Opts, key: Option<&str>) -> Result<()> {
    // Parse first for a `config.toml:LINE:COL` error on a broken file.
    file::parse(
        &opts.config_path,
        &file::read(&opts.config_path)?.unwrap_or_default(),
    )?;
    let mut eff = crate::render::load_effective(&opts.paths, &opts.config_path)?;
    effective::mask_secrets(&mut eff);
    match key {
        None if opts.json => print_json(&eff),
        None => {
            let mut unset = vec![];
            collect_nulls(&eff, "", &mut unset);
            let mut text = format!(
                "# Effective configuration: defaults merged with {}; secrets masked.\n",
                opts.config_path.display()
            );
            if !unset.is_empty() {
                text.push_str(&format!("# Not set (none): {}\n", unset.join(", ")));
            }
            text.push_str(&edit::json_to_document(&eff).to_string());
            out(&text)
        }
        Some(key) => match effective::get(&eff, key) {
            Some(Json::Null) => Err(Error::new(format!(
                "`{key}` is not set (its default is none)"
            ))),
            Some(v) => print_value(opts, v),
            None => Err(match validate::key_type(key) {
                Ok(_) => Error::new(format!("`{key}` is not set and has no default")),
                Err(p) => {
                    let e = Error::new(format!("`{key}`: {}", p.message));
                    match p.hint {
                        Some(h) => e.with_hint(h),
                        None => e,
                    }
                }
            }),
        },
    }
}

fn collect_nulls(v: &Json, prefix: &str, out: &mut Vec<String>) {
    if let Some(o) = v.as_object() {
        for (k, child) in o {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if child.is_null() {
                out.push(path);
            } else {
                collect_nulls(child, &path, out);
            }
        }
    }
}

/// Writes to stdout; a closed pipe (`hubcfg show | head`) is not an error.
fn out(text: &str) -> Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn print_json(v: &Json) -> Result<()> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| Error::new(format!("could not format JSON: {e}")))?;
    out(&format!("{text}\n"))
}

/// Scalars plain, lists as TOML arrays, tables as TOML sections.
fn print_value(opts: &Opts, v: &Json) -> Result<()> {
    if opts.json {
        return print_json(v);
    }
    let text = display_scalar_or_toml(v);
    if text.ends_with('\n') {
        out(&text)
    } else {
        out(&format!("{text}\n"))
    }
}

fn display_scalar_or_toml(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "none".into(),
        Json::Object(_) => edit::json_to_document(v).to_string(),
        other => edit::json_to_toml(other)
            .map(|t| t.to_string().trim().to_string())
            .unwrap_or_default(),
    }
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
    if p.message == "unknown key" {
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
    if opts.validate {
        crate::config::edit_locked_validated(&opts.config_path, opts.lock_timeout, key, change)
    } else {
        edit_locked(&opts.config_path, opts.lock_timeout, change).map(|o| (o, vec![]))
    }
}

fn report(opts: &Opts, key: &str, outcome: Outcome, warnings: &[Problem], done: &str) {
    for w in warnings {
        eprintln!(
            "warning: {}: {w} (elsewhere in the file; left as is)",
            opts.config_path.display()
        );
    }
    if opts.json {
        let _ = out(&format!(
            "{}\n",
            json!({"changed": outcome.changed(), "file": opts.config_path, "key": key})
        ));
        return;
    }
    if outcome.changed() {
        eprintln!("{done}");
        eprintln!(
            "  run `sudo hubcfg reload {}` to apply it",
            component_for(key)
        );
    } else {
        eprintln!("{} not changed", opts.config_path.display());
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

fn describe(v: &toml_edit::Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

/// `set KEY VALUE`.
pub fn set(opts: &Opts, key: &str, raw: &str) -> Result<()> {
    let ty = key_type_for(opts, key)?;
    let parsed = match value::parse(raw, ty, opts.force_string) {
        Ok(p) => p,
        Err(_) if !opts.validate => value::parse(raw, KeyType::Loose, opts.force_string)
            .map_err(|m| Error::new(format!("`{key}` {m}")))?,
        Err(m) => return Err(Error::new(format!("`{key}` {m}"))),
    };
    let value = match parsed {
        Parsed::Value(v) => v,
        Parsed::None => return set_none(opts, key, ty),
    };
    let shown = describe(&value);
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
                .map_err(|m| Error::new(format!("`{key}` {m}"))),
            Err(m) => Err(Error::new(format!("`{key}` {m}"))),
        })
        .collect()
}

/// `add-item KEY VALUE…`: a value already present is skipped with a note.
pub fn add_item(opts: &Opts, key: &str, raws: &[String]) -> Result<()> {
    let items = parse_items(opts, key, raws)?;
    let skipped = RefCell::new(vec![]);
    let (outcome, warnings) = edit_validated(opts, key, |doc| {
        for item in items {
            let shown = describe(&item);
            if !edit::add_item(doc, key, item).map_err(Error::new)? {
                skipped.borrow_mut().push(shown);
            }
        }
        Ok(())
    })?;
    for s in skipped.into_inner() {
        eprintln!("{key} already contains {s}; not added again");
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
            edit::remove_item(doc, key, item).map_err(|m| {
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
    let text = match file::read(path)? {
        Some(t) => t,
        None if path == opts.config_path => String::new(),
        None => return Err(Error::new(format!("{} does not exist", path.display()))),
    };
    let doc = file::parse(path, &text)?;
    let problems = problems_in(&doc);
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
        out(&text)?;
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
