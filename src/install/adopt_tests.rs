use super::*;
use crate::install::testutil::{TestEnv, http_server, mode, run};
use crate::install::{layout, render_step, services};

const TLJH_HUB_UNIT: &str = "[Service]\nExecStart=/opt/tljh/hub/bin/python3 -m jupyterhub -f /opt/tljh/hub/lib/python3.11/site-packages/tljh/jupyterhub_config.py --upgrade-db\n";
const TLJH_TRAEFIK_UNIT: &str =
    "[Service]\nExecStart=/opt/tljh/hub/bin/traefik -c /opt/tljh/state/traefik.toml\n";

/// A prefix with TLJH's units, Traefik files and state, as TLJH leaves them.
fn tljh_machine(t: &TestEnv) -> PathBuf {
    let units = t.sys_dir("systemd");
    std::fs::write(units.join(HUB_UNIT), TLJH_HUB_UNIT).unwrap();
    std::fs::write(units.join(TRAEFIK_UNIT), TLJH_TRAEFIK_UNIT).unwrap();
    let state = t.paths.state_dir();
    std::fs::create_dir_all(state.join("rules")).unwrap();
    for (name, _) in KEPT_STATE {
        std::fs::write(state.join(name), format!("TLJH's {name}\n")).unwrap();
    }
    std::fs::write(state.join("rules/rules.toml"), "[http.routers]\n").unwrap();
    std::fs::write(state.join("traefik-api.secret"), "ab".repeat(32)).unwrap();
    std::fs::write(t.paths.traefik_toml(), "# TLJH's traefik.toml\n").unwrap();
    std::fs::write(t.paths.dynamic_toml(), "# TLJH's dynamic.toml\n").unwrap();
    units
}

fn state_bytes(t: &TestEnv) -> Vec<(String, Vec<u8>)> {
    KEPT_STATE
        .iter()
        .map(|(n, _)| {
            (
                n.to_string(),
                std::fs::read(t.paths.state_dir().join(n)).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_steps_that_touch_state_keep_tljh_s_files_byte_for_byte() {
    let t = TestEnv::new();
    tljh_machine(&t);
    let before = state_bytes(&t);
    let ctx = t.ctx();
    run(&layout::ConfigDirs, &ctx);
    run(&services::ApiSecret, &ctx);
    run(&services::HubToken, &ctx);
    run(&render_step::Render, &ctx);
    assert_eq!(state_bytes(&t), before);
    assert_eq!(mode(&t.paths.traefik_api_secret()), 0o600, "only its mode");
    let hub = std::fs::read_to_string(t.paths.hub_config_json()).unwrap();
    for kept in [
        "jupyterhub.sqlite",
        "jupyterhub_cookie_secret",
        "rules/rules.toml",
    ] {
        assert!(
            hub.contains(&format!("state/{kept}")),
            "{kept} not used: {hub}"
        );
    }
    let traefik = std::fs::read_to_string(t.paths.traefik_toml()).unwrap();
    assert!(traefik.contains("/state/rules"), "{traefik}");
}

#[test]
fn notes_name_what_was_found_and_kept() {
    let t = TestEnv::new();
    let units = tljh_machine(&t);
    std::fs::remove_file(t.paths.state_dir().join("passwords.dbm")).unwrap();
    std::fs::write(t.paths.state_dir().join("passwords.dbm.db"), "").unwrap();
    std::fs::remove_file(t.paths.acme_json()).unwrap();
    let a = Adoption::capture("its unit".into(), &t.paths, &units, true).unwrap();
    let notes = a.notes(&t.paths).join("\n");
    assert!(notes.contains("adopting the TLJH install in "), "{notes}");
    assert!(notes.contains("(its unit)"), "{notes}");
    assert!(
        notes
            .contains("state/jupyterhub.sqlite (the hub database), state/jupyterhub_cookie_secret"),
        "{notes}"
    );
    assert!(
        notes.contains("state/passwords.dbm (FirstUse passwords)"),
        "{notes}"
    );
    assert!(
        !notes.contains("acme.json"),
        "absent, so not named: {notes}"
    );
    assert!(notes.contains("put back"), "{notes}");
}

#[test]
fn roll_back_puts_tljh_s_units_and_files_back_sets_config_aside_and_waits() {
    let t = TestEnv::new();
    let units = tljh_machine(&t);
    let a = Adoption::capture("x".into(), &t.paths, &units, true).unwrap();
    // What the steps did meanwhile: our units, our Traefik files, config.toml.
    std::fs::create_dir_all(t.paths.config_dir()).unwrap();
    std::fs::write(t.paths.config_toml(), "# converted\n").unwrap();
    std::fs::write(units.join(HUB_UNIT), "ours").unwrap();
    std::fs::write(units.join(TRAEFIK_UNIT), "ours").unwrap();
    std::fs::write(t.paths.traefik_toml(), "ours").unwrap();
    let lines = a
        .roll_back(
            &t.paths,
            &t.services,
            &http_server("200 OK"),
            Duration::ZERO,
        )
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(units.join(HUB_UNIT)).unwrap(),
        TLJH_HUB_UNIT
    );
    assert_eq!(
        std::fs::read_to_string(units.join(TRAEFIK_UNIT)).unwrap(),
        TLJH_TRAEFIK_UNIT
    );
    assert_eq!(
        std::fs::read_to_string(t.paths.traefik_toml()).unwrap(),
        "# TLJH's traefik.toml\n"
    );
    assert!(!t.paths.config_toml().exists());
    let aside = t.paths.config_dir().join(SET_ASIDE);
    assert_eq!(std::fs::read_to_string(aside).unwrap(), "# converted\n");
    assert_eq!(
        t.services.take_calls(),
        vec![
            "daemon-reload",
            "restart traefik.service",
            "restart jupyterhub.service"
        ]
    );
    let text = lines.join("\n");
    assert!(text.contains("jupyterhub.service put back"), "{text}");
    assert!(
        text.contains("its hub answers at http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        !text.contains("dynamic.toml"),
        "unchanged, so not named: {text}"
    );
}

#[test]
fn a_failure_before_any_tljh_file_changed_sets_config_aside_and_restarts_nothing() {
    let t = TestEnv::new();
    let units = tljh_machine(&t);
    let a = Adoption::capture("x".into(), &t.paths, &units, true).unwrap();
    std::fs::create_dir_all(t.paths.config_dir()).unwrap();
    std::fs::write(t.paths.config_toml(), "# converted\n").unwrap();
    // No hub answers at this URL: nothing may wait for one.
    let lines = a
        .roll_back(&t.paths, &t.services, "http://127.0.0.1:9/", Duration::ZERO)
        .unwrap();
    assert!(t.services.take_calls().is_empty());
    assert!(!t.paths.config_toml().exists());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("config.toml set aside as "),
        "{lines:?}"
    );
    assert!(lines[1].contains("nothing was restarted"), "{lines:?}");
    assert_eq!(
        std::fs::read_to_string(units.join(HUB_UNIT)).unwrap(),
        TLJH_HUB_UNIT
    );
}

#[test]
fn no_rollback_when_tljh_s_units_no_longer_run_the_hub() {
    let t = TestEnv::new();
    let units = tljh_machine(&t);
    std::fs::write(units.join(HUB_UNIT), "ours").unwrap();
    let a = Adoption::capture("x".into(), &t.paths, &units, false).unwrap();
    std::fs::write(units.join(HUB_UNIT), "ours, changed").unwrap();
    let lines = a
        .roll_back(&t.paths, &t.services, "http://127.0.0.1:9/", Duration::ZERO)
        .unwrap();
    assert!(lines.is_empty());
    assert!(t.services.take_calls().is_empty());
    assert_eq!(
        std::fs::read_to_string(units.join(HUB_UNIT)).unwrap(),
        "ours, changed"
    );
}

#[test]
fn the_error_says_it_rolled_back_or_that_that_failed_too() {
    let failed = || {
        Error::new("[15/16] Start Traefik and JupyterHub failed after 5s:\nthe hub did not answer")
            .with_hint(
                "fix the cause, then run bootstrap again\n  Full log: /opt/tljh/installer.log",
            )
    };
    let e = rolled_back_error(
        failed(),
        "hubcfg's hub did not answer",
        Ok(vec!["x put back".into()]),
    );
    assert!(
        e.message.starts_with("[15/16] Start Traefik"),
        "{}",
        e.message
    );
    assert!(
        e.message
            .contains("so the TLJH install was rolled back:\n  x put back"),
        "{}",
        e.message
    );
    let hint = e.hint.unwrap();
    assert!(
        hint.contains("TLJH runs as before") && hint.contains("Full log:"),
        "{hint}"
    );
    let e = rolled_back_error(
        failed(),
        "hubcfg's hub did not answer",
        Err(Error::new("restart failed")),
    );
    assert!(
        e.message
            .contains("putting TLJH's install back failed too: restart failed"),
        "{}",
        e.message
    );
    assert!(e.hint.unwrap().contains("journal-saved"));
    let e = rolled_back_error(failed(), "hubcfg's hub did not answer", Ok(vec![]));
    assert!(!e.message.contains("rolled back"));
}
