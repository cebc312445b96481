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
pub mod services;
pub mod system;
#[cfg(test)]
pub mod testutil;
pub mod traefik;
pub mod ui;

pub use args::BootstrapArgs;

use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::systemd::{ServiceManager, Systemctl};
use std::time::Instant;

/// What a step needs to look at the system and change it.
pub struct Ctx<'a> {
    pub paths: &'a Paths,
    pub args: &'a BootstrapArgs,
    pub services: &'a dyn ServiceManager,
    /// Set by steps that changed something the running hub or proxy uses, so
    /// the services step knows to restart them.
    pub restart_needed: std::cell::Cell<bool>,
}

/// What `execute` did, when a step can say it better than its plan (e.g.
/// "installed 57 packages", or that an upgrade check found nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// False: the step looked and found nothing to change.
    pub changed: bool,
    pub summary: String,
    /// Shown under the step line (e.g. an allowed failure).
    pub warnings: Vec<String>,
}

impl Report {
    pub fn changed(summary: impl Into<String>) -> Self {
        Report {
            changed: true,
            summary: summary.into(),
            warnings: vec![],
        }
    }
    pub fn unchanged(summary: impl Into<String>) -> Self {
        Report {
            changed: false,
            ..Report::changed(summary)
        }
    }
}

/// One idempotent install step.
pub trait Step {
    /// Short name shown in the numbered step list.
    fn name(&self) -> &'static str;
    /// Inspects the system and lists what `execute` would change; empty means
    /// already up to date. Must not change anything.
    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>>;
    /// Makes the changes `plan` listed.
    fn execute(&self, ctx: &Ctx) -> Result<()>;
    /// After `execute`: what it did, if the plan's list does not say it.
    fn report(&self) -> Option<Report> {
        None
    }
}

/// The steps after preflight, in order. The progress page is stopped right
/// before the step at the returned index (the one that starts Traefik on
/// port 80).
pub fn steps() -> (Vec<Box<dyn Step>>, usize) {
    use crate::install::{services, system, traefik};
    let mut steps: Vec<Box<dyn Step>> = vec![
        Box::new(apt::AptPackages::default()),
        Box::new(layout::ConfigDirs),
        Box::new(layout::SelfInstall { source: None }),
        Box::new(python_env::HubEnv::default()),
        Box::new(python_env::UserEnv::default()),
        Box::new(traefik::TraefikBinary),
        Box::new(system::Groups::default()),
        Box::new(system::Sudoers::default()),
        Box::new(system::Admins::default()),
        Box::new(layout::HubGlue),
        Box::new(services::ApiSecret),
        Box::new(render_step::Render::default()),
    ];
    let stop_page_before = steps.len();
    steps.push(Box::new(services::Services::default()));
    steps.push(Box::new(services::Links::default()));
    (steps, stop_page_before)
}

pub fn run(paths: &Paths, args: &BootstrapArgs) -> Result<()> {
    let started = Instant::now();
    let (steps, stop_page_before) = steps();
    let total = steps.len() + 1;
    let ui = ui::Ui::new(total);
    ui.note(&format!("hubcfg {}", env!("HUBCFG_LONG_VERSION")));

    // 1. Preflight: nothing is touched before it passes (not even the log).
    let facts = preflight::gather(&paths.prefix, &proxy_ports(paths), &|| {
        Systemctl.active_state("traefik.service") == "active"
    });
    let problems = preflight::check(&facts, args);
    let errors = ui.preflight(&problems, started.elapsed());
    if errors > 0 {
        return Err(Error::new(format!(
            "bootstrap stopped before changing anything: {errors} preflight check(s) failed (see above)"
        )));
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
        restart_needed: std::cell::Cell::new(false),
    };
    run_steps(&ctx, &steps, stop_page_before, page, &ui, &log_path)?;
    ui.done(started.elapsed(), &log_path);
    if let Ok(effective) = crate::effective::load(paths) {
        let admins: Vec<&str> = args.admins.iter().map(|a| args::parse_admin(a).0).collect();
        ui.note(&ui::login_hint(
            &crate::hub_probe::hub_api_url(&effective),
            &admins,
        ));
    }
    Ok(())
}

/// Runs steps 2.. in order, numbered after preflight; stops at the first
/// failure with an error naming the step and the log.
pub fn run_steps(
    ctx: &Ctx,
    steps: &[Box<dyn Step>],
    stop_page_before: usize,
    mut page: Option<progress_page::ProgressPage>,
    ui: &ui::Ui,
    log_path: &std::path::Path,
) -> Result<()> {
    let total = steps.len() + 1;
    for (i, step) in steps.iter().enumerate() {
        let n = i + 2;
        if i == stop_page_before
            && let Some(p) = page.take()
        {
            p.stop();
            ui.note("Progress page server stopped successfully.");
        }
        let t = Instant::now();
        ui.start(n, step.name());
        match run_step(step.as_ref(), ctx) {
            Ok(outcome) => ui.finish(&outcome, t.elapsed()),
            Err(e) => {
                ui.failed();
                return Err(ui::failure(n, total, step.name(), t.elapsed(), e, log_path));
            }
        }
    }
    Ok(())
}

/// Plans a step, executes it when the plan is not empty.
pub fn run_step(step: &dyn Step, ctx: &Ctx) -> Result<ui::StepOutcome> {
    let plan = step.plan(ctx)?;
    tracing::info!(step = step.name(), ?plan, "planned");
    if plan.is_empty() {
        return Ok(ui::StepOutcome::UpToDate);
    }
    step.execute(ctx)?;
    let report = step.report();
    tracing::info!(step = step.name(), ?report, "done");
    Ok(ui::StepOutcome::Done { plan, report })
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
pub(crate) mod tests {
    use super::*;

    /// Answers like an idle systemd for steps that ask.
    pub struct NoServices;

    impl ServiceManager for NoServices {
        fn daemon_reload(&self) -> Result<()> {
            Ok(())
        }
        fn restart(&self, _: &str) -> Result<()> {
            Ok(())
        }
        fn enable(&self, _: &str) -> Result<()> {
            Ok(())
        }
        fn is_enabled(&self, _: &str) -> bool {
            false
        }
        fn active_state(&self, _: &str) -> String {
            "inactive".into()
        }
        fn status_summary(&self, _: &str) -> String {
            String::new()
        }
        fn journal_tail(&self, _: &str, _: usize) -> String {
            String::new()
        }
    }

    /// A temp prefix (not yet created) with default args.
    pub struct TestCtx {
        pub dir: tempfile::TempDir,
        pub paths: Paths,
        pub args: BootstrapArgs,
    }

    impl TestCtx {
        pub fn new() -> Self {
            Self::with_args(BootstrapArgs::default())
        }
        pub fn with_args(args: BootstrapArgs) -> Self {
            let dir = tempfile::tempdir().expect("temp dir");
            let paths = Paths::new(dir.path().join("opt-tljh"));
            TestCtx { dir, paths, args }
        }
        pub fn ctx(&self) -> Ctx<'_> {
            Ctx {
                paths: &self.paths,
                args: &self.args,
                services: &NoServices,
                restart_needed: std::cell::Cell::new(false),
            }
        }
    }

    /// plan → execute → plan is empty.
    pub fn assert_idempotent(step: &dyn Step, ctx: &Ctx) {
        let first = step.plan(ctx).expect("first plan");
        step.execute(ctx).expect("execute");
        let second = step.plan(ctx).expect("second plan");
        assert!(
            second.is_empty(),
            "{}: planned {first:?}, then still {second:?}",
            step.name()
        );
    }

    #[test]
    fn run_step_skips_execute_when_up_to_date() {
        let t = TestCtx::new();
        let ctx = t.ctx();
        let first = run_step(&layout::ConfigDirs, &ctx).unwrap();
        assert!(matches!(first, ui::StepOutcome::Done { .. }));
        let second = run_step(&layout::ConfigDirs, &ctx).unwrap();
        assert_eq!(second, ui::StepOutcome::UpToDate);
    }

    struct Fake {
        name: &'static str,
        plan: Vec<String>,
        fail: bool,
        ran: std::cell::Cell<bool>,
    }

    impl Step for Fake {
        fn name(&self) -> &'static str {
            self.name
        }
        fn plan(&self, _: &Ctx) -> Result<Vec<String>> {
            Ok(self.plan.clone())
        }
        fn execute(&self, _: &Ctx) -> Result<()> {
            self.ran.set(true);
            if self.fail {
                return Err(Error::new(
                    "`pip install x` failed with exit code 1:\n    boom",
                ));
            }
            Ok(())
        }
    }

    fn fake(name: &'static str, plan: &[&str], fail: bool) -> Box<dyn Step> {
        Box::new(Fake {
            name,
            plan: plan.iter().map(|s| s.to_string()).collect(),
            fail,
            ran: std::cell::Cell::new(false),
        })
    }

    #[test]
    fn run_steps_stops_at_the_first_failure_naming_step_and_log() {
        let t = TestCtx::new();
        let steps = vec![
            fake("Fine", &[], false),
            fake("Broken", &["do it"], true),
            fake("Never", &["do it"], false),
        ];
        let log = std::path::Path::new("/x/installer.log");
        let e = run_steps(&t.ctx(), &steps, 99, None, &ui::Ui::new(4), log).unwrap_err();
        assert!(e.message.starts_with("[3/4] Broken failed after "), "{e}");
        assert!(e.message.contains("boom"));
        assert_eq!(e.hint.as_deref(), Some("Full log: /x/installer.log"));
    }

    #[test]
    fn run_steps_stops_the_progress_page_before_the_given_step() {
        let t = TestCtx::new();
        let page = progress_page::ProgressPage::start("127.0.0.1:0", t.paths.installer_log())
            .expect("loopback port");
        let addr = page.addr;
        let steps = vec![fake("A", &[], false), fake("B", &[], false)];
        run_steps(
            &t.ctx(),
            &steps,
            1,
            Some(page),
            &ui::Ui::new(3),
            &t.paths.installer_log(),
        )
        .unwrap();
        assert!(std::net::TcpStream::connect(addr).is_err());
    }

    #[test]
    fn layout_steps_on_a_second_run_are_all_up_to_date() {
        let t = TestCtx::new();
        let ctx = t.ctx();
        let bin = t.dir.path().join("hubcfg");
        std::fs::write(&bin, b"bin").unwrap();
        let steps: Vec<Box<dyn Step>> = vec![
            Box::new(layout::ConfigDirs),
            Box::new(layout::SelfInstall { source: Some(bin) }),
            Box::new(layout::HubGlue),
        ];
        let ui = ui::Ui::new(4);
        let log = t.paths.installer_log();
        run_steps(&ctx, &steps, 99, None, &ui, &log).unwrap();
        for s in &steps {
            assert_eq!(
                run_step(s.as_ref(), &ctx).unwrap(),
                ui::StepOutcome::UpToDate
            );
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
        let t = TestCtx::new();
        std::fs::create_dir_all(t.paths.config_dir()).unwrap();
        std::fs::write(t.paths.config_toml(), "[https]\nenabled = true\n").unwrap();
        assert_eq!(proxy_ports(&t.paths), vec![80, 443]);
    }

    #[test]
    fn step_order_stops_the_page_before_services() {
        let (steps, stop) = steps();
        let names: Vec<_> = steps.iter().map(|s| s.name()).collect();
        assert_eq!(names[0], "System packages");
        assert_eq!(names[3], "Hub environment");
        assert_eq!(names[4], "User environment");
        assert_eq!(stop, steps.len() - 2, "{names:?}");
    }
}
