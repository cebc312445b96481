//! The one fake `ServiceManager` for tests: records every call and keeps a
//! unit state like systemd would.

use super::{ServiceManager, UnitInfo};
use crate::error::Result;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

pub struct FakeServices {
    pub calls: RefCell<Vec<String>>,
    pub active: RefCell<BTreeMap<String, String>>,
    pub enabled: RefCell<BTreeMap<String, bool>>,
    /// The state of a unit nobody set.
    pub default_state: String,
    /// Whether a unit nobody enabled counts as enabled.
    pub default_enabled: bool,
    /// A restart makes the unit active (false: it keeps its state, as a unit
    /// that fails or crash-loops does).
    pub restart_activates: bool,
    /// When set, every look at NRestarts sees one more restart.
    pub crashing: Option<Cell<u64>>,
    /// What `unit_info` answers for a unit (else: its state only).
    pub infos: RefCell<BTreeMap<String, UnitInfo>>,
    /// What `current_run_log` answers for a unit (else: `journal_tail`'s).
    pub journals: RefCell<BTreeMap<String, String>>,
}

impl Default for FakeServices {
    /// A machine where nothing is installed yet: every unit inactive and
    /// disabled until restarted or enabled.
    fn default() -> Self {
        FakeServices {
            calls: RefCell::default(),
            active: RefCell::default(),
            enabled: RefCell::default(),
            default_state: "inactive".into(),
            default_enabled: false,
            restart_activates: true,
            crashing: None,
            infos: RefCell::default(),
            journals: RefCell::default(),
        }
    }
}

impl FakeServices {
    /// Every unit enabled and in `state`, which restarts do not change.
    pub fn stuck(state: &str) -> Self {
        FakeServices {
            default_state: state.into(),
            default_enabled: true,
            restart_activates: false,
            ..FakeServices::default()
        }
    }
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.borrow_mut())
    }
    pub fn set_state(&self, unit: &str, state: &str) {
        self.active.borrow_mut().insert(unit.into(), state.into());
    }
}

impl ServiceManager for FakeServices {
    fn daemon_reload(&self) -> Result<()> {
        self.calls.borrow_mut().push("daemon-reload".into());
        Ok(())
    }
    fn restart(&self, unit: &str) -> Result<()> {
        self.calls.borrow_mut().push(format!("restart {unit}"));
        if self.restart_activates {
            self.set_state(unit, "active");
        }
        Ok(())
    }
    fn enable(&self, unit: &str) -> Result<()> {
        self.calls.borrow_mut().push(format!("enable {unit}"));
        self.enabled.borrow_mut().insert(unit.into(), true);
        Ok(())
    }
    fn stop(&self, unit: &str) -> Result<()> {
        self.calls.borrow_mut().push(format!("stop {unit}"));
        self.set_state(unit, "inactive");
        Ok(())
    }
    fn disable(&self, unit: &str) -> Result<()> {
        self.calls.borrow_mut().push(format!("disable {unit}"));
        self.enabled.borrow_mut().insert(unit.into(), false);
        Ok(())
    }
    /// The units given a state whose name starts like `pattern` up to its
    /// `*`, and that are not inactive.
    fn transient_units(&self, pattern: &str, _running: &str) -> Vec<String> {
        let start = pattern.split('*').next().unwrap_or("");
        let active = self.active.borrow();
        active
            .iter()
            .filter(|(u, s)| u.starts_with(start) && s.as_str() != "inactive")
            .map(|(u, _)| u.clone())
            .collect()
    }
    fn is_enabled(&self, unit: &str) -> bool {
        let enabled = self.enabled.borrow().get(unit).copied();
        enabled.unwrap_or(self.default_enabled)
    }
    fn active_state(&self, unit: &str) -> String {
        let state = self.active.borrow().get(unit).cloned();
        state.unwrap_or_else(|| self.default_state.clone())
    }
    fn status_summary(&self, unit: &str) -> String {
        format!("status of {unit}")
    }
    fn journal_tail(&self, unit: &str, lines: usize) -> String {
        format!("last {lines} journal lines of {unit}: Traceback boom")
    }
    fn unit_info(&self, unit: &str) -> UnitInfo {
        let info = self.infos.borrow().get(unit).cloned();
        info.unwrap_or_else(|| UnitInfo {
            load_state: "loaded".into(),
            active_state: self.active_state(unit),
            ..UnitInfo::default()
        })
    }
    fn current_run_log(&self, unit: &str) -> Vec<String> {
        let text = self.journals.borrow().get(unit).cloned();
        let text = text.unwrap_or_else(|| self.journal_tail(unit, super::RUN_LOG_LINES));
        text.lines().map(String::from).collect()
    }
    fn restart_count(&self, _unit: &str) -> Option<u64> {
        let n = self.crashing.as_ref()?;
        n.set(n.get() + 1);
        Some(n.get())
    }
}
