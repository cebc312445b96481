use super::*;
use crate::download::test_server::{Reply, TestServer};
use crate::install::BootstrapArgs;
use crate::install::testutil::TestEnv;
use crate::install::traefik::tests::sha;
use crate::paths::Paths;
use crate::report::Recorder;

/// Behaves like the Miniforge installer for our purposes: batch mode only,
/// refuses an existing prefix without -u, creates bin/conda and conda-meta/,
/// leaves some files writable by others (as real installs run as root can).
const FAKE_INSTALLER: &str = r#"#!/bin/bash
set -e
P= U= B=
while [ $# -gt 0 ]; do
  case "$1" in
    -b) B=1 ;;
    -u) U=1 ;;
    -p) shift; P="$1" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$B" ] || { echo "not in batch mode" >&2; exit 2; }
if [ -e "$P" ] && [ -z "$U" ]; then echo "ERROR: File or directory already exists: '$P'" >&2; exit 1; fi
mkdir -p "$P/bin" "$P/conda-meta" "$P/pkgs"
printf '#!/bin/sh\necho conda 24.7.1\n' > "$P/bin/conda"
chmod 0777 "$P/bin/conda" "$P/pkgs"
chown 1000:1000 "$P/bin/conda" 2>/dev/null || true
ln -s "$TARGET_OUTSIDE" "$P/link-out"
echo "-b${U:+ -u} -p $P" > "$P/installer-args"
echo "installation finished."
"#;

fn args_for(server: &TestServer, body: &[u8]) -> BootstrapArgs {
    BootstrapArgs {
        miniforge_url: Some(server.url("Miniforge3.sh")),
        miniforge_sha256: Some(sha(body)),
        ..Default::default()
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

struct Setup {
    env: TestEnv,
    paths: Paths,
    outside: std::path::PathBuf,
}

fn setup() -> Setup {
    let env = TestEnv::new();
    let paths = env.paths.clone();
    // A world-writable file outside the env, reached by a symlink inside it:
    // locking the env down must not follow the link.
    let outside = env.dir.path().join("outside");
    std::fs::write(&outside, b"x").unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o666)).unwrap();
    Setup {
        env,
        paths,
        outside,
    }
}

/// Plans, then installs what the plan says (nothing when it says nothing).
fn install(ctx: &Ctx, dest: &Path) -> Result<()> {
    match plan_miniforge(ctx, dest)? {
        Some(plan) => install_miniforge(&plan, &Recorder::default()),
        None => Ok(()),
    }
}

fn installer_with_target(outside: &Path) -> Vec<u8> {
    FAKE_INSTALLER
        .replace("$TARGET_OUTSIDE", &outside.display().to_string())
        .into_bytes()
}

#[test]
fn fresh_install_then_nothing_to_do() {
    let s = setup();
    let body = installer_with_target(&s.outside);
    let server = TestServer::start(vec![Reply::Body(body.clone())]);
    let args = args_for(&server, &body);
    let c = s.env.ctx_with(&args);
    let dest = s.paths.user_env();
    assert!(!is_conda_env(&dest));

    let plan = plan_miniforge(&c, &dest).unwrap().expect("something to do");
    let plan = plan.to_string();
    assert!(plan.contains(&server.url("Miniforge3.sh")), "{plan}");
    assert_eq!(server.hits(), 0, "plan must not download");

    install(&c, &dest).unwrap();
    assert!(is_conda_env(&dest));
    assert!(dest.join("bin/conda").is_file());
    assert_eq!(
        std::fs::read_to_string(dest.join("installer-args"))
            .unwrap()
            .trim(),
        format!("-b -p {}", dest.display())
    );
    assert_eq!(mode(&dest.join("bin/conda")), 0o775, "o-w removed");
    assert_eq!(mode(&dest.join("pkgs")), 0o775, "o-w removed");
    assert_eq!(mode(&s.outside), 0o666, "symlinks are not followed");
    if nix::unistd::geteuid().is_root() {
        let m = std::fs::metadata(dest.join("bin/conda")).unwrap();
        assert_eq!((m.uid(), m.gid()), (0, 0), "root-owned after install");
    } else {
        eprintln!("not root: the chown-to-root part of lock_down is not checked");
    }
    // The installer and its temp dir are gone.
    let left: Vec<_> = std::fs::read_dir(&s.paths.prefix)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("user")]);

    assert_eq!(plan_miniforge(&c, &dest).unwrap(), None);
    install(&c, &dest).unwrap();
    assert_eq!(server.hits(), 1, "an installed env is not installed again");
}

#[test]
fn empty_existing_dir_is_updated_in_place() {
    let s = setup();
    let body = installer_with_target(&s.outside);
    let server = TestServer::start(vec![Reply::Body(body.clone())]);
    let args = args_for(&server, &body);
    let dest = s.paths.user_env();
    std::fs::create_dir_all(&dest).unwrap();
    install(&s.env.ctx_with(&args), &dest).unwrap();
    assert_eq!(
        std::fs::read_to_string(dest.join("installer-args"))
            .unwrap()
            .trim(),
        format!("-b -u -p {}", dest.display())
    );
}

#[test]
fn non_conda_dir_is_never_touched() {
    let s = setup();
    let server = TestServer::start(vec![Reply::Body(b"unused".to_vec())]);
    let args = args_for(&server, b"unused");
    let dest = s.paths.user_env();
    std::fs::create_dir_all(dest.join("bin")).unwrap();
    std::fs::write(dest.join("bin/python3"), b"precious").unwrap();
    let c = s.env.ctx_with(&args);
    for err in [
        plan_miniforge(&c, &dest).unwrap_err(),
        install(&c, &dest).unwrap_err(),
    ] {
        assert!(
            err.message.contains(&dest.display().to_string()),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("not a conda environment"),
            "{}",
            err.message
        );
        assert!(err.hint.unwrap().contains("--user-env venv"));
    }
    assert_eq!(server.hits(), 0);
    assert_eq!(
        std::fs::read(dest.join("bin/python3")).unwrap(),
        b"precious"
    );
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 1);
}

#[test]
fn a_file_in_the_way_is_refused() {
    let s = setup();
    let server = TestServer::start(vec![Reply::Body(b"unused".to_vec())]);
    let args = args_for(&server, b"unused");
    let dest = s.paths.user_env();
    std::fs::create_dir_all(&s.paths.prefix).unwrap();
    std::fs::write(&dest, b"file").unwrap();
    let err = install(&s.env.ctx_with(&args), &dest).unwrap_err();
    assert!(err.message.contains("not a directory"), "{}", err.message);
    assert_eq!(std::fs::read(&dest).unwrap(), b"file");
}

#[test]
fn wrong_checksum_runs_nothing() {
    let s = setup();
    let body = installer_with_target(&s.outside);
    let server = TestServer::start(vec![Reply::Body(body)]);
    let args = BootstrapArgs {
        miniforge_url: Some(server.url("Miniforge3.sh")),
        miniforge_sha256: Some(sha(b"another installer")),
        ..Default::default()
    };
    let dest = s.paths.user_env();
    let err = install(&s.env.ctx_with(&args), &dest).unwrap_err();
    assert!(err.message.contains("sha256 mismatch"), "{}", err.message);
    assert!(!dest.exists(), "the installer must not have run");
}

#[test]
fn failing_installer_is_reported_with_its_output() {
    let s = setup();
    let body = b"#!/bin/bash\necho 'not enough disk space' >&2\nexit 7\n".to_vec();
    let server = TestServer::start(vec![Reply::Body(body.clone())]);
    let args = args_for(&server, &body);
    let err = install(&s.env.ctx_with(&args), &s.paths.user_env()).unwrap_err();
    assert!(err.message.contains("exit code 7"), "{}", err.message);
    assert!(
        err.message.contains("not enough disk space"),
        "{}",
        err.message
    );
    assert!(err.message.contains("bash"), "{}", err.message);
}

#[test]
fn installer_that_makes_no_conda_is_an_error() {
    let s = setup();
    let body = b"#!/bin/bash\nexit 0\n".to_vec();
    let server = TestServer::start(vec![Reply::Body(body.clone())]);
    let args = args_for(&server, &body);
    let err = install(&s.env.ctx_with(&args), &s.paths.user_env()).unwrap_err();
    assert!(
        err.message.contains("bin/conda is missing"),
        "{}",
        err.message
    );
}
