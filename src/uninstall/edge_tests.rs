//! Uninstall's edge cases: replaced files, no journal, a half-finished
//! install, changed links, confirmation, the prefix.

use super::tests::{ALL, World};
use super::*;
use crate::install::system::Groups;
use crate::install::testutil::run;
use crate::journal::{Before, Change};
use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::rc::Rc;

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
    let e = confirm(paths, &plan, &ask_opts, false, &mut never, &no_backup).unwrap_err();
    assert!(e.hint.unwrap().contains("--yes"));
    confirm(paths, &plan, &ALL, false, &mut never, &no_backup).unwrap();
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
    let failing = |_: &Paths| -> Result<()> { Err(crate::error::Error::new("disk full")) };
    let e = confirm(paths, &plan, &ask_opts, true, &mut f, &failing).unwrap_err();
    assert_eq!(
        e.message, "disk full",
        "a failed backup stops the uninstall"
    );
    let made = std::cell::Cell::new(0);
    let (mut f, _) = answers(&["y", "n"]);
    let counting = |_: &Paths| -> Result<()> {
        made.set(made.get() + 1);
        Ok(())
    };
    assert!(
        confirm(paths, &plan, &ask_opts, true, &mut f, &counting)
            .unwrap_err()
            .message
            .contains("cancelled")
    );
    assert_eq!(
        made.get(),
        1,
        "the backup is made before the plan is confirmed"
    );
    let (mut f, _) = answers(&["n", "n"]);
    assert!(
        confirm(paths, &plan, &ask_opts, true, &mut f, &no_backup)
            .unwrap_err()
            .message
            .contains("cancelled")
    );
    let (mut f, asked) = answers(&["n", "y", "y"]);
    confirm(paths, &plan, &ask_opts, true, &mut f, &no_backup).unwrap();
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

fn no_backup(_: &Paths) -> Result<()> {
    panic!("no backup was asked for")
}

#[test]
fn an_admin_taken_out_of_a_group_that_was_there_is_put_back_and_one_added_is_taken_out() {
    let w = World::new();
    // TLJH's groups and admin, there before hubcfg.
    for g in ["jupyterhub-admins", "jupyterhub-users"] {
        w.acc.add_group(g).unwrap();
    }
    w.acc.add_user("jupyter-ann").unwrap();
    w.acc
        .add_member("jupyter-ann", "jupyterhub-admins")
        .unwrap();
    w.install();
    let journal = w.journal();
    let ensure = |name, admin| {
        crate::users::ensure_hub_user_recorded(&*w.acc, name, admin, &[], Some(&journal)).unwrap()
    };
    ensure("ann", false); // no longer an admin
    ensure("ann", true); // and one again: the first change is what counts
    ensure("ann", false);
    ensure("bo", true); // a new admin
    let admins = |w: &World| w.acc.group("jupyterhub-admins").unwrap().unwrap().members;
    assert!(!admins(&w).contains(&"jupyter-ann".to_string()));
    let lines = w.lines(&ALL);
    assert!(
        lines
            .contains(&"add jupyter-ann to group jupyterhub-admins again, as before hubcfg".into()),
        "{lines:?}"
    );
    w.uninstall(&ALL);
    assert!(admins(&w).contains(&"jupyter-ann".to_string()));
    assert!(!admins(&w).contains(&"jupyter-bo".to_string()));
}
