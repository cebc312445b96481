//! The config commands as processes: the writers' lock, concurrent
//! writers, owners and modes, another user, the tljh-config personality,
//! help and completions, reload's refusal, unchanged files, JSON reports.

use assert_cmd::Command;
use predicates::str::contains;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

#[path = "common/hub.rs"]
mod hub;
use hub::{BIN, Hub, REALISTIC};

#[test]
fn lock_timeout_names_the_holder() {
    use std::io::Write;
    let hub = Hub::with_config(REALISTIC);
    let lock_path = hub.prefix().join("config/config.toml.lock");
    let mut f = std::fs::File::create(&lock_path).unwrap();
    writeln!(f, "{}", std::process::id()).unwrap();
    let held = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let err = hub.fails(&["--lock-timeout", "1", "set", "http.port", "81"]);
    assert!(
        err.contains("is held by") && err.contains(&format!("process {} (", std::process::id())),
        "{err}"
    );
    assert!(err.contains("--lock-timeout"), "{err}");
    assert_eq!(hub.read(), REALISTIC);
    // Readers do not need the lock.
    hub.ok(&["show", "http.port"]);
    drop(held);
    hub.ok(&["--lock-timeout", "1", "set", "http.port", "81"]);
}

#[test]
fn fifty_concurrent_writers_lose_nothing() {
    let hub = Hub::with_config(REALISTIC);
    let children: Vec<_> = (0..50)
        .map(|i| {
            std::process::Command::new(BIN)
                .arg("--prefix")
                .arg(hub.prefix())
                .args(["add-item", "users.allowed", &format!("writer{i}")])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let doc: toml::Table = hub.read().parse().unwrap();
    let allowed = doc["users"]["allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), 52);
    for i in 0..50 {
        assert!(
            allowed.contains(&toml::Value::from(format!("writer{i}"))),
            "writer{i} lost"
        );
    }
    // The comments survived 50 rewrites.
    assert!(hub.read().contains("\"grace\", # teaching assistant"));
}

#[test]
#[ignore = "needs root to chown the config file; scripts/test runs it"]
fn owner_and_mode_are_kept() {
    assert!(nix::unistd::geteuid().is_root(), "needs root to chown");
    let hub = Hub::with_config(REALISTIC);
    std::os::unix::fs::chown(hub.config(), Some(1234), Some(1234)).unwrap();
    hub.ok(&["set", "http.port", "81"]);
    let m = std::fs::metadata(hub.config()).unwrap();
    assert_eq!((m.uid(), m.gid()), (1234, 1234));
    assert_eq!(m.permissions().mode() & 0o777, 0o600);
}

#[test]
#[ignore = "needs root to become user nobody; scripts/test runs it"]
fn non_root_may_read_but_not_write() {
    let hub = Hub::with_config(REALISTIC);
    for d in [hub.prefix().to_path_buf(), hub.prefix().join("config")] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(hub.config(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let as_nobody = |args: &[&str]| hub::as_nobody(hub.prefix(), args);
    let out = as_nobody(&["show", "http.port"]).assert();
    let out = out.get_output();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "80\n");
    let out = as_nobody(&["set", "http.port", "81"])
        .assert()
        .failure()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("hubcfg needs root privileges to change"),
        "{err}"
    );
    assert!(err.contains("sudo"), "{err}");
    assert_eq!(hub.read(), REALISTIC);
}

#[test]
fn tljh_config_personality() {
    let hub = Hub::with_config(REALISTIC);
    let link = hub.prefix().join("tljh-config");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    Command::new(&link)
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Usage: tljh-config"));
    Command::new(&link)
        .args(["--config-path"])
        .arg(hub.config())
        .args(["set", "http.port", "8000"])
        .assert()
        .success();
    assert!(hub.read().contains("port = 8000 # behind the campus proxy"));
}

#[test]
fn no_arguments_print_help() {
    Command::new(BIN)
        .assert()
        .success()
        .stdout(contains("add-item"));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        Command::new(BIN)
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains("remove-item"));
    }
}

#[test]
#[ignore = "reload checks for root before the config; scripts/test runs it as root"]
fn reload_refuses_a_broken_config_before_restarting() {
    assert!(nix::unistd::geteuid().is_root(), "reload needs root");
    let hub = Hub::with_config("[http]\nport = 0\n");
    let err = hub.fails(&["reload"]);
    assert!(
        err.contains("nothing was restarted") && err.contains("http.port"),
        "{err}"
    );
}

#[test]
fn unchanged_file_is_not_rewritten() {
    let hub = Hub::with_config(REALISTIC);
    let before = std::fs::metadata(hub.config()).unwrap();
    hub.ok(&["set", "http.port", "80"]);
    hub.ok(&["set", "limits.memory", "1G"]);
    hub.ok(&["add-item", "users.admin", "grace"]);
    let after = std::fs::metadata(hub.config()).unwrap();
    assert_eq!(before.ino(), after.ino(), "the file was replaced");
    assert_eq!(hub.read(), REALISTIC);
}

#[test]
fn json_output_for_writes() {
    let hub = Hub::new();
    let out = hub.ok(&["--json", "set", "http.port", "81"]);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["changed"], true);
    let out = hub.ok(&["--json", "set", "http.port", "81"]);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["changed"], false);
}

#[test]
fn quiet_keeps_warnings_and_verbose_changes_nothing_for_edits() {
    let hub = Hub::with_config("[http]\nport = 0\n");
    let (ok, _, err) = hub.run(&["--quiet", "set", "limits.memory", "1G"]);
    assert!(ok, "{err}");
    assert!(!err.contains("set limits.memory"), "{err}");
    assert!(
        err.contains("warning:") && err.contains("http.port"),
        "{err}"
    );
    let (ok, _, err) = hub.run(&["set", "limits.cpu", "2"]);
    assert!(ok && err.contains("set limits.cpu = 2"), "{err}");
}
