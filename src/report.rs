//! What library code tells the person running it, behind one narrow trait
//! (as uv's reporters): install steps, downloads and the runner report here
//! and never print. `install::ui::Terminal` draws it; `Recorder` keeps it for
//! tests to assert.

use crate::download::Progress;
use std::cell::RefCell;

/// How much the terminal shows (`--quiet`, default, `--verbose`). The log
/// gets everything either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// Warnings and errors only.
    Quiet,
    #[default]
    Normal,
    /// Also every planned action under its step line.
    Verbose,
}

pub trait Reporter {
    /// A numbered step begins: `[n/total] name …`.
    fn step_start(&self, n: usize, total: usize, name: &str);
    /// The rest of the step line: "already up to date", "done in 1.2s (…)",
    /// "failed".
    fn step_done(&self, text: &str);
    /// One planned action of the step just finished.
    fn detail(&self, line: &str);
    fn warn(&self, message: &str);
    fn error(&self, message: &str);
    /// A line of its own (version banner, "Done in …", the login hint).
    fn note(&self, line: &str);
    /// Progress of one download, e.g. `label` "Traefik 3.6.5".
    fn progress(&self, label: &str) -> Box<dyn Progress + '_>;
}

/// One call to a `Reporter`, as a `Recorder` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    StepStart(usize, usize, String),
    StepDone(String),
    Detail(String),
    Warn(String),
    Error(String),
    Note(String),
    Progress(String),
}

/// Prints nothing; remembers every event.
#[derive(Debug, Default)]
pub struct Recorder {
    pub events: RefCell<Vec<Event>>,
}

impl Recorder {
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
    fn push(&self, e: Event) {
        self.events.borrow_mut().push(e);
    }
}

impl Reporter for Recorder {
    fn step_start(&self, n: usize, total: usize, name: &str) {
        self.push(Event::StepStart(n, total, name.into()));
    }
    fn step_done(&self, text: &str) {
        self.push(Event::StepDone(text.into()));
    }
    fn detail(&self, line: &str) {
        self.push(Event::Detail(line.into()));
    }
    fn warn(&self, message: &str) {
        self.push(Event::Warn(message.into()));
    }
    fn error(&self, message: &str) {
        self.push(Event::Error(message.into()));
    }
    fn note(&self, line: &str) {
        self.push(Event::Note(line.into()));
    }
    fn progress(&self, label: &str) -> Box<dyn Progress + '_> {
        self.push(Event::Progress(label.into()));
        Box::new(Recorded(self))
    }
}

/// A download as a `Recorder` sees it: only its retries.
struct Recorded<'a>(&'a Recorder);

impl Progress for Recorded<'_> {
    fn start(&self, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
    fn retrying(&self, message: &str) {
        self.0.warn(message);
    }
}
