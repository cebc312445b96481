//! Is TLJH itself installed in this prefix? Bootstrap adopts such an
//! install (`install::adopt`: its state and user environment kept, its units
//! swapped for ours, put back if our hub does not answer). A real `hubcfg
//! migrate` refuses it and points at bootstrap: renaming config.yaml under a
//! running TLJH hub would drop its settings at its next restart. `migrate
//! --dry-run` stays available, since it writes nothing.

use crate::error::Error;
use std::path::Path;

/// What shows that TLJH is installed in `prefix` (with its units in
/// `unit_dir`), if anything does.
pub fn tljh_install(prefix: &Path, unit_dir: &Path) -> Option<String> {
    if let Some(found) = tljh_unit(unit_dir) {
        return Some(found);
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

/// TLJH's hub unit runs this machine's hub (it loads TLJH's
/// `tljh/jupyterhub_config.py`).
pub fn tljh_unit(unit_dir: &Path) -> Option<String> {
    let unit = unit_dir.join("jupyterhub.service");
    let text = std::fs::read_to_string(&unit).ok()?;
    text.contains("/tljh/jupyterhub_config.py")
        .then(|| format!("{} runs TLJH's hub", unit.display()))
}

/// The TLJH install bootstrap adopts, if any: TLJH's unit still runs the
/// hub, or TLJH's packages are in hub/ and hubcfg never installed here
/// (after an adoption TLJH's packages stay in hub/, but the units are ours).
pub fn to_adopt(prefix: &Path, unit_dir: &Path) -> Option<String> {
    tljh_unit(unit_dir).or_else(|| {
        if prefix.join("bin/hubcfg").exists() {
            None
        } else {
            tljh_install(prefix, unit_dir)
        }
    })
}

/// A real `hubcfg migrate` on a TLJH install: refused, pointing at bootstrap.
pub fn refusal(found: &str, what: &str) -> Error {
    Error::new(format!(
        "{what}: this prefix holds a TLJH install ({found}); converting its config.yaml alone would drop TLJH's settings at its hub's next restart, so nothing was changed"
    ))
    .with_hint(
        "run `hubcfg bootstrap` (or the install's curl line): it adopts the install, keeping its hub database, \
         cookie secret, passwords, certificates and user environment, and swaps TLJH's services for hubcfg's \
         (TLJH's are put back if hubcfg's hub does not answer); `hubcfg migrate --dry-run` shows the conversion \
         and writes nothing",
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

    #[test]
    fn an_adopted_prefix_is_no_longer_one_to_adopt() {
        let dir = tempfile::tempdir().unwrap();
        let (prefix, units) = (dir.path().join("p"), dir.path().join("units"));
        let site = prefix.join("hub/lib/python3.12/site-packages/tljh");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::create_dir_all(&units).unwrap();
        std::fs::write(site.join("jupyterhub_config.py"), "").unwrap();
        assert!(
            to_adopt(&prefix, &units).is_some(),
            "TLJH's packages, no hubcfg"
        );
        std::fs::create_dir_all(prefix.join("bin")).unwrap();
        std::fs::write(prefix.join("bin/hubcfg"), "").unwrap();
        assert_eq!(to_adopt(&prefix, &units), None, "hubcfg's units run it");
        std::fs::write(
            units.join("jupyterhub.service"),
            "ExecStart=/x/python3 -m jupyterhub -f /x/site-packages/tljh/jupyterhub_config.py\n",
        )
        .unwrap();
        assert!(
            to_adopt(&prefix, &units)
                .unwrap()
                .contains("runs TLJH's hub")
        );
    }
}
