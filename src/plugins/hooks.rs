//! Runs one TLJH hook of every installed plugin through
//! `hubcfg_hub.plugins` with the hub environment's Python, in
//! `$PREFIX/state` (TLJH's hub working directory; tljh-new-user reads
//! `new_user_data/` relative to it), `TLJH_INSTALL_PREFIX` set so
//! `tljh.config` names this prefix. (processes)

use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::pyhub::{self, Options, Reply};
use serde_json::{Value as Json, json};

/// The module's reply to `request` (a hook call or `describe`).
fn run(paths: &Paths, request: &Json, doing: &str) -> Result<Json> {
    let prefix = paths.prefix.display().to_string();
    let state = paths.state_dir();
    let opts = Options {
        cwd: Some(&state),
        env: vec![
            ("TLJH_INSTALL_PREFIX", prefix.clone()),
            ("HUBCFG_PREFIX", prefix),
        ],
    };
    let python = paths.hub_python();
    match pyhub::run_with(&python, "plugins", request, doing, &opts)? {
        Reply::Ok(r) => Ok(r),
        Reply::Failed { kind, message } if kind == "plugin_failed" => {
            Err(Error::new(format!("{doing}: {message}")).with_hint(
                "fix or upgrade the plugin and run bootstrap again, or remove it: \
                 `sudo hubcfg plugins remove PACKAGE` (the name in parentheses above)",
            ))
        }
        Reply::Failed { message, .. } => Err(Error::new(format!("{doing}: {message}"))),
    }
}

/// Calls `hook` with `kwargs` in every plugin; the reply (`result`, or
/// `config` for tljh_config_post_install).
pub fn call(paths: &Paths, hook: &str, kwargs: Json) -> Result<Json> {
    run(
        paths,
        &json!({ "hook": hook, "kwargs": kwargs }),
        &format!("running the TLJH plugins' {hook}"),
    )
}

/// A list hook's merged list (strings only; anything else is refused).
pub fn call_list(paths: &Paths, hook: &str) -> Result<Vec<String>> {
    let reply = call(paths, hook, json!({}))?;
    strings(&reply["result"]).ok_or_else(|| {
        Error::new(format!(
            "the TLJH plugins' {hook} returned {}, not a list of strings",
            reply["result"]
        ))
    })
}

/// Every plugin: entry point, distribution, version, hooks it implements.
pub fn describe(paths: &Paths) -> Result<Vec<Json>> {
    let reply = run(
        paths,
        &json!({ "describe": true }),
        "listing the TLJH plugins",
    )?;
    Ok(reply["plugins"].as_array().cloned().unwrap_or_default())
}

fn strings(v: &Json) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}
