//! What the user sees during bootstrap: one numbered line per step with what
//! it did and how long it took, and on failure the step, the error (which
//! names the command and its output tail) and where the full log is. Steps
//! return data; only this module prints. Formatting is pure and tested.

use crate::error::Error;
use crate::install::Report;
use crate::install::preflight::{Problem, Severity};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    UpToDate,
    Done {
        plan: Vec<String>,
        report: Option<Report>,
    },
}

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
pub fn outcome_text(outcome: &StepOutcome, elapsed: Duration) -> String {
    match outcome {
        StepOutcome::UpToDate => "already up to date".to_string(),
        StepOutcome::Done {
            report: Some(r), ..
        } if !r.changed => format!("already up to date ({})", r.summary),
        StepOutcome::Done {
            report: Some(r), ..
        } => format!("done in {} ({})", format_duration(elapsed), r.summary),
        StepOutcome::Done { plan, .. } => {
            format!("done in {} ({})", format_duration(elapsed), summarize(plan))
        }
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

fn warnings_of(outcome: &StepOutcome) -> &[String] {
    match outcome {
        StepOutcome::Done {
            report: Some(r), ..
        } => &r.warnings,
        _ => &[],
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

/// Writes to stdout, flushed; a closed stdout (`| head`) is not worth a
/// panic in the middle of an install, so write errors are ignored.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Prints to stdout; each line also goes to the log.
pub struct Ui {
    total: usize,
}

impl Ui {
    pub fn new(total: usize) -> Self {
        Ui { total }
    }

    /// Prints step 1; returns how many problems are errors.
    pub fn preflight(&self, problems: &[Problem], elapsed: Duration) -> usize {
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let status = if errors == 0 {
            format!("done in {}", format_duration(elapsed))
        } else {
            "failed".to_string()
        };
        out(&format!(
            "{} {status}\n",
            step_prefix(1, self.total, "Preflight checks")
        ));
        for p in problems {
            let word = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            out(&format!("      {word}: {}\n", p.message));
        }
        errors
    }

    pub fn start(&self, n: usize, name: &str) {
        let line = step_prefix(n, self.total, name);
        tracing::info!("{line}");
        out(&format!("{line} "));
    }

    pub fn finish(&self, outcome: &StepOutcome, elapsed: Duration) {
        let text = outcome_text(outcome, elapsed);
        tracing::info!("{text}");
        out(&format!("{text}\n"));
        for w in warnings_of(outcome) {
            // Logged at info: a tracing warning would also hit stderr.
            tracing::info!("warning: {w}");
            out(&format!("      warning: {w}\n"));
        }
    }

    /// Ends the step line of a failed step; the error follows from the CLI.
    pub fn failed(&self) {
        out("failed\n");
    }

    pub fn note(&self, line: &str) {
        tracing::info!("{line}");
        out(&format!("{line}\n"));
    }

    pub fn done(&self, elapsed: Duration, log: &Path) {
        self.note(&format!(
            "Done in {}. Full log: {}",
            format_duration(elapsed),
            log.display()
        ));
    }
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
        assert_eq!(
            outcome_text(&StepOutcome::UpToDate, d),
            "already up to date"
        );
        let done = StepOutcome::Done {
            plan: vec!["x".into()],
            report: Some(Report::changed("installed 57 packages")),
        };
        assert_eq!(
            outcome_text(&done, d),
            "done in 41.2s (installed 57 packages)"
        );
        let checked = StepOutcome::Done {
            plan: vec!["check".into()],
            report: Some(Report::unchanged(
                "no hub upgrades within the pinned ranges",
            )),
        };
        assert_eq!(
            outcome_text(&checked, d),
            "already up to date (no hub upgrades within the pinned ranges)"
        );
        let plain = StepOutcome::Done {
            plan: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            report: None,
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
