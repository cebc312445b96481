//! Running the hub: the Traefik API secret, the systemd units (written,
//! enabled, restarted only when needed, then checked through Traefik), and
//! the /usr/bin links.

use super::{Ctx, Step};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::paths::Paths;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------- ApiSecret

pub const SECRET_MODE: u32 = 0o600;

/// `state/traefik-api.secret`: 32 random bytes, hex; made once, kept after.
#[derive(Debug, Default)]
pub struct ApiSecret;

enum SecretState {
    Ok,
    Missing,
    WrongMode(u32),
}

fn secret_state(path: &Path) -> Result<SecretState> {
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().is_empty() => Ok(SecretState::Missing),
        Ok(_) => {
            let mode = fs_err::metadata(path)?.permissions().mode() & 0o7777;
            Ok(if mode == SECRET_MODE {
                SecretState::Ok
            } else {
                SecretState::WrongMode(mode)
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SecretState::Missing),
        Err(e) => Err(Error::new(format!("reading {}: {e}", path.display()))),
    }
}

impl Step for ApiSecret {
    fn name(&self) -> &'static str {
        "Traefik API secret"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let path = ctx.paths.traefik_api_secret();
        Ok(match secret_state(&path)? {
            SecretState::Ok => vec![],
            SecretState::Missing => vec![format!("generate {}", path.display())],
            SecretState::WrongMode(m) => vec![format!(
                "set the mode of {} to {SECRET_MODE:o} (is {m:o})",
                path.display()
            )],
        })
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let path = ctx.paths.traefik_api_secret();
        match secret_state(&path)? {
            SecretState::Ok => {}
            SecretState::Missing => {
                let state = ctx.paths.state_dir();
                if !state.is_dir() {
                    fsutil::ensure_dir(&state, 0o700)?;
                }
                fsutil::write_atomic(
                    &path,
                    crate::render::files::new_api_secret()?.as_bytes(),
                    SECRET_MODE,
                )?;
                // Both the hub and Traefik are configured with it.
                ctx.restart_needed.set(true);
            }
            SecretState::WrongMode(_) => {
                fs_err::set_permissions(&path, std::fs::Permissions::from_mode(SECRET_MODE))?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- Services

pub const TRAEFIK_UNIT: &str = "traefik.service";
pub const HUB_UNIT: &str = "jupyterhub.service";
const TRAEFIK_TEMPLATE: &str = include_str!("../../units/traefik.service");
const HUB_TEMPLATE: &str = include_str!("../../units/jupyterhub.service");
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
/// unit changed, `ctx.restart_needed` is set, or the service is not active;
/// then `/hub/api` must answer 200 through Traefik.
pub struct Services {
    /// Where unit files go (`/etc/systemd/system`).
    pub unit_dir: PathBuf,
    /// Overrides the readiness URL derived from the effective config.
    pub probe_url: Option<String>,
    /// Overrides `--hub-timeout`.
    pub hub_timeout: Option<Duration>,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            unit_dir: PathBuf::from("/etc/systemd/system"),
            probe_url: None,
            hub_timeout: None,
        }
    }
}

#[derive(Debug, Default)]
struct Decision {
    write: Vec<(PathBuf, String)>,
    enable: Vec<&'static str>,
    /// (unit, why), in order.
    restart: Vec<(&'static str, String)>,
}

impl Services {
    fn decide(&self, ctx: &Ctx) -> Result<Decision> {
        let mut d = Decision::default();
        let mut changed = Vec::new();
        for (name, text) in rendered_units(ctx.paths)? {
            let path = self.unit_dir.join(name);
            let current = match std::fs::read(&path) {
                Ok(b) => Some(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(Error::new(format!("reading {}: {e}", path.display()))),
            };
            if current.as_deref() != Some(text.as_bytes()) {
                changed.push(name);
                d.write.push((path, text));
            }
            if !ctx.services.is_enabled(name) {
                d.enable.push(name);
            }
        }
        let mut traefik_restarted = false;
        for unit in [TRAEFIK_UNIT, HUB_UNIT] {
            let state = ctx.services.active_state(unit);
            let why = if changed.contains(&unit) {
                Some("its unit file changed".to_string())
            } else if ctx.restart_needed.get() {
                Some("the configuration changed".to_string())
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
                d.restart.push((unit, why));
            }
        }
        Ok(d)
    }

    fn probe_url(&self, ctx: &Ctx) -> Result<String> {
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

impl Step for Services {
    fn name(&self) -> &'static str {
        "Start Traefik and JupyterHub"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let d = self.decide(ctx)?;
        let mut out: Vec<String> = d
            .write
            .iter()
            .map(|(p, _)| format!("write {}", p.display()))
            .collect();
        if !d.write.is_empty() {
            out.push("systemctl daemon-reload".into());
        }
        out.extend(d.enable.iter().map(|u| format!("enable {u}")));
        out.extend(
            d.restart
                .iter()
                .map(|(u, why)| format!("restart {u} ({why})")),
        );
        Ok(out)
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let d = self.decide(ctx)?;
        if !d.write.is_empty() {
            fsutil::ensure_dir(&self.unit_dir, 0o755)?;
        }
        for (path, text) in &d.write {
            fsutil::write_atomic(path, text.as_bytes(), UNIT_MODE)?;
        }
        if !d.write.is_empty() {
            ctx.services.daemon_reload()?;
        }
        for unit in &d.enable {
            ctx.services.enable(unit)?;
        }
        for (unit, why) in &d.restart {
            tracing::info!("restarting {unit}: {why}");
            ctx.services
                .restart(unit)
                .map_err(|e| with_diagnosis(e, ctx))?;
        }
        // Restarts are done; later steps must not redo them.
        ctx.restart_needed.set(false);
        let url = self.probe_url(ctx)?;
        let timeout = self
            .hub_timeout
            .unwrap_or(Duration::from_secs(ctx.args.hub_timeout));
        let took =
            crate::hub_probe::wait_ready(&url, timeout).map_err(|e| with_diagnosis(e, ctx))?;
        tracing::info!("the hub answers at {url} ({:.1}s)", took.as_secs_f64());
        Ok(())
    }
}

// ---------------------------------------------------------------- Links

/// `/usr/bin/hubcfg` → `$PREFIX/bin/hubcfg`, and `/usr/bin/tljh-config` too
/// when that path is free or already ours (a real TLJH's is left alone).
pub struct Links {
    pub bin_dir: PathBuf,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            bin_dir: PathBuf::from("/usr/bin"),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum LinkState {
    Ok,
    Create,
    Replace(String),
    /// Someone else's file; left alone with a warning.
    Foreign(String),
}

fn link_state(path: &Path, target: &Path, prefix: &Path, ours_by_name: bool) -> Result<LinkState> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LinkState::Create),
        Err(e) => return Err(Error::new(format!("checking {}: {e}", path.display()))),
    };
    if meta.file_type().is_symlink() {
        let dest = fs_err::read_link(path)?;
        if dest == target {
            return Ok(LinkState::Ok);
        }
        let abs = match path.parent() {
            Some(dir) if dest.is_relative() => dir.join(&dest),
            _ => dest.clone(),
        };
        let dangling = std::fs::metadata(path).is_err();
        let into_prefix = abs.starts_with(prefix);
        let to_hubcfg = abs.file_name().is_some_and(|n| n == "hubcfg");
        return Ok(if ours_by_name || dangling || into_prefix || to_hubcfg {
            LinkState::Replace(format!("it points to {}", dest.display()))
        } else {
            LinkState::Foreign(format!("a link to {}", dest.display()))
        });
    }
    if meta.is_dir() {
        if ours_by_name {
            return Err(Error::new(format!(
                "{} is a directory; hubcfg needs that path for its link",
                path.display()
            ))
            .with_hint("move the directory away and run bootstrap again"));
        }
        return Ok(LinkState::Foreign("a directory".into()));
    }
    Ok(if ours_by_name {
        LinkState::Replace("it is a plain file".into())
    } else {
        LinkState::Foreign("a file that is not hubcfg".into())
    })
}

/// Points `path` at `target` in one rename, so the name is never missing.
fn replace_link(path: &Path, target: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.hubcfg-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .map_err(|e| Error::new(format!("creating the link {}: {e}", tmp.display())))?;
    fs_err::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}

impl Links {
    fn states(&self, ctx: &Ctx) -> Result<Vec<(PathBuf, LinkState)>> {
        let target = ctx.paths.hubcfg_bin();
        let mut out = Vec::new();
        for (name, ours) in [("hubcfg", true), ("tljh-config", false)] {
            let path = self.bin_dir.join(name);
            let state = link_state(&path, &target, &ctx.paths.prefix, ours)?;
            out.push((path, state));
        }
        Ok(out)
    }
}

impl Step for Links {
    fn name(&self) -> &'static str {
        "Commands on PATH"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let target = ctx.paths.hubcfg_bin();
        Ok(self
            .states(ctx)?
            .into_iter()
            .filter_map(|(path, s)| match s {
                LinkState::Ok | LinkState::Foreign(_) => None,
                LinkState::Create => {
                    Some(format!("link {} → {}", path.display(), target.display()))
                }
                LinkState::Replace(why) => Some(format!(
                    "relink {} → {} ({why})",
                    path.display(),
                    target.display()
                )),
            })
            .collect())
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let target = ctx.paths.hubcfg_bin();
        for (path, state) in self.states(ctx)? {
            match state {
                LinkState::Ok => {}
                LinkState::Create | LinkState::Replace(_) => replace_link(&path, &target)?,
                LinkState::Foreign(what) => tracing::warn!(
                    "{} is {what}, left alone; use `hubcfg` for the config commands",
                    path.display()
                ),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "services_tests.rs"]
mod tests;
