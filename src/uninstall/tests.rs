use super::*;
use crate::install::services::{Links, ServiceAction, Services};
use crate::install::system::{Groups, Sudoers};
use crate::install::testutil::{TestEnv, run, script};
use crate::install::{Step, layout};
use crate::journal::{Before, Change};
use crate::report::Recorder;
use crate::users::fake::FakeAccounts;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

#[derive(Default)]
struct FakePackages {
    installed: RefCell<BTreeSet<String>>,
    /// What a purge would take besides the packages asked for.
    also_removes: Vec<String>,
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

struct World {
    t: TestEnv,
    acc: Arc<FakeAccounts>,
    pkgs: FakePackages,
}

impl World {
    fn new() -> Self {
        let t = TestEnv::new();
        let acc = Arc::new(FakeAccounts::new(&t.sys_dir("home")));
        World {
            t,
            acc,
            pkgs: FakePackages::default(),
        }
    }
    fn machine(&self) -> Machine<'_> {
        Machine {
            services: &self.t.services,
            accounts: &*self.acc,
            packages: &self.pkgs,
            unit_dir: self.t.sys_dir("systemd"),
            bin_dir: self.t.sys_dir("bin"),
            sudoers_dir: self.t.sys_dir("sudoers.d"),
        }
    }
    fn journal(&self) -> Journal {
        Journal::of(&self.t.paths, "bootstrap")
    }
    fn plan(&self, opts: &Opts) -> Plan {
        let entries = self.journal().entries().unwrap();
        plan(&self.t.paths, &entries, &self.machine(), opts).unwrap()
    }
    fn lines(&self, opts: &Opts) -> Vec<String> {
        self.plan(opts)
            .actions
            .iter()
            .map(|a| a.to_string())
            .collect()
    }
    fn uninstall(&self, opts: &Opts) {
        let plan = self.plan(opts);
        execute(&plan.actions, &self.machine(), &mut |_| {}).unwrap();
    }

    /// What bootstrap and a first spawn do, through the real steps, with
    /// `sudo` and `git` newly installed by apt.
    fn install(&self) {
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

fn dir_is_empty(p: &Path) -> bool {
    std::fs::read_dir(p).unwrap().next().is_none()
}

const ALL: Opts = Opts {
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

#[test]
fn a_replaced_file_is_put_back_from_its_saved_copy() {
    let w = World::new();
    let m = w.machine();
    let unit = m.unit_dir.join("jupyterhub.service");
    std::fs::write(&unit, "TLJH's unit\n").unwrap();
    std::fs::set_permissions(&unit, std::fs::Permissions::from_mode(0o640)).unwrap();
    // What a migration from TLJH records before bootstrap writes ours.
    let migration = Journal::of(&w.t.paths, "migrate-tljh");
    let before = migration.before(&unit).unwrap().unwrap();
    migration
        .record_with_note(
            Change::File {
                path: unit.clone(),
                before,
            },
            Some("TLJH's unit"),
        )
        .unwrap();
    w.install();
    assert_ne!(std::fs::read_to_string(&unit).unwrap(), "TLJH's unit\n");
    let lines = w.lines(&ALL);
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "restore {} as it was before hubcfg",
            unit.display()
        ))),
        "{lines:?}"
    );
    w.uninstall(&ALL);
    assert_eq!(std::fs::read_to_string(&unit).unwrap(), "TLJH's unit\n");
    assert_eq!(
        std::fs::metadata(&unit).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    assert_eq!(
        w.t.services.take_calls().last().map(String::as_str),
        Some("daemon-reload")
    );
}

#[test]
fn without_a_journal_only_what_is_verifiably_ours_is_found() {
    let w = World::new();
    w.install();
    std::fs::remove_file(w.t.paths.journal()).unwrap();
    let m = w.machine();
    let foreign = m.bin_dir.join("tljh-config");
    std::fs::remove_file(&foreign).unwrap();
    std::os::unix::fs::symlink("/opt/real-tljh/bin/tljh-config", &foreign).unwrap();
    std::fs::write(m.unit_dir.join("traefik.service"), "someone's own\n").unwrap();
    std::fs::create_dir_all(w.t.paths.bin_dir()).unwrap();
    std::fs::write(w.t.paths.hubcfg_bin(), b"binary").unwrap();
    let lines = w.lines(&ALL);
    let units = m.unit_dir.display();
    assert!(
        lines.contains(&format!("remove {units}/jupyterhub.service")),
        "{lines:?}"
    );
    assert!(lines.contains(&"disable jupyterhub.service".to_string()));
    assert!(lines.contains(&format!("remove {}/hubcfg", m.bin_dir.display())));
    assert!(lines.contains(&format!(
        "remove {}/jupyterhub-admins",
        m.sudoers_dir.display()
    )));
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("traefik.service") && l.starts_with("remove"))
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("tljh-config") || l.contains("group") || l.contains("account"))
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!("remove {}", w.t.paths.prefix.display())
    );
}

#[test]
fn a_half_finished_install_is_undone_as_far_as_it_got() {
    let w = World::new();
    let ctx = w.t.ctx();
    w.pkgs.installed.borrow_mut().insert("sudo".into());
    w.journal()
        .record(Change::PackageInstalled {
            package: "sudo".into(),
        })
        .unwrap();
    run(
        &Groups {
            accounts: Box::new(w.acc.clone()),
        },
        &ctx,
    );
    assert_eq!(
        w.lines(&ALL),
        [
            "delete the group jupyterhub-users".to_string(),
            "delete the group jupyterhub-admins".into(),
            "apt-get purge sudo".into(),
            format!("remove {}", w.t.paths.prefix.display()),
        ]
    );
}

#[test]
fn a_link_changed_since_is_left_alone() {
    let w = World::new();
    let m = w.machine();
    let link = m.bin_dir.join("hubcfg");
    std::os::unix::fs::symlink("/somewhere/else", &link).unwrap();
    let change = Change::Link {
        path: link.clone(),
        target: w.t.paths.hubcfg_bin(),
        before: Before::Absent,
    };
    w.journal().record(change).unwrap();
    let plan = w.plan(&ALL);
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| a.to_string().contains("/hubcfg")),
        "{plan:?}"
    );
    assert!(
        plan.leaves
            .iter()
            .any(|l| l.contains("changed since hubcfg linked it"))
    );
}

#[test]
fn system_directories_are_never_a_prefix_to_remove() {
    for p in ["/", "/usr", "/opt", "relative"] {
        assert!(!prefix_is_ours(&Paths::new(p)), "{p}");
    }
}

#[test]
fn confirmation_needs_a_terminal_or_yes_and_asks_again_for_accounts() {
    let w = World::new();
    w.install();
    let plan = w.plan(&ALL);
    let paths = &w.t.paths;
    let ask_opts = Opts { yes: false, ..ALL };
    let mut never = |_: &str| -> Result<String> { panic!("asked") };
    let e = confirm(paths, &plan, &ask_opts, false, &mut never).unwrap_err();
    assert!(e.hint.unwrap().contains("--yes"));
    confirm(paths, &plan, &ALL, false, &mut never).unwrap();
    let answers = |a: &'static [&'static str]| {
        let mut it = a.iter();
        let asked = Rc::new(RefCell::new(vec![]));
        let log = asked.clone();
        let f = move |q: &str| -> Result<String> {
            log.borrow_mut().push(q.to_string());
            Ok(it.next().expect("an answer").to_string())
        };
        (f, asked)
    };
    let (mut f, _) = answers(&["y"]);
    let e = confirm(paths, &plan, &ask_opts, true, &mut f).unwrap_err();
    assert!(
        e.message
            .contains("`hubcfg backup` is not part of this build"),
        "{e}"
    );
    let (mut f, _) = answers(&["n", "n"]);
    assert!(
        confirm(paths, &plan, &ask_opts, true, &mut f)
            .unwrap_err()
            .message
            .contains("cancelled")
    );
    let (mut f, asked) = answers(&["n", "y", "y"]);
    confirm(paths, &plan, &ask_opts, true, &mut f).unwrap();
    assert!(
        asked.borrow()[2].starts_with("delete the accounts jupyter-ann"),
        "{:?}",
        asked.borrow()
    );
}

#[test]
fn remove_all_but_keeps_the_paths_and_their_parents() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("p");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::create_dir_all(root.join("c")).unwrap();
    std::fs::write(root.join("a/b/keep"), "k").unwrap();
    std::fs::write(root.join("a/gone"), "g").unwrap();
    std::os::unix::fs::symlink("/etc", root.join("link")).unwrap();
    remove_all_but(&root, &[root.join("a/b/keep")]).unwrap();
    assert!(root.join("a/b/keep").is_file());
    assert!(
        !root.join("a/gone").exists() && !root.join("c").exists() && !root.join("link").exists()
    );
    assert!(Path::new("/etc").is_dir());
}
