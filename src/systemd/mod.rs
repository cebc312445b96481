//! systemd behind a small trait, so reload and install logic can be tested
//! without a running systemd.

use crate::cmd;
use crate::error::Result;
use serde::Serialize;
use std::process::Command;

/// What `systemctl show` tells about a unit (for `hubcfg status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitInfo {
    /// loaded, not-found, masked…
    pub load_state: String,
    /// active, activating, failed, inactive…
    pub active_state: String,
    /// running, dead, auto-restart…
    pub sub_state: String,
    /// When it entered its current state, as systemd prints it.
    pub since: Option<String>,
    /// How long ago that was, in seconds.
    pub since_seconds: Option<u64>,
    /// How often systemd restarted it by itself since it was last started.
    pub restarts: Option<u64>,
    /// The current run's id: its journal lines carry it.
    #[serde(skip)]
    pub invocation_id: Option<String>,
}

/// The properties [`parse_show`] reads.
pub const SHOW_PROPERTIES: &str = "LoadState,ActiveState,SubState,StateChangeTimestamp,\
    StateChangeTimestampMonotonic,NRestarts,InvocationID";

/// `systemctl show -p SHOW_PROPERTIES UNIT`'s `Key=Value` lines; `now_us`
/// is CLOCK_MONOTONIC in microseconds, the clock systemd's `…Monotonic`
/// timestamps use, so the age needs no time-zone parsing.
pub fn parse_show(text: &str, now_us: Option<u64>) -> UnitInfo {
    let mut info = UnitInfo::default();
    let mut changed_us = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let text = || Some(value.to_string()).filter(|v| !v.is_empty());
        match key {
            "LoadState" => info.load_state = value.into(),
            "ActiveState" => info.active_state = value.into(),
            "SubState" => info.sub_state = value.into(),
            "StateChangeTimestamp" => info.since = text(),
            "StateChangeTimestampMonotonic" => {
                changed_us = value.parse::<u64>().ok().filter(|&v| v > 0)
            }
            "NRestarts" => info.restarts = value.parse().ok(),
            "InvocationID" => info.invocation_id = text(),
            _ => {}
        }
    }
    if let (Some(now), Some(then)) = (now_us, changed_us) {
        info.since_seconds = Some(now.saturating_sub(then) / 1_000_000);
    }
    info
}

pub trait ServiceManager {
    fn daemon_reload(&self) -> Result<()>;
    fn restart(&self, unit: &str) -> Result<()>;
    fn enable(&self, unit: &str) -> Result<()>;
    fn stop(&self, unit: &str) -> Result<()>;
    fn disable(&self, unit: &str) -> Result<()>;
    /// Loaded transient units (made with systemd-run, as SystemdSpawner
    /// makes user servers) whose names match `pattern` (a systemctl glob)
    /// and whose command line contains `running`.
    fn transient_units(&self, pattern: &str, running: &str) -> Vec<String>;
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
    /// State, since when, restarts (read-only).
    fn unit_info(&self, unit: &str) -> UnitInfo {
        UnitInfo {
            active_state: self.active_state(unit),
            restarts: self.restart_count(unit),
            ..UnitInfo::default()
        }
    }
    /// The journal lines of the unit's current run (its `InvocationID`,
    /// since its last start; the last `RUN_LOG_LINES`), so an error from
    /// before the last restart is not seen.
    fn current_run_log(&self, _unit: &str) -> Vec<String> {
        vec![]
    }
}

/// How many lines of a run's journal `current_run_log` reads at most.
pub const RUN_LOG_LINES: usize = 5000;

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

    fn stop(&self, unit: &str) -> Result<()> {
        cmd::run_checked(&mut systemctl(&["stop", unit])).map(drop)
    }

    fn disable(&self, unit: &str) -> Result<()> {
        cmd::run_checked(&mut systemctl(&["disable", unit])).map(drop)
    }

    fn transient_units(&self, pattern: &str, running: &str) -> Vec<String> {
        let listed = cmd::run(&mut systemctl(&[
            "list-units",
            "--all",
            "--plain",
            "--no-legend",
            pattern,
        ]));
        let names: Vec<String> = listed
            .map(|o| o.stdout)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .collect();
        names
            .into_iter()
            .filter(|u| {
                cmd::run(&mut systemctl(&["show", "-p", "Transient,ExecStart", u])).is_ok_and(|o| {
                    o.stdout.lines().any(|l| l == "Transient=yes")
                        && o.stdout
                            .lines()
                            .any(|l| l.starts_with("ExecStart=") && l.contains(running))
                })
            })
            .collect()
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

    fn unit_info(&self, unit: &str) -> UnitInfo {
        let now_us = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
            .ok()
            .map(|t| t.tv_sec() as u64 * 1_000_000 + t.tv_nsec() as u64 / 1_000);
        match cmd::run(&mut systemctl(&["show", "-p", SHOW_PROPERTIES, unit])) {
            Ok(o) if o.success() => parse_show(&o.stdout, now_us),
            Ok(o) => UnitInfo {
                active_state: format!(
                    "unknown (`systemctl show {unit}`: {})",
                    o.stderr.lines().next().unwrap_or("").trim()
                ),
                ..UnitInfo::default()
            },
            Err(e) => UnitInfo {
                active_state: format!("unknown ({})", e.message),
                ..UnitInfo::default()
            },
        }
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
        let n = RUN_LOG_LINES.to_string();
        cmd::run(Command::new("journalctl").args(["--no-pager", "-o", "cat", "-n", &n, &matcher]))
            .map(|o| o.stdout.lines().map(String::from).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
pub mod fake;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_output_is_parsed_with_the_age_from_the_monotonic_clock() {
        let text = "LoadState=loaded\nActiveState=failed\nSubState=failed\n\
            StateChangeTimestamp=Tue 2026-12-01 12:00:00 UTC\n\
            StateChangeTimestampMonotonic=5000000\nNRestarts=3\nInvocationID=abc\n";
        let info = parse_show(text, Some(65_000_000));
        assert_eq!(info.active_state, "failed");
        assert_eq!(info.since.as_deref(), Some("Tue 2026-12-01 12:00:00 UTC"));
        assert_eq!(info.since_seconds, Some(60));
        assert_eq!(info.restarts, Some(3));
        assert_eq!(info.invocation_id.as_deref(), Some("abc"));
    }

    #[test]
    fn a_unit_that_never_ran_has_no_time_and_no_run() {
        let text = "LoadState=not-found\nActiveState=inactive\nSubState=dead\n\
            StateChangeTimestamp=\nStateChangeTimestampMonotonic=0\nNRestarts=0\nInvocationID=\n";
        let info = parse_show(text, Some(1));
        assert_eq!(info.load_state, "not-found");
        assert_eq!(
            (info.since, info.since_seconds, info.invocation_id),
            (None, None, None)
        );
    }
}
