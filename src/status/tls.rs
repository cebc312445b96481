//! The certificate a TLS server presents: a handshake that accepts any
//! certificate (we look at it, we do not trust it), then the leaf's subject,
//! issuer, names and expiry. (network: one TCP connection)

use super::facts::Certificate;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// The subject Traefik gives the certificate it serves when it has none.
pub const TRAEFIK_DEFAULT_SUBJECT: &str = "TRAEFIK DEFAULT CERT";

/// The leaf certificate (DER) that `host:port` presents for the server
/// name `sni` (default: `host`; an IP address sends no SNI, and Traefik
/// then shows its default certificate).
pub fn peer_certificate(
    host: &str,
    port: u16,
    sni: Option<&str>,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LookOnly(provider)))
        .with_no_client_auth();
    let n = sni.unwrap_or(host);
    let name = ServerName::try_from(n.to_string())
        .map_err(|_| format!("{n:?} is not a usable server name"))?;
    let addr: SocketAddr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port}: no address"))?;
    let mut sock = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    sock.set_read_timeout(Some(timeout)).ok();
    sock.set_write_timeout(Some(timeout)).ok();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| format!("TLS setup: {e}"))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut sock)
            .map_err(|e| format!("TLS handshake with {addr}: {e}"))?;
    }
    conn.peer_certificates()
        .and_then(|certs| certs.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or_else(|| format!("{addr} sent no certificate"))
}

/// Accepts every certificate, but still checks the handshake signatures.
#[derive(Debug)]
struct LookOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for LookOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What a DER certificate says, with its days left counted from `now_unix`.
pub fn describe(der: &[u8], now_unix: i64) -> Result<Certificate, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("the certificate does not parse: {e}"))?;
    let not_after = cert.validity().not_after;
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
    let subject = cert.subject().to_string();
    let traefik_default = cert
        .subject()
        .iter_common_name()
        .any(|cn| cn.as_str() == Ok(TRAEFIK_DEFAULT_SUBJECT));
    Ok(Certificate {
        subject,
        issuer: cert.issuer().to_string(),
        names,
        not_after: rfc3339(not_after.timestamp()),
        days_left: (not_after.timestamp() - now_unix).div_euclid(86_400),
        traefik_default,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn der(pem: &str) -> Vec<u8> {
        use base64::Engine;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    /// `openssl req -x509 -subj '/CN=TRAEFIK DEFAULT CERT' -days 365`, as
    /// Traefik makes its fallback.
    const TRAEFIK_DEFAULT: &str = include_str!("testdata/traefik-default.pem");
    /// CN=hub.example.org, SAN DNS:hub.example.org and IP:127.0.0.1, issued
    /// by CN=Test CA, O=hubcfg tests.
    const HUB: &str = include_str!("testdata/hub.pem");

    #[test]
    fn a_certificate_is_described_with_days_left() {
        let d = der(HUB);
        let c = describe(&d, 0).unwrap();
        assert_eq!(c.subject, "CN=hub.example.org");
        assert!(c.issuer.contains("CN=Test CA"), "{}", c.issuer);
        assert_eq!(c.names, ["hub.example.org", "127.0.0.1"]);
        assert!(!c.traefik_default);
        let (_, x) = x509_parser::parse_x509_certificate(&d).unwrap();
        let end = x.validity().not_after.timestamp();
        assert_eq!(describe(&d, end - 86_400 * 3).unwrap().days_left, 3);
        assert_eq!(describe(&d, end + 1).unwrap().days_left, -1, "expired");
        assert!(
            c.not_after.ends_with('Z') && c.not_after.len() == 20,
            "{}",
            c.not_after
        );
    }

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn traefik_default_certificate_is_recognised() {
        let c = describe(&der(TRAEFIK_DEFAULT), 0).unwrap();
        assert!(c.traefik_default, "{c:?}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(describe(b"\x30\x03\x02\x01", 0).is_err());
        assert!(describe(&[], 0).is_err());
    }

    #[test]
    fn nothing_listening_is_an_error_naming_the_address() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = peer_certificate("127.0.0.1", port, None, Duration::from_secs(1)).unwrap_err();
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
    }
}
