//! systemd behind a small trait, so reload and install logic can be tested
//! without a running systemd.

use crate::cmd;
use crate::error::Result;
use std::process::Command;

pub trait ServiceManager {
    fn daemon_reload(&self) -> Result<()>;
    fn restart(&self, unit: &str) -> Result<()>;
    fn enable(&self, unit: &str) -> Result<()>;
    fn is_enabled(&self, unit: &str) -> bool;
    /// `systemctl is-active`'s word: active, activating, failed, inactive…
    fn active_state(&self, unit: &str) -> String;
    /// A few lines saying why a unit is in its state (for error messages).
    fn status_summary(&self, unit: &str) -> String;
    /// The last `lines` lines of the unit's journal.
    fn journal_tail(&self, unit: &str, lines: usize) -> String;
    /// How often systemd has restarted the unit by itself (`NRestarts`);
    /// None when that cannot be told.
    fn restart_count(&self, _unit: &str) -> Option<u64> {
        None
    }
    /// The journal lines of the unit's current run (since its last start).
    fn current_run_log(&self, _unit: &str) -> Vec<String> {
        vec![]
    }
}

/// The real thing: `systemctl` and `journalctl` on PATH.
pub struct Systemctl;

fn systemctl(args: &[&str]) -> Command {
    let mut c = Command::new("systemctl");
    c.args(args);
    c
}

impl ServiceManager for Systemctl {
    fn daemon_reload(&self) -> Result<()> {
        cmd::run_checked(&mut systemctl(&["daemon-reload"])).map(drop)
    }

    fn restart(&self, unit: &str) -> Result<()> {
        // reset-failed lets a unit that hit its start rate limit start again.
        let _ = cmd::run(&mut systemctl(&["reset-failed", unit]));
        cmd::run_checked(&mut systemctl(&["restart", unit])).map(drop)
    }

    fn enable(&self, unit: &str) -> Result<()> {
        cmd::run_checked(&mut systemctl(&["enable", unit])).map(drop)
    }

    fn is_enabled(&self, unit: &str) -> bool {
        cmd::run(&mut systemctl(&["is-enabled", "--quiet", unit]))
            .map(|o| o.success())
            .unwrap_or(false)
    }

    fn active_state(&self, unit: &str) -> String {
        cmd::run(&mut systemctl(&["is-active", unit]))
            .map(|o| o.stdout.trim().to_string())
            .unwrap_or_else(|e| format!("unknown ({})", e.message))
    }

    fn status_summary(&self, unit: &str) -> String {
        cmd::run(&mut systemctl(&["status", "--no-pager", "--lines=0", unit]))
            .map(|o| o.stdout.trim_end().to_string())
            .unwrap_or_else(|e| e.message)
    }

    fn journal_tail(&self, unit: &str, lines: usize) -> String {
        let n = lines.to_string();
        cmd::run(Command::new("journalctl").args(["--no-pager", "-o", "cat", "-n", &n, "-u", unit]))
            .map(|o| o.stdout.trim_end().to_string())
            .unwrap_or_else(|e| e.message)
    }

    fn restart_count(&self, unit: &str) -> Option<u64> {
        cmd::run(&mut systemctl(&[
            "show",
            "--property=NRestarts",
            "--value",
            unit,
        ]))
        .ok()
        .filter(|o| o.success())
        .and_then(|o| o.stdout.trim().parse().ok())
    }

    fn current_run_log(&self, unit: &str) -> Vec<String> {
        // Every journal entry of a service's output carries the invocation
        // ID of the run that wrote it: a restart starts a new one.
        let id = cmd::run(&mut systemctl(&[
            "show",
            "--property=InvocationID",
            "--value",
            unit,
        ]))
        .ok()
        .filter(|o| o.success())
        .map(|o| o.stdout.trim().to_string())
        .unwrap_or_default();
        if id.is_empty() {
            return vec![];
        }
        let matcher = format!("_SYSTEMD_INVOCATION_ID={id}");
        cmd::run(Command::new("journalctl").args(["--no-pager", "-o", "cat", &matcher]))
            .map(|o| o.stdout.lines().map(String::from).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
pub mod fake;
