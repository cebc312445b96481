//! toml_edit values and documents as JSON (for validation, `--json` and the
//! effective config) and back, for display.

use serde_json::Value as Json;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

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
