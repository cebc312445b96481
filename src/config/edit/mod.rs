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
//! Errors are messages naming the key; the caller adds the file. List
//! layout is in `list`, conversion to and from JSON in `convert`.

mod convert;
mod list;

pub use convert::{item_to_json, json_to_document, json_to_toml, same, to_json, value_to_json};
use list::{append_like_siblings, remove_keeping_comments};
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

#[cfg(test)]
mod tests;
