//! The one place config.toml is read: once, parsed with toml_edit (kept for
//! edits and for `line:column` errors), converted to JSON once for
//! validation and the effective config.

use crate::config::{edit, file};
use crate::error::Result;
use crate::paths::Paths;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use toml_edit::DocumentMut;

/// config.toml as read from disk. A missing file is an empty document.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    /// The file's text; `None` when it does not exist.
    pub text: Option<String>,
    pub doc: DocumentMut,
}

impl Loaded {
    pub fn read(path: &Path) -> Result<Loaded> {
        let text = file::read(path)?;
        let doc = file::parse(path, text.as_deref().unwrap_or(""))?;
        Ok(Loaded {
            path: path.to_path_buf(),
            text,
            doc,
        })
    }

    /// The installed hub's config, `PREFIX/config/config.toml`, which
    /// render, reload, bootstrap and ensure-user always read.
    pub fn installed(paths: &Paths) -> Result<Loaded> {
        Loaded::read(&paths.config_toml())
    }

    /// The user's settings as JSON (dates become strings).
    pub fn user(&self) -> Json {
        edit::to_json(&self.doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_empty_and_bad_toml_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let l = Loaded::read(&path).unwrap();
        assert!(l.text.is_none());
        assert_eq!(l.user(), serde_json::json!({}));
        std::fs::write(&path, "[http]\nport = \n").unwrap();
        let e = Loaded::read(&path).unwrap_err();
        assert!(e.message.contains("config.toml:2:"), "{}", e.message);
    }
}
