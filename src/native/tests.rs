use super::*;

/// A Python with nativeauthenticator: $HUBCFG_TEST_NATIVE_PYTHON, else
/// /tmp/na/bin/python3 (`python3 -m venv /tmp/na && /tmp/na/bin/pip
/// install jupyterhub-nativeauthenticator`).
fn python() -> PathBuf {
    let p = std::env::var_os("HUBCFG_TEST_NATIVE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/na/bin/python3"));
    assert!(
        p.is_file(),
        "no Python with nativeauthenticator at {}",
        p.display()
    );
    p
}

fn entry(name: &str, password: &str) -> Entry {
    Entry {
        name: name.into(),
        password: password.into(),
    }
}

/// Asks nativeauthenticator's own ORM what a login would see.
fn login(users: &NativeUsers, name: &str, password: &str) -> String {
    let script = "import json,sys\n\
        from nativeauthenticator.orm import UserInfo\n\
        from sqlalchemy import create_engine\n\
        from sqlalchemy.orm import sessionmaker\n\
        r = json.load(sys.stdin)\n\
        db = sessionmaker(bind=create_engine(r['url']))()\n\
        u = UserInfo.find(db, r['name'])\n\
        print('none' if u is None else f'{u.is_authorized} {u.is_valid_password(r[\"password\"])}')\n";
    let req = json!({"url": format!("sqlite:///{}", users.db.display()), "name": name, "password": password});
    let out = crate::cmd::run_with_stdin(
        Command::new(&users.python).args(["-I", "-c", script]),
        req.to_string().as_bytes(),
    )
    .unwrap();
    assert!(out.success(), "{}", out.stderr);
    out.stdout.trim().to_string()
}

/// The database a hub makes at its first start (JupyterHub's own tables).
fn hub_db(python: &std::path::Path, db: &std::path::Path) {
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let out = Command::new(python)
        .args(["-c", "import sys; from jupyterhub import orm; orm.new_session_factory('sqlite:///' + sys.argv[1])"])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs a Python with jupyterhub-nativeauthenticator (HUBCFG_TEST_NATIVE_PYTHON or /tmp/na)"]
fn without_the_hubs_database_nothing_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let users = NativeUsers {
        python: python(),
        db: tmp.path().join("state/jupyterhub.sqlite"),
    };
    let err = users.set(&[entry("ann", "correct horse")]).unwrap_err();
    assert!(
        err.message.contains("has not created its database"),
        "{}",
        err.message
    );
    assert!(!users.db.exists());
    std::fs::create_dir_all(tmp.path().join("state")).unwrap();
    std::fs::write(&users.db, "").unwrap();
    let err = users.set(&[entry("ann", "correct horse")]).unwrap_err();
    assert!(
        err.message.contains("has not created its database"),
        "{}",
        err.message
    );
    assert_eq!(std::fs::read(&users.db).unwrap(), b"", "untouched");
}

#[test]
#[ignore = "needs a Python with jupyterhub-nativeauthenticator (HUBCFG_TEST_NATIVE_PYTHON or /tmp/na)"]
fn users_are_created_authorized_and_their_password_reset() {
    let tmp = tempfile::tempdir().unwrap();
    let users = NativeUsers {
        python: python(),
        db: tmp.path().join("state/jupyterhub.sqlite"),
    };
    hub_db(&users.python, &users.db);
    let set = users
        .set(&[
            entry("ann", "correct horse"),
            entry("Bob", "battery staple"),
        ])
        .unwrap();
    assert_eq!(set, ["ann", "Bob"]);
    assert_eq!(login(&users, "ann", "correct horse"), "True True");
    assert_eq!(
        login(&users, "bob", "battery staple"),
        "True True",
        "lower-cased"
    );
    assert_eq!(login(&users, "ann", "wrong"), "True False");
    // Same password again: nothing changed.
    assert!(
        users
            .set(&[entry("ann", "correct horse")])
            .unwrap()
            .is_empty()
    );
    // A reset: the old password no longer works.
    assert_eq!(users.set(&[entry("ann", "new password")]).unwrap(), ["ann"]);
    assert_eq!(login(&users, "ann", "new password"), "True True");
    assert_eq!(login(&users, "ann", "correct horse"), "True False");
    assert_eq!(login(&users, "carl", "x"), "none");
}

#[test]
fn a_missing_python_is_refused_before_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let users = NativeUsers {
        python: tmp.path().join("hub/bin/python3"),
        db: tmp.path().join("state/jupyterhub.sqlite"),
    };
    let err = users.set(&[entry("ann", "pw")]).unwrap_err();
    assert!(err.message.contains("does not exist"), "{}", err.message);
    assert!(!tmp.path().join("state").exists());
}
