//! Each way a release's bootstrap.sh refuses: one exact line on stderr, a
//! failed exit, and nothing run (the fake hubcfg leaves no marker, no temp
//! files are left behind).

#[macro_use]
mod bootstrap_fixture;

use bootstrap_fixture::{
    Release, VERSION, arch, is_root, path_without, piped_bash, sha256, stderr_lines, text,
};
use std::path::Path;
use std::process::{Command, Output};

/// The error is the script's last line, and its only error line.
fn assert_error(r: &Release, out: &Output, expected: &str) {
    r.assert_nothing_ran(out);
    let errors: Vec<_> = stderr_lines(out)
        .into_iter()
        .filter(|l| l.starts_with("bootstrap.sh: error:"))
        .collect();
    assert_eq!(errors, [expected], "{}", text(out));
    assert_eq!(stderr_lines(out).last().map(String::as_str), Some(expected));
}

/// `bash -s` with the release's script and PATH starting with `dir`.
fn run_with_path(r: &Release, path: &Path) -> Output {
    let mut cmd = piped_bash(&["--admin", "me"]);
    cmd.env("PATH", path);
    r.pipe(cmd, &std::fs::read(r.script()).unwrap())
}

fn fake_uname(r: &Release, machine: &str) -> Output {
    let fakebin = r.dir.path().join("fakebin");
    bootstrap_fixture::write_exec(
        &fakebin.join("uname"),
        &format!("#!/bin/sh\necho {machine}\n"),
    );
    let path = format!(
        "{}:{}",
        fakebin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run_with_path(r, Path::new(&path))
}

#[test]
fn not_root() {
    let r = Release::new();
    let mut cmd = if is_root() {
        assert!(
            Path::new("/usr/bin/setpriv").exists(),
            "as root this needs /usr/bin/setpriv to become uid 65534"
        );
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.args(["bash", "-s", "--", "--admin", "me"]);
        c
    } else {
        piped_bash(&["--admin", "me"])
    };
    cmd.env_remove("HUBCFG_RELEASE_URL");
    let out = r.pipe(cmd, &std::fs::read(r.script()).unwrap());
    assert_error(
        &r,
        &out,
        &format!(
            "bootstrap.sh: error: must be run as root: curl -fsSL {}/bootstrap.sh | sudo bash -s -- --admin NAME",
            r.server.url
        ),
    );
    assert!(r.server.requests().is_empty());
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn unsupported_architecture() {
    require_root!();
    let r = Release::new();
    let out = fake_uname(&r, "riscv64");
    assert_error(
        &r,
        &out,
        "bootstrap.sh: error: unsupported architecture riscv64: hubcfg runs on x86_64 and aarch64",
    );
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn architecture_without_a_build_in_this_release() {
    require_root!();
    let r = Release::new();
    let other = if arch() == "x86_64" {
        "aarch64"
    } else {
        "x86_64"
    };
    let out = fake_uname(&r, other);
    assert_error(
        &r,
        &out,
        &format!("bootstrap.sh: error: hubcfg {VERSION} has no {other} build"),
    );
    assert!(r.server.requests().is_empty());
}

/// PATHs with only curl and with only wget (where installed).
fn curl_and_wget(r: &Release) -> Vec<(&'static str, std::path::PathBuf)> {
    let mut tools = vec![];
    for (tool, hidden) in [("curl", "wget"), ("wget", "curl")] {
        if Path::new("/usr/bin").join(tool).exists() {
            let dir = r.dir.path().join(tool);
            tools.push((tool, path_without(&dir, &[hidden], &[])));
        } else {
            eprintln!("{tool} is not installed: not tested");
        }
    }
    tools
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn download_failure_names_the_url_and_http_status() {
    require_root!();
    let r = Release::new();
    let tarball = format!("hubcfg-{VERSION}-{}-linux.tar.gz", arch());
    std::fs::remove_file(r.dist.join(tarball)).unwrap();
    let expected = format!(
        "bootstrap.sh: error: download failed: {}: HTTP 404",
        r.tarball_url()
    );
    for (tool, path) in curl_and_wget(&r) {
        assert_error(&r, &run_with_path(&r, &path), &expected);
        eprintln!("{tool}: ok");
    }
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn download_failure_without_a_server_names_the_url_and_the_error() {
    require_root!();
    let r = Release::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let url = format!("{base}/hubcfg-{VERSION}-{}-linux.tar.gz", arch());
    for (tool, path) in curl_and_wget(&r) {
        let mut cmd = piped_bash(&["--admin", "me"]);
        cmd.env("PATH", path).env("HUBCFG_RELEASE_URL", &base);
        let out = r.pipe(cmd, &std::fs::read(r.script()).unwrap());
        let prefix = format!("bootstrap.sh: error: download failed: {url}: ");
        let error = match tool {
            // curl adds how long it tried: "after 0 ms: Couldn't connect to server".
            "curl" => format!("curl: (7) Failed to connect to 127.0.0.1 port {port}"),
            _ => "failed: Connection refused.".to_string(),
        };
        let last = stderr_lines(&out).pop().unwrap_or_default();
        assert!(
            last.starts_with(&(prefix + &error)),
            "{tool}: {}",
            text(&out)
        );
        assert_error(&r, &out, &last);
    }
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn checksum_mismatch_shows_both_sums_and_installs_nothing() {
    require_root!();
    let r = Release::new();
    let wrong = "0".repeat(64);
    r.write_script(&r.server.url, &wrong, arch());
    let out = r.run_piped(&["--admin", "me"]);
    let tarball = r
        .dist
        .join(format!("hubcfg-{VERSION}-{}-linux.tar.gz", arch()));
    let actual = sha256(&std::fs::read(tarball).unwrap());
    assert_error(
        &r,
        &out,
        &format!(
            "bootstrap.sh: error: checksum mismatch for {}: expected sha256 {wrong}, got {actual}; nothing was installed",
            r.tarball_url()
        ),
    );
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn truncated_script_runs_nothing() {
    require_root!();
    let r = Release::new();
    let script = std::fs::read(r.script()).unwrap();
    let last_line = script.len() - b"main \"$@\" --end-of-bootstrap.sh\n".len();
    assert!(script[last_line..].starts_with(b"main "));
    let expected =
        "bootstrap.sh: error: this script arrived incomplete (download cut off?); nothing was run";
    // Mid-function (a syntax error), between functions, and inside the
    // last line: just `main`, `main "$@"`, most of the end mark.
    for cut in [
        script.len() / 3,
        script.len() / 2,
        last_line,
        last_line + 4,
        last_line + 9,
        script.len() - 4,
    ] {
        for args in [&["--admin", "me"][..], &[]] {
            let out = r.pipe(piped_bash(args), &script[..cut]);
            assert_eq!(
                stderr_lines(&out).last().map(String::as_str),
                Some(expected),
                "cut at {cut}: {}",
                text(&out)
            );
            r.assert_nothing_ran(&out);
        }
    }
    assert!(r.server.requests().is_empty());
}

#[test]
#[ignore = "bootstrap.sh refuses to run without root; scripts/test runs it as root"]
fn the_checkouts_own_script_names_no_release() {
    require_root!();
    let r = Release::new();
    let script =
        std::fs::read(format!("{}/scripts/bootstrap.sh", bootstrap_fixture::ROOT)).unwrap();
    let out = r.pipe(piped_bash(&["--admin", "me"]), &script);
    assert_error(
        &r,
        &out,
        "bootstrap.sh: error: this bootstrap.sh names no release: use the one published with a release (scripts/release writes it into dist/), or run it inside a hubcfg checkout to build from source",
    );
    assert!(r.server.requests().is_empty());
}
