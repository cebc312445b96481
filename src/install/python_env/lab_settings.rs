//! JupyterLab defaults every participant gets from the user environment
//! (`user/share/jupyter/lab/settings/overrides.json`): no "Would you like to
//! get notified about official Jupyter news?" prompt and no update checks,
//! since participants can neither act on them nor upgrade the shared env.
//! A teacher's own overrides in that file are kept: only settings missing
//! from it are added.

use crate::error::{Context, Error, Result};
use crate::fsutil;
use serde_json::{Map, Value as Json, json};
use std::path::{Path, PathBuf};

const NOTIFICATION: &str = "@jupyterlab/apputils-extension:notification";

pub fn overrides_path(user_env: &Path) -> PathBuf {
    user_env.join("share/jupyter/lab/settings/overrides.json")
}

fn ours() -> Json {
    json!({ NOTIFICATION: { "fetchNews": "false", "checkForUpdates": false } })
}

/// Adds what is missing from `existing` (a settings object): a plugin's
/// table is created, or its missing keys added; a value already there wins.
fn merged(existing: &Map<String, Json>) -> Map<String, Json> {
    let mut out = existing.clone();
    for (plugin, settings) in ours().as_object().expect("an object") {
        let slot = out
            .entry(plugin.clone())
            .or_insert_with(|| Json::Object(Map::new()));
        if let Some(table) = slot.as_object_mut() {
            for (key, value) in settings.as_object().expect("an object") {
                table.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
    }
    out
}

/// The new text of overrides.json, or None when it already has every
/// setting of ours. A file that is not a JSON object is an error naming it.
pub fn planned_text(user_env: &Path) -> Result<Option<String>> {
    let path = overrides_path(user_env);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => match serde_json::from_str::<Json>(&text) {
            Ok(Json::Object(map)) => map,
            _ => {
                return Err(Error::new(format!(
                    "{} is not a JSON object of JupyterLab settings",
                    path.display()
                ))
                .with_hint("fix or remove the file, then re-run bootstrap"));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
        Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
    };
    let wanted = merged(&existing);
    if wanted == existing {
        return Ok(None);
    }
    let text = serde_json::to_string_pretty(&Json::Object(wanted)).expect("JSON") + "\n";
    Ok(Some(text))
}

/// Writes `text` (from [`planned_text`]) atomically, readable by all.
pub fn write(user_env: &Path, text: &str) -> Result<()> {
    let path = overrides_path(user_env);
    let dir = path.parent().expect("a parent");
    fs_err::create_dir_all(dir).context(|| format!("making {}", dir.display()))?;
    fsutil::write_atomic(&path, text.as_bytes(), 0o644)
        .context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_only_what_is_missing_keeps_the_teacher_s_settings_then_plans_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path();
        let text = planned_text(env).unwrap().expect("a new file");
        write(env, &text).unwrap();
        let got: Json =
            serde_json::from_str(&std::fs::read_to_string(overrides_path(env)).unwrap()).unwrap();
        assert_eq!(got[NOTIFICATION]["fetchNews"], "false");
        assert_eq!(got[NOTIFICATION]["checkForUpdates"], false);
        assert_eq!(planned_text(env).unwrap(), None, "a re-run changes nothing");

        let teacher = json!({
            NOTIFICATION: { "fetchNews": "true" },
            "@jupyterlab/apputils-extension:themes": { "theme": "JupyterLab Dark" },
        });
        std::fs::write(overrides_path(env), teacher.to_string()).unwrap();
        write(
            env,
            &planned_text(env).unwrap().expect("checkForUpdates added"),
        )
        .unwrap();
        let got: Json =
            serde_json::from_str(&std::fs::read_to_string(overrides_path(env)).unwrap()).unwrap();
        assert_eq!(
            got[NOTIFICATION]["fetchNews"], "true",
            "the teacher's choice wins"
        );
        assert_eq!(got[NOTIFICATION]["checkForUpdates"], false);
        assert_eq!(
            got["@jupyterlab/apputils-extension:themes"]["theme"],
            "JupyterLab Dark"
        );
    }

    #[test]
    fn a_file_that_is_not_a_settings_object_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = overrides_path(dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "[1, 2").unwrap();
        let e = planned_text(dir.path()).unwrap_err().to_string();
        assert!(e.contains("overrides.json is not a JSON object"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[1, 2");
    }
}
