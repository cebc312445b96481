//! Bootstrap on a prefix TLJH installed (`migrate::live::to_adopt`): TLJH's
//! state stays where TLJH keeps it (our layout uses the same paths, and no
//! step regenerates an existing file there), and TLJH's units, which the
//! services step replaces (journaled, so uninstall puts them back), are put
//! back by `roll_back` when a step fails before hubcfg's hub answered. Touches
//! `/etc/systemd/system` (the units), `state/traefik.toml` and
//! `state/rules/dynamic.toml` (which our render step rewrites),
//! `config/config.toml` (set aside) and the services.

use crate::error::{Error, Result};
use crate::fsutil;
use crate::install::services::{HUB_UNIT, Services, TRAEFIK_UNIT};
use crate::install::{Ctx, StepFailed};
use crate::paths::Paths;
use crate::report::Reporter;
use crate::systemd::ServiceManager;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// TLJH's state files that an adoption keeps byte for byte, with what they
/// hold (the FirstUse store may be several files: `passwords.dbm*`).
pub const KEPT_STATE: [(&str, &str); 6] = [
    ("jupyterhub.sqlite", "the hub database"),
    ("jupyterhub_cookie_secret", "the cookie secret"),
    ("passwords.dbm", "FirstUse passwords"),
    ("acme.json", "Let's Encrypt certificates"),
    ("traefik-api.secret", "the proxy API secret"),
    ("rules/rules.toml", "the hub's routes"),
];

/// Where config.toml goes when a failed adoption puts TLJH's config back.
pub const SET_ASIDE: &str = "config.toml.failed-adoption";

/// A file as it was before the steps ran (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Saved {
    path: PathBuf,
    before: Option<(Vec<u8>, u32)>,
}

impl Saved {
    fn read(path: PathBuf) -> Result<Saved> {
        let before = match std::fs::read(&path) {
            Ok(bytes) => Some((
                bytes,
                fs_err::metadata(&path)?.permissions().mode() & 0o7777,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
        };
        Ok(Saved { path, before })
    }

    fn changed(&self) -> bool {
        let now = std::fs::read(&self.path).ok();
        now.as_deref() != self.before.as_ref().map(|(b, _)| b.as_slice())
    }

    /// Puts the file back as it was; returns whether it had to.
    fn put_back(&self) -> Result<bool> {
        if !self.changed() {
            return Ok(false);
        }
        match &self.before {
            Some((bytes, mode)) => fsutil::write_atomic(&self.path, bytes, *mode)?,
            None => fs_err::remove_file(&self.path)?,
        }
        Ok(true)
    }
}

/// The TLJH install this run adopts, and what it needs to go back.
pub struct Adoption {
    pub found: String,
    /// TLJH's units still run the hub (a first adoption, not a re-run over
    /// TLJH's leftovers).
    tljh_units: bool,
    saved: Vec<Saved>,
    /// This run's migration writes config.toml (none was there).
    converted_here: bool,
}

impl Adoption {
    /// Reads what a rollback would put back, before any step runs.
    pub fn capture(
        found: String,
        paths: &Paths,
        unit_dir: &Path,
        converted_here: bool,
    ) -> Result<Adoption> {
        let mut saved = vec![];
        for unit in [TRAEFIK_UNIT, HUB_UNIT] {
            saved.push(Saved::read(unit_dir.join(unit))?);
        }
        saved.push(Saved::read(paths.traefik_toml())?);
        saved.push(Saved::read(paths.dynamic_toml())?);
        Ok(Adoption {
            tljh_units: crate::migrate::live::tljh_unit(unit_dir).is_some(),
            found,
            saved,
            converted_here,
        })
    }

    /// What bootstrap says before the steps: what it found and keeps.
    pub fn notes(&self, paths: &Paths) -> Vec<String> {
        let state = paths.state_dir();
        let kept: Vec<String> = KEPT_STATE
            .iter()
            .filter(|(name, _)| present(&state, name))
            .map(|(name, what)| format!("state/{name} ({what})"))
            .collect();
        let mut notes = vec![format!(
            "adopting the TLJH install in {} ({})",
            paths.prefix.display(),
            self.found
        )];
        if !kept.is_empty() {
            notes.push(format!("kept as they are: {}", kept.join(", ")));
        }
        if self.tljh_units {
            notes.push(
                "TLJH's units are saved in state/journal-saved/ when hubcfg's replace them; \
                 if hubcfg's hub does not answer, TLJH's units and config are put back and its hub restarted"
                    .into(),
            );
        }
        notes
    }

    /// After a step failed before hubcfg's hub answered: TLJH's units and
    /// Traefik files back, config.toml set aside (when this run wrote it;
    /// TLJH's config.yaml was never moved), and, when a file had to be put
    /// back, TLJH's proxy and hub restarted and `url` answering again.
    /// Returns the lines saying what was done.
    pub fn roll_back(
        &self,
        paths: &Paths,
        services: &dyn ServiceManager,
        url: &str,
        timeout: Duration,
    ) -> Result<Vec<String>> {
        if !self.tljh_units {
            return Ok(vec![]);
        }
        let mut done = vec![];
        let mut units_back = false;
        for s in &self.saved {
            if s.put_back()? {
                units_back |= s.path.extension().is_some_and(|e| e == "service");
                done.push(format!("{} put back", s.path.display()));
            }
        }
        let restart = !done.is_empty();
        if self.converted_here && paths.config_toml().exists() {
            let aside = paths.config_dir().join(SET_ASIDE);
            fs_err::rename(paths.config_toml(), &aside)?;
            done.push(format!(
                "config.toml set aside as {} (TLJH's config.yaml is in place; the next bootstrap converts it again)",
                aside.display()
            ));
        }
        if !restart {
            if !done.is_empty() {
                done.push(
                    "TLJH's units and Traefik files were not changed yet, so nothing was restarted: its hub ran on throughout"
                        .into(),
                );
            }
            return Ok(done);
        }
        if units_back {
            services.daemon_reload()?;
        }
        for unit in [TRAEFIK_UNIT, HUB_UNIT] {
            services.restart(unit)?;
        }
        let took = crate::hub_probe::wait_ready(url, timeout)?;
        done.push(format!(
            "TLJH's traefik and jupyterhub restarted; its hub answers at {url} again ({:.1}s)",
            took.as_secs_f64()
        ));
        Ok(done)
    }
}

fn present(state: &Path, name: &str) -> bool {
    if state.join(name).exists() {
        return true;
    }
    // dbm backends add suffixes (.db; .dir and .pag).
    let Some(file) = Path::new(name).file_name() else {
        return false;
    };
    let dir = state.join(name).parent().map(Path::to_path_buf);
    std::fs::read_dir(dir.unwrap_or_else(|| state.to_path_buf()))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&*file.to_string_lossy())
        })
}

/// The adoption, when preflight found a TLJH install: captured before any
/// step runs, its notes reported.
pub fn begin(
    found: &Option<String>,
    paths: &Paths,
    converted_here: bool,
    reporter: &dyn Reporter,
) -> Result<Option<Adoption>> {
    let Some(found) = found else { return Ok(None) };
    let unit_dir = Path::new(crate::install::services::UNIT_DIR);
    let a = Adoption::capture(found.clone(), paths, unit_dir, converted_here)?;
    journal(paths, found)?;
    a.notes(paths).iter().for_each(|n| reporter.note(n));
    Ok(Some(a))
}

/// The adoption in the journal, and TLJH's Traefik files (which the render
/// step replaces) with their saved copies: `hubcfg uninstall` gives TLJH
/// back from these.
pub fn journal(paths: &Paths, found: &str) -> Result<()> {
    use crate::journal::{Change, Journal};
    let j = Journal::of(paths, "bootstrap");
    j.record(Change::Adopted {
        found: found.into(),
    })?;
    for path in [paths.traefik_toml(), paths.dynamic_toml()] {
        if let Some(before) = j.before(&path)? {
            j.record_with_note(Change::File { path, before }, Some("TLJH's"))?;
        }
    }
    Ok(())
}

/// The error bootstrap ends with: an adoption that failed before hubcfg's
/// hub answered (`hub_answered`: the services step had passed) rolls back
/// first (waiting at least two minutes for TLJH's hub, which starts slower
/// than a probe's `--hub-timeout` in tests).
pub fn after_failure(
    adoption: Option<&Adoption>,
    failed: StepFailed,
    hub_answered: bool,
    ctx: &Ctx,
) -> Error {
    match adoption {
        Some(a) if !hub_answered => {
            let url = crate::hub_probe::hub_api_url_or_default(ctx.paths);
            let wait = Duration::from_secs(ctx.args.hub_timeout.max(120));
            let rollback = a.roll_back(ctx.paths, ctx.services, &url, wait);
            let lead = match failed.step == Services::NAME {
                true => "hubcfg's hub did not answer",
                false => "bootstrap stopped before hubcfg's hub started",
            };
            rolled_back_error(failed.error, lead, rollback)
        }
        _ => failed.error,
    }
}

/// The failed run's error with the rollback's outcome: it rolled back (and
/// how), or the rollback failed too (and why).
pub fn rolled_back_error(failed: Error, lead: &str, rollback: Result<Vec<String>>) -> Error {
    let (what, hint) = match rollback {
        Ok(lines) if lines.is_empty() => return failed,
        Ok(lines) => (
            format!(
                "{lead}, so the TLJH install was rolled back:\n  {}",
                lines.join("\n  ")
            ),
            "TLJH runs as before; fix the cause shown above, then run bootstrap again (it adopts the install again)",
        ),
        Err(e) => (
            format!(
                "{lead}, and putting TLJH's install back failed too: {}",
                crate::error::chain(&e)
            ),
            "TLJH's units are saved in state/journal-saved/ (`hubcfg uninstall` puts them back)",
        ),
    };
    let mut e = Error::new(format!("{}\n{what}", failed.message)).with_exit_code(failed.exit_code);
    // The failed step's own advice ("run bootstrap again") is replaced;
    // its log line stays.
    let log = failed.hint.iter().flat_map(|h| h.lines()).map(str::trim);
    let log: Vec<&str> = log.filter(|l| l.starts_with("Full log:")).collect();
    e.hint = Some(
        std::iter::once(hint)
            .chain(log)
            .collect::<Vec<_>>()
            .join("\n  "),
    );
    e
}

#[cfg(test)]
#[path = "adopt_tests.rs"]
mod tests;
