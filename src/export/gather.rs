//! What the export reads besides config.toml: the jupyterhub_config.d
//! snippets and the PEM files of manual https. (files)

use crate::error::{Error, Result};
use std::path::Path;

/// `DIR/*.py` as (file name, text), sorted by name as TLJH's hub loads
/// them (hidden files excluded, like Python's glob). No directory: none.
pub fn config_d(dir: &Path) -> Result<Vec<(String, String)>> {
    let entries = match fs_err::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e.into()),
    };
    let mut files = vec![];
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') || !name.ends_with(".py") || !path.is_file() {
            continue;
        }
        let text = fs_err::read_to_string(&path).map_err(|e| {
            Error::new(format!("cannot read {}: {e}", path.display())).with_hint(
                "hub.extraConfig needs the snippet as UTF-8 text; fix or move the file and run again",
            )
        })?;
        files.push((name.to_string(), text));
    }
    files.sort();
    Ok(files)
}

/// A PEM file's text, or why it cannot be read.
pub fn read_pem(path: &str) -> std::result::Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_d_reads_py_files_in_name_order_like_the_hub() {
        let dir = tempfile::tempdir().unwrap();
        assert!(config_d(&dir.path().join("missing")).unwrap().is_empty());
        for (name, text) in [
            ("b.py", "B"),
            ("a.py", "A"),
            (".hidden.py", "H"),
            ("notes.txt", "T"),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::create_dir(dir.path().join("dir.py")).unwrap();
        let names: Vec<_> = config_d(dir.path()).unwrap();
        assert_eq!(
            names,
            [("a.py".into(), "A".into()), ("b.py".into(), "B".into())]
        );

        std::fs::write(dir.path().join("c.py"), b"\xff\xfe").unwrap();
        let e = config_d(dir.path()).unwrap_err();
        assert!(e.to_string().contains("c.py"), "{e}");
    }
}
