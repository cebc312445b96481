//! The four edits (`set`, `unset`, `add-item`, `remove-item`) on a
//! toml_edit document. Pure, and careful with the user's formatting:
//!
//! - a replaced value keeps its decor (spacing and trailing comment);
//! - a new key goes into the table that already holds its siblings; a new
//!   table gets a `[header]` placed after its parent (or a dotted key when
//!   the file already uses that style);
//! - an appended list item copies its siblings' layout: a multi-line list
//!   stays multi-line with the same indent and trailing comma;
//! - removing a list item keeps its neighbours' comments: in a multi-line
//!   list, a comment on an item's own line (or on the lines above it)
//!   belongs to that item;
//! - `unset` removes tables it leaves empty.
//!
//! Errors are messages naming the key; the caller adds the file.

use serde_json::Value as Json;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

/// Splits `a.b.c`; refuses empty parts.
pub fn split_key(path: &str) -> Result<Vec<&str>, String> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`{path}` is not a valid key (use dotted names like http.port)"
        ));
    }
    if parts.len() > MAX_KEY_DEPTH {
        return Err(format!(
            "`{}…` has {} dotted parts; a key may have at most {MAX_KEY_DEPTH}",
            parts[..3].join("."),
            parts.len()
        ));
    }
    Ok(parts)
}

/// Far deeper than any setting, and well inside what the TOML reader
/// accepts (`file::MAX_KEY_PARTS`) once values nest beneath the key.
pub const MAX_KEY_DEPTH: usize = 32;

/// The item at `path`, if set.
pub fn get<'a>(doc: &'a DocumentMut, path: &str) -> Option<&'a Item> {
    let parts = split_key(path).ok()?;
    let mut cur: &Item = doc.as_item();
    for part in parts {
        cur = cur.as_table_like()?.get(part)?;
    }
    (!cur.is_none()).then_some(cur)
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Header,
    Dotted,
    Inline,
}

/// Root-level tables get `[headers]` unless the file uses only dotted keys.
fn root_style(doc: &DocumentMut) -> Style {
    let tables: Vec<&Table> = doc.iter().filter_map(|(_, i)| i.as_table()).collect();
    let dotted = tables.iter().any(|t| t.is_dotted());
    let headers = tables.iter().any(|t| !t.is_dotted() && !t.is_implicit());
    if dotted && !headers {
        Style::Dotted
    } else {
        Style::Header
    }
}

fn kind_of(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => value_kind(v),
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::InlineTable(_) => "a table",
    }
}

/// The table that holds `parts`, creating missing tables on the way. A
/// value on the way is an error (tljh-config silently replaced it).
fn table_for<'a>(
    t: &'a mut dyn TableLike,
    style: Style,
    parts: &[&str],
    done: &str,
    full: &str,
) -> Result<(&'a mut dyn TableLike, Style), String> {
    let Some((first, rest)) = parts.split_first() else {
        return Ok((t, style));
    };
    let here = if done.is_empty() {
        first.to_string()
    } else {
        format!("{done}.{first}")
    };
    if t.get(first).is_none_or(Item::is_none) {
        let item = match style {
            Style::Header => {
                let mut nt = Table::new();
                nt.set_implicit(!rest.is_empty());
                Item::Table(nt)
            }
            Style::Dotted => {
                let mut nt = Table::new();
                nt.set_dotted(true);
                Item::Table(nt)
            }
            Style::Inline => Item::Value(Value::InlineTable(InlineTable::new())),
        };
        t.insert(first, item);
    }
    let Some(item) = t.get_mut(first) else {
        return Err(format!("could not create table `{here}`"));
    };
    let child_style = match &*item {
        Item::Table(tb) if tb.is_dotted() => Style::Dotted,
        Item::Table(_) => Style::Header,
        Item::Value(Value::InlineTable(_)) => Style::Inline,
        other => {
            return Err(format!(
                "cannot set `{full}`: `{here}` is {}, not a table (unset `{here}` first)",
                kind_of(other)
            ));
        }
    };
    let Some(next) = item.as_table_like_mut() else {
        return Err(format!("`{here}` is not a table"));
    };
    table_for(next, child_style, rest, &here, full)
}

fn parent_table<'a>(
    doc: &'a mut DocumentMut,
    parts: &[&str],
    full: &str,
) -> Result<(&'a mut dyn TableLike, Style), String> {
    let style = root_style(doc);
    table_for(doc.as_table_mut(), style, parts, "", full)
}

/// Sets `path` to `value`. Returns false when it already had that value.
pub fn set(doc: &mut DocumentMut, path: &str, value: Value) -> Result<bool, String> {
    let parts = split_key(path)?;
    let (last, parents) = parts.split_last().ok_or("empty key")?;
    if parents.is_empty() && doc.get(last).is_none_or(Item::is_none) {
        insert_top_level(doc, last, value);
        return Ok(true);
    }
    let (table, style) = parent_table(doc, parents, path)?;
    match table.get_mut(last) {
        Some(Item::Value(old)) => {
            if same(old, &value) {
                return Ok(false);
            }
            let decor = old.decor().clone();
            let mut value = value;
            *value.decor_mut() = decor;
            *old = value;
        }
        Some(item @ (Item::Table(_) | Item::ArrayOfTables(_))) => {
            return Err(format!(
                "`{path}` is {}; set the keys inside it, or unset `{path}` first",
                kind_of(item)
            ));
        }
        Some(Item::None) | None => {
            table.insert(last, Item::Value(value));
            tidy_inline(table, style);
            tidy_new_header(doc, parents);
        }
    }
    Ok(true)
}

/// Inserts a new top-level key. In a file of only `[tables]`, a comment
/// block separated by a blank line from the first header belongs to the
/// file, so the new key goes below it rather than above it.
fn insert_top_level(doc: &mut DocumentMut, key: &str, value: Value) {
    let root = doc.as_table_mut();
    let only_tables = root
        .iter()
        .all(|(_, i)| matches!(i, Item::Table(t) if !t.is_dotted()));
    let first = root
        .iter()
        .filter_map(|(k, i)| Some((i.as_table()?.position()?, k.to_string())))
        .min()
        .map(|(_, k)| k);
    let mut key_prefix = None;
    if let (true, Some(first)) = (only_tables, first)
        && let Some(Item::Table(t)) = root.get_mut(&first)
    {
        let prefix = t
            .decor()
            .prefix()
            .and_then(|r| r.as_str())
            .unwrap_or("")
            .to_string();
        if let Some(idx) = prefix.rfind("\n\n") {
            key_prefix = Some(format!("{}\n", &prefix[..idx + 1]));
            t.decor_mut()
                .set_prefix(format!("\n{}", &prefix[idx + 2..]));
        }
    }
    root.insert(key, Item::Value(value));
    if let (Some(p), Some(mut k)) = (key_prefix, root.key_mut(key)) {
        k.leaf_decor_mut().set_prefix(p);
    }
}

/// A table that only existed through its sub-tables (`[https.tls]`) gets a
/// `[https]` header once it holds a value; keep a blank line between that
/// header's keys and the sub-table that follows.
fn tidy_new_header(doc: &mut DocumentMut, parents: &[&str]) {
    let mut cur: &mut Item = doc.as_item_mut();
    for part in parents {
        match cur.as_table_like_mut().and_then(|t| t.get_mut(part)) {
            Some(next) => cur = next,
            None => return,
        }
    }
    let Item::Table(t) = cur else { return };
    if !t.is_implicit() || t.is_dotted() {
        return;
    }
    t.set_implicit(false);
    let first_sub = t
        .iter()
        .filter_map(|(k, i)| Some((i.as_table()?.position()?, k.to_string())))
        .min()
        .map(|(_, k)| k);
    if let Some(Item::Table(sub)) = first_sub.and_then(|k| t.get_mut(&k))
        && sub
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .is_empty()
    {
        sub.decor_mut().set_prefix("\n");
    }
}

/// Inline tables cannot hold comments, so re-spacing one after an insert
/// loses nothing (it avoids `{ a = 1 , b = 2 }`).
fn tidy_inline(table: &mut dyn TableLike, style: Style) {
    if style == Style::Inline {
        table.fmt();
    }
}

/// Removes `path`, and tables left empty by that.
pub fn unset(doc: &mut DocumentMut, path: &str) -> Result<(), String> {
    let parts = split_key(path)?;
    remove_rec(doc.as_table_mut(), &parts, path)?;
    Ok(())
}

/// Returns whether `t` is empty afterwards.
fn remove_rec(t: &mut dyn TableLike, parts: &[&str], full: &str) -> Result<bool, String> {
    let not_set = || format!("`{full}` is not set");
    match parts {
        [] => Err(not_set()),
        [last] => {
            t.remove(last)
                .filter(|i| !i.is_none())
                .ok_or_else(not_set)?;
            Ok(t.is_empty())
        }
        [first, rest @ ..] => {
            let child = t
                .get_mut(first)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(not_set)?;
            if remove_rec(child, rest, full)? {
                t.remove(first);
            }
            Ok(t.is_empty())
        }
    }
}

/// Appends `value` to the list at `path` (creating it). Returns false when
/// the value was already there.
pub fn add_item(doc: &mut DocumentMut, path: &str, value: Value) -> Result<bool, String> {
    let parts = split_key(path)?;
    let (last, parents) = parts.split_last().ok_or("empty key")?;
    if parents.is_empty() && doc.get(last).is_none_or(Item::is_none) {
        let mut arr = Array::new();
        arr.push(value);
        insert_top_level(doc, last, Value::Array(arr));
        return Ok(true);
    }
    let (table, style) = parent_table(doc, parents, path)?;
    match table.get_mut(last) {
        None | Some(Item::None) => {
            let mut arr = Array::new();
            arr.push(value);
            table.insert(last, Item::Value(Value::Array(arr)));
            tidy_inline(table, style);
            tidy_new_header(doc, parents);
            Ok(true)
        }
        Some(Item::Value(Value::Array(arr))) => {
            if arr.iter().any(|v| same(v, &value)) {
                return Ok(false);
            }
            append_like_siblings(arr, value);
            Ok(true)
        }
        Some(other) => Err(format!(
            "`{path}` is {}, not a list; use `set {path} VALUE` to replace it",
            kind_of(other)
        )),
    }
}

/// Removes `value` from the list at `path`.
pub fn remove_item(doc: &mut DocumentMut, path: &str, value: &Value) -> Result<(), String> {
    let item = doc_get_mut(doc, path).ok_or_else(|| format!("`{path}` is not set"))?;
    let Item::Value(Value::Array(arr)) = item else {
        return Err(format!("`{path}` is {}, not a list", kind_of(item)));
    };
    let Some(index) = arr.iter().position(|v| same(v, value)) else {
        let have: Vec<String> = arr
            .iter()
            .map(|v| v.to_string().trim().to_string())
            .collect();
        return Err(format!(
            "{} is not in `{path}` (it holds: {})",
            value.to_string().trim(),
            if have.is_empty() {
                "nothing".to_string()
            } else {
                have.join(", ")
            }
        ));
    };
    remove_keeping_comments(arr, index);
    Ok(())
}

fn doc_get_mut<'a>(doc: &'a mut DocumentMut, path: &str) -> Option<&'a mut Item> {
    let parts = split_key(path).ok()?;
    let mut cur: &mut Item = doc.as_item_mut();
    for part in parts {
        cur = cur.as_table_like_mut()?.get_mut(part)?;
    }
    Some(cur)
}

fn prefix(v: &Value) -> String {
    v.decor()
        .prefix()
        .and_then(|r| r.as_str())
        .unwrap_or("")
        .to_string()
}

fn suffix(v: &Value) -> String {
    v.decor()
        .suffix()
        .and_then(|r| r.as_str())
        .unwrap_or("")
        .to_string()
}

fn trailing(arr: &Array) -> String {
    arr.trailing().as_str().unwrap_or("").to_string()
}

/// (up to and including the first newline, the rest); ("", s) without one.
fn split_line(s: &str) -> (&str, &str) {
    match s.find('\n') {
        Some(i) => s.split_at(i + 1),
        None => ("", s),
    }
}

fn is_multiline(arr: &Array) -> bool {
    trailing(arr).contains('\n')
        || arr
            .iter()
            .any(|v| prefix(v).contains('\n') || suffix(v).contains('\n'))
}

fn append_like_siblings(arr: &mut Array, value: Value) {
    if !is_multiline(arr) {
        arr.push(value);
        return;
    }
    let mut value = value;
    let n = arr.len();
    if n == 0 {
        // `[ # comment\n]`: the item goes below what follows `[`.
        let after = trailing(arr);
        let (head, tail) = split_line(&after);
        value.decor_mut().set_prefix(format!("{head}    "));
        arr.push_formatted(value);
        arr.set_trailing_comma(true);
        arr.set_trailing(format!("\n{tail}"));
        return;
    }
    let prefixes: Vec<String> = arr.iter().map(prefix).collect();
    let indent = prefixes
        .iter()
        .rev()
        .find_map(|p| p.rfind('\n').map(|i| p[i + 1..].to_string()))
        .unwrap_or_else(|| "    ".to_string());
    let comma = arr.trailing_comma();
    // The text between the last item (or its comma) and `]`.
    let after = if comma {
        trailing(arr)
    } else {
        let Some(last) = arr.get_mut(n - 1) else {
            return;
        };
        let s = suffix(last);
        last.decor_mut().set_suffix("");
        s
    };
    let (head, tail) = split_line(&after);
    let (new_prefix, closing) = if head.is_empty() {
        (format!("\n{indent}"), tail.to_string())
    } else {
        (format!("{head}{indent}"), format!("\n{tail}"))
    };
    value.decor_mut().set_prefix(new_prefix);
    if comma {
        arr.push_formatted(value);
        arr.set_trailing(closing);
    } else {
        value.decor_mut().set_suffix(closing);
        arr.push_formatted(value);
    }
}

fn remove_keeping_comments(arr: &mut Array, i: usize) {
    let n = arr.len();
    if !is_multiline(arr) {
        let p0 = arr.get(0).map(prefix).unwrap_or_default();
        arr.remove(i);
        if i == 0
            && let Some(first) = arr.get_mut(0)
        {
            first.decor_mut().set_prefix(p0);
        }
        return;
    }
    let Some(removed) = arr.get(i) else { return };
    // The line break that ends the previous item's line, with its comment.
    let (keep_head, _) = split_line(&prefix(removed)).to_owned_pair();
    let comma = arr.trailing_comma();
    if i + 1 < n {
        let next_prefix = arr.get(i + 1).map(prefix).unwrap_or_default();
        let (_, tail) = split_line(&next_prefix);
        let joined = format!("{keep_head}{tail}");
        if let Some(next) = arr.get_mut(i + 1) {
            next.decor_mut().set_prefix(joined);
        }
        arr.remove(i);
        return;
    }
    // Removing the last item: its own-line comment goes; what follows it
    // up to `]` stays.
    let after = if comma {
        trailing(arr)
    } else {
        suffix(removed)
    };
    let (_, tail) = split_line(&after);
    let closing = format!("{keep_head}{tail}");
    arr.remove(i);
    if arr.is_empty() {
        arr.set_trailing_comma(false);
        arr.set_trailing(closing);
    } else if comma {
        arr.set_trailing(closing);
    } else if let Some(prev) = arr.get_mut(i - 1) {
        let s = suffix(prev);
        prev.decor_mut().set_suffix(format!("{s}{closing}"));
    }
}

trait OwnedPair {
    fn to_owned_pair(self) -> (String, String);
}

impl OwnedPair for (&str, &str) {
    fn to_owned_pair(self) -> (String, String) {
        (self.0.to_string(), self.1.to_string())
    }
}

/// Equal as data (ignoring formatting and quoting).
pub fn same(a: &Value, b: &Value) -> bool {
    value_to_json(a) == value_to_json(b)
}

pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::String(s) => Json::from(s.value().as_str()),
        Value::Integer(i) => Json::from(*i.value()),
        Value::Float(f) => Json::from(*f.value()),
        Value::Boolean(b) => Json::from(*b.value()),
        Value::Datetime(d) => Json::from(d.value().to_string()),
        Value::Array(a) => Json::Array(a.iter().map(value_to_json).collect()),
        Value::InlineTable(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), value_to_json(v)))
                .collect(),
        ),
    }
}

pub fn item_to_json(item: &Item) -> Option<Json> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(value_to_json(v)),
        Item::Table(t) => Some(table_to_json(t)),
        Item::ArrayOfTables(a) => Some(Json::Array(a.iter().map(table_to_json).collect())),
    }
}

fn table_to_json(t: &Table) -> Json {
    Json::Object(
        t.iter()
            .filter_map(|(k, v)| item_to_json(v).map(|j| (k.to_string(), j)))
            .collect(),
    )
}

/// The whole document as JSON (for validation, `--json` and effective).
pub fn to_json(doc: &DocumentMut) -> Json {
    table_to_json(doc.as_table())
}

/// JSON as a TOML value for display; `None` for null.
pub fn json_to_toml(j: &Json) -> Option<Value> {
    Some(match j {
        Json::Null => return None,
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(a) => Value::Array(a.iter().filter_map(json_to_toml).collect()),
        Json::Object(o) => {
            let mut t = InlineTable::new();
            for (k, v) in o {
                if let Some(v) = json_to_toml(v) {
                    t.insert(k, v);
                }
            }
            Value::InlineTable(t)
        }
    })
}

/// A JSON object as a TOML document with `[headers]` (nulls are left out).
pub fn json_to_document(j: &Json) -> DocumentMut {
    fn fill(t: &mut Table, o: &serde_json::Map<String, Json>) {
        for (k, v) in o {
            match v {
                Json::Object(inner) => {
                    let mut sub = Table::new();
                    sub.set_implicit(true);
                    fill(&mut sub, inner);
                    t.insert(k, Item::Table(sub));
                }
                other => {
                    if let Some(v) = json_to_toml(other) {
                        t.insert(k, Item::Value(v));
                    }
                }
            }
        }
    }
    let mut doc = DocumentMut::new();
    if let Some(o) = j.as_object() {
        fill(doc.as_table_mut(), o);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> DocumentMut {
        s.parse().unwrap()
    }

    fn sv(s: &str) -> Value {
        Value::from(s)
    }

    #[test]
    fn set_keeps_trailing_comment_and_quoting_elsewhere() {
        let mut d = doc("# top\n[http]\nport = 80 # the port\naddress = '0.0.0.0'\n");
        assert!(set(&mut d, "http.port", Value::from(8080)).unwrap());
        assert_eq!(
            d.to_string(),
            "# top\n[http]\nport = 8080 # the port\naddress = '0.0.0.0'\n"
        );
        assert!(!set(&mut d, "http.address", sv("0.0.0.0")).unwrap());
    }

    #[test]
    fn set_creates_header_tables_after_parent() {
        let mut d = doc("[https]\nenabled = true\n\n[users]\nadmin = [\"a\"]\n");
        set(&mut d, "https.letsencrypt.email", sv("a@b.org")).unwrap();
        set(&mut d, "limits.memory", sv("1G")).unwrap();
        set(&mut d, "base_url", sv("/x/")).unwrap();
        assert_eq!(
            d.to_string(),
            "base_url = \"/x/\"\n[https]\nenabled = true\n\n[https.letsencrypt]\nemail = \"a@b.org\"\n\n[users]\nadmin = [\"a\"]\n\n[limits]\nmemory = \"1G\"\n"
        );
    }

    #[test]
    fn new_top_level_key_goes_below_the_file_comment() {
        let mut d = doc("# My hub\n# (class of 2026)\n\n# staff\n[users]\nadmin = []\n");
        set(&mut d, "base_url", sv("/x/")).unwrap();
        assert_eq!(
            d.to_string(),
            "# My hub\n# (class of 2026)\n\nbase_url = \"/x/\"\n\n# staff\n[users]\nadmin = []\n"
        );
        let mut d = doc("# staff\n[users]\nadmin = []\n");
        set(&mut d, "base_url", sv("/x/")).unwrap();
        assert_eq!(
            d.to_string(),
            "base_url = \"/x/\"\n# staff\n[users]\nadmin = []\n"
        );
    }

    #[test]
    fn implicit_parent_becomes_a_header_with_spacing() {
        let mut d = doc("[https.tls]\ncert = \"/c\"\n");
        set(&mut d, "https.enabled", Value::from(true)).unwrap();
        assert_eq!(
            d.to_string(),
            "[https]\nenabled = true\n\n[https.tls]\ncert = \"/c\"\n"
        );
    }

    #[test]
    fn set_keeps_dotted_style() {
        let mut d = doc("http.port = 80\n");
        set(&mut d, "limits.memory", sv("1G")).unwrap();
        set(&mut d, "http.address", sv("")).unwrap();
        assert_eq!(
            d.to_string(),
            "http.port = 80\nhttp.address = \"\"\nlimits.memory = \"1G\"\n"
        );
    }

    #[test]
    fn set_through_a_value_is_refused() {
        let mut d = doc("users = \"x\"\n");
        let e = set(&mut d, "users.admin", sv("a")).unwrap_err();
        assert!(e.contains("`users` is a string, not a table"), "{e}");
        let mut d = doc("[https]\nenabled = true\n");
        let e = set(&mut d, "https", sv("a")).unwrap_err();
        assert!(e.contains("is a table"), "{e}");
    }

    #[test]
    fn set_into_inline_table() {
        let mut d = doc("users = { admin = [\"a\"] }\n");
        set(&mut d, "users.banned", Value::Array(Array::new())).unwrap();
        assert_eq!(d.to_string(), "users = { admin = [\"a\"], banned = [] }\n");
    }

    #[test]
    fn unset_prunes_empty_tables() {
        let mut d = doc("a = 1\n\n[limits]\nmemory = \"1G\"\n\n[http]\nport = 80\n");
        unset(&mut d, "limits.memory").unwrap();
        assert_eq!(d.to_string(), "a = 1\n\n[http]\nport = 80\n");
        assert_eq!(
            unset(&mut d, "limits.memory").unwrap_err(),
            "`limits.memory` is not set"
        );
        assert!(unset(&mut d, "a.b").is_err());
    }

    #[test]
    fn add_item_multiline_like_siblings() {
        let src = "admin = [\n  \"a\", # teacher\n  \"b\", # ta\n  # \"old\",\n]\n";
        let mut d = doc(src);
        assert!(add_item(&mut d, "admin", sv("c")).unwrap());
        assert_eq!(
            d.to_string(),
            "admin = [\n  \"a\", # teacher\n  \"b\", # ta\n  \"c\",\n  # \"old\",\n]\n"
        );
        assert!(!add_item(&mut d, "admin", sv("c")).unwrap());
    }

    #[test]
    fn add_item_multiline_without_trailing_comma() {
        let mut d = doc("admin = [\n    \"a\",\n    \"b\" # ta\n]\n");
        add_item(&mut d, "admin", sv("c")).unwrap();
        assert_eq!(
            d.to_string(),
            "admin = [\n    \"a\",\n    \"b\", # ta\n    \"c\"\n]\n"
        );
    }

    #[test]
    fn add_item_single_line_and_new() {
        let mut d = doc("[users]\nadmin = ['a']\n");
        add_item(&mut d, "users.admin", sv("b")).unwrap();
        add_item(&mut d, "users.allowed", sv("c")).unwrap();
        assert_eq!(
            d.to_string(),
            "[users]\nadmin = ['a', \"b\"]\nallowed = [\"c\"]\n"
        );
        let e = add_item(&mut d, "users", sv("x")).unwrap_err();
        assert!(e.contains("is a table, not a list"), "{e}");
    }

    #[test]
    fn remove_item_keeps_neighbour_comments() {
        let src = "admin = [\n  \"a\", # teacher\n  \"b\", # ta\n  \"c\", # head\n]\n";
        let mut d = doc(src);
        remove_item(&mut d, "admin", &sv("b")).unwrap();
        assert_eq!(
            d.to_string(),
            "admin = [\n  \"a\", # teacher\n  \"c\", # head\n]\n"
        );
        remove_item(&mut d, "admin", &sv("c")).unwrap();
        assert_eq!(d.to_string(), "admin = [\n  \"a\", # teacher\n]\n");
        remove_item(&mut d, "admin", &sv("a")).unwrap();
        assert_eq!(d.to_string(), "admin = [\n]\n");
    }

    #[test]
    fn empty_multiline_list_keeps_its_comment() {
        let mut d = doc("admin = [ # staff\n  \"a\",\n]\n");
        remove_item(&mut d, "admin", &sv("a")).unwrap();
        assert_eq!(d.to_string(), "admin = [ # staff\n]\n");
        add_item(&mut d, "admin", sv("b")).unwrap();
        assert_eq!(d.to_string(), "admin = [ # staff\n    \"b\",\n]\n");
    }

    #[test]
    fn remove_first_item_keeps_comment_above_next() {
        let src = "admin = [\n  \"a\", # teacher\n  # the assistant\n  \"b\",\n]\n";
        let mut d = doc(src);
        remove_item(&mut d, "admin", &sv("a")).unwrap();
        assert_eq!(d.to_string(), "admin = [\n  # the assistant\n  \"b\",\n]\n");
    }

    #[test]
    fn remove_item_single_line() {
        let mut d = doc("admin = [\"a\", \"b\", \"c\"]\n");
        remove_item(&mut d, "admin", &sv("a")).unwrap();
        remove_item(&mut d, "admin", &sv("c")).unwrap();
        assert_eq!(d.to_string(), "admin = [\"b\"]\n");
        let e = remove_item(&mut d, "admin", &sv("z")).unwrap_err();
        assert_eq!(e, "\"z\" is not in `admin` (it holds: \"b\")");
        assert!(remove_item(&mut d, "nope", &sv("z")).is_err());
    }

    /// Every layout a person might write stays valid TOML with the right
    /// items through adds and removes.
    #[test]
    fn list_edits_always_give_valid_toml() {
        let layouts = [
            "a = []\n",
            "a = [\n]\n",
            "a = [\"x\"]\n",
            "a = [ \"x\" , \"y\" ]\n",
            "a = [\"x\", \"y\",]\n",
            "a = [\n  \"x\",\n  \"y\"\n]\n",
            "a = [\n  \"x\", # one\n  \"y\" # two\n]\n",
            "a = [ # head\n  \"x\", # one\n  # above y\n  \"y\", # two\n  # tail\n]\n",
            "a = [\"x\", # one\n\"y\"]\n",
            "a = [\n\t\"x\",\t\"y\",\n]\n",
        ];
        for src in layouts {
            let mut d = doc(src);
            let mut want: Vec<String> = match to_json(&d)["a"].as_array() {
                Some(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                None => vec![],
            };
            for op in ["+z", "-x", "+w", "-y", "-z", "+x", "-w", "-x"] {
                let (add, item) = op.split_at(1);
                if add == "+" {
                    add_item(&mut d, "a", sv(item)).unwrap();
                    want.push(item.to_string());
                } else if want.iter().any(|w| w == item) {
                    remove_item(&mut d, "a", &sv(item)).unwrap();
                    want.retain(|w| w != item);
                } else {
                    continue;
                }
                let text = d.to_string();
                let reparsed: DocumentMut = text
                    .parse()
                    .unwrap_or_else(|e| panic!("{src:?} {op}: invalid TOML\n{text}\n{e}"));
                assert_eq!(
                    to_json(&reparsed)["a"],
                    serde_json::json!(want),
                    "{src:?} {op}:\n{text}"
                );
                d = reparsed;
            }
        }
    }

    #[test]
    fn json_round_trip_for_display() {
        let d = doc("[http]\nport = 80\n[users]\nadmin = [\"a\"]\n");
        let j = to_json(&d);
        assert_eq!(
            j,
            serde_json::json!({"http": {"port": 80}, "users": {"admin": ["a"]}})
        );
        assert_eq!(
            json_to_document(&j).to_string(),
            "[http]\nport = 80\n\n[users]\nadmin = [\"a\"]\n"
        );
    }
}
