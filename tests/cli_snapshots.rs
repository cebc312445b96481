//! The exact text people read: help, `show --effective`, `validate`, and
//! every user-facing error of the config commands, as insta snapshots
//! (the temp prefix is written `[PREFIX]`). A changed message shows up as a
//! snapshot diff to review, not as a silently passing `contains()`.

#[path = "common/hub.rs"]
mod hub;
use hub::Hub;

const CONFIG: &str = r#"# A class hub.
[users]
admin = ["ada"] # lecturer
allowed = ["student1", "student2"]

[limits]
memory = "1G"

[auth.GitHubOAuthenticator]
client_id = "abc"
client_secret = "s3cret"
"#;

fn snapshot_all(name: &str, hub: &Hub, runs: &[&[&str]]) {
    let text: Vec<String> = runs.iter().map(|args| hub.transcript(args)).collect();
    insta::assert_snapshot!(name, text.join("\n"));
}

#[test]
fn help_texts() {
    let hub = Hub::new();
    snapshot_all(
        "help_texts",
        &hub,
        &[&["--help"], &["bootstrap", "--help"], &["set", "--help"]],
    );
}

#[test]
fn show_effective_and_validate() {
    let hub = Hub::with_config(CONFIG);
    snapshot_all(
        "show_effective_and_validate",
        &hub,
        &[
            &["show", "--effective"],
            &["--json", "show", "--effective"],
            &["show", "--effective", "limits.memory"],
            &["validate"],
            &["--json", "validate"],
        ],
    );
}

#[test]
fn refused_edits() {
    let hub = Hub::with_config(CONFIG);
    snapshot_all(
        "refused_edits",
        &hub,
        &[
            &["set", "user.admin", "x"],
            &["set", "http.port", "0"],
            &["set", "http.port", "eighty"],
            &["set", "limits.memory", "lots"],
            &["set", "users.admin", "ann"],
            &["set", "http.address", "1.2.3"],
            &["set", "https.letsencrypt.email", "not-an-email"],
            &["set", "user_environment.default_app", "vscode"],
            &["set", "limits.cpu", "none"],
            &["set", "a..b", "1"],
            &["unset", "http.port"],
            &["add-item", "http.port", "1"],
            &["add-item", "users.admin", ""],
            &["remove-item", "users.admin", "nobody"],
            &["show", "http.port"],
            &["show", "nope.key"],
            &["--lock-timeout=-1", "show"],
        ],
    );
    assert_eq!(hub.read(), CONFIG, "a refused edit changed the file");
}

#[test]
fn broken_files_and_misplaced_options() {
    let hub = Hub::with_config("[users]\nadmin = [\"ada\",\n[http]\n");
    let elsewhere = hub.prefix().join("other.toml");
    std::fs::write(&elsewhere, "").unwrap();
    let other = elsewhere.to_str().unwrap();
    snapshot_all(
        "broken_files_and_misplaced_options",
        &hub,
        &[
            &["show", "--effective"],
            &["set", "http.port", "81"],
            &["validate"],
            &["validate", "/nonexistent/x.toml"],
            &["--config-path", other, "reload"],
        ],
    );
}
