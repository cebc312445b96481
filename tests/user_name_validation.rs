//! User names in `users.*`: empty names and control characters are refused
//! (naming the key and the value); names that get a hashed unix account are
//! accepted with a note naming that account.

#[path = "common/hub.rs"]
mod hub;
use hub::Hub;
use std::path::Path;

fn exists(p: &Path) -> bool {
    p.exists()
}

#[test]
fn empty_and_control_character_names_are_refused_by_add_item() {
    for (key, value, shown) in [
        ("users.admin", "", r#""""#),
        ("users.allowed", "jane\ndoe", r#""jane\ndoe""#),
        ("users.banned", "eve\t", r#""eve\t""#),
        (
            "users.extra_user_groups.docker",
            "bob\u{7f}",
            r#""bob\u{7f}""#,
        ),
    ] {
        let hub = Hub::new();
        let (ok, _, err) = hub.run(&["add-item", key, value]);
        assert!(!ok, "add-item {key} {value:?} was accepted");
        assert!(err.contains(key), "{key}: {err}");
        assert!(err.contains(shown), "{key}: {shown} not in {err}");
        assert!(!exists(&hub.config()), "{key}: a config file was written");
    }
}

#[test]
fn validate_refuses_bad_names_already_in_the_file() {
    let hub = Hub::with_config(
        "[users]\nadmin = [\"\"]\nallowed = [\"ok\", \"jane\\ndoe\"]\n\
         extra_user_groups = { data = [\"x\\u0000y\"] }\n",
    );
    let (ok, out, _) = hub.run(&["validate"]);
    assert!(!ok, "validate passed:\n{out}");
    assert!(out.contains(r#"users.admin: "" "#), "{out}");
    assert!(out.contains(r#"users.allowed: "jane\ndoe" "#), "{out}");
    assert!(
        out.contains(r#"users.extra_user_groups.data: "x\0y" "#),
        "{out}"
    );
    assert!(!out.contains("\"ok\""), "{out}");
}

#[test]
fn hashed_names_get_a_note_naming_their_account_not_a_refusal() {
    let hub = Hub::new();
    let (ok, _, err) = hub.run(&["add-item", "users.admin", "jane@x.org"]);
    assert!(ok, "{err}");
    assert!(hub.file().unwrap().contains("jane@x.org"));
    let account = hubcfg::username::unix_name("jane@x.org").unwrap();
    assert!(
        err.contains(&format!(
            "note: users.admin: `jane@x.org` runs as unix user `{account}`"
        )),
        "{err}"
    );
    // The note comes with the edit that adds the name, not with every later one.
    let (ok, _, err) = hub.run(&["add-item", "users.admin", "bob"]);
    assert!(
        ok && !err.contains("note:") && !err.contains("warning"),
        "{err}"
    );
    assert_ne!(account, "jupyter-jane@x.org");
    let (ok, out, err) = hub.run(&["validate"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("warning: users.admin: `jane@x.org`"), "{out}");
    assert!(out.contains(&account), "{account} not in {out}");
    assert!(out.contains(": ok\n"), "{out}");
    let (ok, out, _) = hub.run(&["--json", "validate"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["problems"][0]["severity"], "warning");
    assert_eq!(v["problems"][0]["key"], "users.admin");
}

#[test]
fn plain_names_get_no_note() {
    let hub = Hub::with_config("[users]\nadmin = [\"alice\"]\nallowed = [\"bob_2\"]\n");
    let (ok, out, _) = hub.run(&["validate"]);
    assert!(ok);
    assert!(!out.contains("warning"), "{out}");
}
