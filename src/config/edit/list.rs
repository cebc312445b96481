//! Appending to and removing from a TOML array the way its author laid it
//! out: siblings' indent, trailing comma, and comments kept with their items.

use toml_edit::{Array, Value};

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

pub(super) fn append_like_siblings(arr: &mut Array, value: Value) {
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

pub(super) fn remove_keeping_comments(arr: &mut Array, i: usize) {
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
