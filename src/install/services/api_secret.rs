//! Install step: `state/traefik-api.secret`, shared by the hub and Traefik.

use crate::error::{Error, Result};
use crate::fsutil;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::report::Reporter;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub const SECRET_MODE: u32 = 0o600;

/// `state/traefik-api.secret`: 32 random bytes, hex; made once, kept after.
#[derive(Debug, Default)]
pub struct ApiSecret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretAction {
    Generate(PathBuf),
    SetMode { path: PathBuf, from: u32 },
}

impl std::fmt::Display for SecretAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretAction::Generate(p) => write!(f, "generate {}", p.display()),
            SecretAction::SetMode { path, from } => write!(
                f,
                "set the mode of {} to {SECRET_MODE:o} (is {from:o})",
                path.display()
            ),
        }
    }
}

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

/// The plan for a secret file: generate it when missing or empty, repair
/// its mode when it is not 0600, nothing when it is fine.
pub(super) fn plan_secret(path: PathBuf) -> Result<Vec<SecretAction>> {
    Ok(match secret_state(&path)? {
        SecretState::Ok => vec![],
        SecretState::Missing => vec![SecretAction::Generate(path)],
        SecretState::WrongMode(from) => vec![SecretAction::SetMode { path, from }],
    })
}

/// Carries out `plan_secret`'s plan; a generated secret restarts the hub
/// and proxy with `why`, a repaired mode restarts nothing (the secret is
/// the same). The secret itself is never logged or returned.
pub(super) fn execute_secret(ctx: &Ctx, plan: &[SecretAction], why: &str) -> Result<Outcome> {
    let mut outcome = Outcome::done();
    for action in plan {
        match action {
            SecretAction::Generate(path) => {
                let state = ctx.paths.state_dir();
                if !state.is_dir() {
                    fsutil::ensure_dir(&state, 0o700)?;
                }
                fsutil::write_atomic(
                    path,
                    crate::render::files::new_api_secret()?.as_bytes(),
                    SECRET_MODE,
                )?;
                outcome.restart = Restart::because(why);
            }
            SecretAction::SetMode { path, .. } => {
                fs_err::set_permissions(path, std::fs::Permissions::from_mode(SECRET_MODE))?
            }
        }
    }
    Ok(outcome)
}

impl Step for ApiSecret {
    type Action = SecretAction;

    fn name(&self) -> &'static str {
        "Traefik API secret"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<SecretAction>> {
        plan_secret(ctx.paths.traefik_api_secret())
    }

    fn execute(&self, ctx: &Ctx, plan: &[SecretAction], _: &dyn Reporter) -> Result<Outcome> {
        // Both the hub and Traefik are configured with it.
        execute_secret(ctx, plan, "the Traefik API secret was generated")
    }
}
