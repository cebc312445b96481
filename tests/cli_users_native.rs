//! `hubcfg users add/import/reset-password` with NativeAuthenticator, in a
//! real nativeauthenticator install: ignored unless HUBCFG_TEST_NATIVE_PYTHON
//! names a python3 with jupyterhub-nativeauthenticator (or /tmp/na has one:
//! `python3 -m venv /tmp/na && /tmp/na/bin/pip install jupyterhub-nativeauthenticator`).

use std::path::PathBuf;

#[path = "common/hub.rs"]
mod hub;
#[path = "common/users.rs"]
mod users;
use hub::Hub;
use users::{list, use_python, with_stdin, write_csv};

const NATIVE: &str = "[auth]\ntype = \"nativeauthenticator.NativeAuthenticator\"\n";

/// A prefix whose hub/bin/python3 runs the Python with nativeauthenticator.
fn native_hub() -> (Hub, PathBuf) {
    let python = std::env::var_os("HUBCFG_TEST_NATIVE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/na/bin/python3"));
    assert!(
        python.is_file(),
        "no Python with nativeauthenticator at {}",
        python.display()
    );
    let hub = Hub::with_config(NATIVE);
    use_python(&hub, &python);
    // The database the hub makes at its first start.
    let state = hub.prefix().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let out = std::process::Command::new(&python)
        .args(["-c", "import sys; from jupyterhub import orm; orm.new_session_factory('sqlite:///' + sys.argv[1])"])
        .arg(state.join("jupyterhub.sqlite"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (hub, python)
}

/// What NativeAuthenticator's login would see: "True True" is authorized
/// with that password.
fn login(hub: &Hub, python: &std::path::Path, name: &str, password: &str) -> String {
    let script = "import sys\n\
        from nativeauthenticator.orm import UserInfo\n\
        from sqlalchemy import create_engine\n\
        from sqlalchemy.orm import sessionmaker\n\
        db = sessionmaker(bind=create_engine('sqlite:///' + sys.argv[1]))()\n\
        u = UserInfo.find(db, sys.argv[2])\n\
        print('none' if u is None else f'{u.is_authorized} {u.is_valid_password(sys.argv[3])}')\n";
    let db = hub.prefix().join("state/jupyterhub.sqlite");
    users::python_out(python, script, &[db.to_str().unwrap(), name, password])
}

#[test]
#[ignore = "needs a Python with jupyterhub-nativeauthenticator (HUBCFG_TEST_NATIVE_PYTHON or /tmp/na)"]
fn add_import_and_reset_create_authorized_native_users() {
    let (hub, python) = native_hub();
    let (ok, _, err) = with_stdin(
        &hub,
        &["users", "add", "ann", "--password", "-"],
        "correct horse\n",
    );
    assert!(ok, "{err}");
    assert!(err.contains("NativeAuthenticator user"), "{err}");
    assert_eq!(login(&hub, &python, "ann", "correct horse"), "True True");
    let csv = write_csv(
        &hub,
        "name,password,admin\nbob,battery staple,yes\ncarl,,\n",
    );
    let out = hub.ok_all(&["users", "import", &csv, "--generate-passwords"]);
    assert_eq!(login(&hub, &python, "bob", "battery staple"), "True True");
    let carl: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("carl,"))
        .collect();
    assert_eq!(carl.len(), 1, "{}", out.stdout);
    let carl_pw = carl[0].trim_start_matches("carl,");
    assert_eq!(login(&hub, &python, "carl", carl_pw), "True True");
    assert_eq!(list(&hub, "users.allowed"), ["ann", "bob", "carl"]);
    assert_eq!(list(&hub, "users.admin"), ["bob"]);
    let out = hub.ok_all(&["users", "reset-password", "ann", "--generate"]);
    let new_pw = out
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .trim_start_matches("ann,")
        .to_string();
    assert_eq!(login(&hub, &python, "ann", &new_pw), "True True");
    assert_eq!(
        login(&hub, &python, "ann", "correct horse"),
        "True False",
        "old password refused"
    );
}
