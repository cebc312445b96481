//! Why Let's Encrypt gave no certificate, in plain words: Traefik's log
//! lines in, the last ACME error for a domain out, classified, with the
//! next step. Pure (`reload proxy` and `status` feed it journal lines).
//!
//! ```
//! use hubcfg::acme_diagnosis::{Cause, diagnose};
//! let line = r#"2026-12-01T12:22:39Z ERR Unable to obtain ACME certificate for domains error="unable to generate a certificate for the domains [nx.test]: error: one or more domains had a problem:\n[nx.test] invalid authorization: acme: error: 400 :: urn:ietf:params:acme:error:malformed :: Could not resolve URL \"nx.test\"\n" domains=["nx.test"] providerName=letsencrypt.acme"#;
//! let d = diagnose(&[line], "nx.test").unwrap();
//! assert_eq!(d.cause, Cause::DomainDoesNotResolve);
//! println!("{d}"); // nx.test does not resolve to this machine (…): point its DNS …
//! ```

use std::fmt;

/// What kept the certificate from being issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The CA's DNS lookup of the domain failed (NXDOMAIN, no A records).
    DomainDoesNotResolve,
    /// The CA could not connect to this machine for the challenge.
    ChallengeUnreachable,
    /// The CA connected, but something else answered the challenge.
    WrongAnswer,
    /// The CA refused the account's contact email.
    InvalidContact,
    RateLimited,
    /// Traefik does not trust the ACME server's own https certificate.
    CaUntrusted,
    /// Traefik could not reach the ACME server at all.
    CaUnreachable,
    /// An ACME error not named above (its words are in `detail`).
    Other,
}

/// One diagnosed failure: its cause and the error's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub cause: Cause,
    pub domain: String,
    /// The CA's (or Traefik's) message, shortened to its last part.
    pub detail: String,
}

/// The most recent ACME error about `domain` in `log_lines` (Traefik's
/// "common" log format, colour codes allowed, or its JSON format), or
/// None when there is none. Errors that concern no domain (the ACME
/// client could not start) count for every domain.
pub fn diagnose(log_lines: &[&str], domain: &str) -> Option<Diagnosis> {
    log_lines.iter().rev().find_map(|raw| {
        let line = strip_ansi(raw);
        if !is_acme_error(&line) || !concerns(&line, domain) {
            return None;
        }
        let error = error_text(&line);
        Some(Diagnosis {
            cause: classify(&error),
            domain: domain.to_string(),
            detail: shorten(&error),
        })
    })
}

/// The most recent ACME error about any domain, as `message: error (at
/// time)` on one line: what to show when `diagnose` finds none for the
/// domain asked about. None when there is none.
pub fn last_error(log_lines: &[&str]) -> Option<String> {
    log_lines.iter().rev().find_map(|raw| {
        let line = strip_ansi(raw);
        is_acme_error(&line).then(|| summary(&line))
    })
}

fn summary(line: &str) -> String {
    let has_error = line.contains("error=") || line.contains("\"error\":");
    let error = has_error.then(|| error_text(line));
    if line.trim_start().starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap_or_default();
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        return compose(text("message").unwrap_or_default(), error, text("time"));
    }
    let mut words = line.splitn(3, ' ');
    let (time, rest) = (words.next(), words.nth(1).unwrap_or(""));
    // At debug level the caller comes first: `pkg/file.go:123 > message`.
    let rest = rest.split_once(" > ").map_or(rest, |(_, m)| m);
    let message = rest.find(" error=").map_or(rest, |i| &rest[..i]);
    compose(message.to_string(), error, time.map(str::to_string))
}

fn compose(message: String, error: Option<String>, time: Option<String>) -> String {
    let mut s = message.trim().to_string();
    if let Some(e) = error.filter(|e| !e.is_empty()) {
        if !s.is_empty() {
            s.push_str(": ");
        }
        s.push_str(&e);
    }
    let mut s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(t) = time {
        s.push_str(&format!(" (at {t})"));
    }
    s
}

/// Removes terminal colour sequences (`ESC [ … m`).
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn is_acme_error(line: &str) -> bool {
    let error_level = line.contains(" ERR ") || line.contains(r#""level":"error""#);
    let lower = line.to_ascii_lowercase();
    error_level
        && (lower.contains("acme") || lower.contains("certificates pool") || lower.contains("lego"))
}

fn concerns(line: &str, domain: &str) -> bool {
    let names_domains = line.contains("domains=[") || line.contains(r#""domains":["#);
    !names_domains
        || line.contains(&format!("\"{domain}\""))
        || line.contains(&format!("[{domain}]"))
}

/// The `error="…"` field (or JSON `"error":"…"`), unescaped; the whole line
/// when there is none.
fn error_text(line: &str) -> String {
    let Some(start) = ["error=\"", "\"error\":\""]
        .iter()
        .find_map(|k| line.find(k).map(|i| i + k.len()))
    else {
        return line.to_string();
    };
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

fn classify(error: &str) -> Cause {
    let e = error.to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| e.contains(w));
    if any(&["invalidcontact", "unsupportedcontact", "invalid contact"]) {
        Cause::InvalidContact
    } else if any(&["ratelimited", "rate limit", "too many certificates"]) {
        Cause::RateLimited
    } else if any(&["x509:", "certificates pool", "unknown authority"]) {
        Cause::CaUntrusted
    } else if any(&["get directory at", "cannot get acme client"]) {
        Cause::CaUnreachable
    } else if any(&[
        "dns problem",
        "nxdomain",
        "no valid a records",
        "no valid ip addresses",
        "could not resolve",
        "while resolving",
        "servfail",
    ]) {
        Cause::DomainDoesNotResolve
    } else if any(&[
        "error:connection",
        "failed to connect",
        "connection refused",
        "timeout",
        "timed out",
        "no route to host",
    ]) {
        Cause::ChallengeUnreachable
    } else if any(&[
        "error:unauthorized",
        "error:incorrectresponse",
        "invalid response",
    ]) {
        Cause::WrongAnswer
    } else {
        Cause::Other
    }
}

/// The part after the last ` :: ` (the CA's detail), on one line.
fn shorten(error: &str) -> String {
    let last = error.rsplit(" :: ").next().unwrap_or(error);
    let one_line = last.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(240).collect();
    if s.len() < one_line.len() {
        s.push('…');
    }
    s
}

impl Diagnosis {
    /// The port the CA tried, when the error tells (tls-alpn-01: 443, http-01: 80).
    fn challenge_port(&self) -> &'static str {
        let d = self.detail.to_ascii_lowercase();
        if d.contains("tls-alpn-01") {
            "443"
        } else if d.contains("http://") || d.contains("http-01") {
            "80"
        } else {
            "80/443"
        }
    }

    /// What to do about it, naming the key or command.
    pub fn next_step(&self) -> String {
        let d = &self.domain;
        match self.cause {
            Cause::DomainDoesNotResolve => format!(
                "point {d}'s DNS A record at this machine's public IP address, wait until \
                 `host {d}` shows it, then `hubcfg reload proxy`"
            ),
            Cause::ChallengeUnreachable => {
                let port = self.challenge_port();
                let other = match port {
                    "443" => "http-01",
                    "80" => "tls-alpn-01",
                    _ => "the other challenge",
                };
                format!(
                    "open port {port} to the internet (firewall, cloud security group), or \
                     switch with `hubcfg set https.letsencrypt.challenge {other}`, then \
                     `hubcfg reload proxy`"
                )
            }
            Cause::WrongAnswer => format!(
                "check that {d} points at this machine and that nothing else (another proxy, \
                 a load balancer) answers ports 80/443 for it"
            ),
            Cause::InvalidContact => "fix the address with `hubcfg set https.letsencrypt.email \
                 you@your-domain.org` (a real, reachable address), then `hubcfg reload proxy`"
                .to_string(),
            Cause::RateLimited => "wait until the limit resets (Let's Encrypt: hours to a week); \
                 test with `hubcfg set https.letsencrypt.staging true` meanwhile"
                .to_string(),
            Cause::CaUntrusted => "set https.letsencrypt.ca_bundle to the ACME server's CA \
                 certificate (PEM), or unset https.letsencrypt.ca_server to use Let's Encrypt"
                .to_string(),
            Cause::CaUnreachable => "check this machine's outgoing https (proxy, firewall) and \
                 https.letsencrypt.ca_server, then `hubcfg reload proxy`"
                .to_string(),
            Cause::Other => "see `journalctl -u traefik` for the whole error".to_string(),
        }
    }

    fn what(&self) -> String {
        let d = &self.domain;
        match self.cause {
            Cause::DomainDoesNotResolve => format!("{d} does not resolve to this machine"),
            Cause::ChallengeUnreachable => format!(
                "the CA could not reach this machine on port {} to check {d}",
                self.challenge_port()
            ),
            Cause::WrongAnswer => format!("the CA reached {d}, but the wrong server answered"),
            Cause::InvalidContact => "the CA refused https.letsencrypt.email".to_string(),
            Cause::RateLimited => format!("the CA's rate limit was hit for {d}"),
            Cause::CaUntrusted => "Traefik does not trust the ACME server's certificate".into(),
            Cause::CaUnreachable => "Traefik could not reach the ACME server".to_string(),
            Cause::Other => format!("the CA gave no certificate for {d}"),
        }
    }
}

/// One line: what happened (the CA's words): what to do.
impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.what(), self.detail, self.next_step())
    }
}

#[cfg(test)]
#[path = "acme_diagnosis_tests.rs"]
mod tests;
