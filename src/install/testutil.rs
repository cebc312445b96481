//! Test helpers for install steps: a recording ServiceManager, a Ctx on a
//! temp prefix, executable fake programs.

use super::{BootstrapArgs, Ctx};
use crate::error::Result;
use crate::paths::Paths;
use crate::systemd::ServiceManager;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Records every call; `restart` and `enable` change the fake state like
/// systemd would.
#[derive(Default)]
pub struct FakeServices {
    pub calls: RefCell<Vec<String>>,
    pub active: RefCell<BTreeMap<String, String>>,
    pub enabled: RefCell<BTreeMap<String, bool>>,
}

impl FakeServices {
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
        self.set_state(unit, "active");
        Ok(())
    }
    fn enable(&self, unit: &str) -> Result<()> {
        self.calls.borrow_mut().push(format!("enable {unit}"));
        self.enabled.borrow_mut().insert(unit.into(), true);
        Ok(())
    }
    fn is_enabled(&self, unit: &str) -> bool {
        self.enabled.borrow().get(unit).copied().unwrap_or(false)
    }
    fn active_state(&self, unit: &str) -> String {
        self.active
            .borrow()
            .get(unit)
            .cloned()
            .unwrap_or_else(|| "inactive".into())
    }
    fn status_summary(&self, unit: &str) -> String {
        format!("status of {unit}")
    }
    fn journal_tail(&self, unit: &str, lines: usize) -> String {
        format!("last {lines} journal lines of {unit}")
    }
}

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub paths: Paths,
    pub args: BootstrapArgs,
    pub services: FakeServices,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = Paths::new(dir.path().join("prefix"));
        TestEnv {
            dir,
            paths,
            args: BootstrapArgs::default(),
            services: FakeServices::default(),
        }
    }
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            paths: &self.paths,
            args: &self.args,
            services: &self.services,
            restart_needed: Cell::new(false),
        }
    }
    /// A directory under the temp dir standing for a system location.
    pub fn sys_dir(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).expect("mkdir");
        p
    }
}

/// Writes an executable shell script.
pub fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

pub fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o7777
}
