use super::*;
use crate::install::testutil::{TestEnv, plan_lines, try_run};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

#[derive(Default)]
pub struct FakeApt {
    pub installed: RefCell<BTreeSet<String>>,
    pub lists_age: Option<Duration>,
    pub calls: Rc<RefCell<Vec<String>>>,
    pub python: (u32, u32),
    /// Fail this many install calls first.
    pub fail_installs: std::cell::Cell<u32>,
    /// Dependencies an install pulls in.
    pub also_installs: Vec<&'static str>,
}

impl PackageSystem for FakeApt {
    fn is_installed(&self, package: &str) -> Result<bool> {
        Ok(self.installed.borrow().contains(package))
    }
    fn lists_age(&self) -> Option<Duration> {
        self.lists_age
    }
    fn update(&self) -> Result<()> {
        self.calls.borrow_mut().push("update".into());
        Ok(())
    }
    fn install(&self, packages: &[&str]) -> Result<()> {
        self.calls
            .borrow_mut()
            .push(format!("install {}", packages.join(" ")));
        if self.fail_installs.get() > 0 {
            self.fail_installs.set(self.fail_installs.get() - 1);
            return Err(Error::new("`apt-get install` failed: 404 Not Found"));
        }
        let mut installed = self.installed.borrow_mut();
        installed.extend(packages.iter().map(|p| p.to_string()));
        installed.extend(self.also_installs.iter().map(|p| p.to_string()));
        Ok(())
    }
    fn installed_packages(&self) -> Result<std::collections::BTreeSet<String>> {
        Ok(self.installed.borrow().iter().cloned().collect())
    }
    fn python_version(&self) -> Result<(u32, u32)> {
        Ok(self.python)
    }
}

fn step(fake: FakeApt) -> AptPackages {
    AptPackages {
        system: Box::new(fake),
        packages: PACKAGES.to_vec(),
    }
}

#[test]
fn installs_only_missing_then_plans_nothing() {
    let t = TestEnv::new();
    let calls = Rc::new(RefCell::new(vec![]));
    let fake = FakeApt {
        installed: RefCell::new(["python3".to_string(), "sudo".to_string()].into()),
        lists_age: None,
        calls: calls.clone(),
        python: (3, 11),
        ..Default::default()
    };
    let s = step(fake);
    let ctx = t.ctx();
    let plan = plan_lines(&s, &ctx);
    assert_eq!(plan.len(), 2, "{plan:?}");
    assert!(plan[1].ends_with("python3-venv ca-certificates git"));
    try_run(&s, &ctx).unwrap();
    assert_eq!(
        *calls.borrow(),
        vec!["update", "install python3-venv ca-certificates git"]
    );
    assert!(s.plan(&ctx).unwrap().is_empty());
}

#[test]
fn fresh_lists_are_not_updated() {
    let t = TestEnv::new();
    let calls = Rc::new(RefCell::new(vec![]));
    let s = step(FakeApt {
        lists_age: Some(Duration::from_secs(60)),
        calls: calls.clone(),
        python: (3, 12),
        ..Default::default()
    });
    try_run(&s, &t.ctx()).unwrap();
    assert_eq!(calls.borrow().len(), 1);
    assert!(calls.borrow()[0].starts_with("install python3 "));
}

#[test]
fn a_failed_install_with_fresh_lists_updates_and_retries_once() {
    let t = TestEnv::new();
    let calls = Rc::new(RefCell::new(vec![]));
    let s = step(FakeApt {
        lists_age: Some(Duration::from_secs(60)),
        calls: calls.clone(),
        python: (3, 12),
        fail_installs: std::cell::Cell::new(1),
        ..Default::default()
    });
    try_run(&s, &t.ctx()).unwrap();
    let calls = calls.borrow();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[1], "update");

    let calls = Rc::new(RefCell::new(vec![]));
    let s = step(FakeApt {
        lists_age: Some(Duration::from_secs(60)),
        calls: calls.clone(),
        python: (3, 12),
        fail_installs: std::cell::Cell::new(2),
        ..Default::default()
    });
    let e = try_run(&s, &t.ctx()).unwrap_err();
    assert!(e.message.contains("apt-get install"), "{e}");
}

#[test]
fn old_python_is_an_error_naming_versions() {
    let t = TestEnv::new();
    // Missing packages: the check comes after installing them.
    let s = step(FakeApt {
        python: (3, 8),
        ..Default::default()
    });
    assert_eq!(s.plan(&t.ctx()).unwrap().len(), 2);
    let e = try_run(&s, &t.ctx()).unwrap_err();
    assert!(
        e.message.contains("3.8") && e.message.contains("3.9"),
        "{e}"
    );
}

#[test]
fn old_python_is_refused_even_when_nothing_is_missing() {
    let t = TestEnv::new();
    let s = step(FakeApt {
        installed: RefCell::new(PACKAGES.iter().map(|p| p.to_string()).collect()),
        python: (3, 8),
        ..Default::default()
    });
    let e = s.plan(&t.ctx()).unwrap_err();
    assert!(e.message.contains("3.8"), "{e}");
}

#[test]
fn apt_get_never_asks_and_waits_for_the_lock() {
    let shown = cmd::to_shell(&apt_get(&["install", "-y", "sudo"]));
    assert_eq!(
        shown,
        "apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef \
         -o Dpkg::Options::=--force-confold install -y sudo"
    );
    let c = apt_get(&["update"]);
    let env: Vec<_> = c.get_envs().collect();
    assert!(env.contains(&(
        std::ffi::OsStr::new("DEBIAN_FRONTEND"),
        Some(std::ffi::OsStr::new("noninteractive"))
    )));
}

#[test]
fn staleness() {
    assert!(lists_are_stale(None));
    assert!(lists_are_stale(Some(Duration::from_secs(2 * 24 * 3600))));
    assert!(!lists_are_stale(Some(Duration::from_secs(3600))));
}

#[test]
fn index_age_looks_only_at_package_indexes() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(newest_index_age(dir.path(), SystemTime::now()), None);
    std::fs::write(dir.path().join("lock"), "").unwrap();
    assert_eq!(newest_index_age(dir.path(), SystemTime::now()), None);
    std::fs::write(
        dir.path()
            .join("deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"),
        "",
    )
    .unwrap();
    let later = SystemTime::now() + Duration::from_secs(7200);
    let age = newest_index_age(dir.path(), later).unwrap();
    assert!(age >= Duration::from_secs(7000));
}

#[test]
#[ignore = "needs dpkg-query (a Debian or Ubuntu host); scripts/test runs it"]
fn real_dpkg_query_reads_this_host() {
    let d = Debian::default();
    assert!(d.is_installed("dpkg").unwrap());
    assert!(!d.is_installed("hubcfg-no-such-package").unwrap());
    let all = d.installed_packages().unwrap();
    assert!(all.contains("dpkg"), "{all:?}");
    assert!(
        all.iter().any(|p| p.starts_with("libc6:")),
        "multi-arch names keep their arch"
    );
}

#[test]
fn the_journal_gets_what_apt_added_and_not_what_was_there() {
    let t = TestEnv::new();
    let s = step(FakeApt {
        installed: RefCell::new(["sudo".to_string()].into()),
        lists_age: Some(Duration::from_secs(60)),
        python: (3, 11),
        also_installs: vec!["libpython3.11:amd64"],
        ..Default::default()
    });
    try_run(&s, &t.ctx()).unwrap();
    let journal = crate::journal::Journal::of(&t.paths, "bootstrap");
    let recorded: Vec<String> = journal
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.change.key())
        .collect();
    assert_eq!(
        recorded,
        [
            "ca-certificates",
            "git",
            "libpython3.11:amd64",
            "python3",
            "python3-venv"
        ]
        .map(|p| format!("package {p}"))
    );
    try_run(&s, &t.ctx()).unwrap();
    assert_eq!(
        journal.entries().unwrap().len(),
        5,
        "a re-run appends nothing"
    );
}

#[test]
fn dpkg_rows_count_as_installed_unless_removed() {
    let text = "sudo\tii \npython3:amd64\tiU \nold\trc \ngone\tun \n";
    let got = parse_installed(text);
    assert_eq!(got, ["python3:amd64", "sudo"].map(String::from).into());
}

/// TLJH plugins' packages: only the missing ones, lists refreshed when
/// stale, journaled with what they pulled in; then nothing.
#[test]
fn install_missing_installs_and_journals_other_steps_packages() {
    let t = TestEnv::new();
    let calls = Rc::new(RefCell::new(vec![]));
    let fake = FakeApt {
        installed: RefCell::new(["sudo".to_string()].into()),
        calls: calls.clone(),
        also_installs: vec!["libhello"],
        ..Default::default()
    };
    let wanted = ["hello".to_string(), "sudo".to_string()];
    let added = install_missing(&fake, &t.paths, &wanted).unwrap();
    assert_eq!(added, ["hello"]);
    assert_eq!(*calls.borrow(), ["update", "install hello"]);
    let journal = crate::journal::Journal::of(&t.paths, "bootstrap");
    let keys: Vec<String> = journal
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.change.key())
        .collect();
    assert_eq!(keys, ["package hello", "package libhello"]);
    assert!(
        install_missing(&fake, &t.paths, &wanted)
            .unwrap()
            .is_empty()
    );
    assert_eq!(calls.borrow().len(), 2);
}
