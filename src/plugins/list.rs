//! `hubcfg plugins [--json]`: the recorded specs, then every plugin the hub
//! environment has (entry-point group `tljh`) with its distribution,
//! version and the hooks it implements.

use super::{hooks, state};
use crate::error::Result;
use crate::paths::Paths;
use serde_json::{Value as Json, json};

/// The report as JSON: `{"specs": [...], "plugins": [...]}`.
pub fn gather(paths: &Paths) -> Result<Json> {
    let specs = state::load(paths)?;
    let plugins = if paths.hub_python().exists() {
        hooks::describe(paths)?
    } else {
        vec![]
    };
    Ok(json!({ "specs": specs, "plugins": plugins }))
}

/// The report as text.
pub fn text(report: &Json, paths: &Paths) -> String {
    let specs: Vec<&str> = report["specs"]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let file = state::path(paths);
    let mut out = if specs.is_empty() {
        format!(
            "No plugin specs recorded ({} does not list any).\n",
            file.display()
        )
    } else {
        format!(
            "Recorded specs ({}), re-installed by every bootstrap:\n",
            file.display()
        )
    };
    for s in &specs {
        out.push_str(&format!("  {s}\n"));
    }
    let plugins = report["plugins"].as_array().cloned().unwrap_or_default();
    if plugins.is_empty() {
        out.push_str("No TLJH plugin is installed in the hub environment.\n");
        return out;
    }
    out.push_str("Installed TLJH plugins (entry points of group tljh):\n");
    for p in &plugins {
        let s = |k: &str| p[k].as_str().unwrap_or("?").to_string();
        let hooks: Vec<&str> = p["hooks"]
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        out.push_str(&format!(
            "  {} ({} {}): {}\n",
            s("name"),
            s("dist"),
            s("version"),
            if hooks.is_empty() {
                "no hooks".to_string()
            } else {
                hooks.join(", ")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lists_specs_then_plugins_with_their_hooks() {
        let paths = Paths::new("/opt/tljh");
        let report = json!({
            "specs": ["tljh-new-user"],
            "plugins": [{"name": "tljh_new_user", "value": "tljh_new_user", "dist": "tljh-new-user",
                         "version": "0.1.0", "hooks": ["tljh_new_user_create"]}]
        });
        assert_eq!(
            text(&report, &paths),
            "Recorded specs (/opt/tljh/state/plugins.json), re-installed by every bootstrap:\n  \
             tljh-new-user\nInstalled TLJH plugins (entry points of group tljh):\n  \
             tljh_new_user (tljh-new-user 0.1.0): tljh_new_user_create\n"
        );
        let none = text(&json!({"specs": [], "plugins": []}), &paths);
        assert!(none.contains("No plugin specs recorded"), "{none}");
        assert!(none.contains("No TLJH plugin is installed"), "{none}");
    }
}
