//! Both environments as one step: the hub's and the user's actions are
//! independent, so on a machine with the memory for it each phase (make the
//! environments, then fill them) runs the two side by side. The hub env runs
//! on a helper thread, the user env (whose Miniforge download reports
//! progress) on the caller's.

use super::hub::{HubEnv, HubEnvAction};
use super::installer_for;
use super::user::{UserEnv, UserEnvAction};
use crate::error::{Error, Result};
use crate::install::ui::format_duration;
use crate::install::{Ctx, Outcome, Step};
use crate::installer::Installer;
use crate::report::Reporter;
use std::fmt;
use std::time::{Duration, Instant};

/// Below this, the environments install one after the other: two resolvers
/// and unpackers at once cost a few hundred MB more at their peak.
pub const PARALLEL_MIN_MEMORY: u64 = 2 << 30;

/// Whether a machine with `memory` bytes (None: unknown) installs both
/// environments at once.
pub fn parallel_allowed(memory: Option<u64>) -> bool {
    memory.is_some_and(|m| m >= PARALLEL_MIN_MEMORY)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvAction {
    Hub(HubEnvAction),
    User(UserEnvAction),
}

impl fmt::Display for EnvAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvAction::Hub(a) => write!(f, "hub: {a}"),
            EnvAction::User(a) => write!(f, "user: {a}"),
        }
    }
}

#[derive(Default)]
pub struct PythonEnvs {
    pub hub: HubEnv,
    pub user: UserEnv,
    /// Memory of the machine (None: read it when executing).
    pub memory: Option<u64>,
}

impl Step for PythonEnvs {
    type Action = EnvAction;

    fn name(&self) -> &'static str {
        "Python environments"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<EnvAction>> {
        let mut plan: Vec<EnvAction> = self
            .hub
            .plan(ctx)?
            .into_iter()
            .map(EnvAction::Hub)
            .collect();
        plan.extend(self.user.plan(ctx)?.into_iter().map(EnvAction::User));
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx, plan: &[EnvAction], reporter: &dyn Reporter) -> Result<Outcome> {
        let (mut hub_plan, mut user_plan): (Vec<HubEnvAction>, Vec<UserEnvAction>) =
            (vec![], vec![]);
        for action in plan {
            match action {
                EnvAction::Hub(h) => hub_plan.push(h.clone()),
                EnvAction::User(u) => user_plan.push(u.clone()),
            }
        }
        let memory = self.memory.or_else(crate::memory::available);
        let parallel = parallel_allowed(memory);
        tracing::info!(?memory, parallel, "installing the python environments");
        let (paths, index_url, choice) = (
            ctx.paths,
            ctx.args.pip_index_url.as_deref(),
            ctx.args.installer,
        );

        let mut hub_time = Duration::ZERO;
        let mut user_time = Duration::ZERO;
        // Phase 1: the hub venv and uv, the user venv or Miniforge.
        let (made, created) = side_by_side(
            parallel,
            || timed(&mut hub_time, || self.hub.make(paths, index_url, &hub_plan)),
            || timed(&mut user_time, || self.user.make(ctx, &user_plan, reporter)),
        );
        let (made, created) = (made?, created?);
        let t = Instant::now();
        let installer = installer_for(paths, choice, index_url)?;
        let shared = t.elapsed();
        // Phase 2: the packages.
        let (changed, filled) = side_by_side(
            parallel,
            || {
                timed(&mut hub_time, || {
                    self.hub
                        .fill(paths, index_url, choice, &hub_plan, &installer)
                })
            },
            || {
                timed(&mut user_time, || {
                    self.user.fill(ctx, &user_plan, &installer)
                })
            },
        );
        let (changed, filled) = (changed?, filled?);
        Ok(combine(
            HubEnv::outcome(made, changed),
            UserEnv::outcome(created, filled),
            [hub_time + shared, user_time + shared],
            parallel,
            &installer,
        ))
    }
}

fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    *total += t.elapsed();
    out
}

/// Runs `hub` on a helper thread while `user` runs here, or one after the
/// other. A panic on the helper thread becomes an error.
fn side_by_side<A: Send, B>(
    parallel: bool,
    hub: impl FnOnce() -> Result<A> + Send,
    user: impl FnOnce() -> Result<B>,
) -> (Result<A>, Result<B>) {
    if !parallel {
        let a = hub();
        if a.is_err() {
            return (
                a,
                Err(Error::new("not started: the hub environment failed")),
            );
        }
        return (a, user());
    }
    std::thread::scope(|s| {
        let h = s.spawn(hub);
        let b = user();
        let a = h
            .join()
            .unwrap_or_else(|_| Err(Error::new("the hub environment's install thread panicked")));
        (a, b)
    })
}

/// One outcome for the step: one line per environment with its time.
fn combine(
    hub: Outcome,
    user: Outcome,
    times: [Duration; 2],
    parallel: bool,
    installer: &Installer,
) -> Outcome {
    let line = |label: &str, o: &Outcome, t: Duration| {
        format!(
            "{label}: {} ({})",
            o.summary.as_deref().unwrap_or("done"),
            format_duration(t)
        )
    };
    let changed = hub.changed || user.changed;
    let how = if parallel {
        "side by side"
    } else {
        "one after the other"
    };
    let summary = if changed {
        format!("with {}, {how}", installer.describe())
    } else {
        format!(
            "no upgrades within the pinned ranges; checked with {}",
            installer.describe()
        )
    };
    let lines = vec![line("hub", &hub, times[0]), line("user", &user, times[1])];
    let mut warnings = hub.warnings;
    warnings.extend(user.warnings);
    Outcome {
        changed,
        summary: Some(summary),
        restart: hub.restart,
        warnings,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::Restart;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn side_by_side_only_with_two_gigabytes_known() {
        assert!(!parallel_allowed(None));
        assert!(!parallel_allowed(Some(1 << 30)));
        assert!(!parallel_allowed(Some((2 << 30) - 1)));
        assert!(parallel_allowed(Some(2 << 30)));
    }

    #[test]
    fn one_after_the_other_stops_at_a_hub_failure() {
        let user_ran = AtomicUsize::new(0);
        let (a, b) = side_by_side(
            false,
            || Err::<(), _>(Error::new("venv failed")),
            || {
                user_ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        );
        assert_eq!(a.unwrap_err().message, "venv failed");
        assert!(b.is_err());
        assert_eq!(user_ran.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn side_by_side_runs_both_on_two_threads_and_a_panic_is_an_error() {
        let here = std::thread::current().id();
        let (a, b) = side_by_side(
            true,
            move || Ok(std::thread::current().id() != here),
            || Ok(1),
        );
        assert!(a.unwrap(), "the hub side ran on another thread");
        assert_eq!(b.unwrap(), 1);
        let (a, b) = side_by_side(true, || -> Result<()> { panic!("boom") }, || Ok(2));
        assert!(a.unwrap_err().message.contains("panicked"));
        assert_eq!(b.unwrap(), 2);
    }

    #[test]
    fn one_line_per_environment_with_its_time_and_the_hub_restart() {
        let hub = Outcome::changed("created hub/ and installed 60 packages")
            .with_restart(Restart::because("the hub environment was created"));
        let mut user = Outcome::unchanged("no user upgrades within the pinned ranges");
        user.warnings = vec!["requirements URL failed".into()];
        let times = [Duration::from_millis(5200), Duration::from_millis(900)];
        let o = combine(hub, user, times, true, &Installer::pip(None));
        assert!(o.changed);
        assert_eq!(o.summary.as_deref(), Some("with pip, side by side"));
        assert_eq!(
            o.lines,
            vec![
                "hub: created hub/ and installed 60 packages (5.2s)",
                "user: no user upgrades within the pinned ranges (0.9s)"
            ]
        );
        assert_eq!(o.warnings, vec!["requirements URL failed"]);
        assert!(o.restart.is_some());
        let quiet = combine(
            Outcome::unchanged("x"),
            Outcome::unchanged("y"),
            times,
            false,
            &Installer::pip(None),
        );
        assert!(!quiet.changed && quiet.restart.is_none());
        assert_eq!(
            quiet.summary.as_deref(),
            Some("no upgrades within the pinned ranges; checked with pip")
        );
    }
}
