//! The config commands, run as the real binary against a temp prefix.

use assert_cmd::Command;
use predicates::str::contains;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

const BIN: &str = env!("CARGO_BIN_EXE_hubcfg");

/// A config as a teacher might have written it by hand.
const REALISTIC: &str = r#"# Hub for the Tuesday data science class.
base_url = '/'

[auth]
type = "firstuseauthenticator.FirstUseAuthenticator"

[users]
# Teaching staff
admin = [
    "ada",   # lecturer
    "grace", # teaching assistant
    # "linus", (left in June)
]
allowed = ["student1", "student2"]

[limits]
memory = "1G" # per user
cpu = 1

[http]
port = 80 # behind the campus proxy
"#;

#[path = "common/hub.rs"]
mod hub;
use hub::Hub;

fn config_dir_names(hub: &Hub) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(hub.config().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn show_of_missing_file_is_empty() {
    let hub = Hub::new();
    assert_eq!(hub.ok(&["show"]), "");
    let err = hub.fails(&["show", "http.port"]);
    assert!(err.contains("`http.port` is not set"), "{err}");
    assert!(err.contains("its default is 80"), "{err}");
}

#[test]
fn show_prints_file_as_stored_and_single_values() {
    let hub = Hub::with_config(REALISTIC);
    assert_eq!(hub.ok(&["show"]), REALISTIC);
    assert_eq!(hub.ok(&["show", "http.port"]), "80\n");
    assert_eq!(hub.ok(&["show", "limits.memory"]), "1G\n");
    assert_eq!(
        hub.ok(&["show", "users.allowed"]),
        "[\"student1\", \"student2\"]\n"
    );
    assert_eq!(
        hub.ok(&["show", "limits"]),
        "memory = \"1G\" # per user\ncpu = 1\n"
    );
    assert!(
        hub.ok(&["show", "users.admin"])
            .contains("\"grace\", # teaching assistant")
    );
    assert_eq!(
        hub.ok(&["--json", "show", "users.admin"]),
        "[\n  \"ada\",\n  \"grace\"\n]\n"
    );
    let all: serde_json::Value = serde_json::from_str(&hub.ok(&["show", "--json"])).unwrap();
    assert_eq!(all["http"]["port"], 80);
}

#[test]
fn show_effective_merges_defaults_and_masks_secrets() {
    let hub = Hub::with_config(
        "[auth.GitHubOAuthenticator]\nclient_secret = \"hunter2\"\n[http]\nport = 8080\n",
    );
    let text = hub.ok(&["show", "--effective"]);
    assert!(text.contains("port = 8080"), "{text}");
    assert!(text.contains("timeout = 600"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("# Not set (none): limits.cpu, limits.memory"),
        "{text}"
    );
    assert_eq!(
        hub.ok(&["show", "--effective", "services.cull.every"]),
        "60\n"
    );
    assert_eq!(
        hub.ok(&[
            "show",
            "--effective",
            "auth.GitHubOAuthenticator.client_secret"
        ]),
        "********\n"
    );
    let j: serde_json::Value =
        serde_json::from_str(&hub.ok(&["show", "--effective", "--json"])).unwrap();
    assert_eq!(j["limits"]["memory"], serde_json::Value::Null);
    let err = hub.fails(&["show", "--effective", "limits.memory"]);
    assert!(err.contains("not set"), "{err}");
}

#[test]
fn set_parses_values_by_key_type() {
    let hub = Hub::new();
    hub.ok(&["set", "http.port", "8080"]);
    hub.ok(&["set", "traefik_api.username", "12345"]);
    hub.ok(&["set", "services.cull.timeout", "1e3"]);
    hub.ok(&["set", "limits.cpu", "0.5"]);
    hub.ok(&["set", "https.enabled", "TRUE"]);
    hub.ok(&["set", "users.admin", r#"["ann", "bob"]"#]);
    hub.ok(&["set", "auth.DummyAuthenticator.offset", "-1"]);
    hub.ok(&["--string", "set", "auth.DummyAuthenticator.password", "007"]);
    hub.ok(&["set", "users.extra_user_groups.data", r#"["ann"]"#]);
    insta::assert_snapshot!("set_typed_values", hub.read());
    assert_eq!(
        std::fs::metadata(hub.config())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(hub.config().parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn edits_keep_comments_order_and_quoting() {
    let hub = Hub::with_config(REALISTIC);
    hub.ok(&["set", "http.port", "8080"]);
    hub.ok(&["add-item", "users.admin", "margaret"]);
    hub.ok(&["remove-item", "users.admin", "ada"]);
    hub.ok(&["add-item", "users.allowed", "student3"]);
    hub.ok(&["set", "services.cull.timeout", "3600"]);
    hub.ok(&["set", "https.letsencrypt.email", "it@example.org"]);
    hub.ok(&["unset", "limits.cpu"]);
    insta::assert_snapshot!("edited_realistic", hub.read());
}

#[test]
fn unset_prunes_empty_tables() {
    let hub = Hub::with_config("# mine\nbase_url = \"/\"\n\n[limits]\nmemory = \"1G\"\n");
    hub.ok(&["unset", "limits.memory"]);
    assert_eq!(hub.read(), "# mine\nbase_url = \"/\"\n");
}

#[test]
fn set_none_removes_keys_whose_default_is_none() {
    let hub = Hub::with_config(REALISTIC);
    hub.ok(&["set", "limits.memory", "none"]);
    assert!(!hub.read().contains("memory"));
    assert!(hub.read().contains("cpu = 1"));
}

#[test]
fn add_item_of_present_value_is_a_no_op() {
    let hub = Hub::with_config(REALISTIC);
    let out = hub
        .cmd(&["add-item", "users.admin", "ada"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("already contains \"ada\""), "{err}");
    assert!(err.contains("not changed"), "{err}");
    assert_eq!(hub.read(), REALISTIC);
}

#[test]
fn add_and_remove_several_items_at_once() {
    let hub = Hub::new();
    hub.ok(&["add-item", "users.allowed", "a", "b", "c"]);
    hub.ok(&["remove-item", "users.allowed", "a", "c"]);
    assert_eq!(hub.read(), "[users]\nallowed = [\"b\"]\n");
}

#[test]
fn refused_edits_leave_the_file_byte_identical() {
    let hub = Hub::with_config(REALISTIC);
    let cases: &[(&[&str], &str)] = &[
        (&["set", "user.admin", "x"], "did you mean `users.admin`?"),
        (&["set", "http.port", "99999"], "between 1 and 65535"),
        (&["set", "http.port", "eighty"], "expects a whole number"),
        (&["set", "services.cull.timeout", "-5"], "at least 0"),
        (&["set", "limits.memory", "2g"], "upper-case"),
        (&["set", "limits.cpu", "-1"], "at least 0"),
        (&["set", "http.address", "localhost"], "not an IP address"),
        (&["set", "https.letsencrypt.email", "me"], "not an email"),
        (
            &["add-item", "https.letsencrypt.domains", "bad_host"],
            "not a valid domain",
        ),
        (
            &["set", "user_environment.default_app", "nteract"],
            "jupyterlab, classic",
        ),
        (&["set", "users.admin", "ada"], "add-item"),
        (&["set", "users.allowed", "[a, b]"], "quote strings"),
        (&["set", "users.extra_user_groups.g", "ada"], "add-item"),
        (&["set", "http.port", "none"], "cannot be none"),
        (&["set", "http", "1"], "table of settings"),
        (
            &["--no-validate", "set", "users.admin.x", "1"],
            "`users.admin` is a list, not a table",
        ),
        (&["unset", "https.enabled"], "`https.enabled` is not set"),
        (
            &["remove-item", "users.admin", "linus"],
            "not in `users.admin`",
        ),
        (
            &["remove-item", "users.admin", "ada", "nobody"],
            "not in `users.admin`",
        ),
        (&["add-item", "base_url", "x"], "not a list"),
        (
            &["--no-validate", "add-item", "limits.memory", "x"],
            "not a list",
        ),
        (&["set", "auth.allow_all", "true"], "unknown key"),
        (&["set", "a..b", "1"], "not a valid key"),
    ];
    for (args, expected) in cases {
        let err = hub.fails(args);
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in:\n{err}"
        );
        assert_eq!(hub.read(), REALISTIC, "{args:?} changed the file");
    }
    assert_eq!(
        config_dir_names(&hub),
        vec!["config.toml", "config.toml.lock"]
    );
}

#[test]
fn old_bad_key_warns_but_does_not_block_other_edits() {
    let hub = Hub::with_config("[http]\nport = 0\n");
    let out = hub
        .cmd(&["add-item", "users.admin", "ada"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("warning:") && err.contains("http.port: must be between"),
        "{err}"
    );
    assert!(hub.read().contains("admin = [\"ada\"]"));
    // The bad key itself can be fixed.
    hub.ok(&["set", "http.port", "8000"]);
}

#[test]
fn no_validate_writes_unknown_keys() {
    let hub = Hub::new();
    hub.ok(&["--no-validate", "set", "custom.thing", "-2"]);
    assert_eq!(hub.read(), "[custom]\nthing = -2\n");
}

#[test]
fn unparsable_file_is_reported_and_never_overwritten() {
    let bad = "[http]\nport = 80\nadmin = [\"a\"\n";
    let hub = Hub::with_config(bad);
    let err = hub.fails(&["set", "http.port", "81"]);
    assert!(err.contains("config.toml:3:"), "{err}");
    assert!(err.contains("was not changed"), "{err}");
    assert_eq!(hub.read(), bad);
    let err = hub.fails(&["validate"]);
    assert!(err.contains("config.toml:3:"), "{err}");
    // `show` still prints the file as it is, so the user can look at it.
    assert_eq!(hub.ok(&["show"]), bad);
}

#[test]
fn validate_lists_every_problem_with_its_key() {
    let hub = Hub::with_config(
        "[user]\nadmin = [\"x\"]\n[http]\nport = 0\n[https]\nenabled = true\n[services.cull]\ntimeout = -1\n",
    );
    let out = hub.cmd(&["validate"]).assert().failure().code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    insta::assert_snapshot!("validate_problems", stdout);
    let good = Hub::with_config(REALISTIC);
    assert!(good.ok(&["validate"]).ends_with(": ok\n"));
    let j: serde_json::Value = serde_json::from_slice(
        &hub.cmd(&["--json", "validate"])
            .assert()
            .failure()
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(j["valid"], false);
    assert_eq!(j["problems"].as_array().unwrap().len(), 4);
}

#[test]
fn validate_an_explicit_file() {
    let hub = Hub::new();
    let f = hub.prefix().join("other.toml");
    std::fs::write(&f, "[limits]\nmemory = \"lots\"\n").unwrap();
    let out = hub
        .cmd(&["validate", f.to_str().unwrap()])
        .assert()
        .failure();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("limits.memory: `lots` is not a size"),
        "{stdout}"
    );
    hub.fails(&["validate", "/nonexistent/x.toml"]);
}

#[test]
fn lock_timeout_names_the_holder() {
    use std::io::Write;
    let hub = Hub::with_config(REALISTIC);
    let lock_path = hub.prefix().join("config/config.toml.lock");
    let mut f = std::fs::File::create(&lock_path).unwrap();
    writeln!(f, "{}", std::process::id()).unwrap();
    let held = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let err = hub.fails(&["--lock-timeout", "1", "set", "http.port", "81"]);
    assert!(
        err.contains("is held by") && err.contains(&format!("process {} (", std::process::id())),
        "{err}"
    );
    assert!(err.contains("--lock-timeout"), "{err}");
    assert_eq!(hub.read(), REALISTIC);
    // Readers do not need the lock.
    hub.ok(&["show", "http.port"]);
    drop(held);
    hub.ok(&["--lock-timeout", "1", "set", "http.port", "81"]);
}

#[test]
fn fifty_concurrent_writers_lose_nothing() {
    let hub = Hub::with_config(REALISTIC);
    let children: Vec<_> = (0..50)
        .map(|i| {
            std::process::Command::new(BIN)
                .arg("--prefix")
                .arg(hub.prefix())
                .args(["add-item", "users.allowed", &format!("writer{i}")])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let doc: toml::Table = hub.read().parse().unwrap();
    let allowed = doc["users"]["allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), 52);
    for i in 0..50 {
        assert!(
            allowed.contains(&toml::Value::from(format!("writer{i}"))),
            "writer{i} lost"
        );
    }
    // The comments survived 50 rewrites.
    assert!(hub.read().contains("\"grace\", # teaching assistant"));
}

#[test]
fn owner_and_mode_are_kept() {
    let hub = Hub::with_config(REALISTIC);
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIPPED owner_and_mode_are_kept: needs root to chown the config file");
        return;
    }
    std::os::unix::fs::chown(hub.config(), Some(1234), Some(1234)).unwrap();
    hub.ok(&["set", "http.port", "81"]);
    let m = std::fs::metadata(hub.config()).unwrap();
    assert_eq!((m.uid(), m.gid()), (1234, 1234));
    assert_eq!(m.permissions().mode() & 0o777, 0o600);
}

#[test]
fn non_root_may_read_but_not_write() {
    let Some(setpriv) = hub::setpriv_for("non_root_may_read_but_not_write") else {
        return;
    };
    let hub = Hub::with_config(REALISTIC);
    for d in [hub.prefix().to_path_buf(), hub.prefix().join("config")] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(hub.config(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let as_nobody = |args: &[&str]| hub::as_nobody(setpriv, hub.prefix(), args);
    let out = as_nobody(&["show", "http.port"]).assert();
    let out = out.get_output();
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Permission denied") {
        eprintln!("SKIPPED non_root_may_read_but_not_write: user nobody cannot execute {BIN}");
        return;
    }
    assert_eq!(String::from_utf8_lossy(&out.stdout), "80\n");
    let out = as_nobody(&["set", "http.port", "81"])
        .assert()
        .failure()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("hubcfg needs root privileges to change"),
        "{err}"
    );
    assert!(err.contains("sudo"), "{err}");
    assert_eq!(hub.read(), REALISTIC);
}

#[test]
fn tljh_config_personality() {
    let hub = Hub::with_config(REALISTIC);
    let link = hub.prefix().join("tljh-config");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    Command::new(&link)
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Usage: tljh-config"));
    Command::new(&link)
        .args(["--config-path"])
        .arg(hub.config())
        .args(["set", "http.port", "8000"])
        .assert()
        .success();
    assert!(hub.read().contains("port = 8000 # behind the campus proxy"));
}

#[test]
fn no_arguments_print_help() {
    Command::new(BIN)
        .assert()
        .success()
        .stdout(contains("add-item"));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        Command::new(BIN)
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains("remove-item"));
    }
}

#[test]
fn reload_refuses_a_broken_config_before_restarting() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "SKIPPED reload_refuses_a_broken_config_before_restarting: reload checks for root first"
        );
        return;
    }
    let hub = Hub::with_config("[http]\nport = 0\n");
    let err = hub.fails(&["reload"]);
    assert!(
        err.contains("nothing was restarted") && err.contains("http.port"),
        "{err}"
    );
}

#[test]
fn unchanged_file_is_not_rewritten() {
    let hub = Hub::with_config(REALISTIC);
    let before = std::fs::metadata(hub.config()).unwrap();
    hub.ok(&["set", "http.port", "80"]);
    hub.ok(&["set", "limits.memory", "1G"]);
    hub.ok(&["add-item", "users.admin", "grace"]);
    let after = std::fs::metadata(hub.config()).unwrap();
    assert_eq!(before.ino(), after.ino(), "the file was replaced");
    assert_eq!(hub.read(), REALISTIC);
}

#[test]
fn json_output_for_writes() {
    let hub = Hub::new();
    let out = hub.ok(&["--json", "set", "http.port", "81"]);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["changed"], true);
    let out = hub.ok(&["--json", "set", "http.port", "81"]);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["changed"], false);
}
