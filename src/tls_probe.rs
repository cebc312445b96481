//! Which certificate a TLS server serves for a name: a handshake with SNI
//! that accepts any certificate (it is looked at, not trusted), and the
//! leaf's subject, issuer, names and expiry. `reload proxy` uses it to tell
//! a Let's Encrypt certificate from Traefik's default one, `status` to show
//! what the https port serves. Network.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// The common name of the certificate Traefik serves when it has no other.
pub const TRAEFIK_DEFAULT_CN: &str = "TRAEFIK DEFAULT CERT";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedCert {
    /// Common names, or the whole distinguished name when it has none.
    pub subject: String,
    pub issuer: String,
    /// `2031-12-01` (UTC).
    pub not_after: String,
    /// Seconds since the epoch.
    pub not_after_unix: i64,
    /// The whole distinguished names (`CN=hub.example.org`).
    pub subject_dn: String,
    pub issuer_dn: String,
    /// DNS names and addresses (subject alternative names) it is valid for.
    pub names: Vec<String>,
}

impl ServedCert {
    pub fn is_traefik_default(&self) -> bool {
        self.subject == TRAEFIK_DEFAULT_CN || self.issuer == TRAEFIK_DEFAULT_CN
    }

    /// Whole days from `now_unix` until expiry (negative: expired).
    pub fn days_left(&self, now_unix: i64) -> i64 {
        (self.not_after_unix - now_unix).div_euclid(86_400)
    }

    /// The expiry as RFC 3339 (`2031-12-01T12:00:00Z`).
    pub fn not_after_rfc3339(&self) -> String {
        rfc3339(self.not_after_unix)
    }
}

/// The leaf certificate `addr` serves for `sni`, or why there is none.
pub fn served_cert(addr: SocketAddr, sni: &str, timeout: Duration) -> Result<ServedCert, String> {
    crate::http::install_crypto_provider();
    let config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LookOnly))
        .with_no_client_auth();
    let name = ServerName::try_from(sni.to_string()).map_err(|e| format!("{sni}: {e}"))?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| format!("TLS setup: {e}"))?;
    let mut sock = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("connecting to {addr}: {e}"))?;
    sock.set_read_timeout(Some(timeout)).ok();
    sock.set_write_timeout(Some(timeout)).ok();
    while conn.is_handshaking() {
        conn.complete_io(&mut sock)
            .map_err(|e| format!("TLS handshake with {addr} (SNI {sni}): {e}"))?;
    }
    let _ = conn.writer().flush();
    let leaf = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or_else(|| format!("{addr} sent no certificate"))?;
    parse(leaf.as_ref())
}

/// The address of `host:port` (the first one it resolves to).
pub fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port}: no address"))
}

/// Subject, issuer, names and expiry of a DER certificate.
pub fn parse(der: &[u8]) -> Result<ServedCert, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("unreadable certificate: {e}"))?;
    let name = |n: &x509_parser::x509::X509Name| {
        let cns: Vec<&str> = n
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .collect();
        if cns.is_empty() {
            n.to_string()
        } else {
            cns.join(", ")
        }
    };
    let mut names = vec![];
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        use x509_parser::extensions::GeneralName;
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push(d.to_string()),
                GeneralName::IPAddress(b) => names.push(ip_text(b)),
                _ => {}
            }
        }
    }
    let not_after = cert.validity().not_after;
    let date = not_after.to_datetime().date();
    Ok(ServedCert {
        subject: name(cert.subject()),
        issuer: name(cert.issuer()),
        not_after: format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        not_after_unix: not_after.timestamp(),
        subject_dn: cert.subject().to_string(),
        issuer_dn: cert.issuer().to_string(),
        names,
    })
}

fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let a: [u8; 16] = b.try_into().unwrap_or([0; 16]);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex::encode(b),
    }
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian,
/// Howard Hinnant's days-to-civil).
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Accepts every certificate: the probe reports what is served, and
/// trusts nothing it learns from it.
#[derive(Debug)]
struct LookOnly;

impl ServerCertVerifier for LookOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn der(pem: &str) -> Vec<u8> {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    #[test]
    fn pebble_certificate_is_not_the_default() {
        let c = parse(&der(include_str!(
            "../tests/fixtures/acme/pebble-issued.pem"
        )))
        .unwrap();
        assert_eq!(c.subject, "hub.test");
        assert!(c.issuer.starts_with("Pebble Intermediate CA"), "{c:?}");
        assert_eq!(c.not_after, "2031-12-01");
        assert!(!c.is_traefik_default());
        assert_eq!(c.days_left(c.not_after_unix - 86_400 * 3 - 5), 3);
    }

    #[test]
    fn traefik_default_certificate_is_recognised() {
        let c = parse(&der(include_str!(
            "../tests/fixtures/acme/traefik-default.pem"
        )))
        .unwrap();
        assert!(c.is_traefik_default(), "{c:?}");
        assert_eq!(c.not_after, "2027-12-01");
    }

    /// CN=hub.example.org, SAN DNS:hub.example.org and IP:127.0.0.1, issued
    /// by CN=Test CA, O=hubcfg tests.
    const HUB: &str = include_str!("../tests/fixtures/acme/test-ca-issued.pem");

    #[test]
    fn names_and_distinguished_names_are_read() {
        let c = parse(&der(HUB)).unwrap();
        assert_eq!(c.subject, "hub.example.org");
        assert_eq!(c.subject_dn, "CN=hub.example.org");
        assert!(c.issuer_dn.contains("CN=Test CA"), "{}", c.issuer_dn);
        assert_eq!(c.names, ["hub.example.org", "127.0.0.1"]);
        assert!(!c.is_traefik_default());
        let end = c.not_after_unix;
        assert_eq!(c.days_left(end - 86_400 * 3), 3);
        assert_eq!(c.days_left(end + 1), -1, "expired");
        let t = c.not_after_rfc3339();
        assert!(t.ends_with('Z') && t.len() == 20, "{t}");
        assert!(t.starts_with(&c.not_after), "{t} {}", c.not_after);
    }

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"not a certificate").is_err());
        assert!(parse(b"\x30\x03\x02\x01").is_err());
        assert!(parse(&[]).is_err());
    }

    #[test]
    fn nothing_listening_is_an_error() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let e = served_cert(addr, "hub.test", Duration::from_secs(2)).unwrap_err();
        assert!(e.contains("127.0.0.1:9"), "{e}");
    }

    #[test]
    fn an_unknown_host_does_not_resolve() {
        assert!(resolve("no-such-host.invalid", 443).is_err());
        assert_eq!(resolve("127.0.0.1", 443).unwrap().port(), 443);
    }
}
