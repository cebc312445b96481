//! Install step: each `--admin NAME[:PASSWORD]` in `users.admin` and, with a
//! password, as NAME's FirstUseAuthenticator password.

use crate::error::{Context, Error, Result};
use crate::install::args::parse_admin;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::report::Reporter;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// bcrypt uses at most this many bytes of a password (newer versions refuse more).
const BCRYPT_MAX: usize = 72;
const PASSWORD_SCRIPT: &str = include_str!("firstuse_passwords.py");

/// Each `--admin NAME[:PASSWORD]`: NAME is added to `users.admin` (never
/// removing anyone, W9) and PASSWORD becomes NAME's FirstUseAuthenticator
/// password unless it already is.
pub struct Admins {
    /// Python with `bcrypt` (default: the hub env's python3).
    pub python: Option<PathBuf>,
    pub lock_timeout: Duration,
}

impl Default for Admins {
    fn default() -> Self {
        Admins {
            python: None,
            lock_timeout: crate::config::DEFAULT_LOCK_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSpec {
    pub name: String,
    pub password: Option<String>,
}

/// Parses and checks every `--admin` value; a later spec for the same name
/// replaces an earlier one's password.
pub fn parse_admins(specs: &[String]) -> Result<Vec<AdminSpec>> {
    let mut out: Vec<AdminSpec> = Vec::new();
    for spec in specs {
        let (name, password) = parse_admin(spec);
        if name.trim().is_empty() {
            return Err(
                Error::new(format!("--admin {spec:?}: the user name is empty"))
                    .with_hint("use --admin NAME or --admin NAME:PASSWORD"),
            );
        }
        if let Some(pw) = password {
            if pw.is_empty() {
                return Err(
                    Error::new(format!("--admin {name}: the password after ':' is empty"))
                        .with_hint(format!(
                            "use --admin {name} to add the admin without setting a password"
                        )),
                );
            }
            if pw.len() > BCRYPT_MAX {
                return Err(Error::new(format!(
                    "--admin {name}: the password is longer than {BCRYPT_MAX} bytes, which bcrypt (used by FirstUseAuthenticator) cannot store"
                )));
            }
        }
        let password = password.map(str::to_string);
        match out.iter_mut().find(|a| a.name == name) {
            Some(a) => {
                if password.is_some() {
                    a.password = password;
                }
            }
            None => out.push(AdminSpec {
                name: name.to_string(),
                password,
            }),
        }
    }
    Ok(out)
}

/// `users.admin` as listed in config text (missing = empty).
pub fn configured_admins(doc: &toml_edit::DocumentMut, path: &Path) -> Result<Vec<String>> {
    let Some(users) = doc.get("users") else {
        return Ok(vec![]);
    };
    let Some(admin) = users.get("admin") else {
        return Ok(vec![]);
    };
    let arr = admin.as_array().ok_or_else(|| not_a_list(path))?;
    Ok(arr
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

fn not_a_list(path: &Path) -> Error {
    Error::new(format!("users.admin in {} is not a list", path.display()))
        .with_hint("make it a list of names, for example: admin = [\"alice\"] under [users]")
}

/// Appends `names` missing from `users.admin`, keeping what is there, with
/// the same edit as `hubcfg add-item` (comments and layout kept).
pub fn add_admins(doc: &mut toml_edit::DocumentMut, names: &[String], path: &Path) -> Result<()> {
    for n in names {
        crate::config::edit::add_item(doc, "users.admin", n.as_str().into())
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

impl Admins {
    fn python(&self, ctx: &Ctx) -> PathBuf {
        self.python
            .clone()
            .unwrap_or_else(|| ctx.paths.hub_python())
    }

    fn missing_in_config(&self, ctx: &Ctx, specs: &[AdminSpec]) -> Result<Vec<String>> {
        let path = ctx.paths.config_toml();
        let have = configured_admins(
            &crate::config::load::Loaded::installed(ctx.paths)?.doc,
            &path,
        )?;
        Ok(specs
            .iter()
            .filter(|s| !have.contains(&s.name))
            .map(|s| s.name.clone())
            .collect())
    }

    /// Runs the password script; returns the names it found (or set)
    /// differing from the wanted password.
    fn passwords(&self, ctx: &Ctx, specs: &[AdminSpec], apply: bool) -> Result<Vec<String>> {
        let users: Vec<_> = specs
            .iter()
            .filter_map(|s| {
                s.password
                    .as_ref()
                    .map(|p| serde_json::json!({"name": s.name, "password": p}))
            })
            .collect();
        let request = serde_json::json!({
            "dbm": ctx.paths.passwords_dbm(),
            "apply": apply,
            "users": users,
        });
        let python = self.python(ctx);
        let mut cmd = Command::new(&python);
        cmd.args(["-I", "-c", PASSWORD_SCRIPT]);
        let out = run_with_stdin(&mut cmd, request.to_string().as_bytes())
            .context(|| "setting FirstUseAuthenticator passwords".to_string())?;
        if !out.success() {
            return Err(Error::new(format!(
                "`{} -c <password script>` failed with exit code {} while {} FirstUseAuthenticator passwords in {}:\n{}",
                python.display(),
                out.status,
                if apply { "setting" } else { "checking" },
                ctx.paths.passwords_dbm().display(),
                crate::cmd::tail(&out.stderr, 20)
            )));
        }
        serde_json::from_str(out.stdout.trim()).map_err(|e| {
            Error::new(format!(
                "the password script printed something unexpected ({e}): {}",
                out.stdout.trim()
            ))
        })
    }

    fn password_todo(&self, ctx: &Ctx, specs: &[AdminSpec]) -> Result<Vec<String>> {
        if !specs.iter().any(|s| s.password.is_some()) {
            return Ok(vec![]);
        }
        if !self.python(ctx).is_file() {
            // The hub env is not there yet: everything is still to do.
            return Ok(specs
                .iter()
                .filter(|s| s.password.is_some())
                .map(|s| s.name.clone())
                .collect());
        }
        self.passwords(ctx, specs, false)
    }
}

/// What the admins step does; passwords stay in the arguments, never in a
/// plan that is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    AddToConfig { name: String, config: PathBuf },
    SetPassword { name: String },
}

impl std::fmt::Display for AdminAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminAction::AddToConfig { name, config } => {
                write!(f, "add {name} to users.admin in {}", config.display())
            }
            AdminAction::SetPassword { name } => {
                write!(f, "set the FirstUseAuthenticator password of {name}")
            }
        }
    }
}

impl Step for Admins {
    type Action = AdminAction;

    fn name(&self) -> &'static str {
        "Hub admins from --admin"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<AdminAction>> {
        let specs = parse_admins(&ctx.args.admins)?;
        let config = ctx.paths.config_toml();
        let mut out: Vec<AdminAction> = self
            .missing_in_config(ctx, &specs)?
            .into_iter()
            .map(|name| AdminAction::AddToConfig {
                name,
                config: config.clone(),
            })
            .collect();
        out.extend(
            self.password_todo(ctx, &specs)?
                .into_iter()
                .map(|name| AdminAction::SetPassword { name }),
        );
        Ok(out)
    }

    fn execute(&self, ctx: &Ctx, plan: &[AdminAction], _: &dyn Reporter) -> Result<Outcome> {
        let mut outcome = Outcome::done();
        let add: Vec<String> = plan
            .iter()
            .filter_map(|a| match a {
                AdminAction::AddToConfig { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        if !add.is_empty() {
            let cfg = ctx.paths.config_toml();
            if let Some(dir) = cfg.parent() {
                crate::fsutil::ensure_dir(dir, 0o700)?;
            }
            let edited = crate::config::edit_locked(&cfg, self.lock_timeout, |doc| {
                add_admins(doc, &add, &cfg)
            })?;
            if edited.changed() {
                outcome.restart = Restart::because("users.admin changed in config.toml");
            }
        }
        let set: Vec<AdminSpec> = parse_admins(&ctx.args.admins)?
            .into_iter()
            .filter(|s| {
                plan.iter()
                    .any(|a| matches!(a, AdminAction::SetPassword { name } if *name == s.name))
            })
            .collect();
        if !set.is_empty() {
            let python = self.python(ctx);
            if !python.is_file() {
                return Err(Error::new(format!(
                    "cannot set FirstUseAuthenticator passwords: {} does not exist",
                    python.display()
                ))
                .with_hint("the hub environment must be installed before the admins step"));
            }
            crate::fsutil::ensure_dir(&ctx.paths.state_dir(), 0o700)?;
            for n in self.passwords(ctx, &set, true)? {
                tracing::info!("set the FirstUseAuthenticator password of {n}");
            }
        }
        Ok(outcome)
    }
}

/// Like `cmd::run`, but feeds `input` on stdin (for secrets).
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Result<crate::cmd::Output> {
    let shown = crate::cmd::to_shell(cmd);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("could not run `{shown}`: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A child that exits early closes the pipe; its exit status says why.
        let _ = stdin.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("waiting for `{shown}`: {e}")))?;
    Ok(crate::cmd::Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
