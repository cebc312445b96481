use super::test_server::{Reply, TestServer};
use super::*;
use std::cell::Cell;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn fast() -> Retry {
    Retry {
        attempts: 3,
        first_backoff: Duration::ZERO,
    }
}

/// Names in `dir`, to prove no temp files are left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[derive(Default)]
struct Recorder {
    starts: Cell<u32>,
    bytes: Cell<u64>,
    finishes: Cell<u32>,
    retries: std::cell::RefCell<Vec<String>>,
}

impl Progress for Recorder {
    fn start(&self, _total: Option<u64>) {
        self.starts.set(self.starts.get() + 1);
        self.bytes.set(0);
    }
    fn advance(&self, n: u64) {
        self.bytes.set(self.bytes.get() + n);
    }
    fn finish(&self) {
        self.finishes.set(self.finishes.get() + 1);
    }
    fn retrying(&self, message: &str) {
        self.retries.borrow_mut().push(message.to_string());
    }
}

#[test]
fn good_file_lands_at_dest() {
    let body = b"hello traefik".repeat(10_000);
    let server = TestServer::start(vec![Reply::Body(body.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("t.tar.gz");
    let progress = Recorder::default();
    fetch_verified_with(
        &server.url("t.tar.gz"),
        &sha(&body),
        &dest,
        &progress,
        &fast(),
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(listing(dir.path()), vec!["t.tar.gz"]);
    assert_eq!(progress.bytes.get(), body.len() as u64);
    assert_eq!((progress.starts.get(), progress.finishes.get()), (1, 1));
    assert_eq!(server.hits(), 1);
}

#[test]
fn expected_hash_is_case_insensitive() {
    let body = b"abc".to_vec();
    let server = TestServer::start(vec![Reply::Body(body.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let upper = sha(&body).to_ascii_uppercase();
    fetch_verified_with(&server.url("f"), &upper, &dest, &NoProgress, &fast()).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn wrong_hash_is_not_retried_and_leaves_nothing() {
    let server = TestServer::start(vec![Reply::Body(b"evil".to_vec())]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let want = sha(b"good");
    let err =
        fetch_verified_with(&server.url("f"), &want, &dest, &NoProgress, &fast()).unwrap_err();
    assert!(
        err.message.contains("sha256 mismatch for"),
        "{}",
        err.message
    );
    assert!(err.message.contains(&server.url("f")), "{}", err.message);
    assert!(err.message.contains(&want), "{}", err.message);
    assert!(err.message.contains(&sha(b"evil")), "{}", err.message);
    assert!(err.hint.unwrap().contains("not retried"));
    assert_eq!(server.hits(), 1);
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn existing_dest_is_kept_when_the_new_file_is_bad() {
    let server = TestServer::start(vec![Reply::Body(b"evil".to_vec())]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    std::fs::write(&dest, b"old").unwrap();
    fetch_verified_with(&server.url("f"), &sha(b"x"), &dest, &NoProgress, &fast()).unwrap_err();
    assert_eq!(std::fs::read(&dest).unwrap(), b"old");
    assert_eq!(listing(dir.path()), vec!["f"]);
}

#[test]
fn not_found_is_not_retried() {
    let server = TestServer::start(vec![Reply::Status(404)]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let err = fetch_verified_with(&server.url("gone"), &sha(b""), &dest, &NoProgress, &fast())
        .unwrap_err();
    assert!(err.message.contains("404"), "{}", err.message);
    assert!(err.message.contains(&server.url("gone")), "{}", err.message);
    assert!(err.hint.unwrap().contains("not retried"));
    assert_eq!(server.hits(), 1);
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn forbidden_is_not_retried() {
    let server = TestServer::start(vec![Reply::Status(403)]);
    let dir = tempfile::tempdir().unwrap();
    let err = fetch_verified_with(
        &server.url("f"),
        &sha(b""),
        &dir.path().join("f"),
        &NoProgress,
        &fast(),
    )
    .unwrap_err();
    assert!(err.message.contains("403"), "{}", err.message);
    assert_eq!(server.hits(), 1);
}

#[test]
fn server_error_then_success_is_retried() {
    let body = b"payload".to_vec();
    let server = TestServer::start(vec![
        Reply::Status(503),
        Reply::Status(500),
        Reply::Body(body.clone()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    fetch_verified_with(&server.url("f"), &sha(&body), &dest, &NoProgress, &fast()).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(server.hits(), 3);
}

#[test]
fn truncated_body_is_retried_then_succeeds() {
    let body = b"0123456789".repeat(1000);
    let server = TestServer::start(vec![
        Reply::Truncated {
            body: body[..500].to_vec(),
            declared: body.len(),
        },
        Reply::Body(body.clone()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let progress = Recorder::default();
    fetch_verified_with(&server.url("f"), &sha(&body), &dest, &progress, &fast()).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(server.hits(), 2);
    assert_eq!(
        progress.starts.get(),
        2,
        "each attempt restarts the progress"
    );
    let retries = progress.retries.borrow();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert!(
        retries[0].starts_with("download attempt 1 of 3 failed: "),
        "{retries:?}"
    );
    assert_eq!(listing(dir.path()), vec!["f"]);
}

#[test]
fn always_truncated_gives_up_after_three_attempts() {
    let body = b"0123456789".repeat(1000);
    let server = TestServer::start(vec![Reply::Truncated {
        body: body[..500].to_vec(),
        declared: body.len(),
    }]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let err = fetch_verified_with(&server.url("f"), &sha(&body), &dest, &NoProgress, &fast())
        .unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("gave up after 3 attempts"),
        "{}",
        err.message
    );
    assert_eq!(server.hits(), 3);
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn connection_refused_is_retried_and_named() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/f");
    let dir = tempfile::tempdir().unwrap();
    let err = fetch_verified_with(&url, &sha(b""), &dir.path().join("f"), &NoProgress, &fast())
        .unwrap_err();
    assert!(err.message.contains(&url), "{}", err.message);
    assert!(
        err.message.contains("gave up after 3 attempts"),
        "{}",
        err.message
    );
}

#[test]
fn malformed_expected_hash_is_rejected_before_any_request() {
    let server = TestServer::start(vec![Reply::Body(b"x".to_vec())]);
    let dir = tempfile::tempdir().unwrap();
    let err = fetch_verified_with(
        &server.url("f"),
        "not-a-hash",
        &dir.path().join("f"),
        &NoProgress,
        &fast(),
    )
    .unwrap_err();
    assert!(err.message.contains("not a sha256"), "{}", err.message);
    assert_eq!(server.hits(), 0);
}

#[test]
fn parse_sha256_accepts_only_64_hex_digits() {
    let good = "A".repeat(64);
    assert_eq!(parse_sha256(&good, "x").unwrap(), "a".repeat(64));
    assert_eq!(
        parse_sha256(&format!(" {good}\n"), "x").unwrap(),
        "a".repeat(64)
    );
    for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65)] {
        let e = parse_sha256(bad, "--traefik-sha256").unwrap_err();
        assert!(e.message.starts_with("--traefik-sha256"), "{}", e.message);
    }
}

#[test]
fn local_paths_and_file_urls_work() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.bin");
    std::fs::write(&src, b"offline").unwrap();
    let dest = dir.path().join("a");
    fetch_verified(src.to_str().unwrap(), &sha(b"offline"), &dest, &NoProgress).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"offline");
    let dest = dir.path().join("b");
    let url = format!("file://{}", src.display());
    fetch_verified(&url, &sha(b"offline"), &dest, &NoProgress).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"offline");
    let err = fetch_verified(&url, &sha(b"other"), &dir.path().join("c"), &NoProgress).unwrap_err();
    assert!(err.message.contains("sha256 mismatch"), "{}", err.message);
    assert!(!dir.path().join("c").exists());
}

#[test]
fn missing_local_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.tgz");
    let err = fetch_verified(
        missing.to_str().unwrap(),
        &sha(b""),
        &dir.path().join("f"),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.message.contains("nope.tgz"), "{}", err.message);
}

#[test]
fn missing_dest_dir_is_a_clear_error() {
    let server = TestServer::start(vec![Reply::Body(b"x".to_vec())]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("no/such/dir/f");
    let err =
        fetch_verified_with(&server.url("f"), &sha(b"x"), &dest, &NoProgress, &fast()).unwrap_err();
    assert!(err.message.contains("no/such/dir"), "{}", err.message);
}
