//! The install step contract: `plan` inspects and returns typed actions;
//! `execute` carries out exactly those actions (checking results, never
//! re-inspecting to decide) and returns a typed `Outcome`.

use crate::error::Result;
use crate::install::Ctx;
use crate::report::Reporter;
use std::fmt;

/// Why the hub and proxy must restart: a step changed something they read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restart {
    /// What changed, e.g. "rendered files changed".
    pub why: String,
}

impl Restart {
    pub fn because(why: impl Into<String>) -> Option<Restart> {
        Some(Restart { why: why.into() })
    }
}

/// What `execute` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// False: the step looked and found nothing to change (e.g. an upgrade
    /// check that found no upgrades).
    pub changed: bool,
    /// Shown on the step line instead of the plan's summary.
    pub summary: Option<String>,
    pub restart: Option<Restart>,
    /// Shown under the step line (e.g. an allowed failure).
    pub warnings: Vec<String>,
    /// Shown under the step line, as they are (e.g. one line per part of
    /// the step with its time).
    pub lines: Vec<String>,
}

impl Outcome {
    /// Did what the plan said; the plan summarizes it.
    pub fn done() -> Self {
        Outcome {
            changed: true,
            summary: None,
            restart: None,
            warnings: vec![],
            lines: vec![],
        }
    }
    pub fn changed(summary: impl Into<String>) -> Self {
        Outcome {
            summary: Some(summary.into()),
            ..Outcome::done()
        }
    }
    pub fn unchanged(summary: impl Into<String>) -> Self {
        Outcome {
            changed: false,
            ..Outcome::changed(summary)
        }
    }
    pub fn with_restart(mut self, restart: Option<Restart>) -> Self {
        self.restart = restart;
        self
    }
    pub fn with_lines(mut self, lines: Vec<String>) -> Self {
        self.lines = lines;
        self
    }
}

/// One idempotent install step.
pub trait Step {
    /// One thing the step will do; its Display is the plan's line in the log.
    type Action: fmt::Display + fmt::Debug;
    /// Short name shown in the numbered step list.
    fn name(&self) -> &'static str;
    /// Inspects the system and lists what `execute` would change; empty
    /// means already up to date. Must not change anything.
    fn plan(&self, ctx: &Ctx) -> Result<Vec<Self::Action>>;
    /// Carries out `plan`, which `plan` returned just before.
    fn execute(&self, ctx: &Ctx, plan: &[Self::Action], reporter: &dyn Reporter)
    -> Result<Outcome>;
}

/// A step run by the runner: its plan's lines and, unless the plan was
/// empty, what execute did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    UpToDate,
    Done { plan: Vec<String>, outcome: Outcome },
}

/// `Step` without its action type, so `steps()` can be a plain list.
pub trait AnyStep {
    fn name(&self) -> &'static str;
    /// Plans, then executes that plan when it is not empty.
    fn run(&self, ctx: &Ctx, reporter: &dyn Reporter) -> Result<StepResult>;
}

impl<S: Step> AnyStep for S {
    fn name(&self) -> &'static str {
        Step::name(self)
    }

    fn run(&self, ctx: &Ctx, reporter: &dyn Reporter) -> Result<StepResult> {
        let plan = self.plan(ctx)?;
        let lines: Vec<String> = plan.iter().map(ToString::to_string).collect();
        tracing::info!(step = Step::name(self), plan = ?lines, "planned");
        if plan.is_empty() {
            return Ok(StepResult::UpToDate);
        }
        let outcome = self.execute(ctx, &plan, reporter)?;
        tracing::info!(step = Step::name(self), ?outcome, "done");
        Ok(StepResult::Done {
            plan: lines,
            outcome,
        })
    }
}
