//! The config file under hostile or unlucky conditions: planted links,
//! writers killed mid-write, foreign lock holders, protected files, keys
//! too deep to read back, impossible option values.

use assert_cmd::Command;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hubcfg");

struct Hub {
    dir: tempfile::TempDir,
}

impl Hub {
    fn new(config: &str) -> Hub {
        let hub = Hub {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(hub.config_dir()).unwrap();
        std::fs::write(hub.config(), config).unwrap();
        hub
    }
    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }
    fn config(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }
    fn lock(&self) -> PathBuf {
        self.config_dir().join("config.toml.lock")
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env_remove("HUBCFG_PREFIX")
            .env_remove("TLJH_INSTALL_PREFIX")
            .arg("--prefix")
            .arg(self.dir.path())
            .args(args);
        c
    }
    /// Runs a command that must fail; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!out.status.success(), "{args:?} succeeded: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        err
    }
    fn names_in_config_dir(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.config_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
    let hub = Hub::new("a = 1\n");
    let victim = hub.dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, hub.lock()).unwrap();
    let err = hub.fails(&["set", "http.port", "8080"]);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(hub.config()).unwrap(), "a = 1\n");

    std::fs::remove_file(hub.lock()).unwrap();
    let nowhere = hub.dir.path().join("created");
    std::os::unix::fs::symlink(&nowhere, hub.lock()).unwrap();
    hub.fails(&["set", "http.port", "8080"]);
    assert!(!nowhere.exists(), "a dangling lock link created its target");
}

#[test]
fn a_symlinked_config_keeps_its_link_and_the_target_changes() {
    let hub = Hub::new("");
    let repo = hub.dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("hub.toml"), "# tracked in git\n").unwrap();
    std::fs::remove_file(hub.config()).unwrap();
    std::os::unix::fs::symlink("../repo/hub.toml", hub.config()).unwrap();
    hub.cmd(&["set", "http.port", "8080"]).assert().success();
    let meta = std::fs::symlink_metadata(hub.config()).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(repo.join("hub.toml")).unwrap();
    assert!(
        text.contains("# tracked in git\n") && text.contains("port = 8080"),
        "{text}"
    );
}

#[test]
fn a_hard_linked_config_is_written_with_a_warning() {
    let hub = Hub::new("a = 1\n");
    let other = hub.dir.path().join("other-name.toml");
    std::fs::hard_link(hub.config(), &other).unwrap();
    let out = hub.cmd(&["set", "http.port", "8080"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("has 2 hard links"), "{err}");
}

#[test]
fn writers_killed_mid_write_leave_no_copies_behind() {
    // A config big enough that some kills land while it is being written.
    let big: String = (0..20_000).map(|i| format!("# note {i}\n")).collect();
    let hub = Hub::new(&format!("{big}[users]\nadmin = [\"ada\"]\n"));
    // One such write takes a few tens of milliseconds: the kills are spread
    // over that time.
    for i in 0..90u64 {
        let mut child = std::process::Command::new(BIN)
            .env_remove("HUBCFG_PREFIX")
            .arg("--prefix")
            .arg(hub.dir.path())
            .args(["add-item", "users.allowed", &format!("u{i}")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(500 * (i % 90)));
        let _ = child.kill();
        let _ = child.wait();
    }
    hub.cmd(&["add-item", "users.allowed", "last"])
        .assert()
        .success();
    assert_eq!(
        hub.names_in_config_dir(),
        vec!["config.toml", "config.toml.lock"]
    );
    let text = std::fs::read_to_string(hub.config()).unwrap();
    assert!(text.parse::<toml_edit::DocumentMut>().is_ok());
    assert!(text.contains("\"last\""));
}

#[test]
fn impossible_lock_timeouts_are_refused_without_a_panic() {
    let hub = Hub::new("");
    for v in ["1e20", "inf", "NaN", "-1", "1e300"] {
        let err = hub.fails(&[&format!("--lock-timeout={v}"), "show"]);
        assert!(err.contains("--lock-timeout"), "{v}: {err}");
    }
    hub.cmd(&["--lock-timeout", "0.5", "show"])
        .assert()
        .success();
}

/// `flock LOCK sleep 60`, killed when dropped.
struct ForeignHolder(std::process::Child);

impl Drop for ForeignHolder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a foreign holder and returns once the kernel lists its lock.
fn foreign_holder(lock: &Path) -> ForeignHolder {
    let holder = ForeignHolder(
        std::process::Command::new("flock")
            .arg(lock)
            .args(["sleep", "60"])
            .spawn()
            .expect("flock (util-linux) is needed"),
    );
    let ino = format!(":{} ", std::fs::metadata(lock).unwrap().ino());
    let pid = format!(" {} ", holder.0.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let locks = std::fs::read_to_string("/proc/locks").unwrap();
        if locks.lines().any(|l| l.contains(&ino) && l.contains(&pid)) {
            return holder;
        }
        assert!(
            Instant::now() < deadline,
            "flock never took the lock:\n{locks}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_lock_message_names_the_live_holder_not_a_stale_pid() {
    let hub = Hub::new("a = 1\n");
    std::fs::write(hub.lock(), "999999999\n").unwrap();
    let holder = foreign_holder(&hub.lock());
    let err = hub.fails(&["--lock-timeout", "0.2", "set", "http.port", "8080"]);
    let named = format!("process {} (flock)", holder.0.id());
    drop(holder);
    assert!(err.contains(&named), "{err}");
    assert!(!err.contains("999999999"), "{err}");
    assert_eq!(std::fs::read_to_string(hub.config()).unwrap(), "a = 1\n");
}

#[test]
#[ignore = "needs root for chattr; scripts/test runs it"]
fn an_append_only_config_is_named_as_such_not_as_needing_sudo() {
    assert!(nix::unistd::geteuid().is_root(), "run as root");
    let hub = Hub::new("a = 1\n");
    let chattr = |flag: &str| {
        let ok = std::process::Command::new("chattr")
            .arg(flag)
            .arg(hub.config())
            .status()
            .unwrap();
        assert!(ok.success());
    };
    chattr("+a");
    let err = hub.fails(&["set", "http.port", "8080"]);
    chattr("-a");
    assert!(
        err.contains("is append-only") && err.contains("lsattr"),
        "{err}"
    );
    assert!(!err.contains("sudo"), "{err}");
    assert_eq!(std::fs::read_to_string(hub.config()).unwrap(), "a = 1\n");
}

#[test]
fn keys_too_deep_to_read_back_are_refused_even_without_validation() {
    let hub = Hub::new("a = 1\n");
    let deep = vec!["k"; 100].join(".");
    for extra in [&[][..], &["--no-validate"][..]] {
        let mut args = extra.to_vec();
        args.extend(["set", deep.as_str(), "1"]);
        let err = hub.fails(&args);
        assert!(err.contains("100 dotted parts"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(hub.config()).unwrap(), "a = 1\n");
    hub.cmd(&["unset", "a", "--no-validate"]).assert().success();
}

#[test]
fn a_file_too_deep_to_read_names_the_right_line() {
    let deep = vec!["k"; 100].join(".");
    let hub = Hub::new(&format!("x = 1\ny = 2\n[{deep}]\nz = 3\n"));
    let err = hub.fails(&["validate"]);
    assert!(err.contains("config.toml:3:1:"), "{err}");
}

#[test]
fn config_path_is_refused_where_the_hub_reads_its_own_file() {
    let hub = Hub::new("");
    let elsewhere = hub.dir.path().join("elsewhere.toml");
    std::fs::write(&elsewhere, "[http]\nport = 8080\n").unwrap();
    let other = elsewhere.to_str().unwrap();
    for cmd in [
        &["reload"][..],
        &["render"][..],
        &["ensure-user", "ann"][..],
    ] {
        let mut args = vec!["--config-path", other];
        args.extend(cmd);
        let out = hub.cmd(&args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains("cannot be used with") && err.contains("config/config.toml"),
            "{err}"
        );
    }
    // The commands that read or edit a file take it.
    hub.cmd(&["--config-path", other, "show", "http.port"])
        .assert()
        .success()
        .stdout("8080\n");
}
