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
    let e = run_steps(&t.ctx(), &steps, 99, None, &r, log)
        .unwrap_err()
        .error;
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
    let steps: Vec<Box<dyn AnyStep>> = vec![Box::new(quiet), Box::new(changes), Box::new(later)];
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
    let v = serde_json::json!({"http": {"port": 8080}, "https": {"enabled": true, "port": 8443}});
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
