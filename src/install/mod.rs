//! `hubcfg bootstrap`: turns a fresh Debian/Ubuntu machine into a running hub.
//! Each step inspects before it acts (plan), then acts (execute); running it
//! twice changes nothing the second time.

pub mod apt;
pub mod args;
pub mod layout;
pub mod log;
pub mod miniforge;
pub mod preflight;
pub mod progress_page;
pub mod python_env;
pub mod render_step;
#[cfg(test)]
mod rerun_tests;
pub mod services;
pub mod step;
pub mod system;
#[cfg(test)]
pub mod testutil;
pub mod tljh_config;
pub mod traefik;
pub mod ui;

pub use args::BootstrapArgs;

use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::report::Reporter;
use crate::systemd::{ServiceManager, Systemctl};
use std::time::Instant;
pub use step::{AnyStep, Outcome, Restart, Step, StepResult};

/// What a step needs to look at the system and change it.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub paths: &'a Paths,
    pub args: &'a BootstrapArgs,
    pub services: &'a dyn ServiceManager,
    /// Why the hub and proxy must restart, from the steps run so far; the
    /// services step restarts them when this is not empty.
    pub restarts: &'a [Restart],
}

/// The steps after preflight, in order. The progress page is stopped right
/// before the step at the returned index (the one that starts Traefik on
/// port 80).
pub fn steps() -> (Vec<Box<dyn AnyStep>>, usize) {
    use crate::install::{services, system, traefik};
    let mut steps: Vec<Box<dyn AnyStep>> = vec![
        Box::new(apt::AptPackages::default()),
        Box::new(layout::ConfigDirs),
        Box::new(layout::SelfInstall { source: None }),
        Box::new(python_env::PythonEnvs::default()),
        Box::new(traefik::TraefikBinary),
        Box::new(system::Groups::default()),
        Box::new(system::Sudoers::default()),
        Box::new(system::Admins::default()),
        Box::new(layout::HubGlue),
        Box::new(services::ApiSecret),
        Box::new(services::HubToken),
        Box::new(render_step::Render),
    ];
    let stop_page_before = steps.len();
    steps.push(Box::new(services::Services::default()));
    steps.push(Box::new(services::Links::default()));
    (steps, stop_page_before)
}

pub fn run(paths: &Paths, args: &BootstrapArgs, reporter: &dyn Reporter) -> Result<()> {
    let started = Instant::now();
    let (mut steps, mut stop_page_before) = steps();
    reporter.note(&format!("hubcfg {}", env!("HUBCFG_LONG_VERSION")));

    // 1. Preflight: nothing is touched before it passes (not even the log).
    let facts = preflight::gather(
        &paths.prefix,
        &|tljh| match tljh {
            Some(preflight::TljhYaml {
                converted: Ok(c), ..
            }) => ports_of(crate::effective::Effective::from_tree(
                &crate::effective::effective(&c.user, &Default::default()),
            )),
            _ => proxy_ports(paths),
        },
        &|| Systemctl.active_state("traefik.service") == "active",
    );
    let problems = preflight::check(&facts, args);
    let migrating = match &facts.tljh_yaml {
        Some(preflight::TljhYaml {
            path,
            converted: Ok(c),
        }) => Some((path, c)),
        _ => None,
    };
    // TLJH plugins: their steps only when some are recorded or given.
    let plugin_specs =
        crate::plugins::state::merged(&crate::plugins::state::load(paths)?, &args.plugins);
    crate::plugins::step::add_steps(&mut steps, &mut stop_page_before, plugin_specs);

    let total = steps.len() + 1 + usize::from(migrating.is_some());
    let errors = ui::report_preflight(reporter, total, &problems, started.elapsed());
    // What bootstrap does with TLJH's config.yaml, even when it stops here.
    if let Some((path, c)) = migrating {
        reporter.note(&format!(
            "TLJH's {} becomes config/config.toml (as `hubcfg migrate` does):",
            path.display()
        ));
        crate::migrate::command::report(c, reporter);
    }
    if errors > 0 {
        return Err(Error::new(format!(
            "bootstrap stopped before changing anything: {errors} preflight check(s) failed (see above)"
        )));
    }

    // TLJH's config.yaml: converted in preflight; written before the
    // config directories step (index 1), renamed after success.
    if let Some((path, c)) = migrating {
        steps.insert(
            1,
            Box::new(tljh_config::TljhConfig {
                yaml: path.clone(),
                toml: c.toml.clone(),
            }),
        );
        stop_page_before += 1;
    }

    let log_path = log::init(paths)?;
    log::record_start(args, &problems);

    let page = if args.show_progress_page {
        progress_page::ProgressPage::start(progress_page::DEFAULT_ADDR, log_path.clone())
    } else {
        None
    };

    let ctx = Ctx {
        paths,
        args,
        services: &Systemctl,
        restarts: &[],
    };
    run_steps(&ctx, &steps, stop_page_before, page, reporter, &log_path)?;
    if let Some(kept) = crate::migrate::apply::retire_after_bootstrap(paths)? {
        reporter.note(&format!(
            "TLJH's config.yaml is now {} (hubcfg reads config/config.toml)",
            kept.display()
        ));
    }
    ui::report_done(reporter, started.elapsed(), &log_path);
    if let Ok(effective) = crate::effective::load(paths) {
        let admins: Vec<&str> = args.admins.iter().map(|a| args::parse_admin(a).0).collect();
        reporter.note(&ui::login_hint(
            &crate::hub_probe::hub_api_url(&effective),
            &admins,
        ));
    }
    Ok(())
}

/// Runs steps 2.. in order, numbered after preflight, handing each the
/// restart reasons of the steps before it; stops at the first failure with
/// an error naming the step and the log.
pub fn run_steps(
    ctx: &Ctx,
    steps: &[Box<dyn AnyStep>],
    stop_page_before: usize,
    mut page: Option<progress_page::ProgressPage>,
    reporter: &dyn Reporter,
    log_path: &std::path::Path,
) -> Result<()> {
    let total = steps.len() + 1;
    let mut restarts: Vec<Restart> = vec![];
    for (i, step) in steps.iter().enumerate() {
        let n = i + 2;
        if i == stop_page_before
            && let Some(p) = page.take()
        {
            p.stop();
            reporter.note("Progress page server stopped successfully.");
        }
        let t = Instant::now();
        reporter.step_start(n, total, step.name());
        let step_ctx = Ctx {
            restarts: &restarts,
            ..*ctx
        };
        match step.run(&step_ctx, reporter) {
            Ok(result) => {
                ui::report_step(reporter, &result, t.elapsed());
                if let StepResult::Done { outcome, .. } = result {
                    restarts.extend(outcome.restart);
                }
            }
            Err(e) => {
                reporter.step_done("failed");
                return Err(ui::failure(n, total, step.name(), t.elapsed(), e, log_path));
            }
        }
    }
    Ok(())
}

/// The ports Traefik will listen on: http.port, and https.port when https is
/// on. An unreadable config counts as the defaults: rendering reports it
/// properly later.
pub fn proxy_ports(paths: &Paths) -> Vec<u16> {
    ports_of(crate::effective::load(paths))
}

fn ports_of(effective: Result<crate::effective::Effective>) -> Vec<u16> {
    effective
        .unwrap_or_else(|_| crate::effective::Effective::defaults())
        .proxy_ports()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::testutil::TestEnv;
    use crate::report::{Event, Recorder};
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn a_step_is_not_executed_when_up_to_date() {
        let t = TestEnv::new();
        let ctx = t.ctx();
        let r = Recorder::default();
        let first = layout::ConfigDirs.run(&ctx, &r).unwrap();
        assert!(matches!(first, StepResult::Done { .. }));
        let second = layout::ConfigDirs.run(&ctx, &r).unwrap();
        assert_eq!(second, StepResult::UpToDate);
    }

    /// A step that plans `plan` and counts what it was asked to execute.
    struct Fake {
        name: &'static str,
        plan: Vec<&'static str>,
        fail: bool,
        restart: Option<&'static str>,
        ran: Rc<Cell<usize>>,
        /// The restart reasons it was handed.
        saw: Rc<std::cell::RefCell<Vec<String>>>,
    }

    impl Step for Fake {
        type Action = &'static str;
        fn name(&self) -> &'static str {
            self.name
        }
        fn plan(&self, _: &Ctx) -> Result<Vec<&'static str>> {
            Ok(self.plan.clone())
        }
        fn execute(&self, ctx: &Ctx, plan: &[&'static str], _: &dyn Reporter) -> Result<Outcome> {
            self.ran.set(self.ran.get() + plan.len());
            self.saw
                .borrow_mut()
                .extend(ctx.restarts.iter().map(|r| r.why.clone()));
            if self.fail {
                return Err(Error::new(
                    "`pip install x` failed with exit code 1:\n    boom",
                ));
            }
            Ok(Outcome::done().with_restart(self.restart.and_then(Restart::because)))
        }
    }

    fn fake(name: &'static str, plan: &[&'static str], fail: bool) -> Fake {
        Fake {
            name,
            plan: plan.to_vec(),
            fail,
            restart: None,
            ran: Rc::default(),
            saw: Rc::default(),
        }
    }

    #[test]
    fn run_steps_stops_at_the_first_failure_naming_step_and_log() {
        let t = TestEnv::new();
        let (fine, broken, never) = (
            fake("Fine", &[], false),
            fake("Broken", &["do it"], true),
            fake("Never", &["do it"], false),
        );
        let ran = [fine.ran.clone(), broken.ran.clone(), never.ran.clone()];
        let steps: Vec<Box<dyn AnyStep>> = vec![Box::new(fine), Box::new(broken), Box::new(never)];
        let log = std::path::Path::new("/x/installer.log");
        let r = Recorder::default();
        let e = run_steps(&t.ctx(), &steps, 99, None, &r, log).unwrap_err();
        assert!(e.message.starts_with("[3/4] Broken failed after "), "{e}");
        assert!(e.message.contains("boom"));
        assert_eq!(e.hint.as_deref(), Some("Full log: /x/installer.log"));
        let ran: Vec<usize> = ran.iter().map(|c| c.get()).collect();
        assert_eq!(ran, vec![0, 1, 0], "only the broken step executed");
        let events = r.take();
        assert_eq!(events[1], Event::StepDone("already up to date".into()));
        assert_eq!(events.last(), Some(&Event::StepDone("failed".into())));
    }

    #[test]
    fn restart_reasons_reach_the_later_steps() {
        let t = TestEnv::new();
        let mut changes = fake("Changes", &["write x"], false);
        changes.restart = Some("x changed");
        let quiet = fake("Quiet", &["look"], false);
        let later = fake("Later", &["restart"], false);
        let (saw_quiet, saw_later) = (quiet.saw.clone(), later.saw.clone());
        let steps: Vec<Box<dyn AnyStep>> =
            vec![Box::new(quiet), Box::new(changes), Box::new(later)];
        let log = t.paths.installer_log();
        run_steps(&t.ctx(), &steps, 99, None, &Recorder::default(), &log).unwrap();
        assert!(saw_quiet.borrow().is_empty());
        assert_eq!(*saw_later.borrow(), vec!["x changed"]);
    }

    #[test]
    fn run_steps_stops_the_progress_page_before_the_given_step() {
        let t = TestEnv::new();
        let page = progress_page::ProgressPage::start("127.0.0.1:0", t.paths.installer_log())
            .expect("loopback port");
        let addr = page.addr;
        let steps: Vec<Box<dyn AnyStep>> = vec![
            Box::new(fake("A", &[], false)),
            Box::new(fake("B", &[], false)),
        ];
        let r = Recorder::default();
        run_steps(
            &t.ctx(),
            &steps,
            1,
            Some(page),
            &r,
            &t.paths.installer_log(),
        )
        .unwrap();
        assert!(std::net::TcpStream::connect(addr).is_err());
        assert!(r.take().contains(&Event::Note(
            "Progress page server stopped successfully.".into()
        )));
    }

    #[test]
    fn layout_steps_on_a_second_run_are_all_up_to_date() {
        let t = TestEnv::new();
        let ctx = t.ctx();
        let bin = t.dir.path().join("hubcfg");
        std::fs::write(&bin, b"bin").unwrap();
        let steps: Vec<Box<dyn AnyStep>> = vec![
            Box::new(layout::ConfigDirs),
            Box::new(layout::SelfInstall { source: Some(bin) }),
            Box::new(layout::HubGlue),
        ];
        let r = Recorder::default();
        let log = t.paths.installer_log();
        run_steps(&ctx, &steps, 99, None, &r, &log).unwrap();
        for s in &steps {
            assert_eq!(s.run(&ctx, &r).unwrap(), StepResult::UpToDate);
        }
    }

    #[test]
    fn proxy_ports_follow_the_config() {
        let typed = |v| {
            let tree = crate::effective::effective(&v, &Default::default());
            crate::effective::Effective::from_tree(&tree)
        };
        assert_eq!(
            ports_of(Err(crate::error::Error::new("unreadable"))),
            vec![80]
        );
        let v =
            serde_json::json!({"http": {"port": 8080}, "https": {"enabled": true, "port": 8443}});
        assert_eq!(ports_of(typed(v)), vec![8080, 8443]);
        let v = serde_json::json!({"http": {"port": 99999}, "https": {"enabled": false}});
        assert_eq!(ports_of(typed(v)), vec![80]);
        let t = TestEnv::new();
        std::fs::create_dir_all(t.paths.config_dir()).unwrap();
        std::fs::write(t.paths.config_toml(), "[https]\nenabled = true\n").unwrap();
        assert_eq!(proxy_ports(&t.paths), vec![80, 443]);
    }

    #[test]
    fn step_order_stops_the_page_before_services() {
        let (steps, stop) = steps();
        let names: Vec<_> = steps.iter().map(|s| s.name()).collect();
        assert_eq!(names[0], "System packages");
        assert_eq!(names[3], "Python environments");
        assert_eq!(names[4], "Traefik binary");
        assert_eq!(stop, steps.len() - 2, "{names:?}");
    }
}
