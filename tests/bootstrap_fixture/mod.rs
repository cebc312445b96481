//! A fake hubcfg release for running scripts/bootstrap.sh for real: a
//! tarball whose `hubcfg` is a shell script that records its arguments in a
//! marker file, the dist/bootstrap.sh that scripts/release-bootstrap-sh
//! writes for it, and a loopback HTTP server that serves dist/ and logs
//! every request.
#![allow(dead_code)] // each test binary uses its own subset

use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
pub const VERSION: &str = "9.8.7";

pub fn arch() -> &'static str {
    std::env::consts::ARCH
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// bootstrap.sh insists on root: the tests that run it are `#[ignore]`d
/// and fail, saying so, when run without it.
macro_rules! require_root {
    () => {
        assert!(
            bootstrap_fixture::is_root(),
            "bootstrap.sh refuses to run without root; run this test as root"
        );
    };
}

pub fn write_exec(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A gzipped tarball holding `hubcfg-VERSION-ARCH-linux/hubcfg` = `script`.
pub fn tarball(script: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut header = tar::Header::new_gnu();
    header.set_size(script.len() as u64);
    header.set_mode(0o755);
    header.set_cksum();
    let path = format!("hubcfg-{VERSION}-{}-linux/hubcfg", arch());
    tar.append_data(&mut header, path, script.as_bytes())
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

pub struct Release {
    pub dir: tempfile::TempDir,
    /// Served over HTTP: the tarball and bootstrap.sh.
    pub dist: PathBuf,
    /// Written by the fake hubcfg (its arguments): proof that it ran.
    pub marker: PathBuf,
    /// TMPDIR for the script: must be empty again after every run.
    pub tmp: PathBuf,
    pub server: Server,
}

impl Release {
    /// A release for this machine's architecture, served on loopback, with
    /// `bootstrap.sh` written for the server's URL.
    pub fn new() -> Release {
        let dir = tempfile::tempdir().unwrap();
        let dist = dir.path().join("dist");
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::create_dir_all(&tmp).unwrap();
        let marker = dir.path().join("hubcfg-ran");
        let fake = format!(
            "#!/bin/sh\necho \"$*\" > '{}'\necho \"fake hubcfg $*\"\n",
            marker.display()
        );
        let tgz = tarball(&fake);
        let name = format!("hubcfg-{VERSION}-{}-linux.tar.gz", arch());
        std::fs::write(dist.join(name), &tgz).unwrap();
        let server = Server::start(dist.clone());
        let r = Release {
            dir,
            dist,
            marker,
            tmp,
            server,
        };
        r.write_script(&r.server.url, &sha256(&tgz), arch());
        r
    }

    /// Writes dist/bootstrap.sh with scripts/release-bootstrap-sh, naming
    /// `base` and `sha` as the build for `arch` (and none for the other).
    pub fn write_script(&self, base: &str, sha: &str, arch: &str) {
        let (x86, arm) = if arch == "x86_64" {
            (sha, "")
        } else {
            ("", sha)
        };
        let out = Command::new(format!("{ROOT}/scripts/release-bootstrap-sh"))
            .args([VERSION, base, x86, arm])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        std::fs::write(self.script(), out.stdout).unwrap();
    }

    pub fn script(&self) -> PathBuf {
        self.dist.join("bootstrap.sh")
    }

    pub fn tarball_url(&self) -> String {
        format!(
            "{}/hubcfg-{VERSION}-{}-linux.tar.gz",
            self.server.url,
            arch()
        )
    }

    /// `bash -s -- ARGS` with dist/bootstrap.sh (or `script`) on stdin, as
    /// `curl … | sudo bash -s -- ARGS` runs it.
    pub fn pipe(&self, mut cmd: Command, script: &[u8]) -> Output {
        cmd.env("TMPDIR", &self.tmp)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        // The script may stop reading early (it exits on an error).
        let _ = child.stdin.take().unwrap().write_all(script);
        child.wait_with_output().unwrap()
    }

    pub fn run_piped(&self, args: &[&str]) -> Output {
        let script = std::fs::read(self.script()).unwrap();
        self.pipe(piped_bash(args), &script)
    }

    /// Nothing ran: no marker, no temp files left behind.
    pub fn assert_nothing_ran(&self, out: &Output) {
        assert!(!out.status.success(), "{}", text(out));
        assert!(!self.marker.exists(), "hubcfg ran:\n{}", text(out));
        assert!(!text(out).contains("fake hubcfg"), "{}", text(out));
        let left: Vec<_> = std::fs::read_dir(&self.tmp).unwrap().collect();
        assert!(left.is_empty(), "left in TMPDIR: {left:?}");
    }
}

/// bash reading the script from stdin, without the caller's overrides.
pub fn piped_bash(args: &[&str]) -> Command {
    let mut c = Command::new("bash");
    c.args(["-s", "--"]).args(args);
    for var in [
        "HUBCFG_RELEASE_URL",
        "SUDO_USER",
        "http_proxy",
        "https_proxy",
    ] {
        c.env_remove(var);
    }
    c
}

pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The lines the script wrote to stderr.
pub fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A PATH of symlinks to every program of /usr/bin, /bin, /usr/sbin and
/// /sbin except `hidden`, plus the programs in `extra` (name, script).
pub fn path_without(dir: &Path, hidden: &[&str], extra: &[(&str, &str)]) -> PathBuf {
    let bin = dir.join("only-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for (name, body) in extra {
        write_exec(&bin.join(name), body);
    }
    for src in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let Ok(entries) = std::fs::read_dir(src) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let link = bin.join(&name);
            if hidden.iter().any(|h| name == *h) || link.symlink_metadata().is_ok() {
                continue;
            }
            std::os::unix::fs::symlink(e.path(), link).unwrap();
        }
    }
    bin
}

/// Serves the files of a directory over HTTP/1.1 on 127.0.0.1 (404 for
/// anything else) from a thread that lives as long as the test process.
pub struct Server {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(root: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &root, &log);
            }
        });
        Server { url, requests }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    log.lock().unwrap().push(path.clone());
    let file = path.trim_start_matches('/');
    let body = (!file.is_empty() && !file.contains(".."))
        .then(|| std::fs::read(root.join(file)).ok())
        .flatten();
    let (status, body) = match body {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found\n".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}
