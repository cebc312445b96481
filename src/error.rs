//! The one error type a user sees: what went wrong (naming the file, key or
//! command), what to do next, and the exit code; plus a kind that code can
//! match on and the underlying cause (`source()`), so nothing has to look
//! inside message text.

use std::fmt;

/// What sort of failure, for callers that react to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input: a value, key, file syntax or option.
    Invalid,
    NotFound,
    /// Permission denied (or a file attribute that stops even root).
    Permission,
    /// Another file system or I/O failure.
    Io,
    /// An external command could not run or failed.
    Command,
    /// A download or HTTP request failed.
    Network,
    /// A checksum or signature did not match.
    Verification,
    /// Something did not happen in time (a lock, a service).
    Timeout,
    Other,
}

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub hint: Option<String>,
    pub exit_code: i32,
    pub kind: Kind,
    source: Option<Cause>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            hint: None,
            exit_code: 1,
            kind: Kind::Other,
            source: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_exit_code(mut self, code: i32) -> Self {
        self.exit_code = code;
        self
    }

    pub fn with_kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Keeps `cause` as this error's `source()`; its kind is taken over when
    /// this error has none yet.
    pub fn with_source(mut self, cause: impl Into<Cause>) -> Self {
        let cause = cause.into();
        if self.kind == Kind::Other
            && let Some(io) = cause.downcast_ref::<std::io::Error>()
        {
            self.kind = kind_of_io(io.kind());
        }
        self.source = Some(cause);
        self
    }

    /// The OS error number of the first `io::Error` among the causes.
    pub fn os_error(&self) -> Option<i32> {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(self);
        while let Some(e) = cur {
            if let Some(code) = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.raw_os_error())
            {
                return Some(code);
            }
            cur = e.source();
        }
        None
    }
}

fn kind_of_io(kind: std::io::ErrorKind) -> Kind {
    match kind {
        std::io::ErrorKind::NotFound => Kind::NotFound,
        std::io::ErrorKind::PermissionDenied => Kind::Permission,
        std::io::ErrorKind::TimedOut => Kind::Timeout,
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => Kind::Invalid,
        _ => Kind::Io,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// fs-err's io errors already name the path and the operation.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(e.to_string()).with_source(e)
    }
}

/// An error and its causes on one line, `outer: cause: cause`, leaving out
/// a cause whose text an outer one already shows (reqwest's Display shows
/// only the outermost error; the cause, refused or timed out, is what a user
/// needs).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = c.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// Adds context in front of an error's message, keeping its hint, kind and
/// cause.
pub trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| {
            let mut e: Error = e.into();
            e.message = format!("{}: {}", what(), e.message);
            e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_keep_their_kind_and_cause() {
        let io = std::io::Error::from_raw_os_error(nix::libc::ETXTBSY);
        let e = Err::<(), _>(io)
            .context(|| "running traefik".into())
            .unwrap_err();
        assert_eq!(e.kind, Kind::Io);
        assert_eq!(e.os_error(), Some(nix::libc::ETXTBSY));
        assert!(std::error::Error::source(&e).is_some());
        let denied = Error::from(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(denied.kind, Kind::Permission);
    }

    #[test]
    fn a_given_kind_is_kept_and_the_chain_skips_repeats() {
        let e = Error::new("could not download x")
            .with_kind(Kind::Network)
            .with_source(std::io::Error::other("connection refused"));
        assert_eq!(e.kind, Kind::Network);
        assert_eq!(chain(&e), "could not download x: connection refused");
        let same = Error::new("boom: inner").with_source(std::io::Error::other("inner"));
        assert_eq!(chain(&same), "boom: inner");
    }
}
