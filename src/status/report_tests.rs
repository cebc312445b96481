use super::*;
use crate::status::facts::*;
use crate::status::text::{bytes, duration, json, text};
use crate::systemd::UnitInfo;

fn unit(name: &str) -> Unit {
    Unit {
        unit: name.into(),
        info: UnitInfo {
            load_state: "loaded".into(),
            active_state: "active".into(),
            sub_state: "running".into(),
            since: Some("Tue 2026-12-01 12:00:00 UTC".into()),
            since_seconds: Some(7380),
            restarts: Some(0),
            invocation_id: Some("abc".into()),
        },
    }
}

fn ok(url: &str, version: &str) -> Check {
    Check {
        url: url.into(),
        ok: true,
        version: Some(version.into()),
        http_status: Some(200),
        error: None,
    }
}

fn down(url: &str, status: Option<u16>, error: &str) -> Check {
    Check {
        url: url.into(),
        ok: false,
        version: None,
        http_status: status,
        error: Some(error.into()),
    }
}

fn cert(subject: &str, days_left: i64) -> Certificate {
    Certificate {
        subject: format!("CN={subject}"),
        issuer: "C=US, O=Let's Encrypt, CN=R11".into(),
        names: vec![subject.into()],
        not_after: "2027-02-20T12:00:00Z".into(),
        days_left,
        traefik_default: subject == "TRAEFIK DEFAULT CERT",
    }
}

fn healthy() -> Facts {
    Facts {
        prefix: "/opt/tljh".into(),
        config_error: None,
        services: Services {
            traefik: unit("traefik.service"),
            jupyterhub: unit("jupyterhub.service"),
        },
        hub_api: ok("http://127.0.0.1:80/hub/api", "5.2.1"),
        traefik_api: ok("http://127.0.0.1:8099/api/version", "3.6.5"),
        https: Https::default(),
        disk: Disk {
            path: "/opt/tljh".into(),
            free_bytes: Some(10 << 30),
            total_bytes: Some(20 << 30),
            error: None,
        },
        memory: Memory {
            total_bytes: Some(2 << 30),
            available_bytes: Some(1 << 30),
        },
        versions: Versions {
            hubcfg: "0.1.0 (commit abc)".into(),
            jupyterhub: Some("5.2.1".into()),
            traefik: Some("3.6.5".into()),
            hub_python: Some("3.11.2".into()),
            user_python: Some("3.11.2".into()),
        },
        servers: Servers {
            running: Some(3),
            ..Servers::default()
        },
    }
}

fn letsencrypt(mut f: Facts, c: Option<Certificate>, acme: Option<&str>) -> Facts {
    f.https = Https {
        enabled: true,
        source: Some("letsencrypt".into()),
        port: Some(443),
        domains: vec!["hub.example.org".into()],
        certificate: c,
        certificate_error: None,
        last_acme_error: acme.map(String::from),
    };
    f
}

fn components(j: &Judgement) -> Vec<&str> {
    j.problems.iter().map(|p| p.component).collect()
}

#[test]
fn a_healthy_hub_has_no_problems_and_every_line() {
    let f = healthy();
    let j = judge(&f);
    assert_eq!(j, Judgement::default());
    let t = text(&f, &j);
    for want in [
        "traefik.service     active (running) since Tue 2026-12-01 12:00:00 UTC, 2h 3m ago; 0 restarts",
        "hub API             http://127.0.0.1:80/hub/api: ok, JupyterHub 5.2.1",
        "Traefik API         http://127.0.0.1:8099/api/version: ok, Traefik 3.6.5",
        "https               off",
        "disk                10.0 GiB free of 20.0 GiB on /opt/tljh",
        "memory              1.0 GiB available of 2.0 GiB",
        "Python              3.11.2 (hub environment), 3.11.2 (user environment)",
        "running servers     3",
    ] {
        assert!(t.contains(want), "{want:?} missing from\n{t}");
    }
    assert!(t.ends_with("healthy\n"), "{t}");
    let v = json(&f, &j);
    assert_eq!(v["healthy"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
    assert_eq!(v["services"]["traefik"]["active_state"], "active");
    assert_eq!(v["services"]["jupyterhub"]["restarts"], 0);
    assert_eq!(v["versions"]["jupyterhub"], "5.2.1");
    assert_eq!(v["servers"]["running"], 3);
    assert!(v["services"]["traefik"].get("invocation_id").is_none());
}

#[test]
fn a_failed_traefik_is_named_with_since_and_the_next_step() {
    let mut f = healthy();
    f.services.traefik.info.active_state = "failed".into();
    f.services.traefik.info.sub_state = "failed".into();
    f.hub_api = down("http://127.0.0.1:80/hub/api", None, "cannot connect");
    f.traefik_api = down("http://127.0.0.1:8099/api/version", None, "cannot connect");
    let j = judge(&f);
    assert_eq!(components(&j), ["traefik", "hub", "traefik"]);
    let first = &j.problems[0];
    assert_eq!(
        first.problem,
        "traefik.service is failed since Tue 2026-12-01 12:00:00 UTC, 2h 3m ago"
    );
    assert_eq!(
        first.fix,
        "`journalctl -u traefik -n 50` says why, then `hubcfg reload proxy`"
    );
    assert_eq!(j.problems[1].fix, "start traefik.service first (see above)");
    let t = text(&f, &j);
    assert!(
        t.contains("3 problems:\n  traefik.service is failed since"),
        "{t}"
    );
    assert!(t.contains("\n    → `journalctl -u traefik -n 50`"), "{t}");
    assert_eq!(json(&f, &j)["problems"][0]["component"], "traefik");
}

#[test]
fn a_stopped_hub_and_a_missing_unit() {
    let mut f = healthy();
    f.services.jupyterhub.info.active_state = "inactive".into();
    f.services.jupyterhub.info.sub_state = "dead".into();
    f.services.traefik.info.load_state = "not-found".into();
    let j = judge(&f);
    assert_eq!(components(&j), ["traefik", "jupyterhub"]);
    assert_eq!(j.problems[0].problem, "traefik.service is not installed");
    assert!(
        j.problems[1]
            .problem
            .starts_with("jupyterhub.service is inactive (dead) since")
    );
    assert!(j.problems[1].fix.ends_with("then `hubcfg reload hub`"));
}

#[test]
fn a_hub_down_with_traefik_points_to_reload_proxy() {
    let mut f = healthy();
    for u in [&mut f.services.traefik, &mut f.services.jupyterhub] {
        u.info.active_state = "inactive".into();
        u.info.sub_state = "dead".into();
    }
    let j = judge(&f);
    assert_eq!(components(&j)[..2], ["traefik", "jupyterhub"]);
    assert_eq!(
        j.problems[1].fix,
        "it needs traefik.service: `hubcfg reload proxy` starts both"
    );
}

#[test]
fn restarts_of_an_active_unit_are_a_warning() {
    let mut f = healthy();
    f.services.jupyterhub.info.restarts = Some(2);
    let j = judge(&f);
    assert!(j.problems.is_empty());
    assert_eq!(
        j.warnings,
        [
            "jupyterhub.service restarted itself 2 times since it was started: `journalctl -u jupyterhub` says why"
        ]
    );
}

#[test]
fn the_hub_api_fix_depends_on_the_answer() {
    let fix_for = |status| {
        let mut f = healthy();
        f.hub_api = down("http://127.0.0.1:80/hub/api", status, "HTTP 404 Not Found");
        judge(&f).problems[0].fix.clone()
    };
    assert!(fix_for(Some(404)).contains("no route to the hub: `hubcfg reload hub`"));
    assert!(fix_for(Some(502)).contains("journalctl -u jupyterhub"));
    assert!(fix_for(None).contains("ss -ltnp"));
}

#[test]
fn a_refused_api_secret_says_reload_proxy() {
    let mut f = healthy();
    f.traefik_api = down(
        "http://127.0.0.1:8099/api/version",
        Some(401),
        "HTTP 401 Unauthorized (the credentials were refused)",
    );
    let j = judge(&f);
    assert_eq!(components(&j), ["traefik"]);
    assert!(
        j.problems[0].fix.contains("state/traefik-api.secret"),
        "{j:?}"
    );
    assert!(j.problems[0].fix.contains("`hubcfg reload proxy`"));
}

#[test]
fn https_with_a_good_certificate_is_healthy() {
    let f = letsencrypt(healthy(), Some(cert("hub.example.org", 80)), None);
    let j = judge(&f);
    assert_eq!(j, Judgement::default());
    let t = text(&f, &j);
    assert!(
        t.contains("port 443, certificate from Let's Encrypt for hub.example.org"),
        "{t}"
    );
    assert!(t.contains("CN=hub.example.org from C=US, O=Let's Encrypt, CN=R11; 80 days left"));
    assert!(t.contains("Let's Encrypt       no ACME error since Traefik started"));
}

#[test]
fn traefik_default_certificate_with_letsencrypt_carries_the_acme_error() {
    let acme = "Unable to obtain ACME certificate for domains: DNS problem: NXDOMAIN";
    let f = letsencrypt(
        healthy(),
        Some(cert("TRAEFIK DEFAULT CERT", 365)),
        Some(acme),
    );
    let j = judge(&f);
    assert_eq!(components(&j), ["https"], "one problem, not two: {j:?}");
    let p = &j.problems[0].problem;
    assert!(p.contains("serves Traefik's default certificate"), "{p}");
    assert!(p.contains(acme), "{p}");
    assert!(
        j.problems[0]
            .fix
            .contains("hub.example.org resolves to this machine")
    );
    assert_eq!(
        json(&f, &j)["https"]["certificate"]["traefik_default"],
        true
    );
}

#[test]
fn an_acme_error_with_a_good_certificate_is_still_reported() {
    let f = letsencrypt(
        healthy(),
        Some(cert("hub.example.org", 60)),
        Some("Unable to get ACME account: invalidContact"),
    );
    let j = judge(&f);
    assert_eq!(components(&j), ["https"]);
    assert!(
        j.problems[0]
            .problem
            .starts_with("Let's Encrypt: Unable to get ACME account")
    );
}

#[test]
fn expired_and_expiring_certificates() {
    let j = judge(&letsencrypt(healthy(), Some(cert("h", -2)), None));
    assert!(
        j.problems[0].problem.contains("expired 2 days ago"),
        "{j:?}"
    );
    let j = judge(&letsencrypt(healthy(), Some(cert("h", 5)), None));
    assert!(
        j.problems[0]
            .problem
            .contains("Let's Encrypt has not renewed it")
    );
    let mut manual = letsencrypt(healthy(), Some(cert("h", 5)), None);
    manual.https.source = Some("manual".into());
    let j = judge(&manual);
    assert!(j.problems.is_empty());
    assert!(j.warnings[0].contains("expires in 5 days"));
}

#[test]
fn no_certificate_on_the_port() {
    let mut f = letsencrypt(healthy(), None, None);
    f.https.certificate_error = Some("cannot connect to 127.0.0.1:443".into());
    let j = judge(&f);
    assert!(
        j.problems[0]
            .problem
            .contains("no certificate could be read on https port 443")
    );
}

#[test]
fn low_disk_is_a_problem_low_memory_a_warning() {
    let mut f = healthy();
    f.disk.free_bytes = Some(300 << 20);
    f.memory.available_bytes = Some(100 << 20);
    let j = judge(&f);
    assert_eq!(components(&j), ["disk"]);
    assert!(
        j.problems[0]
            .problem
            .contains("only 300 MiB free on /opt/tljh")
    );
    assert!(j.warnings[0].contains("only 100 MiB of 2.0 GiB memory is available"));
}

#[test]
fn servers_unknown_without_a_token_is_no_problem_a_refused_token_is() {
    let mut f = healthy();
    f.servers = Servers {
        unknown: Some("no hub token yet: re-run bootstrap".into()),
        ..Servers::default()
    };
    let j = judge(&f);
    assert!(j.problems.is_empty());
    assert!(
        text(&f, &j).contains("running servers     unknown (no hub token yet: re-run bootstrap)")
    );
    f.servers = Servers {
        error: Some("HTTP 403 Forbidden from …/users".into()),
        ..Servers::default()
    };
    assert_eq!(components(&judge(&f)), ["hub"]);
}

#[test]
fn a_broken_config_is_a_problem_naming_validate() {
    let mut f = healthy();
    f.config_error = Some("config key http.port must be …".into());
    let j = judge(&f);
    assert_eq!(components(&j), ["config"]);
    assert!(j.problems[0].fix.contains("hubcfg validate"));
}

#[test]
fn durations_and_sizes_read_well() {
    assert_eq!(duration(40), "40s");
    assert_eq!(duration(250), "4m 10s");
    assert_eq!(duration(7380), "2h 3m");
    assert_eq!(duration(3 * 86400 + 4 * 3600), "3d 4h");
    assert_eq!(bytes(300 << 20), "300 MiB");
    assert_eq!(bytes(3 << 29), "1.5 GiB");
}
