//! `hubcfg users …` with FirstUse's real bcrypt store: ignored unless
//! HUBCFG_TEST_PYTHON names a python3 with bcrypt (scripts/test sets it to
//! the glue venv's python for its `--ignored` pass).

use std::os::unix::fs::PermissionsExt;

#[path = "common/hub.rs"]
mod hub;
#[path = "common/users.rs"]
mod users;
use hub::{Hub, REALISTIC};
use users::{list, refused, use_python, with_stdin, write_csv};

/// A prefix whose hub/bin/python3 runs HUBCFG_TEST_PYTHON (a venv's python
/// must keep its own path to find its packages, so a wrapper, not a link).
fn hub_with_python(config: &str) -> (Hub, std::path::PathBuf) {
    let python = std::path::PathBuf::from(
        std::env::var_os("HUBCFG_TEST_PYTHON")
            .expect("set HUBCFG_TEST_PYTHON to a python3 with bcrypt"),
    );
    let hub = Hub::with_config(config);
    use_python(&hub, &python);
    (hub, python)
}

/// Does `password` log `name` in, the way FirstUseAuthenticator checks it?
fn logs_in(hub: &Hub, python: &std::path::Path, name: &str, password: &str) -> bool {
    let script = "import bcrypt,dbm,sys; db=dbm.open(sys.argv[1]); h=db.get(sys.argv[2].lower().encode()); \
                  print(h is not None and bcrypt.checkpw(sys.argv[3].encode(), h))";
    let dbm = hub.prefix().join("state/passwords.dbm");
    users::python_out(python, script, &[dbm.to_str().unwrap(), name, password]) == "True"
}

fn parse_passwords(stdout: &str) -> Vec<(String, String)> {
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("name,password"), "{stdout}");
    lines
        .map(|l| {
            let (n, p) = l.split_once(',').unwrap();
            (n.to_string(), p.to_string())
        })
        .collect()
}

fn assert_store_private(hub: &Hub) {
    for e in std::fs::read_dir(hub.prefix().join("state")).unwrap() {
        let p = e.unwrap().path();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}

#[test]
#[ignore = "needs HUBCFG_TEST_PYTHON pointing at a python3 with bcrypt"]
fn generated_passwords_are_on_stdout_only_and_log_in() {
    let (hub, python) = hub_with_python(REALISTIC);
    let out = hub.ok_all(&["users", "add", "s1", "s2", "Ta.One", "--generate-passwords"]);
    let generated = parse_passwords(&out.stdout);
    let names: Vec<&str> = generated.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["s1", "s2", "Ta.One"]);
    for (name, password) in &generated {
        assert_eq!(password.len(), 19, "{password}");
        assert!(
            !out.stderr.contains(password.as_str()),
            "password on stderr: {}",
            out.stderr
        );
        assert!(logs_in(&hub, &python, name, password), "{name}");
        assert!(!logs_in(&hub, &python, name, "wrong-password"));
    }
    assert!(
        out.stderr.contains("set 3 FirstUseAuthenticator passwords"),
        "{}",
        out.stderr
    );
    assert_store_private(&hub);
    assert_eq!(
        list(&hub, "users.allowed"),
        ["student1", "student2", "s1", "s2", "Ta.One"]
    );
}

#[test]
#[ignore = "needs HUBCFG_TEST_PYTHON pointing at a python3 with bcrypt"]
fn import_reset_and_remove_with_the_real_store() {
    let (hub, python) = hub_with_python(REALISTIC);
    let csv = write_csv(&hub, "name,password,admin\nann,\"ann, pass\",yes\nbob,,\n");
    let out = hub.ok_all(&["users", "import", "--generate-passwords", &csv]);
    let generated = parse_passwords(&out.stdout);
    assert_eq!(
        generated.len(),
        1,
        "only bob's is generated: {}",
        out.stdout
    );
    assert_eq!(generated[0].0, "bob");
    assert!(!out.stdout.contains("ann, pass"));
    assert!(logs_in(&hub, &python, "ann", "ann, pass"));
    assert!(logs_in(&hub, &python, "bob", &generated[0].1));
    assert_eq!(list(&hub, "users.admin"), ["ada", "grace", "ann"]);

    // reset-password from stdin: the old password no longer works.
    let (ok, stdout, stderr) = with_stdin(
        &hub,
        &["users", "reset-password", "ann", "--password", "-"],
        "brand new pass\n",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "");
    assert!(!stderr.contains("brand new"), "{stderr}");
    assert!(logs_in(&hub, &python, "ann", "brand new pass"));
    assert!(!logs_in(&hub, &python, "ann", "ann, pass"));
    let out = hub.ok_all(&["users", "reset-password", "bob", "--generate"]);
    let new = parse_passwords(&out.stdout);
    assert!(logs_in(&hub, &python, "bob", &new[0].1));
    assert!(!logs_in(&hub, &python, "bob", &generated[0].1));
    assert_store_private(&hub);

    let out = hub.ok_all(&["users", "remove", "ann"]);
    assert!(
        out.stderr
            .contains("removed the FirstUseAuthenticator password of ann"),
        "{}",
        out.stderr
    );
    assert!(!logs_in(&hub, &python, "ann", "brand new pass"));
    assert!(logs_in(&hub, &python, "bob", &new[0].1));
    assert_eq!(list(&hub, "users.admin"), ["ada", "grace"]);
    assert_store_private(&hub);
}

#[test]
#[ignore = "needs HUBCFG_TEST_PYTHON pointing at a python3 with bcrypt"]
fn a_refused_import_sets_no_password() {
    let (hub, _) = hub_with_python(REALISTIC);
    let csv = write_csv(
        &hub,
        "name,password\nann,good-password\nann,again-password\n",
    );
    let err = refused(&hub, &["users", "import", &csv]);
    assert!(err.contains("line 3"), "{err}");
    assert!(!hub.prefix().join("state").exists());
}
