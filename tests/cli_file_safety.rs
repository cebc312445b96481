//! The config file under hostile or unlucky conditions: planted links,
//! writers killed mid-write, foreign lock holders, protected files, keys
//! too deep to read back, impossible option values.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "common/hub.rs"]
mod hub;
use hub::{BIN, Hub};

fn lock_file(hub: &Hub) -> PathBuf {
    hub.prefix().join("config/config.toml.lock")
}

/// Runs a command that must fail (any code) without a panic; its stderr.
fn refused(hub: &Hub, args: &[&str]) -> String {
    let (ok, _, err) = hub.run(args);
    assert!(!ok, "{args:?} succeeded: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    err
}

fn names_in_config_dir(hub: &Hub) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(hub.prefix().join("config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
    let hub = Hub::with_config("a = 1\n");
    let victim = hub.prefix().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, lock_file(&hub)).unwrap();
    let err = refused(&hub, &["set", "http.port", "8080"]);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(hub.config()).unwrap(), "a = 1\n");

    std::fs::remove_file(lock_file(&hub)).unwrap();
    let nowhere = hub.prefix().join("created");
    std::os::unix::fs::symlink(&nowhere, lock_file(&hub)).unwrap();
    refused(&hub, &["set", "http.port", "8080"]);
    assert!(!nowhere.exists(), "a dangling lock link created its target");
}

#[test]
fn a_symlinked_config_keeps_its_link_and_the_target_changes() {
    let hub = Hub::with_config("");
    let repo = hub.prefix().join("repo");
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
    let hub = Hub::with_config("a = 1\n");
    let other = hub.prefix().join("other-name.toml");
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
    let hub = Hub::with_config(&format!("{big}[users]\nadmin = [\"ada\"]\n"));
    // One such write takes a few tens of milliseconds: the kills are spread
    // over that time.
    for i in 0..90u64 {
        let mut child = std::process::Command::new(BIN)
            .env_remove("HUBCFG_PREFIX")
            .arg("--prefix")
            .arg(hub.prefix())
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
        names_in_config_dir(&hub),
        vec!["config.toml", "config.toml.lock"]
    );
    let text = std::fs::read_to_string(hub.config()).unwrap();
    assert!(text.parse::<toml_edit::DocumentMut>().is_ok());
    assert!(text.contains("\"last\""));
}

#[test]
fn impossible_lock_timeouts_are_refused_without_a_panic() {
    let hub = Hub::with_config("");
    for v in ["1e20", "inf", "NaN", "-1", "1e300"] {
        let err = refused(&hub, &[&format!("--lock-timeout={v}"), "show"]);
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
    let hub = Hub::with_config("a = 1\n");
    std::fs::write(lock_file(&hub), "999999999\n").unwrap();
    let holder = foreign_holder(&lock_file(&hub));
    let err = refused(&hub, &["--lock-timeout", "0.2", "set", "http.port", "8080"]);
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
    let hub = Hub::with_config("a = 1\n");
    let chattr = |flag: &str| {
        let ok = std::process::Command::new("chattr")
            .arg(flag)
            .arg(hub.config())
            .status()
            .unwrap();
        assert!(ok.success());
    };
    chattr("+a");
    let err = refused(&hub, &["set", "http.port", "8080"]);
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
    let hub = Hub::with_config("a = 1\n");
    let deep = vec!["k"; 100].join(".");
    for extra in [&[][..], &["--no-validate"][..]] {
        let mut args = extra.to_vec();
        args.extend(["set", deep.as_str(), "1"]);
        let err = refused(&hub, &args);
        assert!(err.contains("100 dotted parts"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(hub.config()).unwrap(), "a = 1\n");
    hub.cmd(&["unset", "a", "--no-validate"]).assert().success();
}

#[test]
fn a_file_too_deep_to_read_names_the_right_line() {
    let deep = vec!["k"; 100].join(".");
    let hub = Hub::with_config(&format!("x = 1\ny = 2\n[{deep}]\nz = 3\n"));
    let err = refused(&hub, &["validate"]);
    assert!(err.contains("config.toml:3:1:"), "{err}");
}

#[test]
fn config_path_is_refused_where_the_hub_reads_its_own_file() {
    let hub = Hub::with_config("");
    let elsewhere = hub.prefix().join("elsewhere.toml");
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
