//! Secrets never shown or echoed, reading without root, and control
//! characters kept away from the terminal: the real binary on a temp prefix.

#[path = "common/hub.rs"]
mod hub;

use hub::{Hub, as_nobody};
use std::os::unix::fs::PermissionsExt;

/// Every secret below holds `S3CRET`; nothing else does.
const SECRETS: &str = r#"
[auth.GitHubOAuthenticator]
client_id = "public-id"
client_secret = "S3CRET-client"
api_token = "S3CRET-token"
ApiKey = "S3CRET-apikey"
client_secrets = ["S3CRET-list-1", "S3CRET-list-2"]

[auth.LTI11Authenticator]
consumers = { consumer-key = "S3CRET-consumer" }

[auth.DummyAuthenticator]
passwd = "S3CRET-passwd"
password = 20250101

[auth.LDAPAuthenticator.credentials]
user = "S3CRET-user"
nested = { deep = ["S3CRET-deep"] }

[custom_service]
url = "http://localhost:9000"
api_key = "S3CRET-outside-auth"
Private_Key = "S3CRET-private"

[traefik_api]
password = "S3CRET-traefik"
"#;

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains("S3CRET"), "{what} shows a secret:\n{text}");
}

#[test]
fn show_effective_masks_every_secret_anywhere() {
    let hub = Hub::with_config(SECRETS);
    let text = hub.ok(&["show", "--effective"]);
    assert_no_secret("show --effective", &text);
    assert!(text.contains("client_id = \"public-id\""), "{text}");
    assert!(text.contains("url = \"http://localhost:9000\""), "{text}");

    let j: serde_json::Value =
        serde_json::from_str(&hub.ok(&["--json", "show", "--effective"])).unwrap();
    assert_no_secret("show --effective --json", &j.to_string());
    let gh = &j["auth"]["GitHubOAuthenticator"];
    assert_eq!(gh["client_id"], "public-id");
    assert_eq!(gh["api_token"], "********");
    assert_eq!(gh["ApiKey"], "********");
    assert_eq!(
        gh["client_secrets"],
        serde_json::json!(["********", "********"])
    );
    assert_eq!(
        j["auth"]["LTI11Authenticator"]["consumers"],
        serde_json::json!({"consumer-key": "********"})
    );
    assert_eq!(j["auth"]["DummyAuthenticator"]["password"], "********");
    assert_eq!(
        j["auth"]["LDAPAuthenticator"]["credentials"],
        serde_json::json!({"user": "********", "nested": {"deep": ["********"]}})
    );
    assert_eq!(j["custom_service"]["api_key"], "********");
    assert_eq!(j["custom_service"]["url"], "http://localhost:9000");
    assert_eq!(j["traefik_api"]["username"], "api_admin");

    for key in [
        "auth.GitHubOAuthenticator.api_token",
        "auth.GitHubOAuthenticator.client_secrets",
        "auth.LTI11Authenticator",
        "auth.LTI11Authenticator.consumers",
        "auth.DummyAuthenticator.passwd",
        "auth.LDAPAuthenticator.credentials",
        "custom_service",
        "traefik_api.password",
    ] {
        let text = hub.ok(&["show", "--effective", key]);
        assert_no_secret(key, &text);
        let json = hub.ok(&["--json", "show", "--effective", key]);
        assert_no_secret(key, &json);
    }
    assert_eq!(
        hub.ok(&["show", "--effective", "auth.GitHubOAuthenticator.client_id"]),
        "public-id\n"
    );
    // The user's own file, as stored (plain show), is not masked.
    assert!(hub.ok(&["show", "traefik_api.password"]).contains("S3CRET"));
}

#[test]
fn edits_never_echo_a_secret() {
    let hub = Hub::new();
    let out = hub.ok_all(&["set", "traefik_api.password", "S3CRET-set"]);
    assert_no_secret("set (stdout)", &out.stdout);
    assert_no_secret("set (stderr)", &out.stderr);
    assert!(
        out.stderr.contains("set traefik_api.password = ********"),
        "{}",
        out.stderr
    );
    let out = hub.ok_all(&[
        "--json",
        "--no-validate",
        "set",
        "custom.api_token",
        "S3CRET-json",
    ]);
    assert_no_secret("--json set", &format!("{}{}", out.stdout, out.stderr));
    let out = hub.ok_all(&[
        "--no-validate",
        "set",
        "custom.credentials",
        "{user = 'u', pass = 'S3CRET-table'}",
    ]);
    assert_no_secret("set of a table", &out.stderr);

    let key = "auth.GitHubOAuthenticator.client_secrets";
    let out = hub.ok_all(&["add-item", key, "S3CRET-item"]);
    assert_no_secret("add-item", &out.stderr);
    let out = hub.ok_all(&["add-item", key, "S3CRET-item"]);
    assert_no_secret("add-item of a present item", &out.stderr);
    assert!(
        out.stderr.contains("already contains ********"),
        "{}",
        out.stderr
    );
    let err = hub.fails(&["remove-item", key, "S3CRET-absent"]);
    assert_no_secret("remove-item of an absent item", &err);
    let out = hub.ok_all(&["remove-item", key, "S3CRET-item"]);
    assert_no_secret("remove-item", &out.stderr);
    let out = hub.ok_all(&["unset", "traefik_api.password"]);
    assert_no_secret("unset", &out.stderr);

    let err = hub.fails(&["set", "auth.GitHubOAuthenticator.client_secret", "[S3CRET"]);
    assert_no_secret("a refused secret", &err);
    assert!(err.contains("client_secret"), "{err}");
    assert!(hub.read().contains("S3CRET"), "the values were stored");
}

/// The installed modes: config/ and state/ 0700 and their files 0600, all
/// owned by root. `prefix` itself is left readable so nobody can get in.
fn lock_down_like_an_install(hub: &Hub) {
    let p = |rel: &str| hub.prefix().join(rel);
    std::fs::create_dir_all(p("state")).unwrap();
    std::fs::write(p("state/traefik-api.secret"), "S3CRET-generated\n").unwrap();
    for (rel, mode) in [
        ("", 0o755),
        ("config", 0o700),
        ("state", 0o700),
        ("state/traefik-api.secret", 0o600),
    ] {
        std::fs::set_permissions(p(rel), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[test]
#[ignore = "needs root to become user nobody; scripts/test runs it"]
fn non_root_reads_a_readable_config_without_the_state_secret() {
    let hub = Hub::with_config("[http]\nport = 8080\n");
    lock_down_like_an_install(&hub);
    // A readable copy, as `--config-path` takes it.
    let copy = hub.prefix().join("readable.toml");
    std::fs::write(&copy, "[http]\nport = 8080\n").unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
    let copy = copy.to_str().unwrap();

    for args in [
        &["--config-path", copy, "show", "--effective"][..],
        &["--config-path", copy, "--json", "show", "--effective"][..],
    ] {
        let out = as_nobody(hub.prefix(), args).assert().success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(stdout.contains("8080"), "{args:?}: {stdout}");
        assert!(stdout.contains("********"), "{args:?}: {stdout}");
        assert_no_secret("show --effective as nobody", &stdout);
    }
    let out = as_nobody(
        hub.prefix(),
        &[
            "--config-path",
            copy,
            "show",
            "--effective",
            "traefik_api.password",
        ],
    )
    .assert()
    .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "********\n"
    );

    // The installed config itself is root's: the error says to use sudo.
    let out = as_nobody(hub.prefix(), &["show", "--effective"])
        .assert()
        .failure()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("config.toml") && err.contains("sudo"), "{err}");
}

fn assert_no_control(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        bad.is_empty(),
        "{what} prints control characters {bad:?}:\n{text}"
    );
}

#[test]
fn control_characters_are_escaped_in_human_output() {
    let hub = Hub::with_config(
        "[auth.DummyAuthenticator]\nbanner = \"\\u001b[31mred\\u001b[0m\\nnext\\tcol\"\n\"k\\u001b[2J\" = 1\n",
    );
    let shown = hub.ok(&["show", "auth.DummyAuthenticator.banner"]);
    assert_eq!(shown, "\\u{1b}[31mred\\u{1b}[0m\\nnext\\tcol\n");
    let shown = hub.ok(&["show", "--effective", "auth.DummyAuthenticator.banner"]);
    assert_eq!(shown, "\\u{1b}[31mred\\u{1b}[0m\\nnext\\tcol\n");
    assert_no_control("show TABLE", &hub.ok(&["show", "auth.DummyAuthenticator"]));
    assert_no_control("show --effective", &hub.ok(&["show", "--effective"]));
    // JSON keeps the exact value, escaped the JSON way.
    let j: serde_json::Value =
        serde_json::from_str(&hub.ok(&["--json", "show", "auth.DummyAuthenticator.banner"]))
            .unwrap();
    assert_eq!(j, "\u{1b}[31mred\u{1b}[0m\nnext\tcol");

    // Keys echoed in errors and warnings.
    let bad_key = "nope\u{1b}[2J.x";
    for args in [
        &["show", bad_key][..],
        &["show", "--effective", bad_key][..],
        &["set", bad_key, "1"][..],
        &["unset", bad_key][..],
        &["add-item", bad_key, "1"][..],
    ] {
        let err = hub.fails(args);
        assert_no_control(&format!("{args:?}"), &err);
        assert!(err.contains("nope\\u{1b}[2J.x"), "{args:?}: {err}");
    }
    let err = hub.fails(&["set", "http.port", "8\u{1b}0"]);
    assert_no_control("a refused value", &err);
    // The whole file, as stored: newlines and tabs stay, the rest is escaped.
    let raw = "# a comment with \u{1b}]0;title\u{7}\n[http]\n\tport = 80\n";
    std::fs::write(hub.config(), raw).unwrap();
    assert_eq!(
        hub.ok(&["show"]),
        "# a comment with \\u{1b}]0;title\\u{7}\n[http]\n\tport = 80\n"
    );
    let err = hub.fails(&["show", "http.port"]);
    assert_no_control("a parse error", &err);

    std::fs::write(hub.config(), "\"k\\u001b[2J\" = 1\n").unwrap();
    let out = hub.cmd(&["validate"]).assert().failure();
    let out = out.get_output();
    assert_no_control("validate", &String::from_utf8_lossy(&out.stdout));
    assert_no_control("validate", &String::from_utf8_lossy(&out.stderr));
    let out = hub.ok_all(&["set", "http.port", "81"]);
    assert_no_control("a warning", &out.stderr);
    assert!(out.stderr.contains("k\\u{1b}[2J"), "{}", out.stderr);
}

#[test]
fn render_warnings_escape_control_characters() {
    let hub = Hub::with_config("[users]\n\"a\\u001b[31mb\" = 1\n");
    let out = hub.ok_all(&["render"]);
    assert!(
        out.stderr.contains("unknown key users.a\\u{1b}[31mb"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{1b}'), "{}", out.stderr);
}
