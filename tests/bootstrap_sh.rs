//! scripts/bootstrap.sh, run for real with bash: a release's bootstrap.sh
//! (written by scripts/release-bootstrap-sh) piped into `bash -s` against a
//! fake release served over loopback HTTP, and the checkout's script
//! building from source. The failure cases are in bootstrap_sh_errors.rs.

#[macro_use]
mod bootstrap_fixture;

use bootstrap_fixture::{
    ROOT, Release, VERSION, arch, is_root, path_without, piped_bash, stderr_lines, text, write_exec,
};
use std::path::Path;
use std::process::{Command, Stdio};

fn assert_ran(r: &Release, out: &std::process::Output, args: &str) {
    assert!(out.status.success(), "{}", text(out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("fake hubcfg bootstrap {args}")
    );
    assert_eq!(
        std::fs::read_to_string(&r.marker).unwrap().trim(),
        format!("bootstrap {args}")
    );
    assert_eq!(
        std::fs::read_dir(&r.tmp).unwrap().count(),
        0,
        "temp dir left"
    );
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn piped_release_is_downloaded_verified_unpacked_and_run() {
    require_root!();
    let r = Release::new();
    let out = r.run_piped(&["--admin", "me:pass word"]);
    assert_ran(&r, &out, "--admin me:pass word");
    assert_eq!(
        stderr_lines(&out),
        [format!(
            "bootstrap.sh: downloading hubcfg {VERSION}: {}",
            r.tarball_url()
        )]
    );
    let tarball = format!("/hubcfg-{VERSION}-{}-linux.tar.gz", arch());
    assert_eq!(r.server.requests(), [tarball]);
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn wget_is_used_when_curl_is_missing() {
    require_root!();
    assert!(
        Path::new("/usr/bin/wget").exists(),
        "wget is needed (scripts/test installs it)"
    );
    let r = Release::new();
    let mut cmd = piped_bash(&["--admin", "me"]);
    cmd.env("PATH", path_without(r.dir.path(), &["curl"], &[]));
    let out = r.pipe(cmd, &std::fs::read(r.script()).unwrap());
    assert_ran(&r, &out, "--admin me");
    assert_eq!(r.server.requests().len(), 1);
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn hubcfg_release_url_overrides_the_base_written_in() {
    require_root!();
    let r = Release::new();
    let sha = bootstrap_fixture::sha256(
        &std::fs::read(
            r.dist
                .join(format!("hubcfg-{VERSION}-{}-linux.tar.gz", arch())),
        )
        .unwrap(),
    );
    r.write_script("http://127.0.0.1:9/not-here", &sha, arch());
    let script = std::fs::read(r.script()).unwrap();
    for base in [r.server.url.clone(), format!("file://{}", r.dist.display())] {
        let _ = std::fs::remove_file(&r.marker);
        let mut cmd = piped_bash(&["--admin", "me"]);
        cmd.env("HUBCFG_RELEASE_URL", format!("{base}/"));
        let out = r.pipe(cmd, &script);
        assert_ran(&r, &out, "--admin me");
    }
    assert_eq!(r.server.requests().len(), 1, "only the http:// run asks it");
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn the_release_script_runs_from_a_file_too() {
    require_root!();
    let r = Release::new();
    let out = Command::new("bash")
        .arg(r.script())
        .args(["--admin", "me", "--skip-os-check"])
        .env("TMPDIR", &r.tmp)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_ran(&r, &out, "--admin me --skip-os-check");
}

#[test]
fn release_settings_writer_refuses_bad_values() {
    let writer = format!("{ROOT}/scripts/release-bootstrap-sh");
    let sha = "a".repeat(64);
    for (args, message) in [
        (["1 2", "http://h", "", ""], "'1 2' is not a version"),
        (["1.0", "ftp://h", "", ""], "'ftp://h' is not a base URL"),
        (["1.0", "http://h/$x", "", ""], "is not a base URL"),
        (["1.0", "http://h", "abc", ""], "'abc' is not a sha256"),
        (
            ["1.0", "http://h", sha.as_str(), "ABC"],
            "'ABC' is not a sha256",
        ),
    ] {
        let out = Command::new(&writer).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).contains(message), "{}", text(&out));
    }
    let out = Command::new(&writer)
        .args(["1.0-rc1", "https://h/x/", &sha, ""])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let script = String::from_utf8(out.stdout).unwrap();
    for line in [
        "RELEASE_URL=\"https://h/x\"",
        "RELEASE_VERSION=\"1.0-rc1\"",
        &format!("RELEASE_SHA256_x86_64=\"{sha}\""),
        "RELEASE_SHA256_aarch64=\"\"",
    ] {
        assert_eq!(script.lines().filter(|l| l == &line).count(), 1, "{line}");
    }
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
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
    std::fs::copy(
        format!("{ROOT}/scripts/bootstrap.sh"),
        co.join("scripts/bootstrap.sh"),
    )
    .unwrap();
    // A cargo that "builds" a fake binary where cargo would put it.
    let fakebin = dir.path().join("fakebin");
    write_exec(
        &fakebin.join("cargo"),
        "#!/bin/sh\n[ \"$*\" = 'build --release' ] || exit 9\nmkdir -p target/release\nprintf '#!/bin/sh\\necho \"fake hubcfg $*\"\\n' > target/release/hubcfg\nchmod 755 target/release/hubcfg\n",
    );
    let path = format!(
        "{}:{}",
        fakebin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(co.join("scripts/bootstrap.sh"))
        .args(["--admin", "me"])
        .env("PATH", path)
        .env_remove("SUDO_USER")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "fake hubcfg bootstrap --admin me"
    );
    assert!(
        text(&out).contains("building from source"),
        "{}",
        text(&out)
    );
}

#[test]
#[ignore = "needs root and setpriv to drop to an unprivileged user; scripts/test runs it"]
fn not_root_from_a_file_re_runs_itself_with_sudo() {
    assert!(
        is_root() && Path::new("/usr/bin/setpriv").exists(),
        "needs root and /usr/bin/setpriv"
    );
    let r = Release::new();
    // The unprivileged user reads the script; a fake sudo shows the re-run.
    let fakebin = r.dir.path().join("fakebin");
    write_exec(&fakebin.join("sudo"), "#!/bin/sh\necho \"sudo $*\"\n");
    for d in [r.dir.path(), &r.dist, &fakebin] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg("/bin/bash")
        .arg(r.script())
        .args(["--admin", "me"])
        .env("PATH", format!("{}:/usr/bin:/bin", fakebin.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("sudo -- bash {} --admin me", r.script().display())
    );
    assert_eq!(
        stderr_lines(&out),
        ["bootstrap.sh: root is needed; re-running with sudo"]
    );
    assert!(!r.marker.exists());
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn restore_flag_runs_hubcfg_restore_with_the_other_arguments() {
    require_root!();
    let r = Release::new();
    for args in [
        &["--restore", "/root/hub.tar.gz", "--admin", "me"][..],
        &["--admin", "me", "--restore=/root/hub.tar.gz"][..],
    ] {
        let out = r.run_piped(args);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(
            std::fs::read_to_string(&r.marker).unwrap().trim(),
            "restore /root/hub.tar.gz --admin me"
        );
    }
    let out = r.run_piped(&["--admin", "me", "--restore"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("--restore needs the backup file"),
        "{}",
        text(&out)
    );
}
