//! Uninstall after bootstrap adopted a TLJH install: TLJH is given back.

use super::tests::{ALL, World};
use super::*;
use crate::install::services::{HUB_UNIT, TRAEFIK_UNIT};
use std::path::PathBuf;

const TLJH_HUB_UNIT: &str = "[Service]\nExecStart=/opt/tljh/hub/bin/python3 -m jupyterhub -f /opt/tljh/hub/lib/python3.11/site-packages/tljh/jupyterhub_config.py\n";
const TLJH_YAML: &str = "# TLJH's own comment\nusers:\n  admin:\n  - ann\n";

fn write(p: PathBuf, text: &str) -> PathBuf {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// TLJH's install, then what bootstrap's adoption leaves: the adoption and
/// TLJH's Traefik files journaled, hubcfg's units, files and package in.
fn adopted(w: &World) -> Vec<PathBuf> {
    let p = &w.t.paths;
    let units = w.machine().unit_dir;
    write(units.join(HUB_UNIT), TLJH_HUB_UNIT);
    write(units.join(TRAEFIK_UNIT), "[Service]\nExecStart=traefik\n");
    let tljh_state: Vec<PathBuf> = [
        "jupyterhub.sqlite",
        "jupyterhub_cookie_secret",
        "passwords.dbm.db",
        "rules/rules.toml",
    ]
    .iter()
    .map(|n| write(p.state_dir().join(n), &format!("TLJH's {n}\n")))
    .collect();
    write(p.traefik_toml(), "# TLJH's traefik.toml\n");
    write(p.dynamic_toml(), "# TLJH's dynamic.toml\n");
    let yaml = write(p.config_dir().join("config.yaml"), TLJH_YAML);
    let site = p.hub_env().join("lib/python3.11/site-packages");
    let tljh_pkg = write(site.join("tljh/jupyterhub_config.py"), "# TLJH\n");

    crate::install::adopt::journal(p, "TLJH's units run its hub").unwrap();
    w.install();
    write(p.traefik_toml(), "# hubcfg's\n");
    write(p.dynamic_toml(), "# hubcfg's\n");
    for f in [
        p.hub_config_json(),
        p.hub_token(),
        p.traefik_env(),
        p.hubcfg_bin(),
        p.jupyterhub_config_py(),
    ] {
        write(f, "hubcfg's\n");
    }
    write(site.join("hubcfg_hub/__init__.py"), "");
    write(site.join("hubcfg_hub-0.1.0.dist-info/RECORD"), "");
    write(p.config_toml(), "[users]\nadmin = [\"ann\"]\n");
    crate::migrate::apply::retire_yaml(&yaml, &p.config_toml()).unwrap();
    let mut kept = tljh_state;
    kept.push(tljh_pkg);
    kept
}

#[test]
fn an_adopted_prefix_gets_tljh_back_instead_of_being_removed() {
    let w = World::new();
    let kept = adopted(&w);
    let p = &w.t.paths;
    let plan = w.plan(&ALL);
    assert!(plan.tljh_back);
    let lines: Vec<String> = plan.actions.iter().map(|a| a.to_string()).collect();
    let text = lines.join("\n");
    let site = p.hub_env().join("lib/python3.11/site-packages");
    for want in [
        format!(
            "restore {} as it was before hubcfg",
            p.traefik_toml().display()
        ),
        format!(
            "restore {} as it was before hubcfg",
            p.dynamic_toml().display()
        ),
        format!("put TLJH's {}/config.yaml back", p.config_dir().display()),
        format!("remove {}", p.hubcfg_bin().display()),
        format!("remove {}", site.join("hubcfg_hub").display()),
        format!(
            "remove {}",
            site.join("hubcfg_hub-0.1.0.dist-info").display()
        ),
        format!("remove {}", p.hub_token().display()),
    ] {
        assert!(text.contains(&want), "{want} not in\n{text}");
    }
    assert!(
        !text.contains(&format!("remove {}\n", p.prefix.display())),
        "{text}"
    );
    let tail = &lines[lines.len() - 5..];
    assert_eq!(
        tail[1..3],
        ["restart traefik.service", "restart jupyterhub.service"]
    );
    assert!(
        tail[3].starts_with("wait until TLJH's hub answers at http"),
        "{tail:?}"
    );
    assert!(tail[4].contains(adopted::JOURNAL_ASIDE), "{tail:?}");
    assert!(describe(p, &plan, &ALL).contains("the packages hubcfg added to them stay"));

    w.t.services.take_calls();
    execute(&plan.actions, &w.machine(), &mut |_| {}).unwrap();
    let units = w.machine().unit_dir;
    assert_eq!(
        std::fs::read_to_string(units.join(HUB_UNIT)).unwrap(),
        TLJH_HUB_UNIT
    );
    assert_eq!(
        std::fs::read_to_string(p.config_dir().join("config.yaml")).unwrap(),
        TLJH_YAML
    );
    assert!(p.config_dir().join(adopted::TOML_ASIDE).is_file() && !p.config_toml().exists());
    assert_eq!(
        std::fs::read_to_string(p.traefik_toml()).unwrap(),
        "# TLJH's traefik.toml\n"
    );
    for gone in [
        p.hubcfg_bin(),
        p.jupyterhub_config_py(),
        p.hub_token(),
        p.hub_config_json(),
        site.join("hubcfg_hub"),
        p.journal(),
    ] {
        assert!(!gone.exists(), "{} still there", gone.display());
    }
    for k in &kept {
        assert!(k.is_file(), "{} removed", k.display());
    }
    let calls = w.t.services.take_calls();
    let tail = &calls[calls.len() - 3..];
    assert_eq!(
        tail,
        [
            "daemon-reload",
            "restart traefik.service",
            "restart jupyterhub.service"
        ]
    );

    assert_eq!(w.plan(&ALL), Plan::default(), "a re-run has nothing to do");
    assert!(
        crate::migrate::live::to_adopt(&p.prefix, &units).is_some(),
        "bootstrap can adopt it again"
    );
}

#[test]
fn a_hub_that_does_not_answer_stops_the_uninstall_with_the_url() {
    let w = World::new();
    adopted(&w);
    let plan = w.plan(&ALL);
    let mut m = w.machine();
    m.wait_hub = &|url| Err(crate::error::Error::new(format!("no answer at {url}")));
    let e = execute(&plan.actions, &m, &mut |_| {}).unwrap_err();
    assert!(
        e.message
            .contains("uninstall stopped at `wait until TLJH's hub answers at http"),
        "{}",
        e.message
    );
    assert!(
        w.t.paths.journal().exists(),
        "the journal stays for a re-run"
    );
}
