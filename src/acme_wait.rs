//! After `reload proxy` with Let's Encrypt on: wait, bounded, until Traefik
//! either serves a real certificate for the first domain or logs the ACME
//! error that keeps it from getting one, and say which in one line. TLJH
//! silently serves "TRAEFIK DEFAULT CERT" instead (its #310, #345).

use crate::acme_diagnosis::{Diagnosis, diagnose};
use crate::effective::Effective;
use crate::error::{Error, Result};
use crate::tls_probe::ServedCert;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_secs(1);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Obtained(ServedCert),
    Failed(Diagnosis),
    /// Neither within the time; what was served last, or why nothing was.
    TimedOut {
        last: String,
    },
}

/// Polls `probe` (the certificate served for the domain) and `log`
/// (Traefik's lines since its restart) every `every` until a certificate
/// other than Traefik's default is served, an ACME error for `domain` is
/// logged, or `timeout` passes.
pub fn wait(
    domain: &str,
    probe: &dyn Fn() -> std::result::Result<ServedCert, String>,
    log: &dyn Fn() -> Vec<String>,
    timeout: Duration,
    every: Duration,
) -> Outcome {
    let start = Instant::now();
    loop {
        let last = match probe() {
            Ok(c) if !c.is_traefik_default() => return Outcome::Obtained(c),
            Ok(c) => format!("Traefik serves its default certificate ({})", c.subject),
            Err(e) => e,
        };
        let lines = log();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        if let Some(d) = diagnose(&lines, domain) {
            return Outcome::Failed(d);
        }
        if start.elapsed() >= timeout {
            return Outcome::TimedOut { last };
        }
        std::thread::sleep(every.min(timeout.saturating_sub(start.elapsed())));
    }
}

/// Where to connect for the https entrypoint: its address, loopback for all.
pub fn https_socket(eff: &Effective) -> SocketAddr {
    let ip = match eff.https.address.trim_matches(['[', ']']) {
        "" | "0.0.0.0" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "::" => IpAddr::V6(Ipv6Addr::LOCALHOST),
        a => a.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    };
    SocketAddr::new(ip, eff.https.port.get())
}

/// The outcome as the one line `reload proxy` prints, or its error.
pub fn report(domain: &str, outcome: Outcome, now_unix: i64) -> Result<String> {
    match outcome {
        Outcome::Obtained(c) => Ok(format!(
            "Let's Encrypt: certificate for {domain} obtained, issued by {}, valid until {} \
             ({} days)",
            c.issuer,
            c.not_after,
            c.days_left(now_unix)
        )),
        Outcome::Failed(d) => Err(Error::new(format!(
            "Let's Encrypt: no certificate for {domain}: {d}"
        ))
        .with_hint(
            "the hub runs, over https with Traefik's default certificate; full log: \
             `journalctl -u traefik`",
        )),
        Outcome::TimedOut { last } => Err(Error::new(format!(
            "Let's Encrypt: no certificate for {domain} after {}s, and no ACME error in \
             Traefik's log ({last})",
            TIMEOUT.as_secs()
        ))
        .with_hint(
            "Traefik keeps trying: check again with `hubcfg reload proxy`, and see \
             `journalctl -u traefik`",
        )),
    }
}

/// The real wait: a TLS handshake on the https port with the domain as
/// SNI, and the journal of Traefik's current run.
pub fn wait_and_report(
    eff: &Effective,
    services: &dyn crate::systemd::ServiceManager,
) -> Result<String> {
    let Some(domain) = eff.https.letsencrypt.domains.first() else {
        return Ok(String::new());
    };
    let addr = https_socket(eff);
    let probe = || crate::tls_probe::served_cert(addr, domain, HANDSHAKE_TIMEOUT);
    let log = || services.current_run_log(crate::reload::PROXY_UNIT);
    let outcome = wait(domain, &probe, &log, TIMEOUT, EVERY);
    report(domain, outcome, crate::clock::unix_seconds() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn cert(cn: &str, issuer: &str) -> ServedCert {
        ServedCert {
            subject: cn.into(),
            issuer: issuer.into(),
            not_after: "2031-12-01".into(),
            not_after_unix: 1_954_000_000,
            subject_dn: format!("CN={cn}"),
            issuer_dn: format!("CN={issuer}"),
            names: vec![],
        }
    }

    fn default_cert() -> ServedCert {
        let d = crate::tls_probe::TRAEFIK_DEFAULT_CN;
        cert(d, d)
    }

    const FAST: Duration = Duration::from_millis(1);

    #[test]
    fn waits_past_the_default_certificate_until_a_real_one() {
        let polls = Cell::new(0);
        let probe = || {
            polls.set(polls.get() + 1);
            Ok(if polls.get() < 3 {
                default_cert()
            } else {
                cert("hub.test", "Pebble Intermediate CA 1")
            })
        };
        let out = wait("hub.test", &probe, &Vec::new, Duration::from_secs(5), FAST);
        assert_eq!(
            out,
            Outcome::Obtained(cert("hub.test", "Pebble Intermediate CA 1"))
        );
        assert_eq!(polls.get(), 3);
        let line = report("hub.test", out, 1_954_000_000 - 10 * 86_400).unwrap();
        assert_eq!(
            line,
            "Let's Encrypt: certificate for hub.test obtained, issued by Pebble Intermediate \
             CA 1, valid until 2031-12-01 (10 days)"
        );
    }

    #[test]
    fn an_acme_error_in_the_log_ends_the_wait() {
        let line = include_str!("../tests/fixtures/acme/http-01-port-closed.log")
            .lines()
            .last()
            .unwrap()
            .to_string();
        let polls = Cell::new(0);
        let log = || {
            polls.set(polls.get() + 1);
            if polls.get() < 2 {
                vec![]
            } else {
                vec![line.clone()]
            }
        };
        let out = wait(
            "hub.test",
            &|| Ok(default_cert()),
            &log,
            Duration::from_secs(5),
            FAST,
        );
        let Outcome::Failed(d) = &out else {
            panic!("{out:?}")
        };
        assert_eq!(d.cause, crate::acme_diagnosis::Cause::ChallengeUnreachable);
        let e = report("hub.test", out, 0).unwrap_err();
        assert!(
            e.message
                .contains("could not reach this machine on port 80"),
            "{}",
            e.message
        );
        assert_eq!(e.exit_code, 1);
    }

    #[test]
    fn gives_up_after_the_timeout_saying_what_was_served() {
        let out = wait(
            "hub.test",
            &|| Err("connecting to 127.0.0.1:443: refused".into()),
            &Vec::new,
            Duration::from_millis(30),
            FAST,
        );
        let e = report("hub.test", out, 0).unwrap_err();
        assert!(e.message.contains("no ACME error"), "{}", e.message);
        assert!(e.message.contains("refused"), "{}", e.message);
    }

    #[test]
    fn connects_to_the_https_address_or_loopback() {
        let mut e = Effective::defaults();
        assert_eq!(https_socket(&e).to_string(), "127.0.0.1:443");
        e.https.address = "::".into();
        assert_eq!(https_socket(&e).to_string(), "[::1]:443");
        e.https.address = "10.0.0.5".into();
        assert_eq!(https_socket(&e).to_string(), "10.0.0.5:443");
    }
}
