//! A fake JupyterHub REST API on 127.0.0.1 for the hub API client's tests
//! (`src/hub_api_tests.rs` includes this file too) and the `users` CLI
//! tests: `GET /hub/api/users` (paginated, as JupyterHub does with
//! `Accept: application/jupyterhub-pagination+json`), `DELETE
//! /hub/api/users/NAME`, and 403 for any other token. Ready when `start`
//! returns: the listener is bound, and the kernel queues connections until
//! the thread accepts them.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub struct FakeHub {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

struct State {
    token: String,
    users: Vec<Value>,
    /// `METHOD path?query` of every request, in order.
    requests: Vec<String>,
    /// Users per page, whatever `limit` asks (small, to test paging).
    page: usize,
    /// Answers to DELETE before the real one (e.g. 400 "still stopping").
    delete_replies: Vec<(u16, String)>,
}

/// A user model as JupyterHub 5 sends it (the fields hubcfg reads).
pub fn user(name: &str, admin: bool, running: bool, last_activity: Option<&str>) -> Value {
    json!({
        "kind": "user",
        "name": name,
        "admin": admin,
        "groups": [],
        "server": if running { json!(format!("/user/{name}/")) } else { Value::Null },
        "pending": null,
        "last_activity": last_activity,
        "servers": {},
    })
}

impl FakeHub {
    pub fn start(token: &str, users: Vec<Value>) -> FakeHub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            token: token.to_string(),
            users,
            requests: vec![],
            page: 2,
            delete_replies: vec![],
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        FakeHub { port, state }
    }

    /// `http://127.0.0.1:PORT/hub/api`
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}/hub/api", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn names(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        s.users
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// The next DELETEs get these answers first.
    pub fn delete_replies(&self, replies: Vec<(u16, &str)>) {
        self.state.lock().unwrap().delete_replies = replies
            .into_iter()
            .map(|(s, m)| (s, m.to_string()))
            .collect();
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut auth = String::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        match k.to_ascii_lowercase().as_str() {
            "authorization" => auth = v.trim().to_string(),
            "content-length" => length = v.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let (status, reply) = answer(state, &method, &target, &auth);
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        _ => "Not Found",
    };
    let text = if status == 204 {
        String::new()
    } else {
        reply.to_string()
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn answer(state: &Mutex<State>, method: &str, target: &str, auth: &str) -> (u16, Value) {
    let mut s = state.lock().unwrap();
    s.requests.push(format!("{method} {target}"));
    if auth != format!("token {}", s.token) {
        let message = "Action is not authorized with current scopes; requires any of [list:users]";
        return (403, json!({"status": 403, "message": message}));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method == "GET" && path == "/hub/api/users" {
        let offset: usize = param(query, "offset").unwrap_or(0);
        let total = s.users.len();
        let end = (offset + s.page).min(total);
        let items: Vec<Value> = s.users[offset.min(total)..end].to_vec();
        let next = if end < total {
            json!({"offset": end, "limit": s.page, "url": format!("/hub/api/users?offset={end}")})
        } else {
            Value::Null
        };
        let page = json!({"items": items, "_pagination": {"offset": offset, "limit": s.page, "total": total, "next": next}});
        return (200, page);
    }
    if method == "DELETE"
        && let Some(name) = path.strip_prefix("/hub/api/users/")
    {
        if !s.delete_replies.is_empty() {
            let (status, message) = s.delete_replies.remove(0);
            return (status, json!({"status": status, "message": message}));
        }
        let name = percent_decode(name);
        let before = s.users.len();
        s.users.retain(|u| u["name"] != name.as_str());
        return if s.users.len() < before {
            (204, Value::Null)
        } else {
            (404, json!({"status": 404, "message": "Not Found"}))
        };
    }
    (404, json!({"status": 404, "message": "Not Found"}))
}

fn param(query: &str, key: &str) -> Option<usize> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
