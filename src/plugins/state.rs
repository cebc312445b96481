//! `state/plugins.json`: the plugin specs given to `bootstrap --plugin`,
//! in the order first given, each once, so a re-run without `--plugin`
//! re-installs and upgrades them all (TLJH #400). (files)

use crate::error::{Context, Error, Result};
use crate::paths::Paths;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct File {
    v: u32,
    specs: Vec<String>,
}

pub fn path(paths: &Paths) -> PathBuf {
    paths.state_dir().join("plugins.json")
}

/// The recorded specs; none when the file does not exist.
pub fn load(paths: &Paths) -> Result<Vec<String>> {
    let p = path(paths);
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::new(format!("reading {}: {e}", p.display()))),
    };
    let file: File = serde_json::from_str(&text).map_err(|e| {
        Error::new(format!("{} is not a plugin list: {e}", p.display())).with_hint(
            "it holds {\"v\": 1, \"specs\": [\"SPEC\", …]}; fix it, or remove it and \
             give every --plugin again",
        )
    })?;
    if file.v != VERSION {
        return Err(Error::new(format!(
            "{} has format version {}; this hubcfg reads version {VERSION}",
            p.display(),
            file.v
        )));
    }
    Ok(file.specs)
}

/// `recorded`, then each of `given` not in it yet, in order.
pub fn merged(recorded: &[String], given: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for s in recorded.iter().chain(given) {
        let s = s.trim();
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

/// Writes `specs` (0600, atomically) unless the file already says so;
/// returns whether it wrote.
pub fn save(paths: &Paths, specs: &[String]) -> Result<bool> {
    let file = File {
        v: VERSION,
        specs: specs.to_vec(),
    };
    let mut text = serde_json::to_string_pretty(&file).expect("plain data");
    text.push('\n');
    let p = path(paths);
    crate::fsutil::write_if_changed(&p, text.as_bytes(), 0o600)
        .map(crate::fsutil::Outcome::changed)
        .context(|| format!("writing {}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_keeps_order_and_drops_duplicates() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            merged(&s(&["a", "b==1"]), &s(&["c", "a", " b==1 ", "", "c"])),
            s(&["a", "b==1", "c"])
        );
        assert_eq!(merged(&[], &[]), Vec::<String>::new());
    }

    #[test]
    fn saved_specs_load_back_and_a_second_save_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::create_dir_all(paths.state_dir()).unwrap();
        assert!(load(&paths).unwrap().is_empty());
        let specs = vec!["tljh-new-user".to_string(), "/srv/p".to_string()];
        assert!(save(&paths, &specs).unwrap());
        assert!(!save(&paths, &specs).unwrap());
        assert_eq!(load(&paths).unwrap(), specs);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path(&paths))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_bad_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::create_dir_all(paths.state_dir()).unwrap();
        std::fs::write(path(&paths), "[1,").unwrap();
        let e = load(&paths).unwrap_err();
        assert!(
            e.message.contains("plugins.json is not a plugin list"),
            "{e}"
        );
        std::fs::write(path(&paths), r#"{"v": 2, "specs": []}"#).unwrap();
        assert!(load(&paths).unwrap_err().message.contains("version 2"));
    }
}
