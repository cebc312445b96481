//! Real Traefik 3.6.5 log lines from runs against pebble (tests/fixtures/acme,
//! captured by hand: see its README), and Let's Encrypt's own wording
//! for the cases pebble does not produce.

use super::*;

fn fixture(name: &str) -> &'static str {
    match name {
        "dns-could-not-resolve" => include_str!("../tests/fixtures/acme/dns-could-not-resolve.log"),
        "dns-server-down" => include_str!("../tests/fixtures/acme/dns-server-down.log"),
        "tls-alpn-port-closed" => include_str!("../tests/fixtures/acme/tls-alpn-port-closed.log"),
        "tls-alpn-port-closed-colored" => {
            include_str!("../tests/fixtures/acme/tls-alpn-port-closed-colored.log")
        }
        "http-01-port-closed" => include_str!("../tests/fixtures/acme/http-01-port-closed.log"),
        "invalid-contact" => include_str!("../tests/fixtures/acme/invalid-contact.log"),
        "ca-untrusted" => include_str!("../tests/fixtures/acme/ca-untrusted.log"),
        "obtained" => include_str!("../tests/fixtures/acme/obtained.log"),
        other => panic!("no fixture {other}"),
    }
}

fn diagnosed(name: &str, domain: &str) -> Option<Diagnosis> {
    let lines: Vec<&str> = fixture(name).lines().collect();
    diagnose(&lines, domain)
}

#[test]
fn domain_that_does_not_resolve() {
    let d = diagnosed("dns-could-not-resolve", "nx.test").unwrap();
    assert_eq!(d.cause, Cause::DomainDoesNotResolve);
    assert_eq!(d.detail, "Could not resolve URL \"nx.test\"");
    let line = d.to_string();
    assert!(
        line.starts_with("nx.test does not resolve to this machine"),
        "{line}"
    );
    assert!(line.contains("DNS A record"), "{line}");
    let d = diagnosed("dns-server-down", "hub.test").unwrap();
    assert_eq!(d.cause, Cause::DomainDoesNotResolve);
}

#[test]
fn closed_tls_alpn_port_says_443_and_suggests_http_01() {
    for name in ["tls-alpn-port-closed", "tls-alpn-port-closed-colored"] {
        let d = diagnosed(name, "hub.test").unwrap();
        assert_eq!(d.cause, Cause::ChallengeUnreachable, "{name}");
        let line = d.to_string();
        assert!(line.contains("on port 443"), "{line}");
        assert!(
            line.contains("https.letsencrypt.challenge http-01"),
            "{line}"
        );
        assert!(!line.contains('\u{1b}'), "{line}");
    }
}

#[test]
fn closed_http_port_says_80_and_suggests_tls_alpn_01() {
    let d = diagnosed("http-01-port-closed", "hub.test").unwrap();
    assert_eq!(d.cause, Cause::ChallengeUnreachable);
    let line = d.to_string();
    assert!(line.contains("on port 80 "), "{line}");
    assert!(line.contains("challenge tls-alpn-01"), "{line}");
    assert!(line.contains("connection refused"), "{line}");
}

#[test]
fn refused_email_names_the_key() {
    let d = diagnosed("invalid-contact", "hub.test").unwrap();
    assert_eq!(d.cause, Cause::InvalidContact);
    assert_eq!(d.detail, "contact email \"a,b@example.org\" is invalid");
    assert!(d.to_string().contains("hubcfg set https.letsencrypt.email"));
}

#[test]
fn untrusted_acme_server_points_at_ca_bundle() {
    let d = diagnosed("ca-untrusted", "hub.test").unwrap();
    assert_eq!(d.cause, Cause::CaUntrusted);
    assert!(d.to_string().contains("https.letsencrypt.ca_bundle"));
}

#[test]
fn a_successful_run_has_no_diagnosis() {
    assert_eq!(diagnosed("obtained", "hub.test"), None);
}

#[test]
fn errors_about_another_domain_are_not_this_ones() {
    assert_eq!(diagnosed("dns-could-not-resolve", "hub.test"), None);
}

#[test]
fn the_latest_error_wins() {
    let old = fixture("invalid-contact").lines().last().unwrap();
    let new = fixture("tls-alpn-port-closed").lines().last().unwrap();
    let d = diagnose(&[old, new], "hub.test").unwrap();
    assert_eq!(d.cause, Cause::ChallengeUnreachable);
}

/// Let's Encrypt's wording (not pebble's), in Traefik's line format.
fn le_line(domain: &str, error: &str) -> String {
    format!(
        "2026-12-01T12:00:00Z ERR Unable to obtain ACME certificate for domains \
         error=\"unable to generate a certificate for the domains [{domain}]: error: one or \
         more domains had a problem:\\n[{domain}] {error}\\n\" domains=[\"{domain}\"] \
         providerName=letsencrypt.acme"
    )
}

#[test]
fn lets_encrypt_wording() {
    let cases = [
        (
            "acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem: NXDOMAIN \
             looking up A for hub.example.org - check that a DNS record exists for this domain",
            Cause::DomainDoesNotResolve,
        ),
        (
            "acme: error: 400 :: urn:ietf:params:acme:error:dns :: no valid A records found \
             for hub.example.org; no valid AAAA records found for hub.example.org",
            Cause::DomainDoesNotResolve,
        ),
        (
            "acme: error: 400 :: urn:ietf:params:acme:error:connection :: 1.2.3.4: Timeout \
             during connect (likely firewall problem)",
            Cause::ChallengeUnreachable,
        ),
        (
            "acme: error: 403 :: urn:ietf:params:acme:error:unauthorized :: 1.2.3.4: Invalid \
             response from http://hub.example.org/.well-known/acme-challenge/x: 404",
            Cause::WrongAnswer,
        ),
        (
            "acme: error: 429 :: urn:ietf:params:acme:error:rateLimited :: too many \
             certificates (5) already issued for this exact set of identifiers in the last 168h",
            Cause::RateLimited,
        ),
        (
            "acme: error: 400 :: urn:ietf:params:acme:error:invalidContact :: contact email \
             has forbidden domain \\\"example.com\\\"",
            Cause::InvalidContact,
        ),
        ("acme: error: 500 :: something new", Cause::Other),
    ];
    for (error, cause) in cases {
        let line = le_line("hub.example.org", error);
        let d = diagnose(&[&line], "hub.example.org").unwrap();
        assert_eq!(d.cause, cause, "{error}");
        assert!(!d.next_step().is_empty());
    }
}

#[test]
fn json_log_format_is_read_too() {
    let line = r#"{"level":"error","error":"acme: error: 429 :: urn:ietf:params:acme:error:rateLimited :: slow down","domains":["hub.test"],"message":"Unable to obtain ACME certificate for domains"}"#;
    let d = diagnose(&[line], "hub.test").unwrap();
    assert_eq!(
        (d.cause, d.detail.as_str()),
        (Cause::RateLimited, "slow down")
    );
}

#[test]
fn colour_codes_are_stripped() {
    assert_eq!(strip_ansi("\u{1b}[31mERR\u{1b}[0m x"), "ERR x");
    assert_eq!(strip_ansi("plain"), "plain");
}

// last_error: the fallback for a domain diagnose finds nothing about.

const OBTAIN: &str = r#"2026-12-01T12:00:05Z ERR Unable to obtain ACME certificate for domains error="unable to generate a certificate for the domains [hub.example.org]: error: one or more domains had a problem:\n[hub.example.org] acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem: NXDOMAIN looking up A for hub.example.org\n" ACME CA=https://acme-v02.api.letsencrypt.org/directory acmeCA=https://acme-v02.api.letsencrypt.org/directory domains=["hub.example.org"] providerName=letsencrypt.acme routerName=x rule=y"#;

#[test]
fn the_error_field_is_unquoted_and_folded_to_one_line() {
    let journal = format!("2026-12-01T12:00:00Z INF Starting provider\n{OBTAIN}\n");
    let e = last_error(&journal.lines().collect::<Vec<_>>()).unwrap();
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
        last_error(&journal.lines().collect::<Vec<_>>()).unwrap(),
        "Unable to get ACME account: acme: error: 400 :: invalidContact (at 2026-12-01T12:10:00Z)"
    );
}

#[test]
fn json_lines_and_nothing() {
    let line = r#"{"level":"error","error":"acme: no route","providerName":"letsencrypt.acme","time":"t1","message":"Unable to obtain ACME certificate for domains"}"#;
    assert_eq!(
        last_error(&[line]).unwrap(),
        "Unable to obtain ACME certificate for domains: acme: no route (at t1)"
    );
    assert_eq!(
        last_error(&["2026 INF acme ok", "", "{not json acme"]),
        None
    );
    assert_eq!(last_error(&[]), None);
}
