//! `hubcfg users remove --delete-home [--yes]`: the refusals, which change
//! nothing. The deletion itself is tested on fake accounts
//! (src/users/delete_tests.rs, src/hub_users/delete_home_tests.rs).

#[path = "common/fake_hub.rs"]
mod fake_hub;
#[path = "common/hub.rs"]
mod hub;
#[path = "common/users.rs"]
mod users;
use fake_hub::{FakeHub, user};
use hub::Hub;
use users::{refused, with_stdin};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn prefix_for(port: u16) -> Hub {
    prefix_allowing(port, "ann")
}

fn prefix_allowing(port: u16, name: &str) -> Hub {
    let hub = Hub::with_config(&format!(
        "[http]\naddress = \"127.0.0.1\"\nport = {port}\n\n[users]\nallowed = [\"{name}\", \"bob\"]\n"
    ));
    let state = hub.prefix().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("hubcfg-hub-token"), format!("{TOKEN}\n")).unwrap();
    hub
}

fn hub_with_ann() -> (FakeHub, Hub) {
    let fake = FakeHub::start(TOKEN, vec![user("ann", false, true, None)]);
    let hub = prefix_for(fake.port);
    (fake, hub)
}

fn no_delete(fake: &FakeHub) {
    assert!(
        !fake.requests().iter().any(|r| r.starts_with("DELETE")),
        "nothing deleted from the hub: {:?}",
        fake.requests()
    );
}

#[test]
fn without_a_terminal_and_without_yes_nothing_changes() {
    let (fake, hub) = hub_with_ann();
    let err = refused(&hub, &["users", "remove", "ann", "--delete-home"]);
    assert!(err.contains("stdin is not a terminal"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    no_delete(&fake);
}

#[test]
fn a_yes_piped_on_stdin_is_not_a_confirmation() {
    let (fake, hub) = hub_with_ann();
    let before = hub.file();
    let (ok, stdout, stderr) =
        with_stdin(&hub, &["users", "remove", "ann", "--delete-home"], "y\ny\n");
    assert!(!ok, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("stdin is not a terminal"), "{stderr}");
    assert_eq!(hub.file(), before, "config.toml untouched");
    no_delete(&fake);
}

#[test]
fn yes_needs_delete_home() {
    let (fake, hub) = hub_with_ann();
    let before = hub.file();
    let out = hub
        .cmd(&["users", "remove", "ann", "--yes"])
        .assert()
        .failure()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("--delete-home"), "{err}");
    assert_eq!(hub.file(), before);
    no_delete(&fake);
}

#[test]
fn an_unknown_name_is_refused_before_the_question() {
    let (fake, hub) = hub_with_ann();
    let err = refused(
        &hub,
        &["users", "remove", "ann", "nobody", "--delete-home", "--yes"],
    );
    assert!(err.contains("nor known to a running hub: nobody"), "{err}");
    no_delete(&fake);
}

#[test]
fn with_yes_a_user_without_an_account_is_removed_and_no_account_touched() {
    // A name no machine has an account for (checked: this test must never
    // delete a real account).
    let name = "hubcfg-test-noaccount";
    let account = format!("jupyter-{name}");
    assert!(nix::unistd::User::from_name(&account).unwrap().is_none());
    let fake = FakeHub::start(TOKEN, vec![user(name, false, true, None)]);
    let hub = prefix_allowing(fake.port, name);
    let out = hub.ok_all(&["users", "remove", name, "--delete-home", "--yes"]);
    assert!(
        out.stderr
            .contains(&format!("removed {name} from users.allowed")),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr
            .contains("accounts and home directories are kept"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("deleted the unix account"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.names(), Vec::<String>::new());
}

#[test]
fn remove_help_shows_delete_home() {
    let hub = Hub::new();
    let help = hub.ok(&["users", "remove", "--help"]);
    assert!(help.contains("--delete-home"), "{help}");
    assert!(
        help.contains("sudo hubcfg users remove s1 s2 s3 --delete-home --yes"),
        "{help}"
    );
    let bash = hub.ok(&["completions", "bash"]);
    assert!(
        bash.contains("--delete-home"),
        "no completion for --delete-home"
    );
}
