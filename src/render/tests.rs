use super::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn prefix() -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    std::fs::create_dir_all(paths.config_dir()).unwrap();
    (dir, paths)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn set_config(paths: &Paths, text: &str) {
    std::fs::write(paths.config_toml(), text).unwrap();
}

#[test]
fn write_all_creates_private_files_then_changes_nothing() {
    let (_d, paths) = prefix();
    assert!(write_all(&paths).unwrap().any());
    for f in [
        paths.hub_config_json(),
        paths.traefik_toml(),
        paths.dynamic_toml(),
        paths.traefik_api_secret(),
    ] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&paths.state_dir()), 0o700);
    assert_eq!(mode(&paths.rules_dir()), 0o700);
    let json = std::fs::read_to_string(paths.hub_config_json()).unwrap();
    let secret = std::fs::read_to_string(paths.traefik_api_secret()).unwrap();
    assert_eq!(secret.trim().len(), 64);
    // The only traefik_api_password trait is TraefikProxy's.
    assert!(
        json.contains(&format!("\"traefik_api_password\": \"{}\"", secret.trim())),
        "{json}"
    );
    let before = std::fs::metadata(paths.traefik_toml())
        .unwrap()
        .modified()
        .unwrap();
    let again = write_all(&paths).unwrap();
    assert!(!again.any(), "second render changed something: {again:?}");
    assert_eq!(
        again.summary(&paths),
        format!("{} is up to date", paths.state_dir().display())
    );
    assert_eq!(
        std::fs::metadata(paths.traefik_toml())
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
}

#[test]
fn config_change_is_picked_up_and_rules_toml_is_never_touched() {
    let (_d, paths) = prefix();
    write_all(&paths).unwrap();
    let routes = "[jupyterhub.routes]\n# live routes\n";
    std::fs::write(paths.rules_toml(), routes).unwrap();
    set_config(&paths, "[http]\nport = 8080\n");
    assert!(write_all(&paths).unwrap().any());
    assert!(
        std::fs::read_to_string(paths.traefik_toml())
            .unwrap()
            .contains("address = \":8080\"")
    );
    assert!(write_traefik(&paths).is_ok());
    assert_eq!(std::fs::read_to_string(paths.rules_toml()).unwrap(), routes);
}

#[test]
fn bad_config_changes_no_file() {
    let (_d, paths) = prefix();
    write_all(&paths).unwrap();
    let snapshot = |p: &Paths| {
        [p.hub_config_json(), p.traefik_toml(), p.dynamic_toml()]
            .map(|f| std::fs::read_to_string(f).unwrap())
    };
    let before = snapshot(&paths);
    for bad in [
        "[https]\nenabled = true\n",
        "[http]\nport = \"eighty\"\n",
        "not toml [",
    ] {
        set_config(&paths, bad);
        assert!(write_all(&paths).is_err(), "accepted {bad:?}");
        assert_eq!(snapshot(&paths), before, "files changed for {bad:?}");
    }
}

#[test]
fn bad_snippet_is_named_and_changes_no_file() {
    let (_d, paths) = prefix();
    write_all(&paths).unwrap();
    let before = std::fs::read_to_string(paths.traefik_toml()).unwrap();
    std::fs::create_dir_all(paths.traefik_config_d()).unwrap();
    std::fs::write(
        paths.traefik_config_d().join("10-ok.toml"),
        "[log]\nlevel = \"DEBUG\"\n",
    )
    .unwrap();
    std::fs::write(
        paths.traefik_config_d().join("20-bad.toml"),
        "[log]\nlevel =\n",
    )
    .unwrap();
    let e = write_traefik(&paths).unwrap_err();
    assert!(e.message.contains("20-bad.toml"), "{}", e.message);
    assert!(e.message.contains("line 2"), "{}", e.message);
    assert_eq!(
        std::fs::read_to_string(paths.traefik_toml()).unwrap(),
        before
    );
    std::fs::remove_file(paths.traefik_config_d().join("20-bad.toml")).unwrap();
    assert_eq!(
        write_traefik(&paths).unwrap().traefik_static,
        Outcome::Updated
    );
    assert!(
        std::fs::read_to_string(paths.traefik_toml())
            .unwrap()
            .contains("level = \"DEBUG\"")
    );
}

#[test]
fn missing_certificate_file_is_named() {
    let (d, paths) = prefix();
    let cert = d.path().join("hub.crt");
    let key = d.path().join("hub.key");
    std::fs::write(&key, "key").unwrap();
    set_config(
        &paths,
        &format!(
            "[https]\nenabled = true\ntls.cert = {:?}\ntls.key = {:?}\n",
            cert.display().to_string(),
            key.display().to_string()
        ),
    );
    let e = write_all(&paths).unwrap_err();
    assert!(e.message.contains("https.tls.cert"), "{}", e.message);
    assert!(e.message.contains("hub.crt"), "{}", e.message);
    assert!(!paths.traefik_toml().exists());
    std::fs::write(&cert, "cert").unwrap();
    assert!(write_all(&paths).unwrap().any());
}

#[test]
fn letsencrypt_creates_private_acme_store_and_keeps_its_content() {
    let (_d, paths) = prefix();
    set_config(
        &paths,
        "[https]\nenabled = true\nletsencrypt.email = \"a@example.org\"\nletsencrypt.domains = [\"example.org\"]\n",
    );
    write_all(&paths).unwrap();
    assert_eq!(mode(&paths.acme_json()), 0o600);
    std::fs::write(paths.acme_json(), "{\"certs\": 1}").unwrap();
    std::fs::set_permissions(paths.acme_json(), std::fs::Permissions::from_mode(0o644)).unwrap();
    write_all(&paths).unwrap();
    assert_eq!(mode(&paths.acme_json()), 0o600);
    assert_eq!(
        std::fs::read_to_string(paths.acme_json()).unwrap(),
        "{\"certs\": 1}"
    );
}

#[test]
fn ca_bundle_must_be_readable_pem_before_anything_is_written() {
    let (dir, paths) = prefix();
    let bundle = dir.path().join("ca.pem");
    let config = format!(
        "[https]\nenabled = true\nletsencrypt.email = \"a@example.org\"\n\
         letsencrypt.domains = [\"example.org\"]\nletsencrypt.ca_bundle = {:?}\n",
        bundle.display().to_string()
    );
    set_config(&paths, &config);
    let e = write_all(&paths).unwrap_err();
    assert!(
        e.message.contains("https.letsencrypt.ca_bundle"),
        "{}",
        e.message
    );
    std::fs::write(&bundle, "not pem").unwrap();
    let e = write_all(&paths).unwrap_err();
    assert!(e.message.contains("no PEM certificate"), "{}", e.message);
    assert!(!paths.traefik_toml().exists() && !paths.traefik_env().exists());
    std::fs::write(&bundle, "-----BEGIN CERTIFICATE-----\n").unwrap();
    write_all(&paths).unwrap();
    let env = std::fs::read_to_string(paths.traefik_env()).unwrap();
    assert!(
        env.contains(&format!("LEGO_CA_CERTIFICATES=\"{}\"", bundle.display())),
        "{env}"
    );
    assert_eq!(mode(&paths.traefik_env()), 0o600);
}

#[test]
fn existing_secret_is_kept() {
    let (_d, paths) = prefix();
    std::fs::create_dir_all(paths.state_dir()).unwrap();
    std::fs::write(paths.traefik_api_secret(), "kept\n").unwrap();
    write_all(&paths).unwrap();
    assert_eq!(
        std::fs::read_to_string(paths.traefik_api_secret()).unwrap(),
        "kept\n"
    );
    assert!(
        std::fs::read_to_string(paths.dynamic_toml())
            .unwrap()
            .contains(&traefik::htpasswd_sha("api_admin", "kept"))
    );
}

#[test]
fn unknown_keys_are_ignored_with_a_warning() {
    let (_d, paths) = prefix();
    set_config(
        &paths,
        "[auth]\nallow_all = true\n[user]\nadmin = [\"a\"]\n",
    );
    let w = write_all(&paths).unwrap();
    assert_eq!(w.warnings.len(), 2, "{:?}", w.warnings);
    assert!(w.warnings.iter().any(|m| m.contains("auth.allow_all")));
    assert!(
        w.warnings
            .iter()
            .any(|m| m.contains("unknown key user ") && m.contains("did you mean")),
        "{:?}",
        w.warnings
    );
}

#[test]
fn a_new_api_secret_reaches_the_hub_config_even_from_write_traefik() {
    let (_d, paths) = prefix();
    write_all(&paths).unwrap();
    std::fs::remove_file(paths.traefik_api_secret()).unwrap();
    let w = write_traefik(&paths).unwrap();
    assert!(w.api_secret.changed() && w.hub_config.changed(), "{w:?}");
    let secret = std::fs::read_to_string(paths.traefik_api_secret()).unwrap();
    assert!(
        std::fs::read_to_string(paths.hub_config_json())
            .unwrap()
            .contains(secret.trim())
    );
}

#[test]
fn glue_is_embedded() {
    assert!(JUPYTERHUB_CONFIG_PY.contains("class HubcfgSpawner"));
}
