use super::place;
use crate::backup::archive::Writer;
use crate::backup::manifest::TlsFile;
use crate::backup::verify::verify;
use crate::journal::{Before, Change, Journal};
use crate::paths::Paths;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn certificates_acme_json_and_state_are_placed_and_certificates_outside_are_journaled() {
    let tmp = tempfile::tempdir().unwrap();
    let ssl = tmp.path().join("etc/ssl");
    std::fs::create_dir_all(&ssl).unwrap();
    let (cert, key) = (ssl.join("hub.pem"), ssl.join("hub.key"));
    std::fs::write(&cert, "the old certificate\n").unwrap();
    let out = tmp.path().join("b.tar.gz");
    let mut w = Writer::create(&out).unwrap();
    w.bytes("config/config.toml", b"[https]\nenabled = true\n", 0o600)
        .unwrap();
    w.bytes("state/acme.json", b"{\"letsencrypt\": {}}\n", 0o600)
        .unwrap();
    w.bytes("tls/cert/hub.pem", b"CERT\n", 0o644).unwrap();
    w.bytes("tls/key/hub.key", b"KEY\n", 0o600).unwrap();
    let tls = |member: &str, path: &Path| TlsFile {
        member: member.into(),
        path: path.display().to_string(),
    };
    let mut m = crate::backup::tests::manifest(vec![]);
    m.tls_files = vec![tls("tls/cert/hub.pem", &cert), tls("tls/key/hub.key", &key)];
    w.finish(m).unwrap();
    let v = verify(&out, tmp.path()).unwrap();
    let paths = Paths::new(tmp.path().join("prefix"));
    assert_eq!(place(&v, &paths).unwrap(), 4);

    let acme = paths.state_dir().join("acme.json");
    assert_eq!(
        std::fs::read_to_string(&acme).unwrap(),
        "{\"letsencrypt\": {}}\n"
    );
    assert_eq!(mode(&acme), 0o600, "Traefik refuses any other mode");
    assert_eq!(std::fs::read_to_string(&cert).unwrap(), "CERT\n");
    assert_eq!(
        (std::fs::read_to_string(&key).unwrap(), mode(&key)),
        ("KEY\n".into(), 0o600)
    );

    let entries = Journal::of(&paths, "test").entries().unwrap();
    let files: Vec<_> = entries
        .iter()
        .map(|e| (e.by.as_str(), e.change.clone()))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    match &files[0] {
        (
            "restore",
            Change::File {
                path,
                before: Before::File { saved, .. },
            },
        ) => {
            assert_eq!(path, &cert);
            assert_eq!(
                std::fs::read_to_string(saved).unwrap(),
                "the old certificate\n"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        files[1],
        (
            "restore",
            Change::File {
                path: key.clone(),
                before: Before::Absent
            }
        )
    );
}
