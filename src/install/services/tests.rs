use super::*;
use crate::install::testutil::{TestEnv, http_server, mode, plan_lines, run, try_run};
use crate::install::{Ctx, Restart, Step};
use crate::paths::Paths;
use std::path::Path;
use std::time::Duration;

// ------------------------------------------------------------ Units

#[test]
fn units_render_with_the_prefix() {
    let units = rendered_units(&Paths::new("/opt/tljh")).unwrap();
    assert_eq!(units[0].0, TRAEFIK_UNIT);
    let (traefik, hub) = (&units[0].1, &units[1].1);
    for u in [traefik, hub] {
        assert!(!u.contains("@PREFIX@"));
        assert!(u.contains("WantedBy=multi-user.target"));
    }
    assert!(hub.contains("Requires=traefik.service\nAfter=traefik.service network.target\n"));
    assert!(hub.contains("WorkingDirectory=/opt/tljh/state\n"));
    assert!(
        hub.contains("ExecStartPre=/opt/tljh/bin/hubcfg --prefix /opt/tljh render --hub-stopped\n")
    );
    assert!(hub.contains(
        "ExecStart=/opt/tljh/hub/bin/python3 -m jupyterhub -f /opt/tljh/hub/etc/jupyterhub_config.py --upgrade-db\n"
    ));
    assert!(hub.contains("Environment=HUBCFG_HUB_CONFIG=/opt/tljh/state/hub-config.json\n"));
    assert!(hub.contains("Environment=TLJH_INSTALL_PREFIX=/opt/tljh\n"));
    assert!(traefik.contains("ProtectHome=read-only\n"));
    assert!(traefik.contains("ProtectSystem=strict\n"));
    assert!(traefik.contains("ReadWritePaths=-/opt/tljh/state/acme.json\n"));
    assert!(traefik.contains(
        "ExecStart=/opt/tljh/hub/bin/traefik --configfile=/opt/tljh/state/traefik.toml\n"
    ));
    assert_eq!(
        rendered_units(&Paths::new("/opt/tljh/")).unwrap(),
        units,
        "a trailing slash changes nothing"
    );
}

#[test]
fn unsafe_prefixes_are_refused() {
    for p in [
        "/opt/my hub",
        "relative/path",
        "/opt/%h",
        "/opt/$X",
        "/opt/\"q\"",
    ] {
        assert!(render_unit(HUB_TEMPLATE, Path::new(p)).is_err(), "{p}");
    }
}

// ------------------------------------------------------------ Services

fn services_step(env: &TestEnv, url: String) -> Services {
    Services {
        unit_dir: env.sys_dir("systemd"),
        probe_url: Some(url),
        hub_timeout: Some(Duration::ZERO),
    }
}

#[test]
fn first_run_installs_and_starts_second_run_does_nothing() {
    let env = TestEnv::new();
    let step = services_step(&env, http_server("200 OK"));
    let ctx = env.ctx();
    let plan = plan_lines(&step, &ctx);
    assert_eq!(plan.len(), 8, "{plan:?}");
    assert_eq!(plan[2], "systemctl daemon-reload");
    assert_eq!(plan[5], "restart traefik.service (its unit file changed)");
    assert!(
        plan[7].starts_with("wait until http://127.0.0.1:"),
        "{plan:?}"
    );
    run(&step, &ctx);
    assert_eq!(
        env.services.take_calls(),
        vec![
            "daemon-reload",
            "enable traefik.service",
            "enable jupyterhub.service",
            "restart traefik.service",
            "restart jupyterhub.service",
        ]
    );
    let unit = step.unit_dir.join(HUB_UNIT);
    assert_eq!(mode(&unit), 0o644);
    assert!(std::fs::read_to_string(&unit).unwrap().contains(&format!(
        "WorkingDirectory={}/state",
        env.paths.prefix.display()
    )));
    let before = std::fs::metadata(&unit).unwrap().modified().unwrap();
    assert!(step.plan(&ctx).unwrap().is_empty());
    run(&step, &ctx);
    assert!(env.services.take_calls().is_empty());
    assert_eq!(
        std::fs::metadata(&unit).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn restart_reasons_restart_without_rewriting_units() {
    let env = TestEnv::new();
    let step = services_step(&env, http_server("200 OK"));
    let ctx = env.ctx();
    run(&step, &ctx);
    env.services.take_calls();
    let reasons = [
        Restart {
            why: "rendered files changed".into(),
        },
        Restart {
            why: "hub packages changed".into(),
        },
    ];
    let changed = Ctx {
        restarts: &reasons,
        ..ctx
    };
    let plan = plan_lines(&step, &changed);
    assert_eq!(
        plan[0],
        "restart traefik.service (rendered files changed, hub packages changed)"
    );
    run(&step, &changed);
    assert_eq!(
        env.services.take_calls(),
        vec!["restart traefik.service", "restart jupyterhub.service"]
    );
    // The reasons live only in this run: without them nothing is planned.
    assert!(step.plan(&ctx).unwrap().is_empty());
}

#[test]
fn only_the_inactive_service_is_started() {
    let env = TestEnv::new();
    let step = services_step(&env, http_server("200 OK"));
    let ctx = env.ctx();
    run(&step, &ctx);
    env.services.take_calls();
    env.services.set_state(HUB_UNIT, "failed");
    let plan = plan_lines(&step, &ctx);
    assert_eq!(plan[0], "restart jupyterhub.service (it is failed)");
    assert_eq!(plan.len(), 2, "then the wait: {plan:?}");
    run(&step, &ctx);
    assert_eq!(
        env.services.take_calls(),
        vec!["restart jupyterhub.service"]
    );
}

#[test]
fn changed_hub_unit_reloads_and_restarts_only_the_hub() {
    let env = TestEnv::new();
    let step = services_step(&env, http_server("200 OK"));
    let ctx = env.ctx();
    run(&step, &ctx);
    env.services.take_calls();
    std::fs::write(step.unit_dir.join(HUB_UNIT), "old").unwrap();
    run(&step, &ctx);
    assert_eq!(
        env.services.take_calls(),
        vec!["daemon-reload", "restart jupyterhub.service"]
    );
}

#[test]
fn hub_not_answering_200_fails_with_states_and_journal() {
    let env = TestEnv::new();
    let step = services_step(&env, http_server("502 Bad Gateway"));
    let err = try_run(&step, &env.ctx()).unwrap_err();
    assert!(
        err.message.contains("did not answer 200"),
        "{}",
        err.message
    );
    assert!(err.message.contains("502"), "{}", err.message);
    for unit in [TRAEFIK_UNIT, HUB_UNIT] {
        assert!(
            err.message.contains(&format!("status of {unit}")),
            "{}",
            err.message
        );
        assert!(
            err.message
                .contains(&format!("last 30 journal lines of {unit}")),
            "{}",
            err.message
        );
    }
    assert!(err.hint.is_some());
}

#[test]
fn probe_url_comes_from_the_config() {
    let env = TestEnv::new();
    let cfg = env.paths.config_toml();
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    std::fs::write(&cfg, "base_url = \"/x/\"\n[http]\nport = 8080\n").unwrap();
    let step = Services::default();
    assert_eq!(
        step.probe_url(&env.ctx()).unwrap(),
        "http://127.0.0.1:8080/x/hub/api"
    );
}

// ------------------------------------------------------------ Links

fn links_env() -> (TestEnv, Links) {
    let env = TestEnv::new();
    let links = Links {
        bin_dir: env.sys_dir("usr-bin"),
    };
    (env, links)
}

#[test]
fn links_are_made_once() {
    let (env, step) = links_env();
    let ctx = env.ctx();
    assert_eq!(step.plan(&ctx).unwrap().len(), 2);
    run(&step, &ctx);
    for name in ["hubcfg", "tljh-config"] {
        assert_eq!(
            std::fs::read_link(step.bin_dir.join(name)).unwrap(),
            env.paths.hubcfg_bin()
        );
    }
    assert!(step.plan(&ctx).unwrap().is_empty());
    let names: Vec<_> = std::fs::read_dir(&step.bin_dir).unwrap().collect();
    assert_eq!(names.len(), 2, "no temp links left");
}

#[test]
fn a_real_tljh_config_is_left_alone() {
    let (env, step) = links_env();
    let ctx = env.ctx();
    let other = env.sys_dir("elsewhere").join("tljh-config");
    std::fs::write(&other, "#!/bin/sh\n").unwrap();
    let link = step.bin_dir.join("tljh-config");
    std::os::unix::fs::symlink(&other, &link).unwrap();
    let plan = plan_lines(&step, &ctx);
    assert_eq!(plan.len(), 2, "{plan:?}");
    assert!(
        plan[0].starts_with("link "),
        "only hubcfg is linked: {plan:?}"
    );
    assert!(plan[1].starts_with(&format!("leave {} alone", link.display())));
    let outcome = run(&step, &ctx);
    assert_eq!(outcome.warnings.len(), 1, "{outcome:?}");
    assert!(outcome.warnings[0].contains("left alone"));
    assert_eq!(std::fs::read_link(&link).unwrap(), other);
    assert!(step.plan(&ctx).unwrap().is_empty());

    std::fs::remove_file(&link).unwrap();
    std::fs::write(&link, "a real program").unwrap();
    run(&step, &ctx);
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "a real program");
}

#[test]
fn dangling_and_in_prefix_links_are_replaced() {
    let (env, step) = links_env();
    let ctx = env.ctx();
    let link = step.bin_dir.join("tljh-config");
    // Dangling (W15).
    std::os::unix::fs::symlink("/nonexistent/tljh-config", &link).unwrap();
    run(&step, &ctx);
    assert_eq!(std::fs::read_link(&link).unwrap(), env.paths.hubcfg_bin());
    // TLJH's own link into our prefix.
    let tljh = env.paths.prefix.join("hub/bin/tljh-config");
    std::fs::create_dir_all(tljh.parent().unwrap()).unwrap();
    std::fs::write(&tljh, "#!/bin/sh\n").unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&tljh, &link).unwrap();
    assert_eq!(step.plan(&ctx).unwrap().len(), 1);
    run(&step, &ctx);
    assert_eq!(std::fs::read_link(&link).unwrap(), env.paths.hubcfg_bin());
}

#[test]
fn a_plain_usr_bin_hubcfg_is_replaced_a_directory_is_an_error() {
    let (env, step) = links_env();
    let ctx = env.ctx();
    let p = step.bin_dir.join("hubcfg");
    std::fs::write(&p, "old copy").unwrap();
    run(&step, &ctx);
    assert_eq!(std::fs::read_link(&p).unwrap(), env.paths.hubcfg_bin());
    std::fs::remove_file(&p).unwrap();
    std::fs::create_dir(&p).unwrap();
    let err = step.plan(&ctx).unwrap_err();
    assert!(err.message.contains("is a directory"), "{}", err.message);
}

/// systemd's own parser checks the rendered units (keys, sections, paths).
#[test]
#[ignore = "needs systemd-analyze (package systemd); scripts/test runs it"]
fn units_pass_systemd_analyze_verify() {
    let analyze = crate::install::system::find_program(Path::new("systemd-analyze"))
        .expect("systemd-analyze is installed");
    let env = TestEnv::new();
    for exe in ["hub/bin/traefik", "hub/bin/python3", "bin/hubcfg"] {
        let p = env.paths.prefix.join(exe);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        crate::install::testutil::script(&p, "exit 0");
    }
    let dir = env.sys_dir("units");
    let mut args = vec!["verify".to_string(), "--man=no".to_string()];
    for (name, text) in rendered_units(&env.paths).unwrap() {
        std::fs::write(dir.join(name), text).unwrap();
        args.push(dir.join(name).display().to_string());
    }
    let out = crate::cmd::run(std::process::Command::new(analyze).args(&args)).unwrap();
    assert!(
        out.success() && out.stderr.trim().is_empty(),
        "systemd-analyze verify: exit {}\n{}{}",
        out.status,
        out.stdout,
        out.stderr
    );
}
