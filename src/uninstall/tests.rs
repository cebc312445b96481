use super::*;
use crate::install::services::{Links, ServiceAction, Services};
use crate::install::system::{Groups, Sudoers};
use crate::install::testutil::{TestEnv, run, script};
use crate::install::{Step, layout};
use crate::journal::Change;
use crate::report::Recorder;
use crate::users::fake::FakeAccounts;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

#[derive(Default)]
pub(super) struct FakePackages {
    pub installed: RefCell<BTreeSet<String>>,
    /// What a purge would take besides the packages asked for.
    pub also_removes: Vec<String>,
    purged: RefCell<Vec<String>>,
}

impl Packages for FakePackages {
    fn installed(&self) -> Result<BTreeSet<String>> {
        Ok(self.installed.borrow().clone())
    }
    fn purge_would_remove(&self, packages: &[String]) -> Result<Vec<String>> {
        Ok(packages.iter().chain(&self.also_removes).cloned().collect())
    }
    fn purge(&self, packages: &[String]) -> Result<()> {
        let mut installed = self.installed.borrow_mut();
        for p in packages {
            installed.remove(p);
        }
        self.purged.borrow_mut().extend(packages.iter().cloned());
        Ok(())
    }
}

pub(super) struct World {
    pub t: TestEnv,
    pub acc: Arc<FakeAccounts>,
    pub pkgs: FakePackages,
}

impl World {
    pub fn new() -> Self {
        let t = TestEnv::new();
        let acc = Arc::new(FakeAccounts::new(&t.sys_dir("home")));
        World {
            t,
            acc,
            pkgs: FakePackages::default(),
        }
    }
    pub fn machine(&self) -> Machine<'_> {
        Machine {
            services: &self.t.services,
            accounts: &*self.acc,
            packages: &self.pkgs,
            unit_dir: self.t.sys_dir("systemd"),
            bin_dir: self.t.sys_dir("bin"),
            sudoers_dir: self.t.sys_dir("sudoers.d"),
            wait_hub: &|_| Ok(std::time::Duration::ZERO),
        }
    }
    pub fn journal(&self) -> Journal {
        Journal::of(&self.t.paths, "bootstrap")
    }
    pub fn plan(&self, opts: &Opts) -> Plan {
        let entries = self.journal().entries().unwrap();
        plan(&self.t.paths, &entries, &self.machine(), opts).unwrap()
    }
    pub fn lines(&self, opts: &Opts) -> Vec<String> {
        self.plan(opts)
            .actions
            .iter()
            .map(|a| a.to_string())
            .collect()
    }
    pub fn uninstall(&self, opts: &Opts) {
        let plan = self.plan(opts);
        execute(&plan.actions, &self.machine(), &mut |_| {}).unwrap();
    }

    /// What bootstrap and a first spawn do, through the real steps, with
    /// `sudo` and `git` newly installed by apt.
    pub fn install(&self) {
        let m = self.machine();
        let ctx = self.t.ctx();
        for p in ["sudo", "git"] {
            self.pkgs.installed.borrow_mut().insert(p.into());
            let package = p.into();
            self.journal()
                .record(Change::PackageInstalled { package })
                .unwrap();
        }
        run(&layout::ConfigDirs, &ctx);
        let groups = Groups {
            accounts: Box::new(self.acc.clone()),
        };
        run(&groups, &ctx);
        let visudo = self.t.sys_dir("sbin").join("visudo");
        script(&visudo, "exit 0");
        let sudoers = Sudoers {
            dir: m.sudoers_dir.clone(),
            visudo,
        };
        run(&sudoers, &ctx);
        let services = Services {
            unit_dir: m.unit_dir.clone(),
            probe_url: Some("http://127.0.0.1:9/hub/api".into()),
            hub_timeout: None,
        };
        let mut plan = services.plan(&ctx).unwrap();
        plan.retain(|a| !matches!(a, ServiceAction::WaitForHub { .. }));
        services.execute(&ctx, &plan, &Recorder::default()).unwrap();
        run(
            &Links {
                bin_dir: m.bin_dir.clone(),
            },
            &ctx,
        );
        let spawn = Journal::of(&self.t.paths, "ensure-user");
        crate::users::ensure_hub_user_recorded(&*self.acc, "ann", true, &[], Some(&spawn)).unwrap();
        self.t.services.set_state("jupyter-ann.service", "active");
    }
}

pub(super) fn dir_is_empty(p: &Path) -> bool {
    std::fs::read_dir(p).unwrap().next().is_none()
}

pub(super) const ALL: Opts = Opts {
    keep_data: false,
    purge_users: true,
    purge_packages: true,
    yes: true,
};

#[test]
fn an_install_is_undone_in_reverse_order_and_a_second_run_has_nothing_to_do() {
    let w = World::new();
    w.install();
    let keys: Vec<String> = w
        .journal()
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.change.key())
        .collect();
    assert_eq!(keys.len(), 14, "{keys:#?}");
    let m = w.machine();
    let prefix = w.t.paths.prefix.display().to_string();
    let units = m.unit_dir.display();
    assert_eq!(
        w.lines(&ALL),
        [
            "stop the user server jupyter-ann.service".to_string(),
            "stop jupyterhub.service".into(),
            "stop traefik.service".into(),
            "delete the account jupyter-ann and its home ".to_string()
                + &w.acc.home_root.join("jupyter-ann").display().to_string(),
            format!("remove {}/tljh-config", m.bin_dir.display()),
            format!("remove {}/hubcfg", m.bin_dir.display()),
            "disable jupyterhub.service".into(),
            "disable traefik.service".into(),
            format!("remove {units}/jupyterhub.service"),
            format!("remove {units}/traefik.service"),
            format!("remove {}/jupyterhub-admins", m.sudoers_dir.display()),
            "delete the group jupyterhub-users".into(),
            "delete the group jupyterhub-admins".into(),
            "systemctl daemon-reload".into(),
            "apt-get purge git sudo".into(),
            format!("remove {prefix}"),
        ]
    );
    w.uninstall(&ALL);
    assert!(dir_is_empty(&m.unit_dir) && dir_is_empty(&m.bin_dir) && dir_is_empty(&m.sudoers_dir));
    assert!(w.acc.users.lock().unwrap().is_empty());
    assert!(w.acc.groups.lock().unwrap().is_empty());
    assert!(w.pkgs.installed.borrow().is_empty());
    assert!(!w.t.paths.prefix.exists());
    assert!(!w.t.services.is_enabled("jupyterhub.service"));
    assert_eq!(w.plan(&ALL), Plan::default(), "nothing left to do");
}

#[test]
fn by_default_accounts_and_packages_stay_and_are_listed() {
    let w = World::new();
    w.install();
    let opts = Opts::default();
    let plan = w.plan(&opts);
    let lines: Vec<String> = plan.actions.iter().map(|a| a.to_string()).collect();
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("account") || l.contains("apt-get")),
        "{lines:?}"
    );
    assert!(
        plan.leaves[0].starts_with("the account jupyter-ann and its home"),
        "{:?}",
        plan.leaves
    );
    assert!(
        plan.leaves
            .iter()
            .any(|l| l.contains("git sudo (--purge-packages"))
    );
    let text = describe(&w.t.paths, &plan, &opts);
    assert!(text.contains("run 'hubcfg backup' first to keep"), "{text}");
    w.uninstall(&opts);
    assert!(w.acc.users.lock().unwrap().contains_key("jupyter-ann"));
    assert!(
        w.acc.groups.lock().unwrap().is_empty(),
        "hub groups go with their members' membership"
    );
    assert!(w.plan(&opts).actions.is_empty());
}

#[test]
fn keep_data_keeps_config_and_state_and_then_has_nothing_to_do() {
    let w = World::new();
    w.install();
    let opts = Opts {
        keep_data: true,
        ..ALL
    };
    w.uninstall(&opts);
    let paths = &w.t.paths;
    assert!(paths.config_toml().is_file() && paths.journal().is_file());
    let mut left: Vec<_> = std::fs::read_dir(&paths.prefix)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["config", "state"]);
    assert_eq!(w.plan(&opts), Plan::default());
}

#[test]
fn a_group_with_someone_else_in_it_stays() {
    let w = World::new();
    w.install();
    w.acc.add_member("bob", "jupyterhub-admins").unwrap();
    let plan = w.plan(&ALL);
    assert!(
        plan.actions
            .contains(&Undo::DeleteGroup("jupyterhub-users".into()))
    );
    assert!(
        !plan
            .actions
            .contains(&Undo::DeleteGroup("jupyterhub-admins".into()))
    );
    assert!(
        plan.leaves
            .iter()
            .any(|l| l.contains("jupyterhub-admins: hubcfg made it, but it also holds bob"))
    );
}

#[test]
fn a_purge_that_would_take_other_packages_is_not_done() {
    let mut w = World::new();
    w.pkgs.also_removes = vec!["someones-tool".into()];
    w.install();
    let plan = w.plan(&ALL);
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| matches!(a, Undo::PurgePackages(_)))
    );
    assert!(
        plan.leaves
            .iter()
            .any(|l| l.contains("apt would also remove someones-tool")),
        "{:?}",
        plan.leaves
    );
}
