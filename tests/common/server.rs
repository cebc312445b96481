//! Servers started by tests, and the one way tests wait for them: poll a
//! probe (a port, an HTTP API) until it answers, with a deadline, failing
//! with the servers' logs. Never a fixed sleep, never "it is surely up".

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fmt::Display;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to start listening (a loaded CI machine).
pub const START: Duration = Duration::from_secs(60);

/// A program started as a server; stdout and stderr go to DIR/NAME.log.
/// Dropping it kills it (SIGKILL), or see `stopped_by_sigterm`.
pub struct Server {
    name: String,
    log: PathBuf,
    child: RefCell<Child>,
    sigterm: bool,
}

impl Server {
    pub fn start(name: &str, dir: &Path, cmd: &mut Command) -> Server {
        let log_path = dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", log_path.display()));
        let child = cmd
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name} ({:?}): {e}", cmd.get_program()));
        Server {
            name: name.to_string(),
            log: log_path,
            child: RefCell::new(child),
            sigterm: false,
        }
    }

    /// Dropping it sends SIGTERM (so a hub stops the services it started),
    /// then SIGKILL if it is still there after 10 s. (Traefik, busy with
    /// ACME, lingers for those 10 s: the others are just killed.)
    pub fn stopped_by_sigterm(mut self) -> Server {
        self.sigterm = true;
        self
    }

    pub fn id(&self) -> u32 {
        self.child.borrow().id()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Waits until something accepts connections on each of 127.0.0.1:`ports`.
    pub fn wait_for_ports(&self, ports: &[u16]) {
        for &port in ports {
            wait_until_ready(
                &format!("{} listening on 127.0.0.1:{port}", self.name),
                START,
                &[self],
                || tcp_open(port),
            );
        }
    }

    /// Some(why) once the process has exited.
    fn exited(&self) -> Option<String> {
        match self.child.borrow_mut().try_wait() {
            Ok(Some(status)) => Some(format!("{} exited ({status})", self.name)),
            Ok(None) => None,
            Err(e) => Some(format!("{}: cannot wait for it: {e}", self.name)),
        }
    }

    /// This server's log, ANSI colours removed, at most its last 20 000 bytes.
    fn log_text(&self) -> String {
        let text = match std::fs::read(&self.log) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("(cannot read it: {e})"),
        };
        let text = strip_ansi(&text);
        let keep = 20_000;
        if text.len() <= keep {
            return text;
        }
        let mut cut = text.len() - keep;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        format!("[... first {cut} bytes left out ...]\n{}", &text[cut..])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;
        let child = self.child.get_mut();
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        if !self.sigterm {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// What a probe answers: `Some`/`Ok` is ready (and the value is returned),
/// `None`/`Err` is not yet (an error's text shows in the failure message).
pub trait Outcome {
    type Value;
    fn into_result(self) -> Result<Self::Value, String>;
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn into_result(self) -> Result<T, String> {
        self.ok_or_else(|| "not yet".to_string())
    }
}

impl<T, E: Display> Outcome for Result<T, E> {
    type Value = T;
    fn into_result(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// Polls `probe` (every 100 ms) until it is ready and returns its value.
/// Panics when `deadline` has passed, or at once when one of `servers` has
/// exited, with `what`, the probe's last answer and every server's log.
pub fn wait_until_ready<O: Outcome>(
    what: &str,
    deadline: Duration,
    servers: &[&Server],
    mut probe: impl FnMut() -> O,
) -> O::Value {
    let start = Instant::now();
    loop {
        let last = match probe().into_result() {
            Ok(v) => return v,
            Err(e) => e,
        };
        let gone: Vec<String> = servers.iter().filter_map(|s| s.exited()).collect();
        let waited = start.elapsed();
        if !gone.is_empty() || waited > deadline {
            let why = if gone.is_empty() {
                format!("not ready after {:.1} s", waited.as_secs_f64())
            } else {
                gone.join("; ")
            };
            let mut msg = format!("{what}: {why} (last probe: {last})");
            for s in servers {
                msg += &format!("\n--- {} ({}):\n{}", s.name, s.log.display(), s.log_text());
            }
            panic!("{msg}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ok once something accepts a TCP connection on 127.0.0.1:`port`.
pub fn tcp_open(port: u16) -> std::io::Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).map(drop)
}

/// `program` run by `sh` after `delay` (none when zero): lets a test show
/// that a server slow to start is waited for.
pub fn command_after(delay: Duration, program: impl AsRef<OsStr>) -> Command {
    if delay.is_zero() {
        return Command::new(program);
    }
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("sleep {}; exec \"$0\" \"$@\"", delay.as_secs_f64()))
        .arg(program);
    c
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte (a letter).
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
