//! `reload hub|proxy`: check and render the config, restart the service,
//! and succeed only when the hub answers 200 at its API URL. Unlike
//! tljh-config (TLJH W1–W3) it gives up after a timeout and then says why:
//! the units' states and the last journal lines. `reload proxy` restarts
//! Traefik and then the hub: the hub must pick up the entrypoint its routes
//! now live on (http or https), and `Requires=` alone was seen not to restart
//! it. With Let's Encrypt on, `reload proxy` then waits for the certificate
//! (`acme_wait`) and fails, in plain words, when none comes.

use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::systemd::ServiceManager;
use std::path::Path;
use std::time::{Duration, Instant};

pub const HUB_UNIT: &str = "jupyterhub";
pub const PROXY_UNIT: &str = "traefik";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Journal lines shown per unit when the hub does not come back.
const JOURNAL_LINES: usize = 20;
/// Restarts by systemd itself, during one reload, that count as a crash loop.
const CRASH_LOOP_RESTARTS: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Component {
    Hub,
    Proxy,
}

impl Component {
    fn unit(self) -> &'static str {
        match self {
            Component::Hub => HUB_UNIT,
            Component::Proxy => PROXY_UNIT,
        }
    }

    fn units(self) -> &'static [&'static str] {
        match self {
            Component::Hub => &[HUB_UNIT],
            Component::Proxy => &[PROXY_UNIT, HUB_UNIT],
        }
    }
}

/// Renders (`render`), restarts the component's unit and waits until `url`
/// answers 200 or `timeout` passes. Returns how long the hub took.
pub fn reload(
    component: Component,
    services: &dyn ServiceManager,
    render: impl FnOnce() -> Result<()>,
    url: &str,
    timeout: Duration,
) -> Result<Duration> {
    render().map_err(|mut e| {
        e.message = format!(
            "rendering the config failed, nothing was restarted: {}",
            e.message
        );
        e
    })?;
    for unit in component.units() {
        services.restart(unit)?;
    }
    // The units restart themselves forever (StartLimitIntervalSec=0), so a
    // crash loop never shows as `failed`: count systemd's own restarts.
    let restarts_before: Vec<Option<u64>> = component
        .units()
        .iter()
        .map(|u| services.restart_count(u))
        .collect();
    let start = Instant::now();
    loop {
        let left = timeout.saturating_sub(start.elapsed());
        let slice = left.min(Duration::from_secs(2));
        let last = match crate::hub_probe::wait_ready(url, slice) {
            Ok(_) => return Ok(start.elapsed()),
            Err(e) => e.message,
        };
        let failed = component
            .units()
            .iter()
            .zip(&restarts_before)
            .any(|(u, before)| {
                services.active_state(u) == "failed"
                    || matches!(
                        (before, services.restart_count(u)),
                        (Some(b), Some(now)) if now >= b + CRASH_LOOP_RESTARTS
                    )
            });
        if failed || start.elapsed() >= timeout {
            return Err(not_ready(component, services, url, timeout, failed, &last));
        }
    }
}

fn not_ready(
    component: Component,
    services: &dyn ServiceManager,
    url: &str,
    timeout: Duration,
    failed: bool,
    last: &str,
) -> Error {
    let mut msg = if failed {
        format!(
            "the hub did not come back: a unit failed or keeps crashing while waiting for {url}"
        )
    } else {
        format!(
            "the hub did not answer 200 at {url} within {}s",
            timeout.as_secs()
        )
    };
    msg.push_str(&format!("\n  last probe: {last}"));
    for unit in component.units() {
        msg.push_str(&format!(
            "\n\n{unit}: {}\n{}\n  last journal lines:\n{}",
            services.active_state(unit),
            indent(&services.status_summary(unit)),
            indent(&services.journal_tail(unit, JOURNAL_LINES))
        ));
    }
    Error::new(msg).with_hint(format!(
        "check the config with `hubcfg validate`; full logs: `journalctl -u {}`; \
         a slow machine may need --timeout",
        component.unit()
    ))
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The CLI entry: refuses a config with errors (nothing restarted), then
/// reloads with the real systemd and renderer.
pub fn run(
    paths: &Paths,
    config_path: &Path,
    component: Component,
    timeout: Duration,
    reporter: &dyn crate::report::Reporter,
) -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        return Err(
            Error::new("hubcfg needs root privileges to restart the hub and proxy")
                .with_hint("run it with sudo: sudo hubcfg reload"),
        );
    }
    let loaded = crate::config::load::Loaded::read(config_path)?;
    let problems = crate::config::commands::problems_in(&loaded.doc);
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| !p.warning)
        .map(|p| format!("  {p}"))
        .collect();
    if !errors.is_empty() {
        return Err(Error::new(format!(
            "{} has problems; nothing was restarted:\n{}",
            config_path.display(),
            errors.join("\n")
        ))
        .with_hint("fix them with `hubcfg set`/`unset` (see `hubcfg validate`)"));
    }
    for w in problems.iter().filter(|p| p.warning) {
        reporter.warn(&w.to_string());
    }
    let effective =
        crate::effective::load::typed(&loaded, &crate::effective::load_secrets(paths)?)?;
    let url = crate::hub_probe::hub_api_url(&effective);
    let render = || match component {
        Component::Hub => crate::render::write_all(paths).map(drop),
        Component::Proxy => crate::render::write_traefik(paths).map(drop),
    };
    reporter.note(&format!(
        "rendering the config, restarting {}, then waiting up to {}s for {url} …",
        component.unit(),
        timeout.as_secs()
    ));
    let took = reload(component, &crate::systemd::Systemctl, render, &url, timeout)?;
    let what = match component {
        Component::Hub => "Hub",
        Component::Proxy => "Proxy",
    };
    reporter.note(&format!(
        "{what} reload with new configuration complete (hub ready after {:.1}s)",
        took.as_secs_f64()
    ));
    if component == Component::Proxy
        && let Ok(crate::render::traefik::Https::LetsEncrypt(le)) =
            crate::render::traefik::https(&effective)
    {
        reporter.note(&format!(
            "waiting up to {}s for Traefik to get a certificate for {} …",
            crate::acme_wait::TIMEOUT.as_secs(),
            le.domains[0]
        ));
        let line = crate::acme_wait::wait_and_report(&effective, &crate::systemd::Systemctl)?;
        reporter.note(&line);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systemd::fake::FakeServices;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// `reload hub` against a URL where nothing listens: always an error.
    fn hub_reload_error(fake: &FakeServices, timeout_secs: u64) -> Error {
        reload(
            Component::Hub,
            fake,
            || Ok(()),
            "http://127.0.0.1:9/hub/api",
            Duration::from_secs(timeout_secs),
        )
        .unwrap_err()
    }

    /// A tiny HTTP server on loopback answering every request with `status`.
    fn serve(status: u16) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf);
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                );
            }
        });
        format!("http://127.0.0.1:{port}/hub/api")
    }

    #[test]
    fn hub_reload_restarts_and_waits_for_200() {
        let url = serve(200);
        let fake = FakeServices::stuck("active");
        let rendered = std::cell::Cell::new(false);
        reload(
            Component::Hub,
            &fake,
            || {
                rendered.set(true);
                Ok(())
            },
            &url,
            Duration::from_secs(10),
        )
        .unwrap();
        assert!(rendered.get());
        assert_eq!(*fake.calls.borrow(), vec!["restart jupyterhub"]);
    }

    #[test]
    fn proxy_reload_restarts_traefik_then_the_hub() {
        let url = serve(200);
        let fake = FakeServices::stuck("active");
        reload(
            Component::Proxy,
            &fake,
            || Ok(()),
            &url,
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(
            *fake.calls.borrow(),
            vec!["restart traefik", "restart jupyterhub"]
        );
    }

    #[test]
    fn render_failure_restarts_nothing() {
        let fake = FakeServices::stuck("active");
        let err = reload(
            Component::Hub,
            &fake,
            || Err(Error::new("https needs a certificate")),
            "http://127.0.0.1:9/hub/api",
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            err.message.contains("nothing was restarted"),
            "{}",
            err.message
        );
        assert!(fake.calls.borrow().is_empty());
    }

    #[test]
    fn gives_up_after_timeout_and_says_why() {
        let url = serve(500);
        let fake = FakeServices::stuck("active");
        let err = reload(
            Component::Proxy,
            &fake,
            || Ok(()),
            &url,
            Duration::from_secs(1),
        )
        .unwrap_err();
        let m = &err.message;
        assert!(m.contains("did not answer 200"), "{m}");
        assert!(m.contains("500"), "{m}");
        assert!(m.contains("traefik: active"), "{m}");
        assert!(
            m.contains("last 20 journal lines of jupyterhub: Traceback boom"),
            "{m}"
        );
        assert!(err.hint.unwrap().contains("journalctl -u traefik"));
    }

    #[test]
    fn failed_unit_stops_the_wait() {
        let fake = FakeServices::stuck("failed");
        let err = hub_reload_error(&fake, 600);
        assert!(err.message.contains("a unit failed"), "{}", err.message);
        assert!(
            err.message.contains("jupyterhub: failed"),
            "{}",
            err.message
        );
    }

    #[test]
    fn crash_loop_stops_the_wait_before_the_timeout() {
        let mut fake = FakeServices::stuck("activating");
        fake.crashing = Some(std::cell::Cell::new(7));
        let err = hub_reload_error(&fake, 600);
        assert!(err.message.contains("keeps crashing"), "{}", err.message);
        assert!(err.message.contains("Traceback boom"), "{}", err.message);
    }

    #[test]
    fn unknown_restart_count_waits_for_the_timeout() {
        let fake = FakeServices::stuck("activating");
        let err = hub_reload_error(&fake, 3);
        assert!(err.message.contains("within 3s"), "{}", err.message);
    }
}
