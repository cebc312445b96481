use super::*;
use serde_json::json;

fn keys(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.key.as_str()).collect()
}

#[test]
fn ports_and_culler_ranges() {
    let port = schema::lookup("http.port").unwrap().kind;
    assert!(check_value(port, &json!(8080)).is_ok());
    assert!(check_value(port, &json!(0)).is_err());
    assert!(check_value(port, &json!(99999)).is_err());
    assert!(check_value(port, &json!("80")).is_err());
    let timeout = schema::lookup("services.cull.timeout").unwrap().kind;
    assert!(check_value(timeout, &json!(0)).is_ok());
    let e = check_value(timeout, &json!(-5)).unwrap_err();
    assert!(e.contains("at least 0"), "{e}");
}

#[test]
fn memory_cpu_addresses() {
    let mem = Kind::Memory;
    for ok in ["512M", "2G", "1.5G", "1024", "3T"] {
        assert!(check_value(mem, &json!(ok)).is_ok(), "{ok}");
    }
    for bad in ["2g", "lots", "G", "5X", ""] {
        assert!(check_value(mem, &json!(bad)).is_err(), "{bad}");
    }
    assert!(check_value(Kind::Number { min: 0.0 }, &json!(-0.5)).is_err());
    assert!(check_value(Kind::ListenAddress, &json!("::1")).is_ok());
    assert!(check_value(Kind::ListenAddress, &json!("")).is_ok());
    assert!(check_value(Kind::ListenAddress, &json!("999.1.1.1")).is_err());
}

#[test]
fn letsencrypt_and_enum() {
    assert!(check_value(Kind::Email, &json!("me@example.org")).is_ok());
    assert!(check_value(Kind::Email, &json!("me@localhost")).is_err());
    assert!(check_value(Kind::HostnameList, &json!(["hub.example.org"])).is_ok());
    assert!(check_value(Kind::HostnameList, &json!(["bad_name.org"])).is_err());
    let app = schema::lookup("user_environment.default_app").unwrap().kind;
    assert!(check_value(app, &json!("classic")).is_ok());
    assert!(check_value(app, &json!("nteract")).is_err());
}

#[test]
fn acme_server_must_be_a_url() {
    let k = schema::lookup("https.letsencrypt.ca_server").unwrap().kind;
    for ok in [
        "",
        "https://127.0.0.1:14000/dir",
        "http://ca.internal/acme/directory",
    ] {
        assert!(check_value(k, &json!(ok)).is_ok(), "{ok}");
    }
    for bad in [
        "not a url",
        "ftp://x",
        "https://",
        "https:///dir",
        "ca.example.org",
    ] {
        let e = check_value(k, &json!(bad)).unwrap_err();
        assert!(e.contains("http(s) URL"), "{bad}: {e}");
    }
    let challenge = schema::lookup("https.letsencrypt.challenge").unwrap().kind;
    assert!(check_value(challenge, &json!("http-01")).is_ok());
    assert!(check_value(challenge, &json!("dns-01")).is_err());
}

#[test]
fn group_map_wants_lists_of_strings() {
    let k = Kind::GroupMap;
    assert!(check_value(k, &json!({"g": ["a", "b"]})).is_ok());
    let e = check_value(k, &json!({"g": "a"})).unwrap_err();
    assert!(e.contains("group `g`"), "{e}");
}

#[test]
fn document_problems_name_their_keys() {
    let doc = json!({
        "user": {"admin": ["x"]},
        "http": {"port": 0},
        "https": 5,
        "auth": {"GitHubOAuthenticator": {"client_id": 1}, "allow_all": true},
        "users": {"admin": ["ok"]}
    });
    let p = check_document(&doc);
    assert_eq!(
        keys(&p),
        vec!["auth.allow_all", "http.port", "https", "user.admin"]
    );
    assert_eq!(p[3].hint.as_deref(), Some("did you mean `users.admin`?"));
}

#[test]
fn group_problems_name_the_group() {
    let doc = json!({"users": {"extra_user_groups": {"good": ["a"], "bad": "a"}}});
    let p = check_document(&doc);
    assert_eq!(keys(&p), vec!["users.extra_user_groups.bad"]);
    assert!(!p[0].concerns("users.extra_user_groups.good"));
}

#[test]
fn key_types() {
    assert_eq!(
        key_type("users.extra_user_groups.g"),
        Ok(KeyType::GroupMembers)
    );
    assert_eq!(
        key_type("auth.DummyAuthenticator.password"),
        Ok(KeyType::Loose)
    );
    assert!(key_type("users").is_err());
    assert!(key_type("user.admin").is_err());
    let hint = unknown_key("auth.github.client_id").hint.unwrap();
    assert!(
        hint.contains("auth.GitHubOAuthenticator.client_id"),
        "{hint}"
    );
}

#[test]
fn https_completeness() {
    let w = cross_key_warnings(&json!({"https": {"enabled": true}}));
    assert_eq!(keys(&w), vec!["https.enabled"]);
    let ok = json!({"https": {"enabled": true, "letsencrypt": {"email": "a@b.org", "domains": ["b.org"]}}});
    assert!(cross_key_warnings(&ok).is_empty());
}

#[test]
fn problem_concerns_related_keys() {
    let p = Problem::error("users.extra_user_groups", "x");
    assert!(p.concerns("users.extra_user_groups.g"));
    assert!(p.concerns("users"));
    assert!(!p.concerns("users.admin"));
}

/// TLJH lets unknown top-level keys through, and plugins keep settings
/// there; a table that looks like a typo of a known one stays an error.
#[test]
fn an_unknown_top_level_table_is_a_warning_unless_it_looks_like_a_typo() {
    let doc = json!({"plasma": {"groups": ["a"]}, "Test": {"set_by_plugin": true},
                     "user": {"admin": ["x"]}, "nope": 1});
    let problems = check_document(&doc);
    let find = |k: &str| problems.iter().find(|p| p.key == k).unwrap();
    assert!(find("plasma.groups").warning);
    assert!(find("Test.set_by_plugin").warning);
    assert!(!find("user.admin").warning);
    assert!(!find("nope").warning);
}
