//! scripts/bootstrap.sh, run for real with bash against a fake release (a
//! shell script standing in for the hubcfg binary) served from file:// URLs.

use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/bootstrap.sh");
const FAKE_HUBCFG: &str = "#!/bin/sh\necho \"fake hubcfg $*\"\n";

fn arch() -> &'static str {
    std::env::consts::ARCH
}

fn write_exec(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

struct Release {
    dir: tempfile::TempDir,
}

impl Release {
    /// The script alone (no checkout around it) and a release dir holding
    /// the binary and its .sha256 (as `sha256sum` writes it).
    fn new(sha_file: Option<&str>) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let bin_name = format!("hubcfg-{}-linux", arch());
        let rel = dir.path().join("rel");
        write_exec(&rel.join(&bin_name), FAKE_HUBCFG);
        let sha = hex::encode(Sha256::digest(FAKE_HUBCFG.as_bytes()));
        let line = sha_file
            .map(str::to_string)
            .unwrap_or(format!("{sha}  {bin_name}\n"));
        std::fs::write(rel.join(format!("{bin_name}.sha256")), line).unwrap();
        std::fs::create_dir_all(dir.path().join("s")).unwrap();
        std::fs::copy(SCRIPT, dir.path().join("s/bootstrap.sh")).unwrap();
        Release { dir }
    }
    fn script(&self) -> PathBuf {
        self.dir.path().join("s/bootstrap.sh")
    }
    fn base_url(&self) -> String {
        format!("file://{}", self.dir.path().join("rel").display())
    }
}

fn bash() -> Command {
    let mut c = Command::new("bash");
    for var in [
        "HUBCFG_RELEASE_URL",
        "HUBCFG_BINARY_URL",
        "HUBCFG_BINARY_SHA256",
        "SUDO_USER",
    ] {
        c.env_remove(var);
    }
    c.stdin(Stdio::null());
    c
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Most cases need root (the script insists on it).
macro_rules! require_root {
    () => {
        if !is_root() {
            eprintln!(
                "skipped: bootstrap.sh refuses to run without root, and this test is not root"
            );
            return;
        }
    };
}

#[test]
fn release_binary_is_verified_and_run_with_the_arguments() {
    require_root!();
    let r = Release::new(None);
    let out = bash()
        .arg(r.script())
        .args(["--admin", "me:pass word"])
        .env("HUBCFG_RELEASE_URL", r.base_url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "fake hubcfg bootstrap --admin me:pass word"
    );
}

#[test]
fn piped_script_works_like_curl_pipe_bash() {
    require_root!();
    let r = Release::new(None);
    let mut child = bash()
        .args(["-s", "--", "--admin", "me"])
        .env("HUBCFG_RELEASE_URL", r.base_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(std::fs::read(SCRIPT).unwrap().as_slice())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "fake hubcfg bootstrap --admin me"
    );
}

#[test]
fn wrong_checksum_runs_nothing() {
    require_root!();
    let r = Release::new(Some(&format!("{}  x\n", "0".repeat(64))));
    let out = bash()
        .arg(r.script())
        .env("HUBCFG_RELEASE_URL", r.base_url())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("sha256 mismatch"), "{}", text(&out));
    assert!(!text(&out).contains("fake hubcfg"), "{}", text(&out));
}

#[test]
fn binary_override_needs_its_checksum_and_accepts_a_path() {
    require_root!();
    let r = Release::new(None);
    let bin = r.dir.path().join(format!("rel/hubcfg-{}-linux", arch()));
    let out = bash()
        .arg(r.script())
        .env("HUBCFG_BINARY_URL", &bin)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("HUBCFG_BINARY_SHA256"),
        "{}",
        text(&out)
    );

    let sha = hex::encode(Sha256::digest(FAKE_HUBCFG.as_bytes())).to_uppercase();
    let out = bash()
        .arg(r.script())
        .arg("--skip-os-check")
        .env("HUBCFG_BINARY_URL", &bin)
        .env("HUBCFG_BINARY_SHA256", sha)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("fake hubcfg bootstrap --skip-os-check"),
        "{}",
        text(&out)
    );
}

#[test]
fn without_a_release_location_it_says_what_to_set() {
    require_root!();
    let r = Release::new(None);
    let out = bash().arg(r.script()).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("HUBCFG_RELEASE_URL"), "{}", text(&out));
}

#[test]
fn unsupported_arch_is_one_clear_line() {
    require_root!();
    let r = Release::new(None);
    let fakebin = r.dir.path().join("fakebin");
    write_exec(&fakebin.join("uname"), "#!/bin/sh\necho riscv64\n");
    let path = format!(
        "{}:{}",
        fakebin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = bash()
        .arg(r.script())
        .env("PATH", path)
        .env("HUBCFG_RELEASE_URL", r.base_url())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("unsupported machine architecture 'riscv64'"),
        "{}",
        text(&out)
    );
}

#[test]
fn inside_a_checkout_it_builds_from_source() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let co = dir.path().join("co");
    std::fs::create_dir_all(co.join("scripts")).unwrap();
    std::fs::write(
        co.join("Cargo.toml"),
        "[package]\nname = \"hubcfg\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::copy(SCRIPT, co.join("scripts/bootstrap.sh")).unwrap();
    // A cargo that "builds" the fake binary where cargo would put it.
    let fakebin = dir.path().join("fakebin");
    write_exec(
        &fakebin.join("cargo"),
        &format!(
            "#!/bin/sh\n[ \"$*\" = 'build --release' ] || exit 9\nmkdir -p target/release\nprintf '%s' '{}' > target/release/hubcfg\nchmod 755 target/release/hubcfg\n",
            FAKE_HUBCFG
        ),
    );
    let path = format!(
        "{}:{}",
        fakebin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = bash()
        .arg(co.join("scripts/bootstrap.sh"))
        .args(["--admin", "me"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("fake hubcfg bootstrap --admin me"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("building from source"),
        "{}",
        text(&out)
    );
}

#[test]
fn not_root_without_sudo_is_refused() {
    if !is_root() || Command::new("setpriv").arg("--help").output().is_err() {
        eprintln!("skipped: needs root and setpriv to drop to an unprivileged user");
        return;
    }
    let r = Release::new(None);
    // Readable by the unprivileged user, and no sudo on its PATH.
    std::fs::set_permissions(r.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        r.dir.path().join("s"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg("/bin/bash")
        .arg(r.script())
        .env("PATH", "/usr/bin:/bin")
        .env_remove("HUBCFG_RELEASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let has_sudo = Path::new("/usr/bin/sudo").exists() || Path::new("/bin/sudo").exists();
    assert!(!out.status.success(), "{}", text(&out));
    if has_sudo {
        assert!(text(&out).contains("sudo"), "{}", text(&out));
    } else {
        assert!(text(&out).contains("run this as root"), "{}", text(&out));
    }
}
