//! `hubcfg users …`, run as the real binary against a temp prefix (no
//! services: the hub is never running there, so nothing is reloaded).
//! The tests with FirstUse's real bcrypt store are in cli_users_store.rs.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

#[path = "common/hub.rs"]
mod hub;
#[path = "common/users.rs"]
mod users;
use hub::{Hub, REALISTIC};
use users::{list, refused, with_stdin, write_csv};

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
    // NativeAuthenticator passwords also need the hub env's Python.
    assert!(err.contains("hub/bin/python3 does not exist"), "{err}");
    let err = refused(&native, &["users", "reset-password", "ann", "--generate"]);
    assert!(err.contains("NativeAuthenticator"), "{err}");
    assert!(err.contains("hub/bin/python3 does not exist"), "{err}");
    let csv = write_csv(&native, "name,password\nann,long-enough\n");
    let err = refused(&native, &["users", "import", &csv]);
    assert!(err.contains("hub/bin/python3 does not exist"), "{err}");
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
