//! The settings pip would use for `pip install` on this machine: its config
//! files and `PIP_*` variables, as `pip config list` reports them, merged the
//! way pip merges them.

use crate::cmd;
use crate::error::{Context, Error, Kind, Result};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::process::Command;

/// Where a setting came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A config file's `[global]` or `[install]` section.
    File { section: String },
    /// A `PIP_*` environment variable, e.g. `PIP_INDEX_URL`.
    Env { var: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File { section } => write!(f, "[{section}] in pip's config"),
            Source::Env { var } => f.write_str(var),
        }
    }
}

/// One setting pip applies to `pip install`, after precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipSetting {
    /// Canonical option name (`index-url`, `timeout`, …; aliases resolved).
    pub key: String,
    pub value: String,
    pub source: Source,
}

/// The sections `pip install` reads, weakest first (`:env:` holds the
/// `PIP_*` variables). pip's other sections belong to other commands.
const INSTALL_SECTIONS: [&str; 3] = ["global", "install", ":env:"];

/// pip's options that have more than one long name (cmdoptions.py), as
/// (other name, the name pip documents first).
const ALIASES: &[(&str, &str)] = &[
    ("default-timeout", "timeout"),
    ("pypi-url", "index-url"),
    ("log-file", "log"),
    ("local-log", "log"),
    ("require-venv", "require-virtualenv"),
    ("source", "src"),
    ("source-dir", "src"),
    ("source-directory", "src"),
    ("no-dependencies", "no-deps"),
];

/// Parses `pip config list` output into the settings `pip install` uses.
///
/// When one section sets an option under two names (`timeout` and
/// `default-timeout`), the one listed last wins: pip's pick depends on the
/// order in the file, which the sorted listing does not show.
pub fn parse_config_list(text: &str) -> Result<Vec<PipSetting>> {
    // canonical key → (rank of its section, setting)
    let mut merged: BTreeMap<String, (usize, PipSetting)> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let entry = parse_line(line).map_err(|why| {
            Error::new(format!(
                "line {} of `pip config list` is not `section.key='value'` ({why}): {line}",
                n + 1
            ))
            .with_kind(Kind::Invalid)
        })?;
        let Some(entry) = entry else { continue };
        // pip skips empty values, and reads only long option names (`--` +
        // key), so a one-letter key such as `i` or `f` is not `-i`/`-f`.
        if entry.value.is_empty() || entry.name.chars().count() < 2 {
            continue;
        }
        let setting = entry.to_setting();
        match merged.get(&setting.key) {
            Some((rank, _)) if *rank > entry.rank => {}
            _ => {
                merged.insert(setting.key.clone(), (entry.rank, setting));
            }
        }
    }
    Ok(merged.into_values().map(|(_, s)| s).collect())
}

/// Runs `PYTHON -m pip config list` with this process's environment.
pub fn read(python: &Path) -> Result<Vec<PipSetting>> {
    read_with(python, &[])
}

/// `read`, with `envs` set on top of this process's environment for the
/// pip run only.
pub fn read_with(python: &Path, envs: &[(&str, &str)]) -> Result<Vec<PipSetting>> {
    let mut command = Command::new(python);
    command.args(["-m", "pip", "config", "list"]);
    command.envs(envs.iter().copied());
    // pip prints the listing at its info level: a quiet setting hides it, a
    // verbose one mixes log lines in. Both are output-only for `pip
    // install`, so they are overridden (over files too) rather than read.
    command.envs([("PIP_QUIET", "0"), ("PIP_VERBOSE", "0")]);
    let shown = cmd::to_shell(&command);
    let out = cmd::run_checked(&mut command)
        .map_err(|e| {
            e.with_kind(Kind::Command).with_hint(
                "hubcfg reads pip's settings (pip.conf, PIP_* variables) with this \
                 command to give them to uv; check that this Python has pip",
            )
        })
        .context(|| "reading pip's settings".to_string())?;
    parse_config_list(&out.stdout).context(|| format!("reading the output of `{shown}`"))
}

/// One line of the listing, in a section `pip install` reads.
struct Entry {
    /// Index in `INSTALL_SECTIONS`.
    rank: usize,
    /// The option as listed (lower case, `-` for `_`), before aliases.
    name: String,
    value: String,
}

impl Entry {
    fn to_setting(&self) -> PipSetting {
        let key = ALIASES
            .iter()
            .find(|(alias, _)| *alias == self.name)
            .map_or(self.name.as_str(), |(_, canonical)| canonical);
        let section = INSTALL_SECTIONS[self.rank];
        let source = if section == ":env:" {
            Source::Env {
                var: format!("PIP_{}", self.name.to_uppercase().replace('-', "_")),
            }
        } else {
            Source::File {
                section: section.to_string(),
            }
        };
        PipSetting {
            key: key.to_string(),
            value: self.value.clone(),
            source,
        }
    }
}

/// `section.name='value'` → the entry, or None for a section `pip install`
/// does not read; Err says what is wrong with the line.
fn parse_line(line: &str) -> Result<Option<Entry>, String> {
    // Option names (configparser's) and variable names hold no `=`, so the
    // first one ends the key in the sections that matter.
    let (key, repr) = line.split_once('=').ok_or("no `=`")?;
    let applicable = INSTALL_SECTIONS.iter().enumerate().find_map(|(rank, s)| {
        key.strip_prefix(s)
            .and_then(|rest| rest.strip_prefix('.'))
            .map(|name| (rank, name))
    });
    let Some((rank, name)) = applicable else {
        // Another command's section: its name may hold a `=`, so only check
        // the shape.
        let shaped = line.find('.').is_some_and(|dot| line[dot..].contains('='))
            && (line.ends_with('\'') || line.ends_with('"'));
        return if shaped {
            Ok(None)
        } else {
            Err("no section, or an unquoted value".into())
        };
    };
    Ok(Some(Entry {
        rank,
        name: name.to_string(),
        value: parse_python_str(repr)?,
    }))
}

/// The string a Python `repr()` of a str shows: quoted with `'` (or `"`
/// when the text holds a `'` and no `"`), with backslash escapes.
fn parse_python_str(repr: &str) -> Result<String, String> {
    let quote = match repr.chars().next() {
        Some(q @ ('\'' | '"')) => q,
        _ => return Err("the value is not quoted".into()),
    };
    if repr.len() < 2 || !repr.ends_with(quote) {
        return Err("the value's closing quote is missing".into());
    }
    let mut chars = repr[1..repr.len() - 1].chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(unescape(&mut chars)?),
            c if c == quote => return Err("a quote inside the value is not escaped".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The character a backslash escape (after the `\`) stands for.
fn unescape(chars: &mut std::str::Chars) -> Result<char, String> {
    let hex_digits = match chars.next() {
        Some('\\') => return Ok('\\'),
        Some('\'') => return Ok('\''),
        Some('"') => return Ok('"'),
        Some('n') => return Ok('\n'),
        Some('r') => return Ok('\r'),
        Some('t') => return Ok('\t'),
        Some('x') => 2,
        Some('u') => 4,
        Some('U') => 8,
        Some(other) => return Err(format!("unknown escape `\\{other}`")),
        None => return Err("the value ends in a backslash".into()),
    };
    let digits: String = chars.by_ref().take(hex_digits).collect();
    if digits.len() != hex_digits || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
        return Err(format!("bad escape digits `{digits}`"));
    }
    u32::from_str_radix(&digits, 16)
        .ok()
        .and_then(char::from_u32)
        // A lone surrogate: a PIP_* value that was not valid UTF-8.
        .ok_or_else(|| format!("escape `{digits}` is not a character"))
}

#[cfg(test)]
mod tests;
