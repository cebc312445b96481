//! The one helper every test uses to wait for the servers it starts
//! (tests/common/server.rs): a server slow to listen is waited for; one
//! that never listens, or dies, fails with its log in the message.

mod common;
use common::free_port;
use common::server::{Server, command_after, tcp_open, wait_until_ready};

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;
use std::time::{Duration, Instant};

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

/// The message of the panic in `f`.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().unwrap_or(&"?").to_string(),
    }
}

#[test]
fn a_server_slow_to_listen_is_waited_for() {
    let port = free_port();
    // Set once our listener holds the port: another process on the host may
    // grab a free port in the meantime, and its answer must not count.
    let bound = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = bound.clone();
    let listener = std::thread::spawn(move || {
        // The slow server: listens only after 1.5 s.
        std::thread::sleep(Duration::from_millis(1500));
        let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = l.accept();
    });
    let start = Instant::now();
    wait_until_ready("late listener", Duration::from_secs(30), &[], || {
        if !bound.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(std::io::Error::other("our listener has not bound yet"));
        }
        tcp_open(port)
    });
    assert!(start.elapsed() >= Duration::from_millis(1500));
    listener.join().unwrap();
}

#[test]
fn a_server_that_never_listens_fails_with_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(
        "stuck",
        dir.path(),
        &mut sh(
            "echo starting up; printf '\\033[31mERR\\033[0m bind: no luck\\n' >&2; exec sleep 60",
        ),
    );
    let start = Instant::now();
    let msg = panic_message(|| {
        wait_until_ready(
            "stuck listening",
            Duration::from_secs(1),
            &[&server],
            || tcp_open(port),
        );
    });
    assert!(start.elapsed() >= Duration::from_secs(1), "{msg}");
    for part in [
        "stuck listening: not ready after",
        "last probe: Connection refused",
        "--- stuck (",
        "starting up",
        "ERR bind: no luck",
    ] {
        assert!(msg.contains(part), "{part:?} not in:\n{msg}");
    }
}

#[test]
fn a_server_that_exits_fails_at_once_with_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        "crashing",
        dir.path(),
        &mut sh("echo 'fatal: no config file' >&2; exit 3"),
    );
    let start = Instant::now();
    let msg = panic_message(|| server.wait_for_ports(&[free_port()]));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "waited the whole deadline"
    );
    assert!(msg.contains("crashing exited (exit status: 3)"), "{msg}");
    assert!(msg.contains("fatal: no config file"), "{msg}");
}

#[test]
fn a_delayed_start_starts_later_and_a_dropped_server_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("started");
    let start = Instant::now();
    let server = Server::start(
        "late",
        dir.path(),
        command_after(Duration::from_millis(500), "sh")
            .arg("-c")
            .arg("touch \"$1\"; exec sleep 60")
            .arg("sh")
            .arg(&marker),
    );
    wait_until_ready("the marker", Duration::from_secs(30), &[&server], || {
        marker.exists().then_some(())
    });
    assert!(start.elapsed() >= Duration::from_millis(500));
    let pid = nix::unistd::Pid::from_raw(server.id() as i32);
    drop(server);
    // Stopped and reaped: no such process any more.
    assert_eq!(
        nix::sys::signal::kill(pid, None),
        Err(nix::errno::Errno::ESRCH)
    );
}

#[test]
fn a_server_stopped_by_sigterm_gets_the_signal_first() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("terminated");
    let server = Server::start(
        "polite",
        dir.path(),
        sh("trap 'echo bye > \"$1\"; exit 0' TERM; touch \"$1.up\"; while :; do sleep 0.1; done")
            .arg("sh")
            .arg(&marker),
    )
    .stopped_by_sigterm();
    let up = dir.path().join("terminated.up");
    wait_until_ready("the trap set", Duration::from_secs(30), &[&server], || {
        up.exists().then_some(())
    });
    let start = Instant::now();
    drop(server);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "it was not SIGTERM that stopped it"
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "bye\n");
}
