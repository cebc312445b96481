use super::*;

fn dist(site: &Path, dir: &str, name: &str, eps: &str, direct: Option<&str>) {
    let d = site.join(dir);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n\nName: not-this\n"),
    )
    .unwrap();
    std::fs::write(d.join("entry_points.txt"), eps).unwrap();
    if let Some(j) = direct {
        std::fs::write(d.join("direct_url.json"), j).unwrap();
    }
}

#[test]
fn only_distributions_with_a_tljh_entry_point_are_found_each_with_its_source() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path();
    let local = site.join("src/my plugin");
    std::fs::create_dir_all(&local).unwrap();
    dist(
        site,
        "tljh_new_user-0.1.3.dist-info",
        "tljh-new-user",
        "[tljh]\nnew-user = tljh_new_user\n",
        None,
    );
    dist(
        site,
        "jupyterhub-5.2.dist-info",
        "jupyterhub",
        "[console_scripts]\njupyterhub = jupyterhub.app:main\n",
        None,
    );
    dist(
        site,
        "empty-1.dist-info",
        "empty",
        "[tljh]\n# none\n[other]\nx = y\n",
        None,
    );
    dist(
        site,
        "tljh_repo2docker-1.0.dist-info",
        "tljh-repo2docker",
        "[console_scripts]\nr = r:main\n\n[tljh]\ntljh_repo2docker = tljh_repo2docker\n",
        Some(
            r#"{"url": "https://git.example/r2d.git", "vcs_info": {"vcs": "git", "requested_revision": "main", "commit_id": "abc"}}"#,
        ),
    );
    let file_url = format!("file://{}", local.display()).replace(' ', "%20");
    dist(
        site,
        "mine-0.1.dist-info",
        "mine",
        "[tljh]\nmine = mine\n",
        Some(&format!(r#"{{"url": "{file_url}", "dir_info": {{}}}}"#)),
    );
    dist(
        site,
        "gone-0.1.dist-info",
        "gone",
        "[tljh]\ngone = gone\n",
        Some(r#"{"url": "file:///nowhere/gone", "dir_info": {}}"#),
    );
    let got = in_site(site);
    let specs: Vec<(&str, Option<&str>)> = got
        .iter()
        .map(|f| (f.name.as_str(), f.spec.as_deref()))
        .collect();
    assert_eq!(
        specs,
        [
            ("gone", None),
            ("mine", Some(local.to_str().unwrap())),
            ("tljh-new-user", Some("tljh-new-user")),
            (
                "tljh-repo2docker",
                Some("tljh-repo2docker @ git+https://git.example/r2d.git@main")
            ),
        ]
    );
    assert_eq!(got[0].from, "/nowhere/gone, which is gone");
    assert_eq!(got[2].from, "the package index");
}

#[test]
fn an_archive_url_is_kept_and_a_missing_site_finds_nothing() {
    let (spec, from) = spec_of(
        "p",
        Some(r#"{"url": "https://files.example/p-1.whl", "archive_info": {}}"#),
    );
    assert_eq!(spec.as_deref(), Some("p @ https://files.example/p-1.whl"));
    assert_eq!(from, "https://files.example/p-1.whl");
    assert_eq!(spec_of("p", Some("not json")).0.as_deref(), Some("p"));
    assert!(in_site(Path::new("/nonexistent/site-packages")).is_empty());
}

#[test]
fn a_given_spec_names_a_distribution_only_as_a_whole_name() {
    assert!(names("tljh-new-user", "tljh-new-user"));
    assert!(names("tljh_new_user==0.1.3", "tljh-new-user"));
    assert!(names("TLJH-New-User >=0.1", "tljh-new-user"));
    assert!(names("tljh-new-user @ git+https://x/y", "tljh-new-user"));
    assert!(!names("tljh-new-user-extra", "tljh-new-user"));
    assert!(!names("/srv/tljh-new-user", "tljh-new-user"));
}

#[test]
fn an_adoption_records_what_hub_has_unless_plugins_json_exists_or_a_plugin_names_it() {
    let t = tempfile::tempdir().unwrap();
    let paths = Paths::new(t.path());
    let site = paths.hub_env().join("lib/python3.11/site-packages");
    dist(&site, "a-1.dist-info", "tljh-a", "[tljh]\na = a\n", None);
    dist(&site, "b-1.dist-info", "tljh-b", "[tljh]\nb = b\n", None);
    dist(
        &site,
        "c-1.dist-info",
        "tljh-c",
        "[tljh]\nc = c\n",
        Some(r#"{"url": "file:///nowhere/c", "dir_info": {}}"#),
    );
    let (specs, lines) = for_adoption(&paths, &["tljh_b==2".to_string()]);
    assert_eq!(specs, ["tljh-a"]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(!lines[0].0 && lines[0].1.ends_with(": tljh-a (from the package index)"));
    assert!(
        lines[1].0
            && lines[1]
                .1
                .contains("tljh-c was installed from /nowhere/c, which is gone")
    );
    std::fs::create_dir_all(paths.state_dir()).unwrap();
    super::super::state::save(&paths, &["x".to_string()]).unwrap();
    assert_eq!(for_adoption(&paths, &[]), (vec![], vec![]));
}
