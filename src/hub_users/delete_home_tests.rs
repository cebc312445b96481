use super::*;
use crate::users::fake::FakeAccounts;
use crate::users::{USERS_GROUP, UserInfo};

fn class(tmp: &std::path::Path) -> FakeAccounts {
    let acc = FakeAccounts::new(tmp);
    for (i, name) in ["jupyter-ann", "jupyter-bob"].iter().enumerate() {
        let home = tmp.join(name);
        std::fs::create_dir_all(&home).unwrap();
        acc.users.lock().unwrap().insert(
            name.to_string(),
            UserInfo {
                name: name.to_string(),
                uid: 1001 + i as u32,
                gid: 1001 + i as u32,
                home,
            },
        );
        acc.groups
            .lock()
            .unwrap()
            .entry(USERS_GROUP.into())
            .or_default()
            .push(name.to_string());
    }
    acc
}

fn names() -> Vec<String> {
    vec!["ann".into(), "bob".into()]
}

const ASK: DeleteHome = DeleteHome { yes: false };

#[test]
fn without_a_terminal_and_without_yes_it_is_refused_before_looking() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = class(tmp.path());
    let mut asked = vec![];
    let err = prepare(&acc, &names(), ASK, false, &mut |q| {
        asked.push(q.to_string());
        Ok("y".into())
    })
    .unwrap_err();
    assert!(
        err.message.contains("stdin is not a terminal"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("nothing was changed"),
        "{}",
        err.message
    );
    assert!(asked.is_empty());
    assert!(acc.calls().is_empty());
}

#[test]
fn each_account_is_asked_about_and_yes_deletes() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = class(tmp.path());
    let mut asked = vec![];
    let doomed = prepare(&acc, &names(), ASK, true, &mut |q| {
        asked.push(q.to_string());
        Ok("Y\n".into())
    })
    .unwrap();
    let home = tmp.path().join("jupyter-ann");
    assert_eq!(
        asked[0],
        format!(
            "delete the account jupyter-ann and {}? [y/N] ",
            home.display()
        )
    );
    assert_eq!(asked.len(), 2);
    assert!(acc.calls().is_empty(), "asking deletes nothing");
    finish(&acc, &Lines::default(), &doomed, Ok(())).unwrap();
    assert_eq!(
        acc.calls(),
        [
            "userdel --remove jupyter-ann",
            "userdel --remove jupyter-bob"
        ]
    );
    assert!(!home.exists());
}

#[test]
fn any_answer_but_yes_changes_nothing() {
    for answer in ["", "\n", "n\n", "no", "maybe\n"] {
        let tmp = tempfile::tempdir().unwrap();
        let acc = class(tmp.path());
        let mut asked = 0;
        let err = prepare(&acc, &names(), ASK, true, &mut |_| {
            asked += 1;
            Ok(answer.into())
        })
        .unwrap_err();
        assert!(
            err.message
                .contains("not deleting jupyter-ann: nothing was changed"),
            "{answer:?}: {}",
            err.message
        );
        assert_eq!(asked, 1, "stops at the first no");
    }
}

#[test]
fn yes_asks_nothing_even_without_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = class(tmp.path());
    let doomed = prepare(&acc, &names(), DeleteHome { yes: true }, false, &mut |_| {
        panic!("asked")
    })
    .unwrap();
    assert_eq!(doomed.len(), 2);
}

#[test]
fn after_a_failed_removal_the_accounts_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let acc = class(tmp.path());
    let doomed = prepare(
        &acc,
        &names(),
        DeleteHome { yes: true },
        false,
        &mut |_| unreachable!(),
    )
    .unwrap();
    let err = finish(
        &acc,
        &Lines::default(),
        &doomed,
        Err(Error::new("the hub refused")),
    )
    .unwrap_err();
    assert_eq!(err.message, "the hub refused");
    assert!(acc.calls().is_empty());
    assert!(tmp.path().join("jupyter-ann").exists());
}
