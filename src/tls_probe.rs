//! Which certificate a TLS server serves for a name: a handshake with SNI
//! that accepts any certificate (it is looked at, not trusted), and the
//! leaf's subject, issuer and expiry. `reload proxy` uses it to tell a
//! Let's Encrypt certificate from Traefik's default one. Network.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
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
}

impl ServedCert {
    pub fn is_traefik_default(&self) -> bool {
        self.subject == TRAEFIK_DEFAULT_CN || self.issuer == TRAEFIK_DEFAULT_CN
    }

    /// Whole days from `now_unix` until expiry (negative: expired).
    pub fn days_left(&self, now_unix: i64) -> i64 {
        (self.not_after_unix - now_unix).div_euclid(86_400)
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

/// Subject, issuer and expiry of a DER certificate.
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
    })
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

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"not a certificate").is_err());
    }

    #[test]
    fn nothing_listening_is_an_error() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let e = served_cert(addr, "hub.test", Duration::from_secs(2)).unwrap_err();
        assert!(e.contains("127.0.0.1:9"), "{e}");
    }
}
