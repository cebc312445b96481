use super::fake::FakeAccounts;
use super::*;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn first_spawn_creates_everything_second_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    let groups = vec!["course1".to_string()];
    let unix = ensure_hub_user_with(&acc, "alice", true, &groups).unwrap();
    assert_eq!(unix, "jupyter-alice");
    assert_eq!(
        acc.calls(),
        vec![
            "groupadd jupyterhub-users",
            "groupadd jupyterhub-admins",
            "groupadd course1",
            "useradd jupyter-alice",
            "gpasswd --add jupyter-alice jupyterhub-users",
            "gpasswd --add jupyter-alice jupyterhub-admins",
            "gpasswd --add jupyter-alice course1",
        ]
    );
    assert_eq!(mode(&tmp.path().join("jupyter-alice")), 0o700);
    assert_eq!(plan_user(&acc, &unix, true, &groups).unwrap(), vec![]);
}

#[test]
fn admin_membership_follows_the_flag_on_every_start() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    ensure_hub_user_with(&acc, "bob", true, &[]).unwrap();
    let plan = plan_user(&acc, "jupyter-bob", false, &[]).unwrap();
    assert_eq!(
        plan,
        vec![UserAction::RemoveMember {
            user: "jupyter-bob".into(),
            group: ADMIN_GROUP.into()
        }]
    );
    ensure_hub_user_with(&acc, "bob", false, &[]).unwrap();
    assert!(!acc.groups.lock().unwrap()[ADMIN_GROUP].contains(&"jupyter-bob".to_string()));
    assert_eq!(plan_user(&acc, "jupyter-bob", false, &[]).unwrap(), vec![]);
}

#[test]
fn home_mode_is_repaired_on_every_start() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    ensure_hub_user_with(&acc, "carol", false, &[]).unwrap();
    let home = tmp.path().join("jupyter-carol");
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        plan_user(&acc, "jupyter-carol", false, &[]).unwrap(),
        vec![UserAction::SecureHome("jupyter-carol".into())]
    );
    ensure_hub_user_with(&acc, "carol", false, &[]).unwrap();
    assert_eq!(mode(&home), 0o700);
}

#[test]
fn missing_home_is_recreated_private() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    ensure_hub_user_with(&acc, "dan", false, &[]).unwrap();
    let home = tmp.path().join("jupyter-dan");
    std::fs::remove_dir(&home).unwrap();
    ensure_hub_user_with(&acc, "dan", false, &[]).unwrap();
    assert_eq!(mode(&home), 0o700);
}

#[test]
fn unsafe_names_never_reach_useradd_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    let unix = ensure_hub_user_with(&acc, "Jane.Doe@example.com", false, &[]).unwrap();
    assert!(username::is_valid_unix_name(&unix), "{unix}");
    assert!(acc.calls().contains(&format!("useradd {unix}")));
    assert!(!acc.calls().iter().any(|c| c.contains('@')));
}

#[test]
fn existing_tljh_account_is_reused() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    acc.add_user("jupyter-jane@x.org").unwrap();
    acc.log.lock().unwrap().clear();
    let unix = ensure_hub_user_with(&acc, "jane@x.org", false, &[]).unwrap();
    assert_eq!(unix, "jupyter-jane@x.org");
    assert!(!acc.calls().iter().any(|c| c.starts_with("useradd")));
}

#[test]
fn tljh_account_with_an_unsafe_name_is_not_reused() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    acc.add_user("jupyter-o'brien@x.org").unwrap();
    acc.log.lock().unwrap().clear();
    let unix = ensure_hub_user_with(&acc, "o'brien@x.org", false, &[]).unwrap();
    assert_eq!(unix, username::unix_name("o'brien@x.org").unwrap());
    assert!(acc.calls().contains(&format!("useradd {unix}")));
}

#[test]
fn bad_extra_group_is_refused_before_any_change() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    let err = ensure_hub_user_with(&acc, "eve", false, &["Bad Group".into()]).unwrap_err();
    assert!(err.message.contains("Bad Group"), "{}", err.message);
    assert!(acc.calls().is_empty());
}

#[test]
fn empty_name_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    assert!(ensure_hub_user_with(&acc, "", false, &[]).is_err());
}

#[test]
fn ensure_user_journals_what_it_changed_and_a_rerun_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(dir.path());
    acc.add_user("jupyter-bob").unwrap(); // there before us, home 0755
    let paths = crate::paths::Paths::new(dir.path().join("prefix"));
    let journal = Journal::of(&paths, "ensure-user");
    for _ in 0..2 {
        ensure_hub_user_recorded(&acc, "bob", false, &[], Some(&journal)).unwrap();
        ensure_hub_user_recorded(&acc, "ann", false, &[], Some(&journal)).unwrap();
    }
    let keys: Vec<String> = journal
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.change.key())
        .collect();
    let home = dir.path().join("jupyter-bob");
    assert_eq!(
        keys,
        [
            "group jupyterhub-users".to_string(),
            format!("mode {}", home.display()),
            "member jupyter-bob jupyterhub-users".into(),
            "user jupyter-ann".into(),
            "member jupyter-ann jupyterhub-users".into(),
        ]
    );
    let first_mode = journal.entries().unwrap()[1].change.clone();
    assert_eq!(
        first_mode,
        Change::ModeChanged {
            path: home,
            before_mode: 0o755
        }
    );
}
