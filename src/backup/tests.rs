use super::archive::Writer;
use super::manifest::*;
use super::packages::{missing, name_of};
use super::verify::verify;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::path::Path;

pub(super) fn manifest(members: Vec<Member>) -> Manifest {
    Manifest {
        format: FORMAT,
        hubcfg_version: "0.1.0".into(),
        jupyterhub_version: Some("5.3.0".into()),
        created: "2026-12-01T00:00:00Z".into(),
        prefix: "/opt/tljh".into(),
        plugins: vec![],
        accounts: vec![],
        tls_files: vec![],
        members,
    }
}

#[test]
fn member_paths_must_be_plain_relative_and_known() {
    for ok in [
        "manifest.json",
        "config/config.toml",
        "homes/jupyter-a/.bashrc",
        "state",
    ] {
        assert_eq!(path_problem(ok), None, "{ok}");
    }
    for bad in [
        "/etc/passwd",
        "config/../../etc/passwd",
        "config/./x",
        "config//x",
        "..",
        "etc/passwd",
        "",
    ] {
        assert!(path_problem(bad).is_some(), "{bad}");
    }
}

#[test]
fn symlinks_must_stay_in_their_tree() {
    assert!(symlink_stays_inside("homes/a/l", "sub/f"));
    assert!(symlink_stays_inside("homes/a/d/l", "../f"));
    assert!(symlink_stays_inside("homes/a/l", "sub/../f"));
    assert!(!symlink_stays_inside("homes/a/l", "../b/f"));
    assert!(!symlink_stays_inside("homes/a/d/l", "../../b"));
    assert!(!symlink_stays_inside("homes/a/l", "/etc/shadow"));
    assert!(!symlink_stays_inside("homes/a/l", ""));
    assert!(symlink_stays_inside(
        "config/jupyterhub_config.d/x.py",
        "../y.py"
    ));
    assert!(!symlink_stays_inside("config/x", "../state/y"));
}

#[test]
fn newer_archives_are_refused_older_jupyterhub_warns() {
    let m = manifest(vec![]);
    assert_eq!(m.check_versions("0.1.0").unwrap(), Vec::<String>::new());
    let newer = Manifest {
        hubcfg_version: "0.2.0".into(),
        ..m.clone()
    };
    let e = newer.check_versions("0.1.9").unwrap_err().to_string();
    assert!(e.contains("newer than this hubcfg 0.1.9"), "{e}");
    let format = Manifest {
        format: FORMAT + 1,
        ..m.clone()
    };
    assert!(format.check_versions("0.1.0").is_err());
    let jh6 = Manifest {
        jupyterhub_version: Some("6.0.0".into()),
        ..m.clone()
    };
    assert!(
        jh6.check_versions("0.1.0")
            .unwrap_err()
            .to_string()
            .contains("JupyterHub 6.0.0")
    );
    let jh4 = Manifest {
        jupyterhub_version: Some("4.1.6".into()),
        ..m
    };
    assert_eq!(jh4.check_versions("0.1.0").unwrap().len(), 1);
}

#[test]
fn the_jupyterhub_major_is_the_one_hubcfg_installs() {
    let req = include_str!("../../assets/requirements-hub.txt");
    let line = req.lines().find(|l| l.starts_with("jupyterhub>=")).unwrap();
    assert!(
        line.ends_with(&format!(",<{}", JUPYTERHUB_MAJOR + 1)),
        "{line}"
    );
}

#[test]
fn missing_packages_by_normalized_name() {
    assert_eq!(name_of("Foo_Bar.baz==1.0"), "foo-bar-baz");
    let have = ["numpy==2.0".to_string(), "foo-bar==1".to_string()].into();
    let wanted =
        "numpy==1.26\nFoo_Bar==2\npandas==2.2.3\nscipy @ file:///home/conda/x.whl\n# c\n-e git+x\n";
    assert_eq!(missing(wanted, &have), vec!["pandas==2.2.3", "scipy"]);
}

/// A tar.gz whose members are raw (name, type, data, link) tuples, names
/// written into the header as given (the tar crate refuses to make some).
fn raw_archive(dir: &Path, entries: &[(&str, tar::EntryType, &[u8], &str)]) -> std::path::PathBuf {
    let path = dir.join("a.tar.gz");
    let mut b = tar::Builder::new(GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        Compression::fast(),
    ));
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
    path
}

fn refusal(entries: &[(&str, tar::EntryType, &[u8], &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let temp_in = tmp.path().join("t");
    std::fs::create_dir(&temp_in).unwrap();
    let a = raw_archive(tmp.path(), entries);
    let e = verify(&a, &temp_in).err().expect("refused").to_string();
    assert_eq!(
        std::fs::read_dir(&temp_in).unwrap().count(),
        0,
        "temp dir left behind"
    );
    e
}

const F: tar::EntryType = tar::EntryType::Regular;

#[test]
fn hostile_archives_are_refused_naming_the_member() {
    let e = refusal(&[("/etc/cron.d/x", F, b"x", "")]);
    assert!(
        e.contains("member /etc/cron.d/x: refused: it is an absolute path"),
        "{e}"
    );
    let e = refusal(&[("config/../../etc/x", F, b"x", "")]);
    assert!(e.contains("member config/../../etc/x: refused"), "{e}");
    let e = refusal(&[("homes/a/l", tar::EntryType::Symlink, b"", "/etc")]);
    assert!(
        e.contains("member homes/a/l: refused: a symlink to /etc, outside homes/a"),
        "{e}"
    );
    let e = refusal(&[
        ("homes/a/l", tar::EntryType::Symlink, b"", "d"),
        ("homes/a/l/f", F, b"x", ""),
    ]);
    assert!(
        e.contains("member homes/a/l/f: refused: it lies beneath the symlink homes/a/l"),
        "{e}"
    );
    let e = refusal(&[("homes/a/h", tar::EntryType::Link, b"", "homes/a/x")]);
    assert!(e.contains("member homes/a/h: refused: a Link entry"), "{e}");
    let e = refusal(&[("config/x", F, b"x", "")]);
    assert!(e.contains("no manifest: the archive is truncated"), "{e}");
}

fn good_manifest_json(members: Vec<Member>) -> Vec<u8> {
    serde_json::to_vec(&manifest(members)).unwrap()
}

fn file_member(path: &str, data: &[u8]) -> Member {
    use sha2::Digest;
    Member {
        path: path.into(),
        kind: Kind::File,
        sha256: Some(hex::encode(sha2::Sha256::digest(data))),
        size: data.len() as u64,
        mode: 0o644,
        owner: "root".into(),
        group: "root".into(),
        target: None,
    }
}

#[test]
fn members_must_match_the_manifest() {
    let m = good_manifest_json(vec![file_member("config/x", b"good")]);
    let e = refusal(&[("config/x", F, b"evil", ""), (MANIFEST, F, &m, "")]);
    assert!(
        e.contains("member config/x: sha256 ") && e.contains("the archive is corrupt"),
        "{e}"
    );
    let e = refusal(&[(MANIFEST, F, &m, "")]);
    assert!(
        e.contains("member config/x: in the manifest but not in the archive"),
        "{e}"
    );
    let m0 = good_manifest_json(vec![]);
    let e = refusal(&[("config/x", F, b"good", ""), (MANIFEST, F, &m0, "")]);
    assert!(e.contains("member config/x: not in the manifest"), "{e}");
    let e = refusal(&[(MANIFEST, F, &m0, ""), ("config/x", F, b"good", "")]);
    assert!(
        e.contains("member config/x: comes after the manifest"),
        "{e}"
    );
}

#[test]
fn a_written_archive_verifies_and_every_truncation_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("home");
    std::fs::create_dir_all(src.join("d")).unwrap();
    std::fs::write(src.join("d/f.txt"), vec![7u8; 100_000]).unwrap();
    std::os::unix::fs::symlink("d/f.txt", src.join("link")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", src.join("out")).unwrap();
    let out = tmp.path().join("b.tar.gz");
    let mut w = Writer::create(&out).unwrap();
    let mut warnings = vec![];
    super::tree::add_tree(&mut w, &src, "homes/jupyter-a", &|_| false, &mut warnings).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("symlink to /etc/passwd"),
        "{warnings:?}"
    );
    w.finish(manifest(vec![])).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let v = verify(&out, tmp.path()).unwrap();
    let kinds: Vec<_> = v
        .manifest
        .members
        .iter()
        .map(|m| (m.path.as_str(), m.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("homes/jupyter-a", Kind::Dir),
            ("homes/jupyter-a/d", Kind::Dir),
            ("homes/jupyter-a/d/f.txt", Kind::File),
            ("homes/jupyter-a/link", Kind::Symlink),
        ]
    );
    assert_eq!(
        std::fs::read(v.path("homes/jupyter-a/d/f.txt"))
            .unwrap()
            .len(),
        100_000
    );
    drop(v);
    let bytes = std::fs::read(&out).unwrap();
    let cut = tmp.path().join("cut.tar.gz");
    for n in (0..bytes.len()).step_by(97) {
        std::fs::write(&cut, &bytes[..n]).unwrap();
        assert!(
            verify(&cut, tmp.path()).is_err(),
            "a cut at {n} of {} verified",
            bytes.len()
        );
    }
}

#[test]
fn a_home_is_restored_without_writing_through_planted_symlinks() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("d")).unwrap();
    std::fs::write(src.join("d/f"), "mine").unwrap();
    std::fs::set_permissions(src.join("d"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::set_permissions(src.join("d/f"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("d/f", src.join("l")).unwrap();
    std::fs::write(src.join("top"), "top").unwrap();
    let out = tmp.path().join("b.tar.gz");
    let mut w = Writer::create(&out).unwrap();
    super::tree::add_tree(&mut w, &src, "homes/jupyter-a", &|_| false, &mut vec![]).unwrap();
    w.finish(manifest(vec![])).unwrap();
    let v = verify(&out, tmp.path()).unwrap();

    // The new home has links planted where the backup has a directory and a file.
    let home = tmp.path().join("home");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim"), "untouched").unwrap();
    std::os::unix::fs::symlink(&outside, home.join("d")).unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), home.join("l")).unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), home.join("top")).unwrap();
    let account = Account {
        hub_name: "a".into(),
        unix_name: "jupyter-a".into(),
        admin: false,
        home: true,
    };
    let me = std::fs::metadata(&home).unwrap();
    let info = crate::users::UserInfo {
        name: "jupyter-a".into(),
        uid: me.uid(),
        gid: me.gid(),
        home: home.clone(),
    };
    assert_eq!(super::homes::restore_home(&v, &account, &info).unwrap(), 2);
    assert_eq!(std::fs::read_to_string(home.join("top")).unwrap(), "top");
    assert!(
        !std::fs::symlink_metadata(home.join("top"))
            .unwrap()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("victim")).unwrap(),
        "untouched"
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
    let d = std::fs::symlink_metadata(home.join("d")).unwrap();
    assert!(d.is_dir());
    assert_eq!(d.permissions().mode() & 0o7777, 0o750);
    assert_eq!(std::fs::read_to_string(home.join("d/f")).unwrap(), "mine");
    let f = std::fs::metadata(home.join("d/f")).unwrap();
    assert_eq!(f.permissions().mode() & 0o7777, 0o640);
    assert_eq!(
        std::fs::read_link(home.join("l")).unwrap(),
        Path::new("d/f")
    );
}
