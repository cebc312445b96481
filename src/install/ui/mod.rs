//! What the user sees during bootstrap: one numbered line per step with what
//! it did and how long it took, and on failure the step, the error (which
//! names the command and its output tail) and where the full log is. Steps
//! return data and report through `report::Reporter`; only `Terminal` prints.
//! Formatting is pure and tested.

pub mod bar;
pub mod terminal;

pub use terminal::Terminal;

use crate::error::Error;
use crate::install::preflight::{Problem, Severity};
use crate::install::step::StepResult;
use crate::report::Reporter;
use std::path::Path;
use std::time::Duration;

/// `0.4s`, `41.2s`, `3m05s`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let s = d.as_secs();
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// `[3/15] Hub environment …`
pub fn step_prefix(n: usize, total: usize, name: &str) -> String {
    format!("[{n}/{total}] {name} …")
}

/// What follows the prefix once the step is over.
pub fn outcome_text(result: &StepResult, elapsed: Duration) -> String {
    match result {
        StepResult::UpToDate => "already up to date".to_string(),
        StepResult::Done { plan, outcome } => match &outcome.summary {
            Some(s) if !outcome.changed => format!("already up to date ({s})"),
            Some(s) => format!("done in {} ({s})", format_duration(elapsed)),
            None => format!("done in {} ({})", format_duration(elapsed), summarize(plan)),
        },
    }
}

/// The plan as one short line; the log has every item.
pub fn summarize(plan: &[String]) -> String {
    match plan {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [a, b] => format!("{a}; {b}"),
        [a, b, rest @ ..] => format!("{a}; {b}; and {} more", rest.len()),
    }
}

/// The error `run` returns when a step fails; the CLI prints it.
pub fn failure(
    n: usize,
    total: usize,
    name: &str,
    elapsed: Duration,
    e: Error,
    log: &Path,
) -> Error {
    tracing::error!(target: crate::install::log::FILE_ONLY, step = name, error = %e, "step failed");
    let mut out = Error::new(format!(
        "[{n}/{total}] {name} failed after {}:\n{}",
        format_duration(elapsed),
        e.message
    ))
    .with_exit_code(e.exit_code.max(1));
    let log_line = format!("Full log: {}", log.display());
    out.hint = Some(match e.hint {
        Some(h) => format!("{h}\n  {log_line}"),
        None => log_line,
    });
    out
}

/// Reports step 1; returns how many problems are errors.
pub fn report_preflight(
    reporter: &dyn Reporter,
    total: usize,
    problems: &[Problem],
    elapsed: Duration,
) -> usize {
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    reporter.step_start(1, total, "Preflight checks");
    reporter.step_done(&if errors == 0 {
        format!("done in {}", format_duration(elapsed))
    } else {
        "failed".to_string()
    });
    for p in problems {
        match p.severity {
            Severity::Error => reporter.error(&p.message),
            Severity::Warning => reporter.warn(&p.message),
        }
    }
    errors
}

/// Ends a step's line, then its warnings and (shown with --verbose) its plan.
pub fn report_step(reporter: &dyn Reporter, result: &StepResult, elapsed: Duration) {
    reporter.step_done(&outcome_text(result, elapsed));
    if let StepResult::Done { plan, outcome } = result {
        for line in &outcome.lines {
            reporter.note(&format!("      {line}"));
        }
        for w in &outcome.warnings {
            reporter.warn(w);
        }
        for line in plan {
            reporter.detail(line);
        }
    }
}

pub fn report_done(reporter: &dyn Reporter, elapsed: Duration, log: &Path) {
    reporter.note(&format!(
        "Done in {}. Full log: {}",
        format_duration(elapsed),
        log.display()
    ));
}

/// Where to log in, from the hub's API URL (`http://127.0.0.1:80/hub/api`).
pub fn login_hint(api_url: &str, admins: &[&str]) -> String {
    let url = api_url.strip_suffix("hub/api").unwrap_or(api_url);
    let who = match admins {
        [] => String::new(),
        [one] => format!(" as {one}"),
        many => format!(" as one of {}", many.join(", ")),
    };
    format!(
        "Log in at {url}{who} (from another machine, use this server's address instead of 127.0.0.1)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::step::Outcome;
    use crate::report::{Event, Recorder};

    #[test]
    fn preflight_and_step_reports() {
        let r = Recorder::default();
        let problems = vec![Problem {
            severity: Severity::Warning,
            message: "low memory".into(),
        }];
        assert_eq!(
            report_preflight(&r, 15, &problems, Duration::from_millis(100)),
            0
        );
        let done = StepResult::Done {
            plan: vec!["a".into()],
            outcome: Outcome {
                warnings: vec!["w".into()],
                ..Outcome::done()
            },
        };
        report_step(&r, &done, Duration::from_millis(100));
        assert_eq!(
            r.take(),
            vec![
                Event::StepStart(1, 15, "Preflight checks".into()),
                Event::StepDone("done in 0.1s".into()),
                Event::Warn("low memory".into()),
                Event::StepDone("done in 0.1s (a)".into()),
                Event::Warn("w".into()),
                Event::Detail("a".into()),
            ]
        );
    }

    #[test]
    fn login_hints() {
        assert_eq!(
            login_hint("http://127.0.0.1:80/hub/api", &["alice"]),
            "Log in at http://127.0.0.1:80/ as alice (from another machine, use this server's address instead of 127.0.0.1)."
        );
        assert!(
            login_hint("https://127.0.0.1:443/jh/hub/api", &["a", "b"])
                .starts_with("Log in at https://127.0.0.1:443/jh/ as one of a, b (")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_millis(412)), "0.4s");
        assert_eq!(format_duration(Duration::from_millis(41_230)), "41.2s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m05s");
    }

    #[test]
    fn step_lines() {
        let d = Duration::from_millis(41_200);
        assert_eq!(
            step_prefix(3, 15, "Hub environment"),
            "[3/15] Hub environment …"
        );
        assert_eq!(outcome_text(&StepResult::UpToDate, d), "already up to date");
        let done = StepResult::Done {
            plan: vec!["x".into()],
            outcome: Outcome::changed("installed 57 packages"),
        };
        assert_eq!(
            outcome_text(&done, d),
            "done in 41.2s (installed 57 packages)"
        );
        let checked = StepResult::Done {
            plan: vec!["check".into()],
            outcome: Outcome::unchanged("no hub upgrades within the pinned ranges"),
        };
        assert_eq!(
            outcome_text(&checked, d),
            "already up to date (no hub upgrades within the pinned ranges)"
        );
        let plain = StepResult::Done {
            plan: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            outcome: Outcome::done(),
        };
        assert_eq!(outcome_text(&plain, d), "done in 41.2s (a; b; and 2 more)");
    }

    #[test]
    fn failure_names_step_error_and_log() {
        let e = Error::new("`pip install` failed with exit code 1:\n    boom").with_hint("try X");
        let f = failure(
            5,
            15,
            "Hub environment",
            Duration::from_millis(3100),
            e,
            Path::new("/opt/tljh/installer.log"),
        );
        assert!(
            f.message
                .starts_with("[5/15] Hub environment failed after 3.1s:\n`pip install`")
        );
        assert!(f.message.contains("boom"));
        let hint = f.hint.unwrap();
        assert!(hint.contains("try X") && hint.ends_with("Full log: /opt/tljh/installer.log"));
        assert_eq!(f.exit_code, 1);
    }
}
