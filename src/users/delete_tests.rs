use super::*;
use crate::users::UserInfo;
use crate::users::fake::FakeAccounts;

/// A fake with `name` (uid, home under the temp dir) in `groups`.
fn with_account(acc: &FakeAccounts, name: &str, uid: u32, groups: &[&str]) -> PathBuf {
    let home = acc.home_root.join(name);
    std::fs::create_dir_all(home.join("work")).unwrap();
    std::fs::write(home.join("work/notebook.ipynb"), "{}").unwrap();
    acc.users.lock().unwrap().insert(
        name.into(),
        UserInfo {
            name: name.into(),
            uid,
            gid: uid,
            home: home.clone(),
        },
    );
    for g in groups {
        acc.groups
            .lock()
            .unwrap()
            .entry(g.to_string())
            .or_default()
            .push(name.into());
    }
    home
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_hub_users_account_and_home_are_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    let home = with_account(&acc, "jupyter-ann", 1001, &[USERS_GROUP]);
    with_account(&acc, "jupyter-bob", 1002, &[USERS_GROUP]);
    let plan = plan_delete(&acc, &names(&["ann", "carl"])).unwrap();
    assert_eq!(
        plan,
        vec![Doomed {
            hub_name: "ann".into(),
            account: "jupyter-ann".into(),
            home: home.clone(),
        }],
        "carl has no account: left out"
    );
    let (deleted, result) = delete_accounts(&acc, &plan);
    result.unwrap();
    assert_eq!(deleted, ["jupyter-ann"]);
    assert_eq!(acc.calls(), ["userdel --remove jupyter-ann"]);
    assert!(!home.exists());
    assert!(acc.user("jupyter-ann").unwrap().is_none());
    assert!(acc.user("jupyter-bob").unwrap().is_some(), "bob kept");
    let members = acc.group(USERS_GROUP).unwrap().unwrap().members;
    assert_eq!(members, ["jupyter-bob"]);
}

#[test]
fn hashed_names_map_to_their_account() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    let account = username::unix_name("Jane@uni.edu").unwrap();
    with_account(&acc, &account, 1005, &[USERS_GROUP]);
    let plan = plan_delete(&acc, &names(&["Jane@uni.edu"])).unwrap();
    assert_eq!(plan[0].account, account);
}

#[test]
fn accounts_not_made_for_hub_users_are_refused_all_together() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    with_account(&acc, "jupyter-ann", 1001, &[USERS_GROUP]);
    // Not in jupyterhub-users: made by someone else.
    with_account(&acc, "jupyter-bob", 1002, &["staff"]);
    // A system account under the hub user's name.
    with_account(&acc, "jupyter-svc", 999, &[USERS_GROUP]);
    with_account(&acc, "jupyter-boss", 0, &[USERS_GROUP]);
    let err = plan_delete(&acc, &names(&["ann", "bob", "svc", "boss"])).unwrap_err();
    let m = &err.message;
    assert!(m.contains("nothing was changed"), "{m}");
    assert!(
        m.contains("jupyter-bob (of bob): it is not in the jupyterhub-users group"),
        "{m}"
    );
    assert!(
        m.contains("jupyter-svc (of svc): its uid 999 is a system account's"),
        "{m}"
    );
    assert!(m.contains("jupyter-boss (of boss): it is root"), "{m}");
    assert!(!m.contains("jupyter-ann"), "{m}");
    assert!(acc.calls().is_empty(), "nothing deleted: {:?}", acc.calls());
}

#[test]
fn a_legacy_account_outside_the_prefix_or_with_a_shared_home_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    with_account(&acc, "jupyter-ann", 1001, &[USERS_GROUP]);
    acc.users
        .lock()
        .unwrap()
        .get_mut("jupyter-ann")
        .unwrap()
        .home = tmp.path().into();
    let err = plan_delete(&acc, &names(&["ann"])).unwrap_err();
    assert!(
        err.message.contains("is not named after it"),
        "{}",
        err.message
    );
    assert!(tmp.path().exists());
}

#[test]
fn a_failed_delete_is_reported_and_the_others_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = FakeAccounts::new(tmp.path());
    let plan = vec![
        Doomed {
            hub_name: "gone".into(),
            account: "jupyter-gone".into(),
            home: tmp.path().join("jupyter-gone"),
        },
        Doomed {
            hub_name: "ann".into(),
            account: "jupyter-ann".into(),
            home: with_account(&acc, "jupyter-ann", 1001, &[USERS_GROUP]),
        },
    ];
    let (deleted, result) = delete_accounts(&acc, &plan);
    assert_eq!(deleted, ["jupyter-ann"]);
    let err = result.unwrap_err();
    assert!(err.message.contains("jupyter-gone"), "{}", err.message);
}
