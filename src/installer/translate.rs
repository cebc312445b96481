//! pip's settings → uv's, for one `uv pip install` run; or why not.

use crate::installer::pip_config::PipSetting;
use std::collections::BTreeMap;

/// What a `uv pip install` run gets so it behaves as pip would here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UvSettings {
    /// Command-line arguments (`--no-index`, `--find-links DIR`, …).
    pub args: Vec<String>,
    /// Environment variables (`UV_INDEX_URL`, `SSL_CERT_FILE`, …).
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translation {
    Uv(UvSettings),
    /// A setting uv has no equivalent for: install with pip instead.
    Pip {
        reason: String,
    },
}

/// pip settings that do not change what gets installed, and why uv can go
/// without them.
const IGNORED: &[(&str, &str)] = &[
    ("disable-pip-version-check", "pip's notice about newer pip"),
    ("no-input", "uv does not prompt"),
    ("quiet", "output only"),
    ("verbose", "output only"),
    ("progress-bar", "output only"),
    ("no-color", "output only"),
    ("log", "pip's own log file"),
    ("cache-dir", "uv keeps its own cache"),
    ("root-user-action", "pip's warning about running as root"),
    (
        "exists-action",
        "answers pip's prompt about existing checkouts",
    ),
    (
        "break-system-packages",
        "hubcfg installs into its own venvs",
    ),
    ("no-warn-script-location", "a warning only"),
    ("no-warn-conflicts", "a warning only"),
    ("no-python-version-warning", "a warning only"),
    (
        "require-virtualenv",
        "uv pip install only installs into a venv",
    ),
    ("no-clean", "keeps pip's build directories, nothing else"),
    (
        "config-file",
        "names the file whose settings are already listed",
    ),
];

/// `settings` (pip's) plus `--pip-index-url`, which wins over pip's own
/// index-url, as uv settings.
pub fn translate(settings: &[PipSetting], index_url: Option<&str>) -> Translation {
    match wanted(settings) {
        Ok(wanted) => Translation::Uv(wanted.into_uv(index_url)),
        Err(reason) => Translation::Pip { reason },
    }
}

/// What pip's settings ask of uv; a later setting of a key replaces an
/// earlier one, as in pip.
#[derive(Default)]
struct Wanted {
    index_url: Option<String>,
    extra_index_urls: Vec<String>,
    find_links: Vec<String>,
    no_index: bool,
    trusted_hosts: Vec<String>,
    no_cache: bool,
    env: BTreeMap<&'static str, String>,
}

fn wanted(settings: &[PipSetting]) -> Result<Wanted, String> {
    let mut w = Wanted::default();
    for s in settings {
        let value = s.value.as_str();
        match s.key.as_str() {
            "index-url" => w.index_url = Some(value.to_string()),
            "extra-index-url" => w.extra_index_urls = list(value),
            "find-links" => w.find_links = list(value),
            "no-index" => w.no_index = boolean(s)?,
            "trusted-host" => w.trusted_hosts = list(value),
            // pip drops its cache for any valid value, even "false".
            "no-cache-dir" => w.no_cache = boolean(s).map(|_| true)?,
            "cert" => set(&mut w.env, &["SSL_CERT_FILE"], value),
            "client-cert" => set(&mut w.env, &["SSL_CLIENT_CERT"], value),
            // pip sends every request through it, whatever the scheme.
            "proxy" => set(
                &mut w.env,
                &["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"],
                value,
            ),
            "timeout" => set(&mut w.env, &["UV_HTTP_TIMEOUT"], &whole_seconds(s)?),
            "retries" => set(&mut w.env, &["UV_HTTP_RETRIES"], &count(s)?),
            key if IGNORED.iter().any(|(ignored, _)| *ignored == key) => {}
            _ => return Err(format!("{} has no uv equivalent", described(s))),
        }
    }
    Ok(w)
}

impl Wanted {
    fn into_uv(self, index_url_flag: Option<&str>) -> UvSettings {
        let mut args = Vec::new();
        let mut push_each = |flag: &str, values: &[String]| {
            let mut seen = Vec::new();
            for v in values {
                if !seen.contains(&v) {
                    seen.push(v);
                    args.extend([flag.to_string(), v.clone()]);
                }
            }
        };
        let mut env: Vec<(String, String)> = self
            .env
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        // Index URLs may hold credentials: in uv's environment, which only
        // root can read, rather than in argv, which every user on the
        // machine sees in `ps`.
        if let Some(url) = index_url_flag.map(str::to_string).or(self.index_url) {
            env.push(("UV_INDEX_URL".into(), url));
        }
        let mut extra: Vec<&str> = vec![];
        for url in &self.extra_index_urls {
            if !extra.contains(&url.as_str()) {
                extra.push(url);
            }
        }
        if !extra.is_empty() {
            env.push(("UV_EXTRA_INDEX_URL".into(), extra.join(" ")));
        }
        if !self.extra_index_urls.is_empty() {
            // pip takes the best version across all indexes; uv by default
            // takes the first index that has the package at all.
            push_each("--index-strategy", &["unsafe-best-match".to_string()]);
        }
        push_each("--find-links", &self.find_links);
        push_each("--allow-insecure-host", &self.trusted_hosts);
        if self.no_index {
            args.push("--no-index".into());
        }
        if self.no_cache {
            args.push("--no-cache".into());
        }
        UvSettings { args, env }
    }
}

fn set(env: &mut BTreeMap<&'static str, String>, vars: &[&'static str], value: &str) {
    for var in vars {
        env.insert(var, value.to_string());
    }
}

/// pip splits its list options on whitespace.
fn list(value: &str) -> Vec<String> {
    value.split_whitespace().map(str::to_string).collect()
}

/// `` pip's `key = value` (SOURCE) `` for reasons.
fn described(s: &PipSetting) -> String {
    format!("pip's `{} = {}` ({})", s.key, s.value, s.source)
}

/// pip's booleans (its strtobool); anything else pip itself rejects.
fn boolean(s: &PipSetting) -> Result<bool, String> {
    match s.value.to_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Ok(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Ok(false),
        _ => Err(format!(
            "{} is not a boolean (yes/no, true/false, on/off, 1/0)",
            described(s)
        )),
    }
}

/// pip's timeout is seconds as a float; uv takes whole seconds, so a
/// fraction is rounded up (never shorter than pip's).
fn whole_seconds(s: &PipSetting) -> Result<String, String> {
    match s.value.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= u32::MAX as f64 => {
            Ok((secs.ceil() as u64).to_string())
        }
        _ => Err(format!(
            "{} is not a number of seconds uv can take",
            described(s)
        )),
    }
}

fn count(s: &PipSetting) -> Result<String, String> {
    s.value
        .trim()
        .parse::<u32>()
        .map(|n| n.to_string())
        .map_err(|_| format!("{} is not a count uv can take", described(s)))
}

#[cfg(test)]
mod tests;
