//! `hubcfg status` against fakes: a temp prefix, fake hub and Traefik HTTP
//! servers (tests/common/fake_http.rs), and fake `systemctl`/`journalctl`
//! first on PATH that print what each test wrote for them.

mod common;

use common::fake_http::{FakeHttp, Route, route};
use common::{free_port, write};
use serde_json::Value as Json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const SECRET: &str = "test-api-secret-7f3a";
const TOKEN: &str = "test-hub-token-91c2";
/// `api_admin:SECRET`, base64.
fn basic_auth() -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(format!("api_admin:{SECRET}"));
    format!("Basic {b}")
}

fn active(since: &str) -> String {
    format!(
        "LoadState=loaded\nActiveState=active\nSubState=running\nStateChangeTimestamp={since}\n\
         StateChangeTimestampMonotonic=1000000\nNRestarts=0\nInvocationID=run-1\n"
    )
}

const FAILED: &str = "LoadState=loaded\nActiveState=failed\nSubState=failed\n\
    StateChangeTimestamp=Tue 2026-12-01 12:05:00 UTC\nStateChangeTimestampMonotonic=2000000\n\
    NRestarts=5\nInvocationID=\n";

/// A prefix as bootstrap leaves it (config, secret, token, environments'
/// metadata), fake systemd in `prefix/fake-bin`.
struct Hub {
    dir: tempfile::TempDir,
}

impl Hub {
    fn new(config: &str) -> Hub {
        let hub = Hub {
            dir: tempfile::tempdir().unwrap(),
        };
        let p = hub.prefix();
        write(p, "config/config.toml", config);
        write(p, "state/traefik-api.secret", &format!("{SECRET}\n"));
        write(p, "state/hubcfg-hub-token", &format!("{TOKEN}\n"));
        let sp = "hub/lib/python3.11/site-packages";
        write(
            p,
            &format!("{sp}/jupyterhub-5.2.1.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: jupyterhub\nVersion: 5.2.1\n",
        );
        write(p, "hub/pyvenv.cfg", "home = /usr/bin\nversion = 3.11.2\n");
        write(
            p,
            "user/pyvenv.cfg",
            "home = /usr/bin\nversion_info = 3.11.4\n",
        );
        let fake = |name: &str, script: &str| {
            write(p, &format!("fake-bin/{name}"), script);
            let path = p.join("fake-bin").join(name);
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        // `systemctl show -p … UNIT`: the unit is the last argument.
        fake(
            "systemctl",
            "#!/bin/sh\nfor u; do :; done\nexec cat \"$(dirname \"$0\")/$u\"\n",
        );
        fake(
            "journalctl",
            "#!/bin/sh\ncat \"$(dirname \"$0\")/journal\" 2>/dev/null\n",
        );
        hub.units(
            &active("Tue 2026-12-01 12:00:00 UTC"),
            &active("Tue 2026-12-01 12:00:01 UTC"),
        );
        hub
    }

    fn prefix(&self) -> &Path {
        self.dir.path()
    }

    fn units(&self, traefik: &str, jupyterhub: &str) {
        write(self.prefix(), "fake-bin/traefik.service", traefik);
        write(self.prefix(), "fake-bin/jupyterhub.service", jupyterhub);
    }

    /// `hubcfg status ARGS`: (exit code, stdout, stderr).
    fn status(&self, args: &[&str]) -> (i32, String, String) {
        let out = common::hubcfg_with_fakes(self.prefix(), &self.prefix().join("fake-bin"))
            .arg("status")
            .args(args)
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        for secret in [SECRET, TOKEN] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "a secret was printed:\n{stdout}\n{stderr}"
            );
        }
        (out.status.code().unwrap_or(-1), stdout, stderr)
    }

    fn status_json(&self) -> (i32, Json) {
        let (code, out, err) = self.status(&["--json"]);
        let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
        (code, v)
    }
}

fn hub_routes() -> Vec<Route> {
    vec![
        route("/hub/api", 200, r#"{"version": "5.2.1"}"#),
        route(
            "/hub/api/users",
            200,
            r#"{"items": [{"name": "ann", "servers": {"": {}}}, {"name": "bob", "servers": {"": {}, "lab": {}}}],
                "_pagination": {"offset": 0, "limit": 200, "total": 2, "next": null}}"#,
        )
        .requiring(&format!("token {TOKEN}")),
    ]
}

fn traefik_routes() -> Vec<Route> {
    vec![
        route(
            "/api/version",
            200,
            r#"{"Version": "3.6.5", "Codename": "x"}"#,
        )
        .requiring(&basic_auth()),
    ]
}

fn http_config(hub: &FakeHttp, traefik_port: u16) -> String {
    format!(
        "[http]\nport = {}\n[traefik_api]\nport = {traefik_port}\n",
        hub.port
    )
}

#[test]
fn status_json_on_a_healthy_hub() {
    let (hub, traefik) = (
        FakeHttp::start(hub_routes()),
        FakeHttp::start(traefik_routes()),
    );
    let h = Hub::new(&http_config(&hub, traefik.port));
    let (code, v) = h.status_json();
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["healthy"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
    assert_eq!(v["services"]["traefik"]["active_state"], "active");
    assert_eq!(
        v["services"]["traefik"]["since"],
        "Tue 2026-12-01 12:00:00 UTC"
    );
    assert_eq!(v["services"]["jupyterhub"]["restarts"], 0);
    assert_eq!(v["hub_api"]["version"], "5.2.1");
    assert_eq!(v["traefik_api"]["version"], "3.6.5");
    assert_eq!(v["versions"]["jupyterhub"], "5.2.1");
    assert_eq!(v["versions"]["traefik"], "3.6.5");
    assert_eq!(v["versions"]["hub_python"], "3.11.2");
    assert_eq!(v["versions"]["user_python"], "3.11.4");
    assert!(v["versions"]["hubcfg"].as_str().unwrap().starts_with("0."));
    assert_eq!(v["servers"]["running"], 3);
    assert!(v["disk"]["free_bytes"].as_u64().unwrap() > 0);
    assert!(v["memory"]["total_bytes"].as_u64().unwrap() > 0);
    assert_eq!(v["https"]["enabled"], false);
    assert!(traefik.heads()[0].contains("GET /api/version"));

    let (code, text, _) = h.status(&[]);
    assert_eq!(code, 0);
    assert!(text.contains("running servers     3\n"), "{text}");
    assert!(text.ends_with("healthy\n"), "{text}");
}

#[test]
fn status_names_a_failed_traefik_and_exits_1() {
    let hub = FakeHttp::start(vec![route("/hub/api", 502, "{}")]);
    let h = Hub::new(&http_config(&hub, free_port()));
    h.units(FAILED, &active("Tue 2026-12-01 12:00:01 UTC"));
    let (code, text, err) = h.status(&[]);
    assert_eq!(code, 1, "{text}\n{err}");
    assert!(
        text.contains("traefik.service is failed since Tue 2026-12-01 12:05:00 UTC"),
        "{text}"
    );
    assert!(
        text.contains("→ `journalctl -u traefik -n 50` says why, then `hubcfg reload proxy`"),
        "{text}"
    );
    assert!(
        err.contains("hubcfg status found 3 problems"),
        "{text}\n{err}"
    );
    let (code, v) = h.status_json();
    assert_eq!(code, 1);
    let components: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["component"].as_str().unwrap())
        .collect();
    assert_eq!(components, ["traefik", "hub", "traefik"], "{v:#}");
    assert_eq!(v["services"]["traefik"]["restarts"], 5);
    assert_eq!(v["hub_api"]["http_status"], 502);
}

#[test]
fn status_without_a_hub_token_is_still_healthy() {
    let (hub, traefik) = (
        FakeHttp::start(hub_routes()),
        FakeHttp::start(traefik_routes()),
    );
    let h = Hub::new(&http_config(&hub, traefik.port));
    std::fs::remove_file(h.prefix().join("state/hubcfg-hub-token")).unwrap();
    let (code, v) = h.status_json();
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["servers"]["running"], Json::Null);
    assert_eq!(
        v["servers"]["unknown"],
        "no hub token yet: re-run bootstrap"
    );
}

#[test]
fn status_reports_a_refused_api_secret_without_printing_it() {
    let hub = FakeHttp::start(hub_routes());
    let traefik = FakeHttp::start(vec![
        route("/api/version", 200, "{}").requiring("Basic c29tZW9uZTplbHNl"),
    ]);
    let h = Hub::new(&http_config(&hub, traefik.port));
    let (code, v) = h.status_json();
    assert_eq!(code, 1);
    assert_eq!(v["traefik_api"]["http_status"], 401);
    let fix = v["problems"][0]["fix"].as_str().unwrap();
    assert!(
        fix.contains("state/traefik-api.secret") && fix.contains("hubcfg reload proxy"),
        "{fix}"
    );
}

#[test]
fn status_shows_the_certificate_and_the_acme_error_with_letsencrypt() {
    let dir = tempfile::tempdir().unwrap();
    common::tls::openssl_cert(dir.path(), "hub.example.org");
    let (crt, key) = common::tls::signed_cert(
        dir.path(),
        "default",
        "/CN=TRAEFIK DEFAULT CERT",
        "DNS:traefik.default",
    );
    let https = FakeHttp::start_tls(hub_routes(), &crt, &key);
    let traefik = FakeHttp::start(traefik_routes());
    let h = Hub::new(&format!(
        "[http]\nport = {}\n[traefik_api]\nport = {}\n[https]\nenabled = true\nport = {}\n\
         [https.letsencrypt]\nemail = \"admin@example.org\"\ndomains = [\"hub.example.org\"]\n",
        free_port(),
        traefik.port,
        https.port
    ));
    write(
        h.prefix(),
        "fake-bin/journal",
        "2026-12-01T12:00:00Z INF Starting provider *acme.Provider\n\
         2026-12-01T12:00:09Z ERR Unable to obtain ACME certificate for domains \
         error=\"unable to generate a certificate for the domains [hub.example.org]: \
         acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem: NXDOMAIN\" \
         providerName=letsencrypt.acme\n",
    );
    let (code, v) = h.status_json();
    assert_eq!(code, 1, "{v:#}");
    let cert = &v["https"]["certificate"];
    assert_eq!(cert["subject"], "CN=TRAEFIK DEFAULT CERT", "{v:#}");
    assert_eq!(cert["traefik_default"], true);
    assert!(cert["issuer"].as_str().unwrap().contains("hubcfg test CA"));
    let days = cert["days_left"].as_i64().unwrap();
    assert!(
        (1..=2).contains(&days),
        "openssl made it for 2 days: {days}"
    );
    assert!(
        v["https"]["last_acme_error"]
            .as_str()
            .unwrap()
            .contains("DNS problem: NXDOMAIN")
    );
    assert_eq!(
        v["hub_api"]["version"], "5.2.1",
        "the hub answers over https"
    );
    assert_eq!(v["problems"].as_array().unwrap().len(), 1, "{v:#}");
    let p = v["problems"][0]["problem"].as_str().unwrap();
    assert!(
        p.contains("default certificate") && p.contains("NXDOMAIN"),
        "{p}"
    );
}
