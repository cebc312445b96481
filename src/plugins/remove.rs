//! `hubcfg plugins remove PLUGIN`: the plugin's specs out of
//! `state/plugins.json` (so bootstrap no longer re-installs it), then its
//! distribution out of the hub environment (`pip uninstall`). PLUGIN is a
//! recorded spec as `hubcfg plugins` shows it, or a distribution's name.

use super::found::{Found, in_site, names};
use super::state;
use crate::error::{Context, Error, Result};
use crate::install::python_env::package::site_packages;
use crate::paths::Paths;

/// What removing `arg` takes away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The installed distribution, when one matches.
    pub dist: Option<String>,
    /// The recorded specs that go; the rest stay in order.
    pub specs_left: Vec<String>,
    pub specs_gone: Vec<String>,
}

/// Which installed plugin and which recorded specs `arg` names: a spec
/// equal to it or naming the same distribution, and the distribution whose
/// spec (from `direct_url.json`) or name it is.
pub fn plan(recorded: &[String], installed: &[Found], arg: &str) -> Result<Removal> {
    let arg = arg.trim();
    let dist = installed
        .iter()
        .find(|f| f.spec.as_deref() == Some(arg) || names(arg, &f.name));
    let goes = |s: &String| {
        s == arg || dist.is_some_and(|d| names(s, &d.name) || d.spec.as_ref() == Some(s))
    };
    let (specs_gone, specs_left): (Vec<String>, Vec<String>) =
        recorded.iter().cloned().partition(goes);
    let dist = dist.map(|f| f.name.clone());
    if dist.is_none() && specs_gone.is_empty() {
        return Err(Error::new(format!(
            "no TLJH plugin `{arg}`: it is neither a spec in state/plugins.json nor a plugin installed in the hub environment"
        ))
        .with_hint("`sudo hubcfg plugins` lists both; give a spec as it shows it, or a distribution's name"));
    }
    Ok(Removal {
        dist,
        specs_left,
        specs_gone,
    })
}

/// Removes the plugin `arg`; returns the lines that say what was done.
pub fn run(paths: &Paths, arg: &str) -> Result<Vec<String>> {
    if !nix::unistd::geteuid().is_root() {
        return Err(
            Error::new("removing a plugin changes the hub environment and state/")
                .with_hint("run it with sudo: sudo hubcfg plugins remove PLUGIN"),
        );
    }
    let recorded = state::load(paths)?;
    let installed = site_packages(&paths.hub_env())
        .map(|s| in_site(&s))
        .unwrap_or_default();
    let r = plan(&recorded, &installed, arg)?;
    let mut said = vec![];
    if !r.specs_gone.is_empty() {
        state::save(paths, &r.specs_left)?;
        said.push(format!(
            "removed from {}: {} (bootstrap no longer installs it)",
            state::path(paths).display(),
            r.specs_gone.join(", ")
        ));
    }
    if let Some(dist) = &r.dist {
        let mut c = crate::installer::pip(&paths.hub_python(), &["uninstall", "-y", dist]);
        crate::cmd::run_checked(&mut c)
            .context(|| format!("uninstalling {dist} from {}", paths.hub_env().display()))?;
        said.push(format!(
            "uninstalled {dist} from {}",
            paths.hub_env().display()
        ));
    }
    said.push(
        "what its hooks added stays (apt, hub and user packages, settings in config.toml); \
         run `sudo hubcfg reload` so the running hub no longer loads it"
            .into(),
    );
    Ok(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str, spec: Option<&str>) -> Found {
        Found {
            name: name.into(),
            spec: spec.map(str::to_string),
            from: String::new(),
        }
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_name_a_recorded_spec_or_a_path_removes_the_spec_and_the_distribution() {
        let recorded = v(&["tljh-new-user", "/root/hubcfg-test-plugin", "other==1"]);
        let installed = [
            found("tljh-new-user", Some("tljh-new-user")),
            found("hubcfg-test-plugin", Some("/root/hubcfg-test-plugin")),
        ];
        let r = plan(&recorded, &installed, "/root/hubcfg-test-plugin").unwrap();
        assert_eq!(r.dist.as_deref(), Some("hubcfg-test-plugin"));
        assert_eq!(r.specs_gone, ["/root/hubcfg-test-plugin"]);
        assert_eq!(r.specs_left, ["tljh-new-user", "other==1"]);
        let r = plan(&recorded, &installed, "hubcfg_test_plugin").unwrap();
        assert_eq!(r.specs_gone, ["/root/hubcfg-test-plugin"]);
        let r = plan(&v(&["tljh-new-user==0.1.3"]), &installed, "tljh-new-user").unwrap();
        assert_eq!(
            (r.dist.as_deref(), r.specs_gone.len()),
            (Some("tljh-new-user"), 1)
        );
        // Recorded but not installed (its install failed): only the spec.
        let r = plan(&recorded, &installed, "other==1").unwrap();
        assert_eq!((r.dist, r.specs_gone), (None, v(&["other==1"])));
        // Installed but not recorded (TLJH put it there): only the package.
        let r = plan(&[], &installed, "tljh-new-user").unwrap();
        assert_eq!(r.dist.as_deref(), Some("tljh-new-user"));
        assert!(r.specs_gone.is_empty());
    }

    #[test]
    fn an_unknown_plugin_is_refused_naming_where_to_look() {
        let e = plan(&v(&["tljh-new-user"]), &[], "tljh-new").unwrap_err();
        assert!(
            e.message.contains("no TLJH plugin `tljh-new`"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("hubcfg plugins"));
    }
}
