use super::*;
use std::os::unix::fs::PermissionsExt;

fn entry(name: &str, password: &str) -> Entry {
    Entry {
        name: name.into(),
        password: password.into(),
    }
}

#[test]
fn passwords_bcrypt_cannot_store_are_refused() {
    assert_eq!(password_problem("correct horse"), None);
    assert_eq!(password_problem(&"x".repeat(BCRYPT_MAX)), None);
    assert!(password_problem("").unwrap().contains("empty"));
    assert!(
        password_problem(&"x".repeat(BCRYPT_MAX + 1))
            .unwrap()
            .contains("72 bytes")
    );
    // 24 three-byte characters are 72 bytes; one more is too many.
    assert_eq!(password_problem(&"€".repeat(24)), None);
    assert!(password_problem(&"€".repeat(25)).is_some());
    assert!(password_problem("a\nb").unwrap().contains("control"));
}

#[test]
fn debug_never_shows_a_password() {
    let shown = format!("{:?}", vec![entry("ann", "hunter2-secret")]);
    assert!(shown.contains("ann"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn first_use_spellings() {
    assert!(is_first_use("firstuseauthenticator.FirstUseAuthenticator"));
    assert!(is_first_use("firstuse"));
    assert!(!is_first_use("nativeauthenticator.NativeAuthenticator"));
    assert!(!is_first_use("oauthenticator.GitHubOAuthenticator"));
}

#[test]
fn a_missing_hub_python_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(&Paths::new(dir.path()));
    let err = store.set(&[entry("ann", "pw-pw-pw")]).unwrap_err();
    assert!(err.message.contains("hub/bin/python3"), "{}", err.message);
    assert!(err.hint.unwrap().contains("bootstrap"));
    // Nothing to set, nothing to remove: no Python needed.
    assert_eq!(store.set(&[]).unwrap(), Vec::<String>::new());
    assert_eq!(store.remove(&["ann".into()]).unwrap(), Vec::<String>::new());
    assert!(!dir.path().join("state").exists());
}

/// Needs a python3 with `bcrypt` (the hub env has it; this host may not).
/// Run: HUBCFG_TEST_PYTHON=/path/to/python3 cargo test --lib firstuse -- --ignored
#[test]
#[ignore = "needs HUBCFG_TEST_PYTHON pointing at a python3 with bcrypt"]
fn set_check_and_remove_with_real_bcrypt() {
    let python = PathBuf::from(
        std::env::var_os("HUBCFG_TEST_PYTHON")
            .expect("set HUBCFG_TEST_PYTHON to a python3 with bcrypt"),
    );
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let store = Store {
        python: python.clone(),
        ..Store::new(&paths)
    };
    assert!(!store.exists());
    let both = [entry("Ann", "first-pass"), entry("bob", "bob-pass")];
    assert_eq!(store.differing(&both).unwrap(), ["Ann", "bob"]);
    assert_eq!(store.set(&both).unwrap(), ["Ann", "bob"]);
    assert!(store.exists());
    assert!(store.differing(&both).unwrap().is_empty());
    assert!(
        store.set(&both).unwrap().is_empty(),
        "matching passwords are kept"
    );
    assert_eq!(
        store.differing(&[entry("ann", "other-pass")]).unwrap(),
        ["ann"]
    );
    // Keyed by the lower-cased name, as FirstUse looks it up at login.
    let check = format!(
        "import dbm,bcrypt; db=dbm.open({:?}); print(bcrypt.checkpw(b'first-pass', db[b'ann']), b'Ann' in db)",
        paths.passwords_dbm().to_str().unwrap()
    );
    let out = crate::cmd::run_checked(Command::new(&python).args(["-c", &check])).unwrap();
    assert_eq!(out.stdout.trim(), "True False");
    for e in std::fs::read_dir(paths.state_dir()).unwrap() {
        let p = e.unwrap().path();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    assert_eq!(
        store.remove(&["ANN".into(), "carol".into()]).unwrap(),
        ["ANN"]
    );
    assert_eq!(store.differing(&both).unwrap(), ["Ann"]);
    assert!(store.differing(&both[1..]).unwrap().is_empty());
}
