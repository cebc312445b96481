//! Running external commands with errors that name the command and show the
//! tail of its output.

use crate::error::{Error, Kind, Result};
use std::process::{Command, Stdio};

/// Lines of output shown to the user when a command fails.
const TAIL_LINES: usize = 20;

#[derive(Debug, Clone)]
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

/// Shell-like rendering of a command for messages and logs. Passwords in
/// URLs (`https://user:secret@index/simple`) are masked.
pub fn to_shell(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| {
        let a = mask_url_password(&a.to_string_lossy());
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
            format!("'{}'", a.replace('\'', "'\\''"))
        } else {
            a
        }
    }));
    parts.join(" ")
}

/// `scheme://user:password@host…` → `scheme://user:***@host…`, anywhere
/// in `text`.
pub fn mask_url_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', ' ', '?', '#']).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// Runs `cmd`, capturing output; a spawn failure is an error, a non-zero
/// exit is not (see `run_checked`).
pub fn run(cmd: &mut Command) -> Result<Output> {
    tracing::debug!(command = %to_shell(cmd), "running");
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| {
        Error::new(format!("could not run `{}`: {e}", to_shell(cmd)))
            .with_kind(Kind::Command)
            .with_source(e)
    })?;
    let output = Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    tracing::debug!(status = output.status, stdout = %output.stdout, stderr = %output.stderr, "finished");
    Ok(output)
}

/// Runs `cmd` and fails, naming it and showing its output's tail, unless it
/// exits 0.
pub fn run_checked(cmd: &mut Command) -> Result<Output> {
    let out = run(cmd)?;
    check(cmd, out)
}

/// `out` (the result of running `cmd`) as Ok if it exited 0, else the error
/// `run_checked` gives. For callers that accept some non-zero exits: they
/// decide on the one run's output instead of running a command again.
pub fn check(cmd: &Command, out: Output) -> Result<Output> {
    if out.success() {
        return Ok(out);
    }
    Err(Error::new(format!(
        "`{}` failed with exit code {}:\n{}",
        to_shell(cmd),
        out.status,
        tail(&format!("{}{}", out.stdout, out.stderr), TAIL_LINES)
    )))
}

/// Like `run`, but feeds `input` on stdin (for secrets: they stay out of
/// argv, so `ps` never shows them). Nothing is logged, not even the command:
/// callers name it in their own errors.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Result<Output> {
    use std::io::Write;
    let shown = to_shell(cmd);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::new(format!("could not run `{shown}`: {e}"))
                .with_kind(Kind::Command)
                .with_source(e)
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A child that exits early closes the pipe; its exit status says why.
        let _ = stdin.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("waiting for `{shown}`: {e}")).with_source(e))?;
    Ok(Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The last `n` lines of `text`, indented for display under a message.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked_in_the_rendered_command() {
        let mut c = Command::new("pip");
        c.args([
            "install",
            "--index-url",
            "https://ann:s3cr%40t@idx.example/simple",
            "x",
        ]);
        assert_eq!(
            to_shell(&c),
            "pip install --index-url https://ann:***@idx.example/simple x"
        );
        assert_eq!(
            mask_url_password("http://host:8080/a http://u@h/"),
            "http://host:8080/a http://u@h/"
        );
        assert_eq!(
            mask_url_password("proxy=http://u:p@h:3128"),
            "proxy=http://u:***@h:3128"
        );
        assert_eq!(mask_url_password("no url"), "no url");
    }

    #[test]
    fn failure_names_command_and_output() {
        let err =
            run_checked(Command::new("sh").args(["-c", "echo boom >&2; exit 3"])).unwrap_err();
        assert!(
            err.message
                .contains("`sh -c 'echo boom >&2; exit 3'` failed with exit code 3"),
            "{}",
            err.message
        );
        assert!(err.message.contains("boom"));
    }

    #[test]
    fn check_reports_the_given_run_without_running_again() {
        // Running this program again would fail with "could not run".
        let cmd = Command::new("/nonexistent/useradd");
        let out = Output {
            status: 4,
            stdout: String::new(),
            stderr: "useradd: bad thing\n".into(),
        };
        let err = check(&cmd, out).unwrap_err();
        assert!(
            err.message
                .starts_with("`/nonexistent/useradd` failed with exit code 4:"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("useradd: bad thing"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_program_is_an_error_not_a_panic() {
        let err = run(&mut Command::new("/nonexistent/prog")).unwrap_err();
        assert!(err.message.contains("/nonexistent/prog"));
    }

    #[test]
    fn stdin_reaches_the_child() {
        let out = run_with_stdin(&mut Command::new("cat"), b"secret\n").unwrap();
        assert_eq!(out.stdout, "secret\n");
        assert!(run_with_stdin(&mut Command::new("/nonexistent/prog"), b"").is_err());
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\nc", 2), "    b\n    c");
    }
}
