//! The last ACME error in Traefik's log (its journal, one run). Pure.
//!
//! Traefik v3 logs like
//! `2026-12-01T12:00:00Z ERR Unable to obtain ACME certificate for domains
//! error="unable to generate a certificate …" ACME CA=… domains=["a"] …`
//! (with `ERR path/file.go:123 >` before the message at debug level), or as
//! JSON lines with `"level":"error"` when its log format is json.

/// The last error line about ACME, as `message: error (at time)`, newlines
/// folded; None when there is none.
pub fn last_acme_error(journal: &str) -> Option<String> {
    journal.lines().rev().find_map(acme_error)
}

fn acme_error(line: &str) -> Option<String> {
    if !line.to_ascii_lowercase().contains("acme") {
        return None;
    }
    if line.trim_start().starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
        if v.get("level")?.as_str()? != "error" {
            return None;
        }
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        return Some(compose(
            text("message").unwrap_or_default(),
            text("error"),
            text("time"),
        ));
    }
    let mut words = line.splitn(3, ' ');
    let (time, level, rest) = (words.next()?, words.next()?, words.next()?);
    if level != "ERR" {
        return None;
    }
    // At debug level the caller comes first: `pkg/file.go:123 > message`.
    let rest = rest.split_once(" > ").map_or(rest, |(_, m)| m);
    let (message, error) = match rest.find(" error=") {
        Some(i) => (&rest[..i], Some(field_value(&rest[i + 7..]))),
        None => (rest, None),
    };
    Some(compose(message.to_string(), error, Some(time.to_string())))
}

fn compose(message: String, error: Option<String>, time: Option<String>) -> String {
    let mut s = message.trim().to_string();
    if let Some(e) = error.filter(|e| !e.is_empty()) {
        if !s.is_empty() {
            s.push_str(": ");
        }
        s.push_str(&e);
    }
    let s: Vec<&str> = s
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut s = s.join(" ");
    if let Some(t) = time {
        s.push_str(&format!(" (at {t})"));
    }
    s
}

/// A logfmt value: a Go-quoted string (`"a \"b\"\nc"`) or a bare word.
fn field_value(s: &str) -> String {
    let Some(quoted) = s.strip_prefix('"') else {
        return s.split(' ').next().unwrap_or("").to_string();
    };
    let mut out = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push(' '),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBTAIN: &str = r#"2026-12-01T12:00:05Z ERR Unable to obtain ACME certificate for domains error="unable to generate a certificate for the domains [hub.example.org]: error: one or more domains had a problem:\n[hub.example.org] acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem: NXDOMAIN looking up A for hub.example.org\n" ACME CA=https://acme-v02.api.letsencrypt.org/directory acmeCA=https://acme-v02.api.letsencrypt.org/directory domains=["hub.example.org"] providerName=letsencrypt.acme routerName=x rule=y"#;

    #[test]
    fn the_error_field_is_unquoted_and_folded_to_one_line() {
        let journal = format!("2026-12-01T12:00:00Z INF Starting provider\n{OBTAIN}\n");
        let e = last_acme_error(&journal).unwrap();
        assert!(
            e.starts_with("Unable to obtain ACME certificate for domains: unable to generate"),
            "{e}"
        );
        assert!(
            e.contains("DNS problem: NXDOMAIN looking up A for hub.example.org"),
            "{e}"
        );
        assert!(e.ends_with("(at 2026-12-01T12:00:05Z)"), "{e}");
        assert!(!e.contains('\n') && !e.contains("providerName"), "{e}");
    }

    #[test]
    fn the_last_error_wins_and_other_levels_do_not_count() {
        let journal = format!(
            "{OBTAIN}\n2026-12-01T12:10:00Z ERR github.com/traefik/traefik/v3/pkg/provider/acme/provider.go:300 > Unable to get ACME account error=\"acme: error: 400 :: invalidContact\"\n\
             2026-12-01T12:11:00Z WRN acme something\n2026-12-01T12:12:00Z ERR unrelated error=boom\n"
        );
        assert_eq!(
            last_acme_error(&journal).unwrap(),
            "Unable to get ACME account: acme: error: 400 :: invalidContact (at 2026-12-01T12:10:00Z)"
        );
    }

    #[test]
    fn json_lines_and_nothing() {
        let line = r#"{"level":"error","error":"acme: no route","providerName":"letsencrypt.acme","time":"t1","message":"Unable to obtain ACME certificate for domains"}"#;
        assert_eq!(
            last_acme_error(line).unwrap(),
            "Unable to obtain ACME certificate for domains: acme: no route (at t1)"
        );
        assert_eq!(last_acme_error("2026 INF acme ok\n\n{not json acme"), None);
        assert_eq!(last_acme_error(""), None);
    }
}
