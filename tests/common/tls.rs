//! Throwaway certificates made with the `openssl` command, and HTTP clients
//! that trust only them.

use std::path::{Path, PathBuf};
use std::time::Duration;

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("this test needs the openssl command to make certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throwaway CA (ca.pem) and a certificate for `host` signed by it.
pub fn openssl_cert(dir: &Path, host: &str) -> (PathBuf, PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=hubcfg test CA",
            "-days",
            "2",
        ],
    );
    let (crt, key) = signed_cert(dir, "hub", &format!("/CN={host}"), &format!("DNS:{host}"));
    (dir.join("ca.pem"), crt, key)
}

/// `NAME.key` and `NAME.crt` for `subject` and `san` (e.g. `DNS:host`,
/// `IP:127.0.0.1`), signed by the CA that `openssl_cert` made in `dir`.
pub fn signed_cert(dir: &Path, name: &str, subject: &str, san: &str) -> (PathBuf, PathBuf) {
    let (key, csr, crt, ext) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.cnf"),
    );
    std::fs::write(dir.join(&ext), format!("subjectAltName={san}\n")).unwrap();
    openssl(
        dir,
        &[
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj", subject,
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &crt,
            "-extfile",
            &ext,
            "-days",
            "2",
        ],
    );
    (dir.join(crt), dir.join(key))
}

/// A client (5 s timeout) that trusts only the CA in `pem`, resolving
/// `resolve` (host, port) to 127.0.0.1 when given.
pub fn client_trusting(pem: &[u8], resolve: Option<(&str, u16)>) -> reqwest::blocking::Client {
    // probe_client installs the rustls crypto provider.
    let _ = hubcfg::http::probe_client(Duration::from_secs(5));
    let mut b = reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem).unwrap()])
        .timeout(Duration::from_secs(5));
    if let Some((host, port)) = resolve {
        b = b.resolve(host, ([127, 0, 0, 1], port).into());
    }
    b.build().unwrap()
}
