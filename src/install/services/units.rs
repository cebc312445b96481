//! Install step: the systemd units written, enabled, restarted only when
//! needed, then the hub checked through Traefik.

use crate::error::{Error, Result};
use crate::fsutil;
use crate::install::{Ctx, Outcome, Step};
use crate::journal::{Change, Journal};
use crate::paths::Paths;
use crate::report::Reporter;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const TRAEFIK_UNIT: &str = "traefik.service";
pub const HUB_UNIT: &str = "jupyterhub.service";
const TRAEFIK_TEMPLATE: &str = include_str!("../../../units/traefik.service");
pub(super) const HUB_TEMPLATE: &str = include_str!("../../../units/jupyterhub.service");
const UNIT_MODE: u32 = 0o644;

/// A unit template with `@PREFIX@` replaced. The prefix must be absolute and
/// plain: unit files give spaces, quotes, `%`, `$` and `\` meaning.
pub fn render_unit(template: &str, prefix: &Path) -> Result<String> {
    let p = prefix.to_str().unwrap_or("");
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+".contains(c);
    if !prefix.is_absolute() || p.is_empty() || !p.chars().all(plain) {
        return Err(Error::new(format!(
            "the install prefix {:?} cannot be used in a systemd unit",
            prefix.display().to_string()
        ))
        .with_hint(
            "use an absolute path of letters, digits and / . _ - + (the default is /opt/tljh)",
        ));
    }
    let p = p.trim_end_matches('/');
    Ok(template.replace("@PREFIX@", p))
}

/// Both units for `paths`, in start order.
pub fn rendered_units(paths: &Paths) -> Result<Vec<(&'static str, String)>> {
    Ok(vec![
        (TRAEFIK_UNIT, render_unit(TRAEFIK_TEMPLATE, &paths.prefix)?),
        (HUB_UNIT, render_unit(HUB_TEMPLATE, &paths.prefix)?),
    ])
}

/// Units written and enabled; Traefik then JupyterHub restarted only when a
/// unit changed, an earlier step asked for a restart (`ctx.restarts`), or the
/// service is not active; then `/hub/api` must answer 200 through Traefik.
pub struct Services {
    /// Where unit files go (`/etc/systemd/system`).
    pub unit_dir: PathBuf,
    /// Overrides the readiness URL derived from the effective config.
    pub probe_url: Option<String>,
    /// Overrides `--hub-timeout`.
    pub hub_timeout: Option<Duration>,
}

/// Where systemd unit files go.
pub const UNIT_DIR: &str = "/etc/systemd/system";

impl Default for Services {
    fn default() -> Self {
        Services {
            unit_dir: PathBuf::from(UNIT_DIR),
            probe_url: None,
            hub_timeout: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceAction {
    WriteUnit {
        path: PathBuf,
        text: String,
    },
    DaemonReload,
    Enable(&'static str),
    Restart {
        unit: &'static str,
        why: String,
    },
    /// Last whenever anything else is planned.
    WaitForHub {
        url: String,
        timeout: Duration,
    },
}

impl std::fmt::Display for ServiceAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceAction::WriteUnit { path, .. } => write!(f, "write {}", path.display()),
            ServiceAction::DaemonReload => f.write_str("systemctl daemon-reload"),
            ServiceAction::Enable(u) => write!(f, "enable {u}"),
            ServiceAction::Restart { unit, why } => write!(f, "restart {unit} ({why})"),
            ServiceAction::WaitForHub { url, timeout } => write!(
                f,
                "wait until {url} answers 200 (up to {}s)",
                timeout.as_secs()
            ),
        }
    }
}

impl Services {
    fn decide(&self, ctx: &Ctx) -> Result<Vec<ServiceAction>> {
        let mut plan = Vec::new();
        let mut changed = Vec::new();
        let mut enable = Vec::new();
        for (name, text) in rendered_units(ctx.paths)? {
            let path = self.unit_dir.join(name);
            let current = match std::fs::read(&path) {
                Ok(b) => Some(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
            };
            if current.as_deref() != Some(text.as_bytes()) {
                changed.push(name);
                plan.push(ServiceAction::WriteUnit { path, text });
            }
            if !ctx.services.is_enabled(name) {
                enable.push(ServiceAction::Enable(name));
            }
        }
        if !changed.is_empty() {
            plan.push(ServiceAction::DaemonReload);
        }
        plan.extend(enable);
        let mut reasons: Vec<&str> = vec![];
        for r in ctx.restarts {
            if !reasons.contains(&r.why.as_str()) {
                reasons.push(&r.why);
            }
        }
        let mut traefik_restarted = false;
        for unit in [TRAEFIK_UNIT, HUB_UNIT] {
            let state = ctx.services.active_state(unit);
            let why = if changed.contains(&unit) {
                Some("its unit file changed".to_string())
            } else if !reasons.is_empty() {
                Some(reasons.join(", "))
            } else if state != "active" {
                Some(format!("it is {state}"))
            } else if traefik_restarted {
                // Requires= restarts the hub with Traefik; doing it here too
                // makes sure it runs even on a systemd that did not.
                Some("Traefik was restarted".to_string())
            } else {
                None
            };
            if let Some(why) = why {
                traefik_restarted |= unit == TRAEFIK_UNIT;
                plan.push(ServiceAction::Restart { unit, why });
            }
        }
        if !plan.is_empty() {
            let timeout = self
                .hub_timeout
                .unwrap_or(Duration::from_secs(ctx.args.hub_timeout));
            plan.push(ServiceAction::WaitForHub {
                url: self.probe_url(ctx)?,
                timeout,
            });
        }
        Ok(plan)
    }

    pub(super) fn probe_url(&self, ctx: &Ctx) -> Result<String> {
        if let Some(u) = &self.probe_url {
            return Ok(u.clone());
        }
        let eff = crate::effective::load(ctx.paths)?;
        Ok(crate::hub_probe::hub_api_url(&eff))
    }
}

/// Both units' state, status and journal tail, for error messages.
pub fn diagnose(ctx: &Ctx) -> String {
    let mut s = String::new();
    for unit in [TRAEFIK_UNIT, HUB_UNIT] {
        s.push_str(&format!(
            "\n--- {unit}: {}\n{}\n--- last journal lines of {unit}:\n{}\n",
            ctx.services.active_state(unit),
            ctx.services.status_summary(unit),
            ctx.services.journal_tail(unit, 30)
        ));
    }
    s
}

fn with_diagnosis(mut e: Error, ctx: &Ctx) -> Error {
    e.message.push_str(&diagnose(ctx));
    if e.hint.is_none() {
        e.hint = Some(
            "fix the cause shown above, then run `hubcfg bootstrap` again (it only redoes what is missing)"
                .into(),
        );
    }
    e
}

impl Services {
    pub const NAME: &'static str = "Start Traefik and JupyterHub";
}

impl Step for Services {
    type Action = ServiceAction;

    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<ServiceAction>> {
        self.decide(ctx)
    }

    fn execute(&self, ctx: &Ctx, plan: &[ServiceAction], _: &dyn Reporter) -> Result<Outcome> {
        let journal = Journal::of(ctx.paths, "bootstrap");
        for action in plan {
            match action {
                ServiceAction::WriteUnit { path, text } => {
                    fsutil::ensure_dir(&self.unit_dir, 0o755)?;
                    let before = journal.before(path)?;
                    fsutil::write_atomic(path, text.as_bytes(), UNIT_MODE)?;
                    if let Some(before) = before {
                        let path = path.clone();
                        journal.record(Change::File { path, before })?;
                    }
                }
                ServiceAction::DaemonReload => ctx.services.daemon_reload()?,
                ServiceAction::Enable(unit) => {
                    ctx.services.enable(unit)?;
                    let unit = unit.to_string();
                    journal.record(Change::UnitEnabled { unit })?;
                }
                ServiceAction::Restart { unit, why } => {
                    tracing::info!("restarting {unit}: {why}");
                    ctx.services
                        .restart(unit)
                        .map_err(|e| with_diagnosis(e, ctx))?;
                }
                ServiceAction::WaitForHub { url, timeout } => {
                    let took = crate::hub_probe::wait_ready(url, *timeout)
                        .map_err(|e| with_diagnosis(e, ctx))?;
                    tracing::info!("the hub answers at {url} ({:.1}s)", took.as_secs_f64());
                }
            }
        }
        Ok(Outcome::done())
    }
}
