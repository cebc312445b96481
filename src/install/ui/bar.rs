//! A download progress bar on stderr, drawn only when stderr is a terminal
//! (logs and pipes get nothing).

use crate::download::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::RefCell;
use std::io::IsTerminal;

pub struct IndicatifProgress {
    label: String,
    enabled: bool,
    bar: RefCell<Option<ProgressBar>>,
}

impl IndicatifProgress {
    /// `label` is shown before the bar, e.g. "Traefik 3.6.5".
    pub fn stderr(label: impl Into<String>) -> Self {
        IndicatifProgress {
            label: label.into(),
            enabled: std::io::stderr().is_terminal(),
            bar: RefCell::new(None),
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress for IndicatifProgress {
    fn start(&self, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr())
                .with_style(style(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                .with_style(style("{msg} {spinner} {bytes} {bytes_per_sec}")),
        };
        bar.set_message(self.label.clone());
        if let Some(old) = self.bar.replace(Some(bar)) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// The terminal reporter wraps the bar and prints the notice itself.
    fn retrying(&self, _message: &str) {
        self.finish();
    }
}
