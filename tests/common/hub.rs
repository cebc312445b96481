//! A temp prefix to run the real `hubcfg` binary against, for the config
//! CLI tests. Include with `#[path = "common/hub.rs"] mod hub;`.
#![allow(dead_code)] // each test binary uses its own subset

use assert_cmd::Command;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A config as a teacher might have written it by hand.
pub const REALISTIC: &str = r#"# Hub for the Tuesday data science class.
base_url = '/'

[auth]
type = "firstuseauthenticator.FirstUseAuthenticator"

[users]
# Teaching staff
admin = [
    "ada",   # lecturer
    "grace", # teaching assistant
    # "linus", (left in June)
]
allowed = ["student1", "student2"]

[limits]
memory = "1G" # per user
cpu = 1

[http]
port = 80 # behind the campus proxy
"#;

pub const BIN: &str = env!("CARGO_BIN_EXE_hubcfg");

pub struct Hub {
    dir: TempDir,
}

/// What a finished command printed.
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

impl Hub {
    pub fn new() -> Hub {
        Hub {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A prefix whose config/config.toml holds `text` (mode 0600).
    pub fn with_config(text: &str) -> Hub {
        let hub = Hub::new();
        std::fs::create_dir_all(hub.config().parent().unwrap()).unwrap();
        std::fs::write(hub.config(), text).unwrap();
        std::fs::set_permissions(hub.config(), std::fs::Permissions::from_mode(0o600)).unwrap();
        hub
    }

    pub fn prefix(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.prefix().join("config/config.toml")
    }

    pub fn read(&self) -> String {
        std::fs::read_to_string(self.config()).unwrap()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env_remove("HUBCFG_PREFIX")
            .env_remove("TLJH_INSTALL_PREFIX")
            .arg("--prefix")
            .arg(self.prefix())
            .args(args);
        c
    }

    /// Every stream of a run, the exit code first, with the prefix written
    /// `[PREFIX]`: the text the snapshot tests compare.
    pub fn transcript(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        let prefix = self.prefix().to_str().unwrap();
        let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(prefix, "[PREFIX]");
        format!(
            "$ hubcfg {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" ").replace(prefix, "[PREFIX]"),
            out.status
                .code()
                .map_or("signal".to_string(), |c| c.to_string()),
            clean(&out.stdout),
            clean(&out.stderr)
        )
    }

    /// Runs a command, whatever its outcome: (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.cmd(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The config file's text, if it exists.
    pub fn file(&self) -> Option<String> {
        std::fs::read_to_string(self.config()).ok()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_all(args).stdout
    }

    /// Runs a command that must succeed; returns stdout and stderr.
    pub fn ok_all(&self, args: &[&str]) -> Output {
        let out = self.cmd(args).assert().success();
        let out = out.get_output();
        Output {
            stdout: String::from_utf8(out.stdout.clone()).unwrap(),
            stderr: String::from_utf8(out.stderr.clone()).unwrap(),
        }
    }

    /// Runs a command that must fail with exit code 1; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd(args).assert().failure().code(1);
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    }
}

/// `setpriv`, for tests that run hubcfg as user nobody. Such tests are
/// `#[ignore]`d (scripts/test runs them as root); run otherwise, they fail
/// saying why instead of passing unseen.
pub fn setpriv() -> &'static Path {
    let setpriv = Path::new("/usr/bin/setpriv");
    assert!(
        nix::unistd::geteuid().is_root() && setpriv.exists(),
        "this test needs root and /usr/bin/setpriv to become user nobody"
    );
    setpriv
}

/// A copy of the binary that user nobody can execute wherever the checkout
/// lives (a home directory may be closed to others).
fn bin_for_nobody() -> &'static Path {
    static COPY: std::sync::OnceLock<(TempDir, PathBuf)> = std::sync::OnceLock::new();
    &COPY
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let bin = dir.path().join("hubcfg");
            std::fs::copy(BIN, &bin).unwrap();
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
            (dir, bin)
        })
        .1
}

/// `hubcfg --prefix PREFIX ARGS…` as user nobody (uid and gid 65534).
pub fn as_nobody(prefix: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(setpriv());
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin_for_nobody())
        .arg("--prefix")
        .env_remove("HUBCFG_PREFIX")
        .env_remove("TLJH_INSTALL_PREFIX")
        .arg(prefix)
        .args(args);
    c
}
