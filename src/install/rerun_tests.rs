//! The runner over every step that can run without real tools (the Python
//! environments and Traefik's download have their own tests): a first run
//! changes things and restarts the services for the reasons the steps gave;
//! a second run is "already up to date" everywhere and restarts nothing.

use super::apt::{AptPackages, PACKAGES, tests::FakeApt};
use super::layout::{ConfigDirs, HubGlue, SelfInstall};
use super::render_step::Render;
use super::services::{ApiSecret, HubToken, Links, Services};
use super::system::{Admins, Groups, Sudoers};
use super::testutil::{TestEnv, script};
use super::{AnyStep, run_steps};
use crate::report::{Event, Recorder};
use crate::users::fake::FakeAccounts;
use std::time::Duration;

/// Answers 200 to every request until the test ends.
fn hub_api() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let _ = std::io::Read::read(&mut s, &mut [0u8; 4096]);
            let _ = std::io::Write::write_all(
                &mut s,
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            );
        }
    });
    format!("http://{addr}/hub/api")
}

fn steps(env: &TestEnv) -> Vec<Box<dyn AnyStep>> {
    let bin = env.dir.path().join("hubcfg-built");
    std::fs::write(&bin, b"hubcfg").unwrap();
    let visudo = env.sys_dir("sbin").join("visudo");
    script(&visudo, "exit 0");
    let apt = FakeApt {
        python: (3, 11),
        ..Default::default()
    };
    vec![
        Box::new(AptPackages {
            system: Box::new(apt),
            packages: PACKAGES.to_vec(),
        }),
        Box::new(ConfigDirs),
        Box::new(SelfInstall { source: Some(bin) }),
        Box::new(Groups {
            accounts: Box::new(FakeAccounts::new(&env.sys_dir("home"))),
        }),
        Box::new(Sudoers {
            dir: env.sys_dir("sudoers.d"),
            visudo,
        }),
        Box::new(Admins::default()),
        Box::new(HubGlue),
        Box::new(ApiSecret),
        Box::new(HubToken),
        Box::new(Render),
        Box::new(Services {
            unit_dir: env.sys_dir("systemd"),
            probe_url: Some(hub_api()),
            hub_timeout: Some(Duration::from_secs(5)),
        }),
        Box::new(Links {
            bin_dir: env.sys_dir("usr-bin"),
        }),
    ]
}

fn step_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StepDone(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_second_run_is_up_to_date_everywhere_and_restarts_nothing() {
    let mut env = TestEnv::new();
    env.args.admins = vec!["alice".into()];
    let ctx = env.ctx();
    // One list, run twice: the fakes (apt, accounts) keep their state.
    let steps = steps(&env);
    let log = env.paths.installer_log();

    let first = Recorder::default();
    run_steps(&ctx, &steps, 99, None, &first, &log).unwrap();
    let events = first.take();
    assert!(
        step_lines(&events)
            .iter()
            .all(|l| l.starts_with("done in ")),
        "{events:?}"
    );
    let calls = env.services.take_calls();
    assert!(
        calls.contains(&"restart jupyterhub.service".to_string()),
        "{calls:?}"
    );
    let restarts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Detail(d) if d.starts_with("restart ") => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        restarts,
        vec![
            "restart traefik.service (its unit file changed)",
            "restart jupyterhub.service (its unit file changed)"
        ]
    );

    let second = Recorder::default();
    run_steps(&ctx, &steps, 99, None, &second, &log).unwrap();
    let lines = step_lines(&second.take());
    assert_eq!(lines.len(), steps.len());
    for (step, line) in steps.iter().zip(&lines) {
        let expected = match step.name() {
            "Render config" => "already up to date (rendered files unchanged)",
            _ => "already up to date",
        };
        assert_eq!(line, expected, "{}", step.name());
    }
    assert!(env.services.take_calls().is_empty(), "nothing restarted");

    // A config change on the third run restarts both, naming the reason.
    std::fs::write(
        env.paths.config_toml(),
        "[users]\nadmin = [\"alice\"]\n[http]\nport = 8080\n",
    )
    .unwrap();
    let third = Recorder::default();
    run_steps(&ctx, &steps, 99, None, &third, &log).unwrap();
    let events = third.take();
    assert!(
        events.contains(&Event::Detail(
            "restart jupyterhub.service (rendered files changed)".into()
        )),
        "{events:?}"
    );
    assert_eq!(
        env.services.take_calls(),
        vec!["restart traefik.service", "restart jupyterhub.service"]
    );
}
