use super::*;
use crate::config::validate::check_document;
use serde_json::json;

/// A reply of `config_yaml.py` with these leaves (path, line, value) and
/// the tables above them made as the Python side makes them.
pub(super) fn parsed(leaves: &[(&str, usize, Json)]) -> Parsed {
    let mut entries: Vec<Entry> = vec![];
    for (path, line, value) in leaves {
        let parts: Vec<String> = path.split('.').map(String::from).collect();
        for n in 1..parts.len() {
            if !entries.iter().any(|e| e.table && e.path == parts[..n]) {
                entries.push(Entry {
                    path: parts[..n].to_vec(),
                    line: Some(*line),
                    table: true,
                    ..Entry::default()
                });
            }
        }
        entries.push(Entry {
            path: parts,
            line: Some(*line),
            value: value.clone(),
            ..Entry::default()
        });
    }
    Parsed {
        entries,
        ..Parsed::default()
    }
}

pub(super) fn ok(p: &Parsed) -> Converted {
    convert(p, "config.yaml").unwrap_or_else(|r| panic!("refused: {r:?}"))
}

fn refused(p: &Parsed) -> Vec<String> {
    match convert(p, "config.yaml") {
        Ok(c) => panic!("converted:\n{}", c.toml),
        Err(r) => r.iter().map(ToString::to_string).collect(),
    }
}

fn entry_mut<'a>(p: &'a mut Parsed, path: &str) -> &'a mut Entry {
    p.entries.iter_mut().find(|e| e.key() == path).unwrap()
}

#[test]
fn every_key_family_keeps_its_value_and_type() {
    let p = parsed(&[
        ("base_url", 1, json!("/hub/")),
        ("auth.type", 2, json!("github")),
        ("auth.GitHubOAuthenticator.client_id", 3, json!("abc")),
        (
            "auth.GitHubOAuthenticator.allowed_organizations",
            4,
            json!(["org"]),
        ),
        ("auth.FirstUseAuthenticator.create_users", 5, json!(true)),
        ("users.allowed", 6, json!(["ann", "bob"])),
        ("users.banned", 7, json!([])),
        ("users.admin", 8, json!(["ann"])),
        ("users.extra_user_groups.staff", 9, json!(["ann"])),
        ("limits.memory", 10, json!("1G")),
        ("limits.cpu", 11, json!(0.5)),
        ("http.address", 12, json!("0.0.0.0")),
        ("http.port", 13, json!(8080)),
        ("https.enabled", 14, json!(true)),
        ("https.port", 15, json!(8443)),
        ("https.letsencrypt.email", 16, json!("ops@example.org")),
        ("https.letsencrypt.domains", 17, json!(["hub.example.org"])),
        ("https.letsencrypt.staging", 18, json!(false)),
        ("traefik_api.username", 19, json!("api")),
        ("user_environment.default_app", 20, json!("classic")),
        ("services.cull.enabled", 21, json!(true)),
        ("services.cull.timeout", 22, json!(3600)),
        ("services.cull.every", 23, json!(300)),
        ("services.cull.concurrency", 24, json!(2)),
        ("services.cull.users", 25, json!(true)),
        ("services.cull.max_age", 26, json!(86400)),
        ("services.cull.remove_named_servers", 27, json!(true)),
    ]);
    let c = ok(&p);
    for e in p.entries.iter().filter(|e| !e.table) {
        assert_eq!(
            crate::effective::get(&c.user, &e.key()),
            Some(&e.value),
            "{}",
            e.key()
        );
    }
    assert_eq!(check_document(&c.user), vec![], "{}", c.toml);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert!(c.differences.is_empty(), "{:?}", c.differences);
    assert!(
        c.toml
            .contains("\n[auth.GitHubOAuthenticator]\nclient_id = \"abc\"\n"),
        "{}",
        c.toml
    );
    assert!(
        c.toml.contains("limits]\nmemory = \"1G\"\ncpu = 0.5\n"),
        "{}",
        c.toml
    );
    assert!(
        c.toml
            .contains("[users.extra_user_groups]\nstaff = [\"ann\"]\n"),
        "{}",
        c.toml
    );
}

#[test]
fn comments_sit_on_their_keys_and_tables() {
    let mut p = parsed(&[
        ("users.admin", 3, json!(["ann"])),
        ("http.port", 5, json!(8080)),
        ("base_url", 7, json!("/")),
    ]);
    p.entries[0].comments = vec!["# who may log in".into()];
    entry_mut(&mut p, "users.admin").comments = vec!["# the boss".into()];
    entry_mut(&mut p, "http.port").inline = Some("# behind a proxy".into());
    entry_mut(&mut p, "base_url").comments = vec!["# at the root".into()];
    p.trailing = vec!["# the end".into()];
    let c = ok(&p);
    assert!(
        c.toml
            .contains("\n# who may log in\n[users]\n# the boss\nadmin = [\"ann\"]\n"),
        "{}",
        c.toml
    );
    assert!(
        c.toml.contains("port = 8080 # behind a proxy\n"),
        "{}",
        c.toml
    );
    assert!(
        c.toml.contains("# at the root\nbase_url = \"/\"\n"),
        "{}",
        c.toml
    );
    assert!(c.toml.ends_with("\n# the end\n"), "{}", c.toml);
}

#[test]
fn a_table_without_a_header_hands_its_comments_to_the_next_one() {
    let mut p = parsed(&[("auth.GitHubOAuthenticator.client_id", 3, json!("x"))]);
    p.entries[0].comments = vec!["# logins".into()];
    let c = ok(&p);
    assert!(
        c.toml.contains("# logins\n[auth.GitHubOAuthenticator]\n"),
        "{}",
        c.toml
    );
}

#[test]
fn unknown_keys_are_kept_and_reported() {
    let p = parsed(&[
        ("plasma.groups.docs", 1, json!({"members": ["ann"]})),
        ("auth.allow_all", 2, json!(true)),
        ("users.admin", 3, json!(["ann"])),
    ]);
    let c = ok(&p);
    assert_eq!(
        crate::effective::get(&c.user, "plasma.groups.docs.members"),
        Some(&json!(["ann"]))
    );
    assert_eq!(
        crate::effective::get(&c.user, "auth.allow_all"),
        Some(&json!(true))
    );
    let unknown: Vec<_> = c
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Unknown)
        .map(|n| n.key.as_str())
        .collect();
    assert_eq!(unknown, vec!["plasma", "auth.allow_all"]);
    assert!(
        c.notes[0].to_string().starts_with("plasma (line 1): kept"),
        "{}",
        c.notes[0]
    );
}

#[test]
fn a_trait_that_is_a_mapping_passes_through_unreported() {
    let c = ok(&parsed(&[(
        "auth.LDAPAuthenticator.user_attributes.mail",
        1,
        json!("email"),
    )]));
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert!(
        c.toml
            .contains("[auth.LDAPAuthenticator.user_attributes]\nmail = \"email\"\n"),
        "{}",
        c.toml
    );
    assert_eq!(check_document(&c.user), vec![]);
}

#[test]
fn an_empty_file_is_the_defaults() {
    let c = ok(&Parsed {
        empty: true,
        ..Parsed::default()
    });
    assert_eq!(c.user, json!({}));
    assert!(c.differences.is_empty());
    assert!(
        c.toml.starts_with("# Converted from TLJH's config.yaml"),
        "{}",
        c.toml
    );
}

#[test]
fn a_syntax_error_names_its_line_and_nothing_converts() {
    let p = Parsed {
        errors: vec![SyntaxError {
            line: Some(3),
            column: Some(2),
            message: "expected ',' or ']', but got ':'".into(),
        }],
        ..Parsed::default()
    };
    assert_eq!(
        refused(&p),
        vec!["line 3: column 2: not valid YAML: expected ',' or ']', but got ':'"]
    );
}

#[test]
fn bad_types_are_refused_each_with_its_line() {
    let mut p = parsed(&[
        ("http.port", 4, json!("eighty")),
        ("https.enabled", 5, json!("maybe")),
        ("services.cull.timeout", 6, json!(-5)),
        ("limits.memory", 7, json!("1g")),
        ("users.admin.ann", 8, json!(true)),
        ("base_url", 9, json!(".nan")),
    ]);
    entry_mut(&mut p, "base_url").unsupported = Some("a float that is not a number".into());
    let r = refused(&p);
    assert_eq!(r.len(), 6, "{r:#?}");
    assert!(
        r[0].starts_with("line 4: http.port: must be a whole number, not the string \"eighty\""),
        "{}",
        r[0]
    );
    assert!(
        r[1].contains("line 5: https.enabled: must be true or false"),
        "{}",
        r[1]
    );
    assert!(
        r[2].contains("line 6: services.cull.timeout: must be at least 0"),
        "{}",
        r[2]
    );
    assert!(
        r[3].contains("line 7: limits.memory: `1g`: the unit must be upper-case"),
        "{}",
        r[3]
    );
    assert!(
        r[4].starts_with("line 8: users.admin: must be a list of strings, not a mapping"),
        "{}",
        r[4]
    );
    assert!(
        r[5].starts_with("line 9: base_url: holds a float that is not a number"),
        "{}",
        r[5]
    );
}

#[test]
fn strings_tljh_would_coerce_become_what_they_spell() {
    let p = parsed(&[
        ("https.enabled", 1, json!("false")),
        ("services.cull.users", 2, json!("yes")),
        ("http.port", 3, json!("8080")),
        ("users.admin", 4, json!("ann")),
        ("users.allowed", 5, json!(["ann", 1234])),
        ("users.extra_user_groups.staff", 6, json!("ann")),
        ("traefik_api.password", 7, json!(12345)),
    ]);
    let c = ok(&p);
    let get = |k| crate::effective::get(&c.user, k).cloned();
    assert_eq!(get("https.enabled"), Some(json!(false)));
    assert_eq!(get("services.cull.users"), Some(json!(true)));
    assert_eq!(get("http.port"), Some(json!(8080)));
    assert_eq!(get("users.admin"), Some(json!(["ann"])));
    assert_eq!(get("users.allowed"), Some(json!(["ann", "1234"])));
    assert_eq!(get("users.extra_user_groups.staff"), Some(json!(["ann"])));
    assert_eq!(get("traefik_api.password"), Some(json!("12345")));
    let report: String = c.notes.iter().map(|n| format!("{n}\n")).collect();
    assert!(
        !report.contains("12345"),
        "a secret in the report: {report}"
    );
    assert!(
        report
            .contains("traefik_api.password (line 7): its value was retyped (not shown: a secret)"),
        "{report}"
    );
    assert_eq!(
        c.notes.iter().filter(|n| n.kind == NoteKind::Fixed).count(),
        7,
        "{:#?}",
        c.notes
    );
    let diffs: Vec<String> = c.differences.iter().map(ToString::to_string).collect();
    // The port rendered alike in TLJH; "yes" was true there too.
    assert_eq!(diffs.len(), 2, "{diffs:#?}");
    assert!(
        diffs[0]
            .starts_with("users.admin: TLJH applied [\"a\",\"n\",\"n\"], hubcfg applies [\"ann\"]"),
        "{}",
        diffs[0]
    );
    assert!(
        diffs[1].starts_with("https.enabled: TLJH applied true, hubcfg applies false"),
        "{}",
        diffs[1]
    );
}

#[test]
fn nulls_are_not_written_and_a_lost_default_is_a_difference() {
    let p = parsed(&[
        ("limits.memory", 1, Json::Null),
        ("services.cull.enabled", 2, Json::Null),
        ("auth.GitHubOAuthenticator.client_id", 3, Json::Null),
        ("plasma", 4, Json::Null),
    ]);
    let c = ok(&p);
    assert_eq!(c.user, json!({}), "{}", c.toml);
    assert_eq!(
        c.notes
            .iter()
            .filter(|n| n.kind == NoteKind::Dropped)
            .count(),
        4
    );
    assert!(c.notes[1].text.contains("default true"), "{}", c.notes[1]);
    let diffs: Vec<String> = c.differences.iter().map(ToString::to_string).collect();
    assert_eq!(
        diffs,
        vec![
            "services.cull.enabled: TLJH applied false, hubcfg applies true (TLJH's `if` read none as false)"
        ]
    );
}

#[test]
fn the_toml_reads_back_as_the_same_settings() {
    let p = parsed(&[
        ("odd key.with dot", 1, json!({"x y": [1, {"a": "b"}]})),
        ("users.admin", 2, json!(["ann"])),
    ]);
    let c = ok(&p);
    let back = crate::config::file::parse(std::path::Path::new("c.toml"), &c.toml).unwrap();
    assert_eq!(crate::config::edit::to_json(&back), c.user);
    assert_eq!(
        crate::effective::get(&c.user, "users.admin"),
        Some(&json!(["ann"]))
    );
}
