use super::*;

fn ok(text: &str) -> Checked {
    parse(text.as_bytes(), &Rules::default()).unwrap()
}

fn problems(text: &str) -> Vec<String> {
    parse(text.as_bytes(), &Rules::default())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn user(name: &str, admin: bool, password: Option<&str>) -> NewUser {
    NewUser {
        name: name.into(),
        admin,
        password: password.map(str::to_string),
    }
}

#[test]
fn a_good_file_gives_every_user() {
    let c = ok("name,password,admin\nann,ann-pass-1,yes\nbob,,\ncarol,carol-pass,0\n");
    assert_eq!(
        c.users,
        vec![
            user("ann", true, Some("ann-pass-1")),
            user("bob", false, None),
            user("carol", false, Some("carol-pass")),
        ]
    );
    assert!(c.notes.is_empty());
}

#[test]
fn columns_in_any_order_and_case_and_only_name_required() {
    assert_eq!(
        ok("Admin,NAME\ntrue,ann\n,bob\n").users,
        vec![user("ann", true, None), user("bob", false, None)]
    );
    assert_eq!(ok("name\nann\n").users, vec![user("ann", false, None)]);
}

#[test]
fn quoted_fields_crlf_bom_spaces_and_blank_lines() {
    let text = "\u{feff}name,password\r\n\"ann\",\"pass, with comma\"\r\n\r\n bob ,\"say \"\"hi\"\" now\"\r\n";
    assert_eq!(
        ok(text).users,
        vec![
            user("ann", false, Some("pass, with comma")),
            user("bob", false, Some("say \"hi\" now")),
        ]
    );
}

#[test]
fn every_bad_row_is_reported_with_its_line() {
    let text = "name,password,admin\n\
                ann,good-pass,yes\n\
                ,empty-name,no\n\
                bob,short,no\n\
                carol,,maybe\n\
                ann,other-pass,no\n\
                dave,extra,no,field\n\
                Eve,,\n\
                eve,,\n\
                fay smith,,\n";
    assert_eq!(
        problems(text),
        [
            r#"line 3: "" is not a user name: it is empty"#,
            r#"line 4: "bob": the password has 5 characters; FirstUseAuthenticator wants at least 7 (auth.FirstUseAuthenticator.min_password_length)"#,
            r#"line 5: admin is "maybe"; use true/false, yes/no, 1/0, or leave it empty (= false)"#,
            r#"line 6: "ann" is already on line 2; each user once"#,
            "line 7: has 4 fields, the header has 3; a field holding a comma must be in double quotes",
            r#"line 9: "eve" is already on line 8 (as "Eve"; the hub lower-cases names); each user once"#,
            r#"line 10: "fay smith" holds a space or a comma, which FirstUseAuthenticator refuses at login"#,
        ]
    );
}

#[test]
fn one_bad_row_means_no_users_at_all() {
    let mut text = String::from("name,password\n");
    for i in 0..20 {
        text.push_str(&format!("student{i},pass-{i:04}\n"));
    }
    text.push_str("student5,again-pass\n");
    let err = parse(text.as_bytes(), &Rules::default()).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].line, 22);
}

#[test]
fn line_numbers_count_lines_inside_quoted_fields() {
    let text = "name,password\n\"ann\",\"two\nlines\"\n,x-password\n";
    let p = problems(text);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with("line 2: \"ann\": the password holds a control character"),
        "{p:?}"
    );
    assert!(p[1].starts_with("line 4: \"\" is not a user name"), "{p:?}");
}

#[test]
fn header_problems() {
    assert_eq!(
        problems(""),
        [
            "line 1: the file is empty; the first line must be a header such as `name,password,admin`"
        ]
    );
    assert!(problems("user,password\nann,x\n")[0].contains("unknown column `user`"));
    let typo = &problems("name,pasword\nann,x\n")[0];
    assert!(typo.contains("did you mean `password`?"), "{typo}");
    assert!(problems("name,name\nann,bob\n")[0].contains("twice"));
    assert!(problems("password\nsecret-1\n")[0].contains("no `name` column"));
    assert_eq!(
        problems("name,password\n"),
        ["line 2: no users: the file has a header but no rows"]
    );
}

#[test]
fn text_that_is_not_utf8_names_its_line() {
    let p = parse(b"name\nann\nb\xe9a\n", &Rules::default()).unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, 3);
    assert!(p[0].message.contains("UTF-8"), "{}", p[0].message);
}

#[test]
fn hashed_accounts_are_notes_not_problems() {
    let c = ok("name\nann\nAnn.Smith@uni.edu\nabcdefghijklmnopqrstuvwxyz\n");
    assert_eq!(c.users.len(), 3);
    let lines: Vec<u64> = c.notes.iter().map(|n| n.line).collect();
    assert_eq!(lines, [3, 4]);
    let account = crate::username::unix_name("Ann.Smith@uni.edu").unwrap();
    assert!(
        c.notes[0].message.contains(&account),
        "{}",
        c.notes[0].message
    );
}

#[test]
fn other_authenticators_allow_spaces_and_short_passwords_are_its_business() {
    let rules = Rules {
        first_use: false,
        min_password_len: 0,
    };
    let c = parse(b"name\nann smith\n", &rules).unwrap();
    assert_eq!(c.users, vec![user("ann smith", false, None)]);
}
