//! A fake HTTP (or HTTPS) server in a thread: canned JSON answers by path,
//! an optional required `Authorization` header per route, and a record of
//! every request's head. The listener is bound before `start` returns, so
//! a client may connect at once: nothing to wait for.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Route {
    /// Matched against the request path's start; the longest match wins.
    pub path: String,
    pub status: u16,
    pub body: String,
    /// Any other `Authorization` header gets 401.
    pub authorization: Option<String>,
}

pub fn route(path: &str, status: u16, body: &str) -> Route {
    Route {
        path: path.into(),
        status,
        body: body.into(),
        authorization: None,
    }
}

impl Route {
    pub fn requiring(mut self, authorization: &str) -> Route {
        self.authorization = Some(authorization.into());
        self
    }
}

pub struct FakeHttp {
    pub port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

impl FakeHttp {
    pub fn start(routes: Vec<Route>) -> FakeHttp {
        Self::start_with(routes, None)
    }

    /// HTTPS with the PEM certificate chain and key at `cert`, `key`.
    pub fn start_tls(routes: Vec<Route>, cert: &Path, key: &Path) -> FakeHttp {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
        let key = PrivateKeyDer::from_pem_file(key).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Self::start_with(routes, Some(Arc::new(config)))
    }

    fn start_with(routes: Vec<Route>, tls: Option<Arc<rustls::ServerConfig>>) -> FakeHttp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(vec![]));
        let record = heads.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (routes, record, tls) = (routes.clone(), record.clone(), tls.clone());
                std::thread::spawn(move || serve(stream, &routes, &record, tls));
            }
        });
        FakeHttp { port, heads }
    }

    /// Every request head so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn serve(
    stream: TcpStream,
    routes: &[Route],
    record: &Mutex<Vec<String>>,
    tls: Option<Arc<rustls::ServerConfig>>,
) {
    match tls {
        None => answer(stream, routes, record),
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(config) else {
                return;
            };
            // A client that only looks at the certificate hangs up after
            // the handshake; that is fine.
            answer(rustls::StreamOwned::new(conn, stream), routes, record)
        }
    }
}

fn answer<S: Read + Write>(stream: S, routes: &[Route], record: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => head.push_str(&line),
        }
    }
    record.lock().unwrap().push(head.clone());
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let auth = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("authorization")
            .then(|| v.trim().to_string())
    });
    let found = routes
        .iter()
        .filter(|r| path.starts_with(&r.path))
        .max_by_key(|r| r.path.len());
    let (status, body) = match found {
        None => (404, "{}".to_string()),
        Some(r) if r.authorization.is_some() && r.authorization != auth => (401, "{}".to_string()),
        Some(r) => (r.status, r.body.clone()),
    };
    let text = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let stream = reader.get_mut();
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.flush();
}
