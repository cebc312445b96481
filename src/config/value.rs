//! Turning a command-line word into a TOML value. Pure.
//!
//! Rules, in order:
//! 1. `--string` keeps the word as a string, whatever it looks like.
//! 2. A word starting with `[` or `{` is a TOML inline array or table
//!    (`'["alice", "bob"]'`), so lists can be set in one go (TLJH #709).
//! 3. `none` (any case) means "no value"; TOML has no null, so the caller
//!    removes the key where that is allowed.
//! 4. A known key is parsed by its schema kind: a string key keeps `12345` as
//!    the string "12345", an integer key accepts `-1` and `1e3`, a bool key
//!    accepts `true`/`false` in any case, a list key refuses a bare word.
//! 5. Free-form (`auth.<Class>.<trait>`) and unknown keys follow tljh-config:
//!    integers, floats, `true`/`false`, else a string; better than
//!    tljh-config, `-1`, `+2` and `1e3` are numbers too.

use crate::schema::Kind;
use toml_edit::Value;

/// What a command-line word means for a key.
#[derive(Debug, Clone)]
pub enum Parsed {
    Value(Value),
    /// `none`: remove the key (TOML has no null).
    None,
}

impl Parsed {
    #[cfg(test)]
    fn value(self) -> Value {
        match self {
            Parsed::Value(v) => v,
            Parsed::None => panic!("expected a value, got none"),
        }
    }
}

/// How a key is typed, as far as parsing goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyType {
    Known(Kind),
    /// A list of strings that is not in the table itself
    /// (`users.extra_user_groups.GROUP`).
    GroupMembers,
    /// `auth.<Class>.<trait>` or an unknown key: tljh-config's rules.
    Loose,
}

/// Parses `raw` as the value of a key of type `ty`. Errors are short
/// sentences; the caller adds the key name.
pub fn parse(raw: &str, ty: KeyType, force_string: bool) -> Result<Parsed, String> {
    if force_string {
        return Ok(Parsed::Value(Value::from(raw)));
    }
    let trimmed = raw.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return parse_inline(raw).map(Parsed::Value);
    }
    if raw.eq_ignore_ascii_case("none") {
        return Ok(Parsed::None);
    }
    match ty {
        KeyType::Loose => Ok(Parsed::Value(loose(raw))),
        KeyType::GroupMembers => Err(list_hint()),
        KeyType::Known(kind) => by_kind(raw, kind).map(Parsed::Value),
    }
}

/// Parses one list item for `add-item`/`remove-item`: items of string lists
/// are always strings; other lists follow the loose rules.
pub fn parse_item(raw: &str, ty: KeyType, force_string: bool) -> Result<Value, String> {
    if force_string {
        return Ok(Value::from(raw));
    }
    match ty {
        KeyType::GroupMembers
        | KeyType::Known(Kind::StringList)
        | KeyType::Known(Kind::HostnameList) => Ok(Value::from(raw)),
        KeyType::Known(Kind::GroupMap) => Err(
            "users.extra_user_groups maps group names to lists; add to one group: \
             `add-item users.extra_user_groups.GROUP USER`"
                .into(),
        ),
        KeyType::Known(_) => Err("is not a list; use `set` instead".into()),
        KeyType::Loose => {
            let t = raw.trim_start();
            if t.starts_with('[') || t.starts_with('{') {
                parse_inline(raw)
            } else {
                Ok(loose(raw))
            }
        }
    }
}

fn list_hint() -> String {
    "is a list: add one item with `add-item KEY VALUE`, or set the whole list \
     with TOML syntax, e.g. '[\"alice\", \"bob\"]'"
        .into()
}

fn by_kind(raw: &str, kind: Kind) -> Result<Value, String> {
    match kind {
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::from(true)),
            "false" => Ok(Value::from(false)),
            _ => Err(format!("expects true or false, not `{raw}`")),
        },
        Kind::Int { .. } => parse_int(raw)
            .map(Value::from)
            .ok_or_else(|| format!("expects a whole number, not `{raw}`")),
        Kind::Number { .. } => parse_int(raw)
            .map(Value::from)
            .or_else(|| parse_float(raw).map(Value::from))
            .ok_or_else(|| format!("expects a number, not `{raw}`")),
        Kind::StringList | Kind::HostnameList | Kind::GroupMap => Err(list_hint()),
        text => {
            debug_assert!(text.is_text());
            Ok(Value::from(raw))
        }
    }
}

/// tljh-config's rules, plus signs and exponents.
pub fn loose(raw: &str) -> Value {
    if raw.eq_ignore_ascii_case("true") {
        return Value::from(true);
    }
    if raw.eq_ignore_ascii_case("false") {
        return Value::from(false);
    }
    if let Some(i) = parse_int(raw).filter(|_| is_int_syntax(raw)) {
        return Value::from(i);
    }
    if let Some(f) = parse_float(raw) {
        return Value::from(f);
    }
    Value::from(raw)
}

fn is_int_syntax(raw: &str) -> bool {
    let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `-1`, `+7`, `007`, and integral floats like `1e3` (for integer keys).
fn parse_int(raw: &str) -> Option<i64> {
    if is_int_syntax(raw) {
        return raw.parse().ok();
    }
    let f = parse_float(raw)?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// Decimal floats only: `1.5`, `1.`, `.5`, `-2.5e-3`, `1e3`. Not `inf`/`nan`.
fn parse_float(raw: &str) -> Option<f64> {
    let body = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    let ok = !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    raw.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A TOML inline array or table, as typed after `=` in a file.
fn parse_inline(raw: &str) -> Result<Value, String> {
    raw.trim().parse::<Value>().map_err(|e| {
        format!(
            "got `{raw}`, which is not a TOML array or table ({}); quote strings inside, \
             e.g. '[\"alice\", \"bob\"]', or use --string to store the text as is",
            e.message().trim_end()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORT: Kind = Kind::Int { min: 1, max: 65535 };

    fn s(v: &Value) -> String {
        v.to_string().trim().to_string()
    }

    #[test]
    fn loose_follows_tljh_and_fixes_numbers() {
        assert_eq!(s(&loose("42")), "42");
        assert_eq!(s(&loose("007")), "7");
        assert_eq!(s(&loose("-1")), "-1");
        assert_eq!(s(&loose("1.5")), "1.5");
        assert_eq!(s(&loose("1.")), "1.0");
        assert_eq!(loose("1e3").as_float(), Some(1000.0));
        assert_eq!(s(&loose("TRUE")), "true");
        assert_eq!(loose("inf").as_str(), Some("inf"));
        assert_eq!(loose("1.2.3").as_str(), Some("1.2.3"));
        assert_eq!(loose("hello").as_str(), Some("hello"));
        assert_eq!(loose("-").as_str(), Some("-"));
    }

    #[test]
    fn none_in_any_case() {
        assert!(matches!(
            parse("None", KeyType::Loose, false),
            Ok(Parsed::None)
        ));
        assert_eq!(
            parse("none", KeyType::Loose, true)
                .unwrap()
                .value()
                .as_str(),
            Some("none")
        );
    }

    #[test]
    fn typed_keys() {
        let string_key = KeyType::Known(Kind::String);
        assert_eq!(
            parse("12345", string_key, false).unwrap().value().as_str(),
            Some("12345")
        );
        let port = KeyType::Known(PORT);
        assert_eq!(
            parse("-1", port, false).unwrap().value().as_integer(),
            Some(-1)
        );
        assert_eq!(
            parse("1e3", port, false).unwrap().value().as_integer(),
            Some(1000)
        );
        assert!(parse("80a", port, false).is_err());
        assert!(parse("1.5", port, false).is_err());
        let b = KeyType::Known(Kind::Bool);
        assert_eq!(
            parse("False", b, false).unwrap().value().as_bool(),
            Some(false)
        );
        assert!(parse("yes", b, false).is_err());
        let cpu = KeyType::Known(Kind::Number { min: 0.0 });
        assert_eq!(
            parse("0.5", cpu, false).unwrap().value().as_float(),
            Some(0.5)
        );
        assert_eq!(
            parse("2", cpu, false).unwrap().value().as_integer(),
            Some(2)
        );
    }

    #[test]
    fn lists_need_list_syntax() {
        let l = KeyType::Known(Kind::StringList);
        let err = parse("alice", l, false).unwrap_err();
        assert!(err.contains("add-item"), "{err}");
        let v = parse(r#"["alice", "bob"]"#, l, false).unwrap().value();
        assert_eq!(v.as_array().map(|a| a.len()), Some(2));
        let err = parse("[alice, bob]", l, false).unwrap_err();
        assert!(err.contains("quote strings"), "{err}");
    }

    #[test]
    fn inline_tables() {
        let v = parse(
            r#"{ group1 = ["a"] }"#,
            KeyType::Known(Kind::GroupMap),
            false,
        )
        .unwrap()
        .value();
        assert!(v.as_inline_table().is_some());
    }

    #[test]
    fn items_of_string_lists_stay_strings() {
        let l = KeyType::Known(Kind::StringList);
        assert_eq!(parse_item("123", l, false).unwrap().as_str(), Some("123"));
        assert_eq!(
            parse_item("123", KeyType::Loose, false)
                .unwrap()
                .as_integer(),
            Some(123)
        );
        assert!(parse_item("x", KeyType::Known(PORT), false).is_err());
    }
}
