//! `--show-progress-page`: a tiny HTTP server on port 80 that shows the
//! install log while the hub is not up yet. `/` is the page, `/logs` the last
//! lines of installer.log as text, anything else 404. It is stopped right
//! before Traefik takes port 80. Anyone who can reach port 80 can read the
//! log tail meanwhile (so can TLJH's); passwords are never logged.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub const DEFAULT_ADDR: &str = "0.0.0.0:80";
pub const PAGE: &str = include_str!("../../assets/progress.html");
/// Lines of the log served at /logs.
pub const TAIL_LINES: usize = 200;

pub struct ProgressPage {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    pub addr: SocketAddr,
}

impl ProgressPage {
    /// Serves on `addr`; when the port is taken, logs it and returns None.
    pub fn start(addr: &str, log: PathBuf) -> Option<Self> {
        let listener = match TcpListener::bind(addr) {
            Ok(l) => l,
            Err(e) => {
                tracing::info!("progress page not started: cannot listen on {addr}: {e}");
                return None;
            }
        };
        let local = listener.local_addr().ok()?;
        // Non-blocking accept so `stop` is seen within a poll interval.
        listener.set_nonblocking(true).ok()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || serve(listener, &log, &flag));
        tracing::info!("progress page serving on {local}");
        Some(ProgressPage {
            stop,
            thread: Some(thread),
            addr: local,
        })
    }

    /// Closes the port and waits for the server thread to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ProgressPage {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(listener: TcpListener, log: &Path, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = handle(stream, log);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// (status line, content type, body) for a request path.
pub fn route(path: &str, log: &Path) -> (&'static str, &'static str, String) {
    match path.split('?').next().unwrap_or("") {
        "/" | "/index.html" => ("200 OK", "text/html; charset=utf-8", PAGE.to_string()),
        "/logs" => (
            "200 OK",
            "text/plain; charset=utf-8",
            std::fs::read_to_string(log)
                .map(|t| tail(&t, TAIL_LINES))
                .unwrap_or_else(|_| "(the install log is not there yet)\n".to_string()),
        ),
        _ => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found\n".to_string(),
        ),
    }
}

pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines[lines.len().saturating_sub(n)..].join("\n");
    out.push('\n');
    out
}

fn handle(stream: TcpStream, log: &Path) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers so the client sees a clean response.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (status, ctype, body) = match (parts.next(), parts.next()) {
        (Some("GET" | "HEAD"), Some(path)) => route(path, log),
        _ => ("400 Bad Request", "text/plain", "bad request\n".to_string()),
    };
    let head_only = request_line.starts_with("HEAD ");
    let mut out = stream;
    write!(
        out,
        "HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head_only {
        out.write_all(body.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_page_log_tail_and_404_then_stops() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("installer.log");
        let text: String = (0..300).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&log, text).unwrap();
        let page = ProgressPage::start("127.0.0.1:0", log).unwrap();
        let addr = page.addr;
        let index = get(addr, "/");
        assert!(index.starts_with("HTTP/1.0 200 OK"), "{index}");
        assert!(index.contains("being installed"));
        let logs = get(addr, "/logs");
        assert!(logs.contains("text/plain"));
        assert!(logs.contains("line 299\n") && logs.contains("line 100\n"));
        assert!(
            !logs.contains("line 99\n"),
            "only the last {TAIL_LINES} lines"
        );
        assert!(get(addr, "/etc/passwd").starts_with("HTTP/1.0 404"));
        page.stop();
        assert!(TcpStream::connect(addr).is_err(), "port closed after stop");
    }

    #[test]
    fn a_busy_port_is_skipped() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap().to_string();
        assert!(ProgressPage::start(&addr, PathBuf::from("/nonexistent")).is_none());
    }

    #[test]
    fn missing_log_is_not_an_error() {
        let (status, _, body) = route("/logs", Path::new("/nonexistent/log"));
        assert_eq!(status, "200 OK");
        assert!(body.contains("not there yet"));
    }
}
