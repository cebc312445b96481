//! Is TLJH itself installed in this prefix? Adopting a TLJH install (its hub
//! database, cookie secret, password stores, certificates and user
//! environment kept; its units swapped for ours with a way back) is not
//! built yet. Until it is, bootstrap and a real `hubcfg migrate` refuse such
//! a prefix and leave it as it is: renaming config.yaml under a TLJH hub
//! would drop its settings at its next restart. `migrate --dry-run` stays
//! available, since it writes nothing.

use crate::error::Error;
use std::path::Path;

/// What shows that TLJH is installed in `prefix` (with its units in
/// `unit_dir`), if anything does.
pub fn tljh_install(prefix: &Path, unit_dir: &Path) -> Option<String> {
    let unit = unit_dir.join("jupyterhub.service");
    if let Ok(text) = std::fs::read_to_string(&unit)
        && text.contains("/tljh/jupyterhub_config.py")
    {
        return Some(format!("{} runs TLJH's hub", unit.display()));
    }
    let lib = prefix.join("hub/lib");
    for python in std::fs::read_dir(&lib).into_iter().flatten().flatten() {
        let site = python.path().join("site-packages");
        let tljh_dist = std::fs::read_dir(&site)
            .into_iter()
            .flatten()
            .flatten()
            .find(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("the_littlest_jupyterhub-") && name.ends_with(".dist-info")
            });
        if let Some(dist) = tljh_dist {
            return Some(format!("{} is installed", dist.path().display()));
        }
        if site.join("tljh/jupyterhub_config.py").is_file() {
            return Some(format!("{} is TLJH's", site.join("tljh").display()));
        }
    }
    None
}

/// The refusal, naming what was found.
pub fn refusal(found: &str, what: &str) -> Error {
    Error::new(format!(
        "{what}: this prefix holds a TLJH install ({found}); adopting one (its hub database, cookie secret, passwords, certificates and user environment kept, its services swapped for hubcfg's) is not supported yet, so nothing was changed"
    ))
    .with_hint(
        "`hubcfg migrate --dry-run` shows what its config.yaml becomes, and writes nothing; \
         see the README's \"Coming from TLJH\"",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tljh_unit_a_tljh_distribution_or_tljh_s_glue_is_found_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (prefix, units) = (dir.path().join("p"), dir.path().join("units"));
        let site = prefix.join("hub/lib/python3.12/site-packages");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::create_dir_all(&units).unwrap();
        std::fs::create_dir_all(site.join("tljh")).unwrap();
        std::fs::write(site.join("tljh/hooks.py"), "").unwrap();
        std::fs::write(
            units.join("jupyterhub.service"),
            "ExecStart=/opt/tljh/hub/bin/python3 -m jupyterhub -f /opt/tljh/hub/etc/jupyterhub_config.py\n",
        )
        .unwrap();
        assert_eq!(tljh_install(&prefix, &units), None, "hubcfg's own layout");

        std::fs::write(site.join("tljh/jupyterhub_config.py"), "").unwrap();
        assert!(tljh_install(&prefix, &units).unwrap().contains("tljh"));
        std::fs::remove_file(site.join("tljh/jupyterhub_config.py")).unwrap();

        std::fs::create_dir(site.join("the_littlest_jupyterhub-2.0.0.dist-info")).unwrap();
        assert!(
            tljh_install(&prefix, &units)
                .unwrap()
                .contains("the_littlest_jupyterhub-2.0.0.dist-info")
        );
        std::fs::remove_dir(site.join("the_littlest_jupyterhub-2.0.0.dist-info")).unwrap();

        std::fs::write(
            units.join("jupyterhub.service"),
            "ExecStart=/opt/tljh/hub/bin/python3 -m jupyterhub -f /opt/tljh/hub/lib/python3.12/site-packages/tljh/jupyterhub_config.py --upgrade-db\n",
        )
        .unwrap();
        assert!(
            tljh_install(&prefix, &units)
                .unwrap()
                .contains("runs TLJH's hub")
        );
    }
}
