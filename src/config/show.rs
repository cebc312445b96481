//! `show [KEY] [--effective]`: the file as stored, one value, or the
//! effective config with every secret masked.

use crate::config::commands::Opts;
use crate::config::load::Loaded;
use crate::config::output::{
    collect_nulls, describe, display_scalar_or_toml, out_text, print_json, print_value,
};
use crate::config::{edit, file, validate};
use crate::effective;
use crate::error::{Error, Result};
use crate::schema;
use serde_json::Value as Json;
use std::path::Path;
use toml_edit::DocumentMut;

/// `show [KEY] [--effective]`. Plain `show` prints the file as stored,
/// secrets included (it is the user's own, root-only file); `--effective`
/// masks every secret (`effective::mask_secrets`).
pub fn show(opts: &Opts, key: Option<&str>, effective: bool) -> Result<()> {
    if effective {
        return show_effective(opts, key);
    }
    let Some(key) = key else {
        if opts.json {
            return print_json(&Loaded::read(&opts.config_path)?.user());
        }
        // As stored, comments and all (control characters but newline and
        // tab escaped), even when it does not parse.
        return out_text(&file::read(&opts.config_path)?.unwrap_or_default());
    };
    edit::split_key(key).map_err(Error::new)?;
    let loaded = Loaded::read(&opts.config_path)?;
    let Some(item) = edit::get(&loaded.doc, key) else {
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
                return out_text(d.to_string().trim_start_matches('\n'));
            }
            toml_edit::Item::Value(v @ toml_edit::Value::Array(_)) => {
                return out_text(&format!("{}\n", describe(v)));
            }
            _ => {}
        }
    }
    let Some(value) = edit::item_to_json(item) else {
        return Err(not_set(key, &opts.config_path));
    };
    print_value(opts.json, &value)
}

/// `key` is not set in `config`, with its default as the hint.
pub(super) fn not_set(key: &str, config: &Path) -> Error {
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
    let loaded = Loaded::read(&opts.config_path)?;
    let mut eff = effective::load::tree_to_show(&opts.paths, &loaded)?;
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
            out_text(&text)
        }
        Some(key) => match effective::get(&eff, key) {
            Some(Json::Null) => Err(Error::new(format!(
                "`{key}` is not set (its default is none)"
            ))),
            Some(v) => print_value(opts.json, v),
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
