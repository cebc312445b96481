//! `hubcfg status [--json]`: is the hub healthy, and if not, what to do.
//! Read-only and quick: `gather` collects [`facts::Facts`] (its checks run
//! side by side), `report` judges them into problems (each with its next
//! step) and warnings, and prints text or JSON. Exit 1 when there is a
//! problem.

pub mod facts;
pub mod gather;
pub mod probe;
pub mod report;
pub mod text;
pub mod versions;

use crate::config::output::{out_text, print_json};
use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::systemd::Systemctl;

pub fn run(paths: &Paths, json: bool) -> Result<()> {
    let now = crate::clock::unix_seconds() as i64;
    let facts = gather::gather(paths, &Systemctl, now);
    let judgement = report::judge(&facts);
    if json {
        print_json(&text::json(&facts, &judgement))?;
    } else {
        out_text(&text::text(&facts, &judgement))?;
    }
    match judgement.problems.len() {
        0 => Ok(()),
        n => Err(Error::new(format!(
            "hubcfg status found {n} problem{} ({})",
            if n == 1 { "" } else { "s" },
            if json {
                "in \"problems\""
            } else {
                "listed above"
            }
        ))),
    }
}
