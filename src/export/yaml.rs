//! A small YAML emitter for the export: ordered maps, lists, scalars,
//! comments, and block literals for multi-line text (Python code). Only
//! what a Helm values file needs; the output is parsed back in the tests.
//! Strings are written plain only when no YAML 1.1 or 1.2 reader could
//! take them for anything else; otherwise double-quoted with escapes.

use serde_json::Value as Json;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Map(Map),
    List(Vec<Node>),
    Str(String),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Null,
}

/// A map that keeps the order its keys were set in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Comment lines written above the key (without `# `).
    pub comment: Vec<String>,
    pub key: String,
    pub value: Node,
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Str(s.to_string())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(s)
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<u64> for Node {
    fn from(n: u64) -> Node {
        Node::UInt(n)
    }
}

impl From<&[String]> for Node {
    fn from(v: &[String]) -> Node {
        Node::List(v.iter().map(|s| Node::from(s.as_str())).collect())
    }
}

impl From<&Json> for Node {
    fn from(v: &Json) -> Node {
        match v {
            Json::Null => Node::Null,
            Json::Bool(b) => Node::Bool(*b),
            Json::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Node::Int(i),
                (_, Some(u)) => Node::UInt(u),
                _ => Node::Float(n.as_f64().unwrap_or(0.0)),
            },
            Json::String(s) => Node::Str(s.clone()),
            Json::Array(a) => Node::List(a.iter().map(Node::from).collect()),
            Json::Object(o) => Node::Map(Map {
                entries: o
                    .iter()
                    .map(|(k, v)| Entry {
                        comment: vec![],
                        key: k.clone(),
                        value: Node::from(v),
                    })
                    .collect(),
            }),
        }
    }
}

impl Map {
    /// The entry at `path`, made (as an empty map) with its parents when missing.
    pub fn entry(&mut self, path: &[&str]) -> &mut Entry {
        let (first, rest) = path.split_first().expect("a non-empty path");
        let i = match self.entries.iter().position(|e| e.key == *first) {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    comment: vec![],
                    key: first.to_string(),
                    value: Node::Map(Map::default()),
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[i];
        if rest.is_empty() {
            return entry;
        }
        if !matches!(entry.value, Node::Map(_)) {
            entry.value = Node::Map(Map::default());
        }
        match &mut entry.value {
            Node::Map(m) => m.entry(rest),
            _ => unreachable!("just made a map"),
        }
    }

    pub fn set(&mut self, path: &[&str], value: impl Into<Node>) {
        self.entry(path).value = value.into();
    }

    /// Adds comment lines above the key at `path` (made when missing).
    pub fn comment(&mut self, path: &[&str], text: &str) {
        self.entry(path)
            .comment
            .extend(text.lines().map(str::to_string));
    }

    pub fn get(&self, path: &[&str]) -> Option<&Node> {
        let (first, rest) = path.split_first()?;
        let value = &self.entries.iter().find(|e| e.key == *first)?.value;
        match (rest.is_empty(), value) {
            (true, v) => Some(v),
            (false, Node::Map(m)) => m.get(rest),
            _ => None,
        }
    }
}

/// A whole document: header comment lines, then the top-level map.
pub fn document(header: &[String], root: &Map) -> String {
    let mut out = String::new();
    for line in header {
        comment_line(&mut out, 0, line);
    }
    write_map(&mut out, root, 0);
    out
}

fn comment_line(out: &mut String, indent: usize, text: &str) {
    out.push_str(&" ".repeat(indent));
    out.push('#');
    if !text.is_empty() {
        out.push(' ');
        out.push_str(&escape_comment(text));
    }
    out.push('\n');
}

/// A comment is one line: control characters would end it early.
fn escape_comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn write_map(out: &mut String, map: &Map, indent: usize) {
    if map.entries.is_empty() {
        out.push_str(&" ".repeat(indent));
        out.push_str("{}\n");
        return;
    }
    for e in &map.entries {
        for line in &e.comment {
            comment_line(out, indent, line);
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar_str(&e.key));
        out.push(':');
        write_value(out, &e.value, indent);
    }
}

/// The rest of a `key:` or `-` line, and the lines of a nested value.
fn write_value(out: &mut String, value: &Node, indent: usize) {
    match value {
        Node::Map(m) if !m.entries.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2);
        }
        Node::List(l) if !l.is_empty() => {
            out.push('\n');
            write_list(out, l, indent + 2);
        }
        Node::Str(s) if block_literal_ok(s) => {
            out.push(' ');
            write_block_literal(out, s, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, list: &[Node], indent: usize) {
    for item in list {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            // `- key: value` with the map's other keys aligned under the first.
            Node::Map(m) if !m.entries.is_empty() => {
                let mut nested = String::new();
                write_map(&mut nested, m, indent + 2);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            other => write_value(out, other, indent),
        }
    }
}

/// Scalars and empty collections on one line.
fn inline(node: &Node) -> String {
    match node {
        Node::Map(_) => "{}".into(),
        Node::List(_) => "[]".into(),
        Node::Str(s) => scalar_str(s),
        Node::Int(i) => i.to_string(),
        Node::UInt(u) => u.to_string(),
        // `{:?}` keeps the point (2.0, not 2), so the value reads back as a float.
        Node::Float(f) if f.is_finite() => format!("{f:?}"),
        Node::Float(f) if f.is_nan() => ".nan".into(),
        Node::Float(f) => if *f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".into(),
    }
}

/// Words some YAML reader (1.1 or 1.2) turns into a bool or null.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// A string as a plain scalar when nothing else could be read into it.
fn scalar_str(s: &str) -> String {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '_');
    let rest_ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./@+-".contains(c));
    if first_ok && rest_ok && !RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// YAML's printable characters (without tab and line breaks).
fn printable(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff)
        && c != '\u{feff}'
}

/// Multi-line text that a `|` block keeps exactly: printable, tabs allowed,
/// no carriage returns (readers turn line breaks into `\n`).
fn block_literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.trim_end_matches('\n').is_empty()
        && s.chars().all(|c| c == '\n' || c == '\t' || printable(c))
}

fn write_block_literal(out: &mut String, s: &str, indent: usize) {
    out.push('|');
    // The first line's own leading spaces would be read as indentation.
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let body = s.trim_end_matches('\n');
    out.push(match s.len() - body.len() {
        0 => '-',
        1 => ' ',
        _ => '+',
    });
    if out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
    let trailing_empty = (s.len() - body.len()).saturating_sub(1);
    for line in body
        .split('\n')
        .chain(std::iter::repeat_n("", trailing_empty))
    {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
        out.push('\n');
    }
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
pub mod tests;
