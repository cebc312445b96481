//! `hubcfg users list` and the hub side of `users remove`, against a fake
//! hub API (tests/common/fake_hub.rs) at the config's http address and port.

#[path = "common/fake_hub.rs"]
mod fake_hub;
#[path = "common/hub.rs"]
mod hub;
#[path = "common/users.rs"]
mod users;
use fake_hub::{FakeHub, user};
use hub::Hub;
use users::refused;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// A prefix whose config points at `port` and that holds hubcfg's token.
fn prefix_for(port: u16) -> Hub {
    let hub = Hub::with_config(&format!(
        "[http]\naddress = \"127.0.0.1\"\nport = {port}\n\n[users]\nallowed = [\"ann\", \"bob\"]\nadmin = [\"ada\"]\nbanned = [\"eve\"]\n"
    ));
    let state = hub.prefix().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("hubcfg-hub-token"), format!("{TOKEN}\n")).unwrap();
    hub
}

fn class() -> Vec<serde_json::Value> {
    vec![
        user("ann", false, true, Some("2026-12-01T10:00:00.000000Z")),
        user("ada", true, false, None),
        user("eve", false, false, Some("2026-11-30T08:15:00Z")),
    ]
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn list_shows_every_user_the_hub_knows_with_the_config_side() {
    let fake = FakeHub::start(TOKEN, class());
    let hub = prefix_for(fake.port);
    let table = hub.ok(&["users", "list"]);
    assert_eq!(
        table,
        "NAME  ADMIN  ALLOWED  BANNED  UNIX ACCOUNT  SERVER   LAST ACTIVITY\n\
         ada   yes    no       no      jupyter-ada   stopped  never\n\
         ann   no     yes      no      jupyter-ann   running  2026-12-01 10:00:00 UTC\n\
         eve   no     no       yes     jupyter-eve   stopped  2026-11-30 08:15:00 UTC\n"
    );
    let v: serde_json::Value = serde_json::from_str(&hub.ok(&["users", "list", "--json"])).unwrap();
    let ann = v
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "ann")
        .unwrap();
    assert_eq!(ann["server_running"], true);
    assert_eq!(ann["allowed"], true);
    assert_eq!(ann["unix_account"], "jupyter-ann");
    assert_eq!(
        v.as_array().unwrap().len(),
        3,
        "all pages (the fake sends 2 a page)"
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.starts_with("GET /hub/api/users?")),
        "{:?}",
        fake.requests()
    );
}

#[test]
fn list_fails_clearly_when_the_hub_is_down_or_the_token_missing_or_refused() {
    let hub = prefix_for(dead_port());
    let err = hub.fails(&["users", "list"]);
    assert!(
        err.contains("the hub did not answer at http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("systemctl status jupyterhub"), "{err}");

    let fake = FakeHub::start("another-token", class());
    let hub = prefix_for(fake.port);
    let err = hub.fails(&["users", "list"]);
    assert!(
        err.contains("the hub refused hubcfg's token") && err.contains("HTTP 403"),
        "{err}"
    );
    assert!(!err.contains(TOKEN), "the token is never printed: {err}");
    std::fs::remove_file(hub.prefix().join("state/hubcfg-hub-token")).unwrap();
    let err = hub.fails(&["users", "list"]);
    assert!(err.contains("hubcfg-hub-token is missing"), "{err}");
    assert!(err.contains("sudo hubcfg bootstrap"), "{err}");
}

#[test]
fn remove_deletes_the_user_from_the_hub_too() {
    let fake = FakeHub::start(TOKEN, class());
    let hub = prefix_for(fake.port);
    let out = hub.ok_all(&["users", "remove", "ann"]);
    assert!(
        out.stderr.contains("removed ann from users.allowed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("deleted ann from the hub's database"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.names(), ["ada", "eve"]);
    assert!(
        fake.requests()
            .contains(&"DELETE /hub/api/users/ann".to_string())
    );
    assert!(!hub.ok(&["users", "list"]).contains("ann"));
}

#[test]
fn remove_with_the_hub_down_keeps_the_config_side_and_says_how_to_finish() {
    let port = dead_port();
    let hub = prefix_for(port);
    let out = hub.ok_all(&["users", "remove", "ann"]);
    assert!(
        out.stderr.contains("removed ann from users.allowed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("the hub is not running: ann not deleted from its database"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`sudo hubcfg users remove ann` again"),
        "{}",
        out.stderr
    );
    // Later, with the hub up: the name is only in the hub's database now.
    let fake = FakeHub::start(TOKEN, class());
    let hub2 = prefix_for(fake.port);
    std::fs::write(
        hub2.config(),
        hub2.read().replace("[\"ann\", \"bob\"]", "[\"bob\"]"),
    )
    .unwrap();
    let before = hub2.read();
    let out = hub2.ok_all(&["users", "remove", "ann"]);
    assert!(
        out.stderr.contains("deleted ann from the hub's database"),
        "{}",
        out.stderr
    );
    assert_eq!(hub2.read(), before, "config.toml untouched");
    assert_eq!(fake.names(), ["ada", "eve"]);
}

#[test]
fn remove_refuses_a_name_neither_listed_nor_known_to_the_hub() {
    let fake = FakeHub::start(TOKEN, class());
    let hub = prefix_for(fake.port);
    let err = refused(&hub, &["users", "remove", "bob", "nobody"]);
    assert!(err.contains("nor known to a running hub: nobody"), "{err}");
    assert!(
        !fake.requests().iter().any(|r| r.starts_with("DELETE")),
        "nothing deleted: {:?}",
        fake.requests()
    );
}

#[test]
fn remove_reports_a_refused_delete_after_the_config_side() {
    let fake = FakeHub::start(TOKEN, class());
    let hub = prefix_for(fake.port);
    fake.delete_replies(vec![(403, "requires any of [admin:users]")]);
    let err = hub.fails(&["users", "remove", "ann"]);
    assert!(
        err.contains("ann was removed from config.toml and the password store, but not from the hub's database"),
        "{err}"
    );
    assert!(err.contains("admin:users"), "{err}");
    assert!(!hub.read().contains("\"ann\""));
}

#[test]
fn list_has_help_with_examples_and_completions() {
    let hub = Hub::new();
    let help = hub.ok(&["users", "list", "--help"]);
    assert!(help.contains("sudo hubcfg users list --json"), "{help}");
    assert!(help.contains("server_running"), "{help}");
    let help = hub.ok(&["users", "remove", "--help"]);
    assert!(help.contains("hub's database"), "{help}");
    let bash = hub.ok(&["completions", "bash"]);
    assert!(bash.contains("users,list"), "no completion for users list");
}

#[test]
fn list_of_a_hub_without_users_prints_an_empty_array_or_a_note() {
    let fake = FakeHub::start(TOKEN, vec![]);
    let hub = prefix_for(fake.port);
    assert_eq!(hub.ok(&["users", "list", "--json"]), "[]\n");
    let out = hub.ok_all(&["users", "list"]);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("the hub knows no users yet"),
        "{}",
        out.stderr
    );
}
