//! Test helpers for install steps: the one test context (a temp prefix, its
//! args, the shared fake ServiceManager), plan-execute helpers, executable
//! fake programs.

use super::{BootstrapArgs, Ctx, Outcome, Step};
use crate::error::Result;
use crate::paths::Paths;
use crate::report::Recorder;
pub use crate::systemd::fake::FakeServices;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// A prefix under `dir`, not yet created.
    pub paths: Paths,
    pub args: BootstrapArgs,
    pub services: FakeServices,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        Self::with_args(BootstrapArgs::default())
    }
    pub fn with_args(args: BootstrapArgs) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = Paths::new(dir.path().join("prefix"));
        TestEnv {
            dir,
            paths,
            args,
            services: FakeServices::default(),
        }
    }
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            paths: &self.paths,
            args: &self.args,
            services: &self.services,
            restarts: &[],
        }
    }
    /// The same context with other arguments.
    pub fn ctx_with<'a>(&'a self, args: &'a BootstrapArgs) -> Ctx<'a> {
        Ctx { args, ..self.ctx() }
    }
    /// A directory under the temp dir standing for a system location.
    pub fn sys_dir(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).expect("mkdir");
        p
    }
}

/// Plans, then executes that plan (even an empty one).
pub fn try_run<S: Step>(step: &S, ctx: &Ctx) -> Result<Outcome> {
    let plan = step.plan(ctx)?;
    step.execute(ctx, &plan, &Recorder::default())
}

pub fn run<S: Step>(step: &S, ctx: &Ctx) -> Outcome {
    try_run(step, ctx).expect("plan and execute")
}

/// The plan's lines, as the log shows them.
pub fn plan_lines<S: Step>(step: &S, ctx: &Ctx) -> Vec<String> {
    let plan = step.plan(ctx).expect("plan");
    plan.iter().map(ToString::to_string).collect()
}

/// plan → execute → plan is empty; returns what execute said.
pub fn assert_idempotent<S: Step>(step: &S, ctx: &Ctx) -> Outcome {
    let first = plan_lines(step, ctx);
    let outcome = run(step, ctx);
    let second = plan_lines(step, ctx);
    assert!(
        second.is_empty(),
        "{}: planned {first:?}, then still {second:?}",
        step.name()
    );
    outcome
}

/// Writes an executable shell script.
///
/// A child process writes it: a file this process held open for writing
/// could be inherited by another test thread's fork for a moment, and
/// running the script then fails with "Text file busy" (ETXTBSY).
pub fn script(path: &Path, body: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawn sh to write the script");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("#!/bin/sh\n{body}\n").as_bytes())
        .expect("write script");
    drop(stdin);
    assert!(child.wait().expect("wait").success(), "writing {path:?}");
}

pub fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o7777
}

/// Answers every request with `status` until the test ends; returns its
/// `/hub/api` URL.
pub fn http_server(status: &'static str) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
        }
    });
    format!("http://{addr}/hub/api")
}
