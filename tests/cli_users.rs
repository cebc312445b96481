//! `hubcfg users …`, run as the real binary against a temp prefix (no
//! services: the hub is never running there, so nothing is reloaded).
//! Tests that need FirstUse's real bcrypt store are ignored unless
//! HUBCFG_TEST_PYTHON names a python3 with bcrypt (scripts/test sets it).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

#[path = "common/hub.rs"]
mod hub;
use hub::{Hub, REALISTIC};

fn with_stdin(hub: &Hub, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = std::process::Command::new(hub::BIN)
        .env_remove("HUBCFG_PREFIX")
        .env_remove("TLJH_INSTALL_PREFIX")
        .arg("--prefix")
        .arg(hub.prefix())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_csv(hub: &Hub, text: &str) -> String {
    let path = hub.prefix().join("class.csv");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn list(hub: &Hub, key: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&hub.ok(&["--json", "show", key])).unwrap();
    serde_json::from_value(v).unwrap()
}

/// The command fails with exit 1 and the config's bytes and the prefix's
/// entries stay as they were.
fn refused(hub: &Hub, args: &[&str]) -> String {
    let before = hub.file();
    let entries = || {
        let mut v: Vec<_> = walk(hub.prefix());
        v.sort();
        v
    };
    let listing = entries();
    let err = hub.fails(args);
    assert_eq!(hub.file(), before, "{args:?} changed the config:\n{err}");
    assert_eq!(entries(), listing, "{args:?} created files");
    err
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.display().to_string());
        if p.is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

#[test]
fn add_appends_to_allowed_and_admin_keeping_comments() {
    let hub = Hub::with_config(REALISTIC);
    let out = hub.ok_all(&["users", "add", "student3", "carol", "--admin"]);
    assert_eq!(out.stdout, "", "no passwords asked for, nothing on stdout");
    assert!(
        out.stderr
            .contains("added 2 users to users.allowed and 2 to users.admin"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the hub is not running here"),
        "{}",
        out.stderr
    );
    // Exactly what the config tool's own add-item makes of it.
    let by_add_item = Hub::with_config(REALISTIC);
    by_add_item.ok(&["add-item", "users.allowed", "student3", "carol"]);
    by_add_item.ok(&["add-item", "users.admin", "student3", "carol"]);
    let expected = by_add_item.read();
    assert!(
        expected.contains(
            "\"grace\", # teaching assistant\n    \"student3\",\n    \"carol\",\n    # \"linus\""
        ),
        "{expected}"
    );
    assert_eq!(hub.read(), expected);
    let mode = std::fs::metadata(hub.config())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn names_already_there_are_not_added_twice() {
    let hub = Hub::with_config(REALISTIC);
    let out = hub.ok_all(&["users", "add", "student1", "student9", "student9"]);
    assert!(
        out.stderr.contains("already in users.allowed: student1"),
        "{}",
        out.stderr
    );
    assert_eq!(
        list(&hub, "users.allowed"),
        ["student1", "student2", "student9"]
    );
    let after = hub.read();
    let out = hub.ok_all(&["users", "add", "student1", "student9"]);
    assert!(out.stderr.contains("not changed"), "{}", out.stderr);
    assert_eq!(hub.read(), after);
}

#[test]
fn adding_to_an_open_hub_says_it_closes() {
    let hub = Hub::new();
    let err = hub.ok_all(&["users", "add", "ann"]).stderr;
    assert!(
        err.contains("users.allowed was empty, so FirstUseAuthenticator let anyone log in"),
        "{err}"
    );
    assert_eq!(hub.read(), "[users]\nallowed = [\"ann\"]\n");
}

#[test]
fn bad_names_and_passwords_change_nothing() {
    let hub = Hub::with_config(REALISTIC);
    let err = refused(&hub, &["users", "add", "ok1", ""]);
    assert!(
        err.contains("\"\" is not a user name: it is empty"),
        "{err}"
    );
    let err = refused(&hub, &["users", "add", "ann smith"]);
    assert!(err.contains("space or a comma"), "{err}");
    let err = refused(&hub, &["users", "add", "a\u{7}b"]);
    assert!(err.contains("control character"), "{err}");
    let err = refused(&hub, &["users", "add", "ann", "--password", "short"]);
    assert!(err.contains("at least 7"), "{err}");
    assert!(!err.contains("short"), "the password is not echoed: {err}");
    let long = "x".repeat(73);
    let err = refused(&hub, &["users", "add", "ann", "--password", &long]);
    assert!(err.contains("72 bytes"), "{err}");
}

#[test]
fn passwords_need_the_hub_env_and_first_use() {
    let hub = Hub::with_config(REALISTIC);
    let err = refused(&hub, &["users", "add", "ann", "--generate-passwords"]);
    assert!(err.contains("hub/bin/python3 does not exist"), "{err}");
    assert!(err.contains("hubcfg bootstrap"), "{err}");
    let native = Hub::with_config("[auth]\ntype = \"nativeauthenticator.NativeAuthenticator\"\n");
    let err = refused(
        &native,
        &["users", "add", "ann", "--password", "long-enough"],
    );
    assert!(err.contains("NativeAuthenticator"), "{err}");
    assert!(err.contains("not done by hubcfg yet"), "{err}");
    let err = refused(&native, &["users", "reset-password", "ann", "--generate"]);
    assert!(err.contains("not done by hubcfg yet"), "{err}");
    let csv = write_csv(&native, "name,password\nann,long-enough\n");
    let err = refused(&native, &["users", "import", &csv]);
    assert!(err.contains("not done by hubcfg yet"), "{err}");
    // Without passwords any authenticator is fine.
    native.ok(&["users", "add", "ann"]);
    assert_eq!(list(&native, "users.allowed"), ["ann"]);
    let github = Hub::with_config("[auth]\ntype = \"github\"\n");
    let err = refused(
        &github,
        &[
            "users",
            "reset-password",
            "ann",
            "--password",
            "long-enough",
        ],
    );
    assert!(err.contains("`github`"), "{err}");
}

#[test]
fn a_users_list_that_is_not_a_list_is_refused() {
    let hub = Hub::with_config("[users]\nallowed = \"ann\"\n");
    let err = refused(&hub, &["users", "add", "bob"]);
    assert!(err.contains("users.allowed"), "{err}");
    let err = refused(&hub, &["users", "remove", "ann"]);
    assert!(err.contains("users.allowed"), "{err}");
}

#[test]
fn import_adds_every_row_in_one_go() {
    let hub = Hub::with_config(REALISTIC);
    let csv = write_csv(
        &hub,
        "name,admin\nstudent3,\n\"Smith, Ann\",no\nta1,yes\nJane@uni.edu,0\n",
    );
    // FirstUse refuses a comma in a name.
    let err = refused(&hub, &["users", "import", &csv]);
    assert!(
        err.contains("line 3: \"Smith, Ann\" holds a space or a comma"),
        "{err}"
    );
    let csv = write_csv(&hub, "name,admin\nstudent3,\nta1,yes\nJane@uni.edu,0\n");
    let out = hub.ok_all(&["users", "import", &csv]);
    assert_eq!(out.stdout, "");
    let account = hubcfg::username::unix_name("Jane@uni.edu").unwrap();
    let note = format!("line 4: `Jane@uni.edu` runs as unix user `{account}`");
    assert_eq!(out.stderr.matches(&note).count(), 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("runs as unix user").count(),
        1,
        "{}",
        out.stderr
    );
    assert_eq!(
        list(&hub, "users.allowed"),
        ["student1", "student2", "student3", "ta1", "Jane@uni.edu"]
    );
    assert_eq!(list(&hub, "users.admin"), ["ada", "grace", "ta1"]);
    assert!(
        hub.read().contains("\"ada\",   # lecturer\n"),
        "{}",
        hub.read()
    );
}

#[test]
fn one_bad_row_changes_nothing_and_every_bad_row_is_named() {
    let hub = Hub::with_config(REALISTIC);
    let mut text = String::from("name,password,admin\n");
    for i in 0..20 {
        text.push_str(&format!("p{i},pass-word-{i},no\n"));
    }
    text.push_str(",,\np3,,\np21,,perhaps\np22,a,b,c\n");
    let csv = write_csv(&hub, &text);
    let err = refused(&hub, &["users", "import", &csv]);
    assert!(err.contains("4 problems; nothing was changed"), "{err}");
    for (line, what) in [
        (22, "is not a user name"),
        (23, "\"p3\" is already on line 5"),
        (24, "admin is \"perhaps\""),
        (25, "has 4 fields"),
    ] {
        assert!(
            err.contains(&format!("class.csv: line {line}: ")),
            "{line}: {err}"
        );
        assert!(err.contains(what), "{what}: {err}");
    }
    assert!(
        !err.contains("pass-word"),
        "passwords are not echoed: {err}"
    );
}

#[test]
fn import_reads_stdin() {
    let hub = Hub::new();
    let (ok, stdout, stderr) = with_stdin(
        &hub,
        &["users", "import", "-"],
        "name,admin\nann,yes\nbob,\n",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        hub.read(),
        "[users]\nallowed = [\"ann\", \"bob\"]\nadmin = [\"ann\"]\n"
    );
    let (ok, _, stderr) = with_stdin(&hub, &["users", "import", "-"], "name\n\n");
    assert!(!ok);
    assert!(stderr.contains("stdin: line 2: no users"), "{stderr}");
}

#[test]
fn remove_takes_users_out_of_both_lists() {
    let hub = Hub::with_config(REALISTIC);
    let err = refused(&hub, &["users", "remove", "grace", "nobody"]);
    assert!(err.contains("not in users.allowed or users.admin"), "{err}");
    assert!(err.contains("nobody"), "{err}");
    let out = hub.ok_all(&["users", "remove", "grace", "student2"]);
    assert!(
        out.stderr
            .contains("removed student2 from users.allowed and grace from users.admin"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("unix accounts and home directories are kept"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hub's database"), "{}", out.stderr);
    let after = hub.read();
    assert!(
        after.contains("    \"ada\",   # lecturer\n    # \"linus\", (left in June)\n]"),
        "{after}"
    );
    assert!(after.contains("allowed = [\"student1\"]"), "{after}");
    let err = hub.ok_all(&["users", "remove", "student1"]).stderr;
    assert!(err.contains("users.allowed is now empty"), "{err}");
}

#[test]
fn reset_password_needs_a_password_source() {
    let hub = Hub::with_config(REALISTIC);
    let before = hub.read();
    let out = hub
        .cmd(&["users", "reset-password", "ada"])
        .assert()
        .failure()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("no new password given"), "{err}");
    assert!(
        err.contains("--password -") && err.contains("--generate"),
        "{err}"
    );
    assert_eq!(hub.read(), before);
    let err = refused(
        &hub,
        &[
            "users",
            "reset-password",
            "ada",
            "--password",
            "long-enough",
        ],
    );
    assert!(err.contains("hub/bin/python3 does not exist"), "{err}");
}

#[test]
fn users_commands_act_on_the_installed_config_only() {
    let hub = Hub::with_config(REALISTIC);
    let other = hub.prefix().join("other.toml");
    let out = hub
        .cmd(&[
            "--config-path",
            other.to_str().unwrap(),
            "users",
            "add",
            "ann",
        ])
        .assert()
        .failure()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("cannot be used with `users`"), "{err}");
    assert_eq!(hub.read(), REALISTIC);
}

#[test]
fn help_shows_examples() {
    let hub = Hub::new();
    for sub in ["add", "import", "remove", "reset-password"] {
        let help = hub.ok(&["users", sub, "--help"]);
        assert!(help.contains("Example"), "{sub}: {help}");
        assert!(help.contains("sudo hubcfg users"), "{sub}: {help}");
    }
}

#[test]
fn a_held_lock_stops_the_whole_batch() {
    let hub = Hub::with_config(REALISTIC);
    let f = std::fs::File::create(hub.prefix().join("config/config.toml.lock")).unwrap();
    let held = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let err = refused(
        &hub,
        &["--lock-timeout", "0.3", "users", "add", "a1", "a2", "a3"],
    );
    assert!(err.contains("--lock-timeout"), "{err}");
    drop(held);
}

#[test]
fn concurrent_batches_lose_no_name() {
    let hub = Hub::with_config(REALISTIC);
    let batches: Vec<Vec<String>> = (0..6)
        .map(|b| (0..8).map(|i| format!("b{b}u{i}")).collect())
        .collect();
    let children: Vec<_> = batches
        .iter()
        .map(|names| {
            let mut args = vec!["users", "add"];
            args.extend(names.iter().map(String::as_str));
            std::process::Command::new(hub::BIN)
                .arg("--prefix")
                .arg(hub.prefix())
                .args(&args)
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let allowed = list(&hub, "users.allowed");
    assert_eq!(allowed.len(), 2 + 6 * 8, "{allowed:?}");
    for name in batches.concat() {
        assert!(allowed.contains(&name), "{name} lost");
    }
    assert!(
        hub.read()
            .starts_with("# Hub for the Tuesday data science class.\n")
    );
}

#[test]
fn no_reload_leaves_the_reload_to_the_host() {
    let hub = Hub::new();
    let err = hub.ok_all(&["users", "add", "ann", "--no-reload"]).stderr;
    assert!(
        err.contains("run `sudo hubcfg reload` to apply it (--no-reload was given)"),
        "{err}"
    );
    assert!(!err.contains("not running here"), "{err}");
}

#[test]
fn completions_know_the_users_commands() {
    let hub = Hub::new();
    let bash = hub.ok(&["completions", "bash"]);
    for word in [
        "reset-password",
        "--generate-passwords",
        "--no-reload",
        "import",
    ] {
        assert!(bash.contains(word), "{word}");
    }
}

// ---------------------------------------------- with FirstUse's real store

/// A prefix whose hub/bin/python3 runs HUBCFG_TEST_PYTHON (a venv's python
/// must keep its own path to find its packages, so a wrapper, not a link).
fn hub_with_python(config: &str) -> (Hub, std::path::PathBuf) {
    let python = std::path::PathBuf::from(
        std::env::var_os("HUBCFG_TEST_PYTHON")
            .expect("set HUBCFG_TEST_PYTHON to a python3 with bcrypt"),
    );
    let hub = Hub::with_config(config);
    let bin = hub.prefix().join("hub/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("python3");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", python.display()),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    (hub, python)
}

/// Does `password` log `name` in, the way FirstUseAuthenticator checks it?
fn logs_in(hub: &Hub, python: &std::path::Path, name: &str, password: &str) -> bool {
    let script = "import bcrypt,dbm,sys; db=dbm.open(sys.argv[1]); h=db.get(sys.argv[2].lower().encode()); \
                  print(h is not None and bcrypt.checkpw(sys.argv[3].encode(), h))";
    let dbm = hub.prefix().join("state/passwords.dbm");
    let out = std::process::Command::new(python)
        .args(["-c", script, dbm.to_str().unwrap(), name, password])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim() == "True"
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
