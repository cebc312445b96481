//! A tiny scripted HTTP/1.1 server on 127.0.0.1 for download tests: each
//! request gets the next reply from the script (the last one repeats).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// This status and an empty body.
    Status(u16),
    /// 200 announcing `declared` bytes but sending only `body`, then closing.
    Truncated { body: Vec<u8>, declared: usize },
}

pub struct TestServer {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl TestServer {
    pub fn start(script: Vec<Reply>) -> TestServer {
        assert!(!script.is_empty(), "a test server needs at least one reply");
        // Ready before this returns: a bound listener already listens, and
        // the kernel queues connections until the thread accepts them.
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        // The thread lives until the test process exits.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let reply = script[n.min(script.len() - 1)].clone();
                serve(stream, &reply);
            }
        });
        TestServer { addr, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// Requests answered so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, reply: &Reply) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // Read the request head; a GET has no body.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let (status, body, declared): (u16, &[u8], usize) = match reply {
        Reply::Body(b) => (200, b, b.len()),
        Reply::Status(s) => (*s, b"", 0),
        Reply::Truncated { body, declared } => (200, body, *declared),
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {declared}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
