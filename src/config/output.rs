//! What the commands other than bootstrap print (through `Lines`, their
//! `Reporter`), and the two rules for printing user data: control characters never reach the terminal raw (they are escaped
//! Rust-style: `\u{1b}`, `\n`, `\t`), and a secret key's value is never
//! echoed (see `effective::is_secret_key`). JSON output is left to
//! serde_json, which escapes control characters itself.

use crate::config::edit;
use crate::effective::{self, MASK};
use crate::error::{Error, Result};
use crate::report::{Reporter, Verbosity};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::io::Write;

/// `s` with every control character (C0, DEL, C1) escaped, newline and tab
/// included: for one value on one line (`show KEY`). Backslashes are kept
/// as they are, so `--json` is the way to tell a stored `\n` from a newline.
pub fn escape_value(s: &str) -> Cow<'_, str> {
    escape(s, |_, _| false)
}

/// `s` with control characters escaped except newline, tab and the `\r` of
/// a `\r\n`: for multi-line text (the file as stored, TOML, messages).
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape(s, |c, next| {
        matches!(c, '\n' | '\t') || (c == '\r' && next == Some('\n'))
    })
}

fn escape(s: &str, keep: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_control() && !keep(c, chars.peek().copied()) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The `Reporter` of the config commands, render and reload: plain lines
/// on stderr, control characters escaped. `--quiet` keeps warnings and
/// errors only; `--verbose` adds details.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lines {
    pub verbosity: Verbosity,
}

impl Lines {
    fn line(&self, text: &str) {
        eprintln!("{}", escape_text(text));
    }
    fn unless_quiet(&self, text: &str) {
        if self.verbosity != Verbosity::Quiet {
            self.line(text);
        }
    }
}

impl Reporter for Lines {
    fn step_start(&self, n: usize, total: usize, name: &str) {
        self.unless_quiet(&format!("[{n}/{total}] {name}"));
    }
    fn step_done(&self, text: &str) {
        self.unless_quiet(text);
    }
    fn detail(&self, line: &str) {
        if self.verbosity == Verbosity::Verbose {
            self.line(line);
        }
    }
    fn warn(&self, message: &str) {
        self.line(&format!("warning: {message}"));
    }
    fn error(&self, message: &str) {
        self.line(&format!("error: {message}"));
    }
    fn note(&self, line: &str) {
        self.unless_quiet(line);
    }
    fn progress(&self, _label: &str) -> Box<dyn crate::download::Progress + '_> {
        Box::new(crate::download::NoProgress)
    }
}

/// Writes to stdout; a closed pipe (`hubcfg show | head`) is not an error.
/// The caller escapes.
pub fn out(text: &str) -> Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Multi-line text (the file, TOML) to stdout, control characters escaped.
pub fn out_text(text: &str) -> Result<()> {
    out(&escape_text(text))
}

pub fn print_json(v: &Json) -> Result<()> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| Error::new(format!("could not format JSON: {e}")))?;
    out(&format!("{text}\n"))
}

/// Scalars plain, lists as TOML arrays, tables as TOML sections.
pub fn print_value(json: bool, v: &Json) -> Result<()> {
    if json {
        return print_json(v);
    }
    if let Json::String(s) = v {
        return out(&format!("{}\n", escape_value(s)));
    }
    let text = display_scalar_or_toml(v);
    if text.ends_with('\n') {
        out_text(&text)
    } else {
        out_text(&format!("{text}\n"))
    }
}

/// A value as people read it (not escaped).
pub fn display_scalar_or_toml(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "none".into(),
        Json::Object(_) => edit::json_to_document(v).to_string(),
        other => edit::json_to_toml(other)
            .map(|t| t.to_string().trim().to_string())
            .unwrap_or_default(),
    }
}

/// Dotted paths of the none values in `v`.
pub fn collect_nulls(v: &Json, prefix: &str, out: &mut Vec<String>) {
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

/// A TOML value as written, without its surrounding whitespace and comments.
pub fn describe(v: &toml_edit::Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

/// A value of `key` for a message: [`MASK`] when the key is secret.
pub fn shown(key: &str, v: &toml_edit::Value) -> String {
    if effective::is_secret_key(key) {
        MASK.to_string()
    } else {
        describe(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_escape_every_control_character() {
        assert_eq!(
            escape_value("a\u{1b}[31m\n\t\r\0\u{7f}\u{85}é"),
            "a\\u{1b}[31m\\n\\t\\r\\0\\u{7f}\\u{85}é"
        );
        assert!(matches!(escape_value("plain \\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_keeps_newlines_tabs_and_crlf() {
        assert_eq!(escape_text("a\r\n\tb\rc\u{7}\n"), "a\r\n\tb\\rc\\u{7}\n");
    }

    #[test]
    fn errors_are_escaped_in_message_and_hint() {
        // What `Lines::error` prints for every error that reaches `cli::main`.
        let e = Error::new("unknown key `a\u{1b}`").with_hint("did you mean `\u{9b}`?");
        assert_eq!(
            escape_text(&e.to_string()),
            "unknown key `a\\u{1b}`\n  hint: did you mean `\\u{9b}`?"
        );
    }

    #[test]
    fn secret_values_are_not_shown() {
        let v: toml_edit::Value = "\"hunter2\"".parse().unwrap();
        assert_eq!(shown("auth.X.client_secret", &v), MASK);
        assert_eq!(shown("auth.X.client_id", &v), "\"hunter2\"");
    }
}
