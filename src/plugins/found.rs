//! TLJH plugins already installed in an adopted TLJH's hub environment:
//! distributions whose `entry_points.txt` has a `[tljh]` group. Each gets
//! the spec that installs it again (pip's `direct_url.json`, PEP 610, says
//! where it came from), so adoption records them in `state/plugins.json`
//! and every later bootstrap re-installs and upgrades them as if they had
//! been given with `--plugin`.

use crate::paths::Paths;
use std::path::{Path, PathBuf};

/// One installed plugin distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    /// How to install it again; None when its source is gone (a local
    /// directory or file that no longer exists).
    pub spec: Option<String>,
    /// Where it came from, for the note.
    pub from: String,
}

/// For an adoption whose prefix has no `state/plugins.json` yet: the specs
/// of the plugins TLJH installed in `hub/` (none that a `--plugin` in
/// `given` names), and the lines that say so.
pub fn for_adoption(paths: &Paths, given: &[String]) -> (Vec<String>, Vec<(bool, String)>) {
    if super::state::path(paths).exists() {
        return (vec![], vec![]);
    }
    let site = crate::install::python_env::package::site_packages(&paths.hub_env());
    let found = site.map(|s| in_site(&s)).unwrap_or_default();
    let found: Vec<Found> = found
        .into_iter()
        .filter(|f| !given.iter().any(|g| names(g, &f.name)))
        .collect();
    let mut lines = vec![];
    let kept: Vec<String> = found
        .iter()
        .filter(|f| f.spec.is_some())
        .map(|f| format!("{} (from {})", f.name, f.from))
        .collect();
    if !kept.is_empty() {
        lines.push((
            false,
            format!(
                "TLJH plugins installed in hub/, recorded in state/plugins.json and re-installed and upgraded by every bootstrap: {}",
                kept.join(", ")
            ),
        ));
    }
    for f in found.iter().filter(|f| f.spec.is_none()) {
        lines.push((
            true,
            format!(
                "the TLJH plugin {} was installed from {}: not recorded, so bootstrap neither re-installs nor upgrades it; give it again with --plugin SPEC",
                f.name, f.from
            ),
        ));
    }
    (found.into_iter().filter_map(|f| f.spec).collect(), lines)
}

/// The plugins installed in `site` (a hub env's site-packages), by name.
pub fn in_site(site: &Path) -> Vec<Found> {
    let mut dist_infos: Vec<PathBuf> = std::fs::read_dir(site)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dist-info"))
        .collect();
    dist_infos.sort();
    let mut out: Vec<Found> = dist_infos.iter().filter_map(|d| found(d)).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    out
}

fn found(dist_info: &Path) -> Option<Found> {
    let eps = std::fs::read_to_string(dist_info.join("entry_points.txt")).ok()?;
    if !has_tljh_group(&eps) {
        return None;
    }
    let meta = std::fs::read_to_string(dist_info.join("METADATA")).ok()?;
    let name = meta
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Name:"))?
        .trim()
        .to_string();
    let direct = std::fs::read_to_string(dist_info.join("direct_url.json")).ok();
    let (spec, from) = spec_of(&name, direct.as_deref());
    Some(Found { name, spec, from })
}

fn has_tljh_group(entry_points: &str) -> bool {
    let mut in_tljh = false;
    for line in entry_points.lines().map(str::trim) {
        if line.starts_with('[') {
            in_tljh = line == "[tljh]";
        } else if in_tljh && line.contains('=') && !line.starts_with('#') {
            return true;
        }
    }
    false
}

/// The spec for `name` given its `direct_url.json` (None: from an index).
pub fn spec_of(name: &str, direct_url: Option<&str>) -> (Option<String>, String) {
    let Some(d) = direct_url.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) else {
        return (Some(name.to_string()), "the package index".into());
    };
    let url = d["url"].as_str().unwrap_or_default();
    if let Some(vcs) = d["vcs_info"]["vcs"].as_str() {
        let rev = d["vcs_info"]["requested_revision"]
            .as_str()
            .map(|r| format!("@{r}"))
            .unwrap_or_default();
        let spec = format!("{name} @ {vcs}+{url}{rev}");
        return (Some(spec), format!("{vcs}+{url}{rev}"));
    }
    match local_path(url) {
        Some(p) if p.exists() => (Some(p.display().to_string()), p.display().to_string()),
        Some(p) => (None, format!("{}, which is gone", p.display())),
        None if url.is_empty() => (Some(name.to_string()), "the package index".into()),
        None => (Some(format!("{name} @ {url}")), url.to_string()),
    }
}

/// The path of a `file://` URL, percent-decoded.
fn local_path(url: &str) -> Option<PathBuf> {
    reqwest::Url::parse(url).ok()?.to_file_path().ok()
}

/// Whether a given `--plugin` spec names the distribution `name` (then the
/// found one is not recorded beside it).
pub fn names(spec: &str, name: &str) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let (spec, name) = (norm(spec.trim()), norm(name));
    spec.strip_prefix(&name).is_some_and(|rest| {
        !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    })
}

#[cfg(test)]
#[path = "found_tests.rs"]
mod tests;
