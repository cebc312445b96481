//! The `Reporter` for a person at a terminal: step lines on stdout, download
//! bars on stderr (only when it is a terminal). Every line but the plan
//! details also goes to the log, whatever the verbosity.

use super::bar::IndicatifProgress;
use crate::download::{NoProgress, Progress};
use crate::report::{Reporter, Verbosity};
use std::cell::Cell;
use std::io::Write;

pub struct Terminal {
    pub verbosity: Verbosity,
    /// The prefix of a step line waiting for its end, and whether a line
    /// printed meanwhile cut it (then the end repeats the prefix).
    open: Cell<Option<(String, bool)>>,
    write: Box<dyn Fn(&str)>,
}

impl Terminal {
    pub fn new(verbosity: Verbosity) -> Self {
        Self::with_writer(verbosity, Box::new(out))
    }

    /// Writes the text lines with `write` instead of to stdout.
    pub fn with_writer(verbosity: Verbosity, write: Box<dyn Fn(&str)>) -> Self {
        Terminal {
            verbosity,
            open: Cell::new(None),
            write,
        }
    }

    fn out(&self, text: &str) {
        (self.write)(text);
    }

    /// Ends a waiting step line before a line of its own is printed.
    fn break_open_line(&self) {
        let open = self.open.take();
        if let Some((_, false)) = open {
            self.out("\n");
        }
        self.open.set(open.map(|(prefix, _)| (prefix, true)));
    }
}

/// A download bar that reports retries as warnings.
struct Download<'a> {
    bar: Box<dyn Progress>,
    ui: &'a Terminal,
}

impl Progress for Download<'_> {
    fn start(&self, total: Option<u64>) {
        self.bar.start(total);
    }
    fn advance(&self, n: u64) {
        self.bar.advance(n);
    }
    fn finish(&self) {
        self.bar.finish();
    }
    fn retrying(&self, message: &str) {
        self.bar.retrying(message);
        self.ui.warn(message);
    }
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
            self.out(&format!("{line} "));
            self.open.set(Some((line, false)));
        }
    }

    fn step_done(&self, text: &str) {
        tracing::info!("{text}");
        if self.shows_steps() {
            match self.open.take() {
                Some((prefix, true)) => self.out(&format!("{prefix} {text}\n")),
                _ => self.out(&format!("{text}\n")),
            }
        }
    }

    fn detail(&self, line: &str) {
        // Not logged: the log has the whole plan already ("planned").
        if self.verbosity == Verbosity::Verbose {
            self.out(&format!("      - {line}\n"));
        }
    }

    fn warn(&self, message: &str) {
        // Logged at info: a tracing warning would also hit stderr.
        tracing::info!("warning: {message}");
        self.break_open_line();
        self.out(&format!("      warning: {message}\n"));
    }

    fn error(&self, message: &str) {
        tracing::info!("error: {message}");
        self.break_open_line();
        self.out(&format!("      error: {message}\n"));
    }

    fn note(&self, line: &str) {
        tracing::info!("{line}");
        if self.shows_steps() {
            self.break_open_line();
            self.out(&format!("{line}\n"));
        }
    }

    fn progress(&self, label: &str) -> Box<dyn Progress + '_> {
        let bar: Box<dyn Progress> = if self.shows_steps() {
            Box::new(IndicatifProgress::stderr(label))
        } else {
            Box::new(NoProgress)
        };
        Box::new(Download { bar, ui: self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    fn terminal(v: Verbosity) -> (Terminal, Rc<RefCell<String>>) {
        let text = Rc::new(RefCell::new(String::new()));
        let sink = text.clone();
        let t = Terminal::with_writer(v, Box::new(move |s| sink.borrow_mut().push_str(s)));
        (t, text)
    }

    fn a_step(t: &Terminal) {
        t.step_start(7, 15, "Traefik binary");
        t.progress("Traefik 3.6.5").retrying("attempt 1 failed");
        t.step_done("done in 1.0s (installed)");
        t.detail("install Traefik 3.6.5");
        t.warn("w");
    }

    #[test]
    fn normal_quiet_and_verbose() {
        let (t, text) = terminal(Verbosity::Normal);
        a_step(&t);
        assert_eq!(
            *text.borrow(),
            "[7/15] Traefik binary … \n      warning: attempt 1 failed\n\
             [7/15] Traefik binary … done in 1.0s (installed)\n      warning: w\n"
        );
        let (t, text) = terminal(Verbosity::Quiet);
        a_step(&t);
        assert_eq!(
            *text.borrow(),
            "      warning: attempt 1 failed\n      warning: w\n"
        );
        let (t, text) = terminal(Verbosity::Verbose);
        t.step_start(2, 15, "System packages");
        t.step_done("already up to date");
        t.detail("apt-get install git");
        assert_eq!(
            *text.borrow(),
            "[2/15] System packages … already up to date\n      - apt-get install git\n"
        );
    }
}
