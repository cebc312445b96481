//! `hubcfg bootstrap`: turns a fresh Debian/Ubuntu machine into a running hub.
//! Each step inspects before it acts (plan), then acts (execute); running it
//! twice changes nothing the second time.

pub mod adopt;
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
    let (tljh_plugins, tljh_plugin_lines) = match &facts.tljh_install {
        Some(_) => crate::plugins::found::for_adoption(paths, &args.plugins),
        None => Default::default(),
    };
    let recorded = [crate::plugins::state::load(paths)?, tljh_plugins].concat();
    let plugin_specs = crate::plugins::state::merged(&recorded, &args.plugins);
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

    let adoption = adopt::begin(&facts.tljh_install, paths, migrating.is_some(), reporter)?;
    for (warning, line) in &tljh_plugin_lines {
        match warning {
            true => reporter.warn(line),
            false => reporter.note(line),
        }
    }
    let existing = python_env::existing_env(&paths.user_env());
    let (args, user_env_note) = args.with_user_env_of(existing);
    if let Some(note) = user_env_note.filter(|_| adoption.is_some()) {
        reporter.note(&note);
    }
    let ctx = Ctx {
        paths,
        args: &args,
        services: &Systemctl,
        restarts: &[],
    };
    if let Err(failed) = run_steps(&ctx, &steps, stop_page_before, page, reporter, &log_path) {
        let hub_answered = steps
            .iter()
            .take_while(|s| s.name() != failed.step)
            .any(|s| s.name() == services::Services::NAME);
        return Err(adopt::after_failure(
            adoption.as_ref(),
            failed,
            hub_answered,
            &ctx,
        ));
    }
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

/// A step that failed: its name, and the error naming it and the log.
#[derive(Debug)]
pub struct StepFailed {
    pub step: &'static str,
    pub error: Error,
}

impl From<StepFailed> for Error {
    fn from(f: StepFailed) -> Error {
        f.error
    }
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
) -> Result<(), StepFailed> {
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
                let error = ui::failure(n, total, step.name(), t.elapsed(), e, log_path);
                let step = step.name();
                return Err(StepFailed { step, error });
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
#[path = "run_tests.rs"]
mod tests;
