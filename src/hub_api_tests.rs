use super::*;

#[path = "../tests/common/fake_hub.rs"]
pub(crate) mod fake_hub;
use fake_hub::{FakeHub, user};

const TOKEN: &str = "t0k3n";

fn api(hub: &FakeHub, token: &str) -> HubApi {
    HubApi::new(&hub.api_url(), token.to_string()).unwrap()
}

#[test]
fn lists_every_user_across_pages_with_the_token() {
    let users: Vec<_> = (0..5)
        .map(|i| {
            user(
                &format!("s{i}"),
                i == 0,
                i == 3,
                Some("2026-12-01T10:00:00Z"),
            )
        })
        .collect();
    let hub = FakeHub::start(TOKEN, users);
    let got = api(&hub, TOKEN).users().unwrap();
    let names: Vec<&str> = got.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["s0", "s1", "s2", "s3", "s4"], "pages of 2 joined");
    assert!(got[0].admin && !got[1].admin);
    assert!(got[3].running() && !got[2].running());
    assert_eq!(
        got[1].last_activity.as_deref(),
        Some("2026-12-01T10:00:00Z")
    );
    assert_eq!(
        hub.requests(),
        [
            "GET /hub/api/users?offset=0&limit=200",
            "GET /hub/api/users?offset=2&limit=200",
            "GET /hub/api/users?offset=4&limit=200"
        ]
    );
}

#[test]
fn a_refused_token_says_what_to_do() {
    let hub = FakeHub::start(TOKEN, vec![]);
    let e = api(&hub, "wrong").users().unwrap_err();
    assert_eq!(e.kind, Kind::Permission);
    assert!(e.message.contains("HTTP 403"), "{e}");
    assert!(e.message.contains("requires any of [list:users]"), "{e}");
    assert!(e.hint.unwrap().contains("sudo hubcfg bootstrap"));
    assert!(!e.message.contains("wrong"), "the token is never shown");
}

#[test]
fn a_hub_that_does_not_answer_points_at_systemctl() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Bound then dropped: nothing listens there now.
    let api = HubApi::new(&format!("http://127.0.0.1:{port}/hub/api/"), TOKEN.into()).unwrap();
    let e = api.users().unwrap_err();
    assert!(is_unreachable(&e), "{e}");
    assert!(
        e.message
            .contains(&format!("127.0.0.1:{port}/hub/api/users")),
        "{e}"
    );
    assert!(e.hint.unwrap().contains("systemctl status jupyterhub"));
}

#[test]
fn delete_removes_a_known_user_and_an_unknown_one_is_fine() {
    let hub = FakeHub::start(
        TOKEN,
        vec![
            user("ann@x.org", false, true, None),
            user("bob", false, false, None),
        ],
    );
    let api = api(&hub, TOKEN);
    assert_eq!(api.delete_user("ann@x.org").unwrap(), Deleted::Deleted);
    assert_eq!(api.delete_user("nobody").unwrap(), Deleted::NotKnown);
    assert_eq!(hub.names(), ["bob"]);
    assert_eq!(hub.requests()[0], "DELETE /hub/api/users/ann@x.org");
}

#[test]
fn delete_waits_for_a_server_still_stopping_and_reports_other_refusals() {
    let hub = FakeHub::start(TOKEN, vec![user("ann", false, true, None)]);
    hub.delete_replies(vec![(
        400,
        "ann's server is in the process of stopping, please wait.",
    )]);
    let api = api(&hub, TOKEN);
    assert_eq!(api.delete_user("ann").unwrap(), Deleted::Deleted);
    assert_eq!(hub.requests().len(), 2);
    hub.delete_replies(vec![(400, "Cannot delete yourself!")]);
    let e = api.delete_user("hubcfg").unwrap_err();
    assert!(
        e.message.contains("HTTP 400") && e.message.contains("Cannot delete yourself"),
        "{e}"
    );
}

#[test]
fn the_token_file_is_required_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let e = read_token(&paths).unwrap_err();
    assert!(
        e.message.contains("state/hubcfg-hub-token is missing"),
        "{e}"
    );
    assert!(e.hint.unwrap().contains("sudo hubcfg bootstrap"));
    std::fs::create_dir_all(paths.state_dir()).unwrap();
    std::fs::write(paths.hub_token(), "abc\n").unwrap();
    assert_eq!(read_token(&paths).unwrap(), "abc");
}

#[test]
fn running_servers_count_named_ones_and_the_default_alone() {
    let user = |json: &str| serde_json::from_str::<HubUser>(json).unwrap();
    let both = user(r#"{"name": "a", "servers": {"": {}, "lab2": {}}}"#);
    assert_eq!(both.running_servers(), 2);
    let default_only = user(r#"{"name": "b", "server": "/user/b/"}"#);
    assert_eq!(default_only.running_servers(), 1);
    assert_eq!(user(r#"{"name": "c"}"#).running_servers(), 0);
}
