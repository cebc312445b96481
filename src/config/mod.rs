//! Reading and editing config.toml. (Contract stub: the config work replaces
//! the body with the locked, validated, comment-keeping implementation.)

use crate::error::{Error, Result};
use crate::fsutil::{self, Outcome};
use std::path::Path;
use std::time::Duration;
use toml_edit::DocumentMut;

/// Default time to wait for another writer's lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Locks `path`, parses it (missing file = empty document), lets `edit`
/// change the document, and writes it back atomically (mode 0600) if the
/// bytes changed. `edit` returns Err to abort without writing.
pub fn edit_locked(
    path: &Path,
    _lock_timeout: Duration,
    edit: impl FnOnce(&mut DocumentMut) -> Result<()>,
) -> Result<Outcome> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::new(format!("{} is not valid TOML: {e}", path.display())))?;
    edit(&mut doc)?;
    Ok(fsutil::write_if_changed(
        path,
        doc.to_string().as_bytes(),
        0o600,
    )?)
}
