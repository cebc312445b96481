use super::*;
use std::os::unix::fs::PermissionsExt;

fn journal() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::of(&Paths::new(dir.path().join("prefix")), "bootstrap");
    (dir, j)
}

#[test]
fn entries_are_appended_once_per_key_in_a_private_file() {
    let (_d, j) = journal();
    assert!(j.entries().unwrap().is_empty(), "no journal: no entries");
    let g = Change::GroupCreated {
        group: "jupyterhub-users".into(),
    };
    j.record(g.clone()).unwrap();
    j.record(g.clone()).unwrap();
    j.record(Change::PackageInstalled {
        package: "sudo".into(),
    })
    .unwrap();
    let entries = j.entries().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].change, g);
    assert_eq!(entries[0].by, "bootstrap");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&j.path), 0o600);
    assert_eq!(
        mode(j.path.parent().unwrap()),
        0o700,
        "state/ made as the layout step does"
    );
}

#[test]
fn the_line_format_is_stable() {
    let text = r#"{"v":1,"at":5,"by":"migrate-tljh","kind":"file","path":"/etc/systemd/system/jupyterhub.service","before":{"was":"file","saved":"/opt/tljh/state/journal-saved/tljh-jupyterhub.service","mode":420,"uid":0,"gid":0},"note":"TLJH's unit"}
{"v":1,"at":6,"by":"bootstrap","kind":"link","path":"/usr/bin/hubcfg","target":"/opt/tljh/bin/hubcfg","before":{"was":"absent"}}
"#;
    let entries = parse(text).unwrap();
    assert_eq!(entries[0].note.as_deref(), Some("TLJH's unit"));
    assert!(matches!(
        &entries[0].change,
        Change::File {
            before: Before::File { mode: 0o644, .. },
            ..
        }
    ));
    let again: Vec<String> = entries
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert_eq!(again.join("\n") + "\n", text, "written back byte for byte");
}

#[test]
fn a_torn_last_line_is_skipped_but_a_bad_middle_line_is_an_error() {
    let good = r#"{"v":1,"at":6,"by":"bootstrap","kind":"group_created","group":"g"}"#;
    let torn = format!("{good}\n{{\"v\":1,\"at\":7,\"by\":\"boo");
    assert_eq!(parse(&torn).unwrap().len(), 1);
    let bad = format!("{good}\nnot json\n{good}\n");
    assert_eq!(parse(&bad).unwrap_err().0, 2);
    let future = r#"{"v":2,"at":6,"by":"x","kind":"group_created","group":"g"}"#;
    assert!(
        parse(&format!("{future}\n"))
            .unwrap_err()
            .1
            .contains("version 2")
    );
    let (_d, j) = journal();
    std::fs::create_dir_all(j.path.parent().unwrap()).unwrap();
    std::fs::write(&j.path, &bad).unwrap();
    let e = j.entries().unwrap_err();
    assert!(e.message.contains("journal.jsonl, line 2"), "{e}");
}

#[test]
fn before_saves_a_file_with_its_mode_and_names_a_link_or_nothing() {
    let (d, j) = journal();
    let file = d.path().join("unit.service");
    std::fs::write(&file, "TLJH's unit\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let Some(Before::File { saved, mode, .. }) = j.before(&file).unwrap() else {
        panic!("a file is saved")
    };
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "TLJH's unit\n");
    assert!(saved.starts_with(&j.saved_dir));
    assert_eq!(mode, 0o640);
    let link = d.path().join("tljh-config");
    std::os::unix::fs::symlink("/elsewhere/tljh-config", &link).unwrap();
    assert_eq!(
        j.before(&link).unwrap(),
        Some(Before::Link {
            target: "/elsewhere/tljh-config".into()
        })
    );
    assert_eq!(
        j.before(&d.path().join("none")).unwrap(),
        Some(Before::Absent)
    );
    assert!(j.before(d.path()).is_err(), "a directory is refused");
    j.record(Change::File {
        path: file.clone(),
        before: Before::Absent,
    })
    .unwrap();
    assert_eq!(
        j.before(&file).unwrap(),
        None,
        "already ours: the first before stays"
    );
}
