use super::*;
use crate::systemd::fake::FakeServices;
use serde_json::json;

fn doc(text: &str) -> DocumentMut {
    text.parse().unwrap()
}

fn new(name: &str, admin: bool) -> NewUser {
    NewUser {
        name: name.into(),
        admin,
        password: None,
    }
}

#[test]
fn authenticator_spellings() {
    assert_eq!(auth_of(&json!({})), Auth::FirstUse);
    assert_eq!(
        auth_of(&json!({"auth": {"type": "firstuse"}})),
        Auth::FirstUse
    );
    for native in [
        "nativeauthenticator.NativeAuthenticator",
        "nativeauthenticator:NativeAuthenticator",
        "native",
    ] {
        assert_eq!(
            auth_of(&json!({"auth": {"type": native}})),
            Auth::Native,
            "{native}"
        );
    }
    assert_eq!(
        auth_of(&json!({"auth": {"type": "github"}})),
        Auth::Other("github".into())
    );
}

#[test]
fn passwords_only_for_first_use_and_native() {
    let cfg = Path::new("/opt/tljh/config/config.toml");
    assert!(passwords_supported(&Auth::FirstUse, cfg).is_ok());
    assert!(passwords_supported(&Auth::Native, cfg).is_ok());
    let e = passwords_supported(&Auth::Other("dummy".into()), cfg).unwrap_err();
    assert!(e.message.contains("`dummy`"), "{}", e.message);
}

#[test]
fn rules_follow_the_config() {
    assert_eq!(rules_of(&json!({})), Rules::default());
    let r = rules_of(&json!({"auth": {"FirstUseAuthenticator": {"min_password_length": 12}}}));
    assert_eq!(r.min_password_len, 12);
    assert!(!rules_of(&json!({"auth": {"type": "github"}})).first_use);
}

#[test]
fn adding_keeps_comments_and_skips_names_already_there() {
    let mut d = doc(
        "[users]\n# staff\nadmin = [\"ada\"] # lecturer\nallowed = [\n    \"s1\", # first\n]\n",
    );
    let changed = add_users(
        &mut d,
        &[new("s1", false), new("s2", false), new("ada", true)],
    )
    .unwrap();
    assert_eq!(changed.allowed, ["s2", "ada"]);
    assert!(changed.admin.is_empty());
    assert_eq!(
        d.to_string(),
        "[users]\n# staff\nadmin = [\"ada\"] # lecturer\nallowed = [\n    \"s1\", # first\n    \"s2\",\n    \"ada\",\n]\n"
    );
}

#[test]
fn removing_takes_names_out_of_both_lists() {
    let cfg = Path::new("config.toml");
    let mut d = doc("[users]\nadmin = [\"ada\", \"bob\"]\nallowed = [\"ada\", \"cy\"] # class\n");
    let changed = remove_users(&mut d, &["ada".into(), "cy".into()], cfg).unwrap();
    assert_eq!(changed.allowed, ["ada", "cy"]);
    assert_eq!(changed.admin, ["ada"]);
    assert_eq!(
        d.to_string(),
        "[users]\nadmin = [\"bob\"]\nallowed = [] # class\n"
    );
}

#[test]
fn a_list_that_is_not_a_list_is_refused() {
    let cfg = Path::new("/x/config.toml");
    let d = doc("[users]\nallowed = \"ann\"\n");
    let e = names_at(&d, ALLOWED, cfg).unwrap_err();
    assert!(
        e.message
            .contains("users.allowed in /x/config.toml is not a list"),
        "{}",
        e.message
    );
    let e = precheck(&d, cfg, |d| add_users(d, &[new("bob", false)])).unwrap_err();
    assert!(e.message.contains("users.allowed"), "{}", e.message);
}

#[test]
fn precheck_refuses_what_validation_refuses_and_leaves_the_document() {
    let cfg = Path::new("/x/config.toml");
    let d = doc("[users]\nbanned = [\"\"]\n");
    let e = precheck(&d, cfg, |d| add_users(d, &[new("bob", false)])).unwrap_err();
    assert!(e.message.contains("users.banned"), "{}", e.message);
    assert!(e.message.contains("nothing was changed"), "{}", e.message);
    assert_eq!(d.to_string(), "[users]\nbanned = [\"\"]\n");
    let d = doc("[http]\nport = 0\n");
    assert!(precheck(&d, cfg, |d| add_users(d, &[new("bob", false)])).is_ok());
}

#[test]
fn open_to_all_is_first_use_with_nobody_allowed() {
    assert!(open_to_all(&json!({})));
    assert!(open_to_all(
        &json!({"users": {"allowed": [], "admin": ["ada"]}})
    ));
    assert!(!open_to_all(&json!({"users": {"allowed": ["s1"]}})));
    assert!(!open_to_all(
        &json!({"auth": {"FirstUseAuthenticator": {"allow_all": false}}})
    ));
    assert!(!open_to_all(&json!({"auth": {"type": "github"}})));
}

#[test]
fn the_hub_is_reloaded_only_when_this_prefix_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    let paths = Paths::new("/opt/tljh");
    let running = FakeServices::stuck("active");
    // No unit: not installed here, whatever systemd says.
    assert!(!hub_running(&paths, &units, &running));
    // Another install's unit.
    let unit = units.join("jupyterhub.service");
    std::fs::write(
        &unit,
        "[Service]\nExecStart=/opt/tljh2/hub/bin/python3 -m jupyterhub\n",
    )
    .unwrap();
    assert!(!hub_running(&paths, &units, &running));
    std::fs::write(
        &unit,
        "[Service]\nExecStart=/opt/tljh/hub/bin/python3 -m jupyterhub\n",
    )
    .unwrap();
    assert!(hub_running(&paths, &units, &running));
    assert!(hub_running(&Paths::new("/opt/tljh/"), &units, &running));
    assert!(!hub_running(
        &paths,
        &units,
        &FakeServices::stuck("inactive")
    ));
    assert!(!hub_running(&paths, &units, &FakeServices::stuck("failed")));
}
