//! The kept keys as a config.toml, in config.yaml's order: each leaf in
//! the table of its parent (`[auth.GitHubOAuthenticator]`), its YAML
//! comments as `#` lines above it and its end-of-line comment after its
//! value. A mapping's own comments go on its `[header]`, or, when the
//! table has no header of its own (it holds only tables), on the next
//! header or key below it.

use super::{Leaf, Parsed};
use crate::config::edit;
use serde_json::Value as Json;
use toml_edit::{DocumentMut, Item, Table};

/// How a config.toml written by `migrate` starts.
pub const HEADER_START: &str = "# Converted from TLJH's ";

pub fn build(leaves: &[Leaf], parsed: &Parsed, source: &str) -> (String, Json) {
    let mut doc = DocumentMut::new();
    let mut pending: Vec<String> = vec![];
    let mut leaf_at = 0;
    for entry in &parsed.entries {
        if entry.table {
            pending.extend(entry.comments.iter().cloned());
            pending.extend(entry.inline.iter().cloned());
            continue;
        }
        let Some(leaf) = leaves[leaf_at..]
            .first()
            .filter(|l| std::ptr::eq(l.entry, entry))
        else {
            continue;
        };
        leaf_at += 1;
        let Some(value) = edit::json_to_toml(&leaf.value) else {
            continue;
        };
        let (parents, name) = entry.path.split_at(entry.path.len() - 1);
        let table = table_at(doc.as_table_mut(), parents, &mut pending);
        let mut value = value;
        if let Some(c) = &entry.inline {
            value.decor_mut().set_suffix(format!(" {c}"));
        }
        table.insert(&name[0], Item::Value(value));
        let mut above = std::mem::take(&mut pending);
        above.extend(entry.comments.iter().cloned());
        if !above.is_empty()
            && let Some(mut key) = table.key_mut(&name[0])
        {
            key.leaf_decor_mut().set_prefix(comment_block(&above));
        }
    }
    let mut text = format!(
        "{HEADER_START}{source} by `hubcfg migrate` (hubcfg {}).\n\
         # Same key names; change it with `sudo hubcfg set KEY VALUE`.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    text.push_str(doc.to_string().trim_start_matches('\n'));
    let mut end = pending;
    end.extend(parsed.trailing.iter().cloned());
    if !end.is_empty() {
        text.push('\n');
        text.push_str(&comment_block(&end));
    }
    let user = text
        .parse::<DocumentMut>()
        .map(|d| edit::to_json(&d))
        .unwrap_or(Json::Null);
    (text, user)
}

/// The table at `parents` under `root`, made where missing; the one that
/// gets a header now takes the pending comments.
fn table_at<'a>(
    root: &'a mut Table,
    parents: &[String],
    pending: &mut Vec<String>,
) -> &'a mut Table {
    let mut table = root;
    for part in parents {
        let item = table.entry(part).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        if !item.is_table() {
            // A key that is also a table in YAML cannot happen (no
            // duplicate keys); keep the first.
            *item = Item::Table(Table::new());
        }
        table = item.as_table_mut().expect("made a table above");
    }
    if !parents.is_empty() && table.is_implicit() {
        table.set_implicit(false);
        let mut prefix = String::from("\n");
        prefix.push_str(&comment_block(&std::mem::take(pending)));
        table.decor_mut().set_prefix(prefix);
    }
    table
}

fn comment_block(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}
