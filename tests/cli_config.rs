//! The config commands, run as the real binary against a temp prefix.

use std::os::unix::fs::PermissionsExt;

#[path = "common/hub.rs"]
mod hub;
use hub::{Hub, REALISTIC};

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
