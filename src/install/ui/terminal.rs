//! The `Reporter` for a person at a terminal: step lines on stdout, download
//! bars on stderr (only when it is a terminal). Every line but the plan
//! details also goes to the log, whatever the verbosity.

use super::bar::IndicatifProgress;
use crate::download::{NoProgress, Progress};
use crate::report::{Reporter, Verbosity};
use std::io::Write;

pub struct Terminal {
    pub verbosity: Verbosity,
}

/// Writes to stdout, flushed; a closed stdout (`| head`) is not worth a
/// panic in the middle of an install, so write errors are ignored.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

impl Terminal {
    fn shows_steps(&self) -> bool {
        self.verbosity != Verbosity::Quiet
    }
}

impl Reporter for Terminal {
    fn step_start(&self, n: usize, total: usize, name: &str) {
        let line = super::step_prefix(n, total, name);
        tracing::info!("{line}");
        if self.shows_steps() {
            out(&format!("{line} "));
        }
    }

    fn step_done(&self, text: &str) {
        tracing::info!("{text}");
        if self.shows_steps() {
            out(&format!("{text}\n"));
        }
    }

    fn detail(&self, line: &str) {
        // Not logged: the log has the whole plan already ("planned").
        if self.verbosity == Verbosity::Verbose {
            out(&format!("      - {line}\n"));
        }
    }

    fn warn(&self, message: &str) {
        // Logged at info: a tracing warning would also hit stderr.
        tracing::info!("warning: {message}");
        out(&format!("      warning: {message}\n"));
    }

    fn error(&self, message: &str) {
        tracing::info!("error: {message}");
        out(&format!("      error: {message}\n"));
    }

    fn note(&self, line: &str) {
        tracing::info!("{line}");
        if self.shows_steps() {
            out(&format!("{line}\n"));
        }
    }

    fn progress(&self, label: &str) -> Box<dyn Progress + '_> {
        if self.shows_steps() {
            Box::new(IndicatifProgress::stderr(label))
        } else {
            Box::new(NoProgress)
        }
    }
}
