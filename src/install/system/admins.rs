//! Install step: each `--admin NAME[:PASSWORD]` in `users.admin` and, with a
//! password, as NAME's FirstUseAuthenticator password.

use crate::error::{Error, Result};
use crate::firstuse::{Entry, Store};
use crate::install::args::parse_admin;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::report::Reporter;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
            if let Some(why) = crate::firstuse::password_problem(pw) {
                return Err(Error::new(format!("--admin {name}: {why}")));
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
    fn store(&self, ctx: &Ctx) -> Store {
        let mut store = Store::new(ctx.paths);
        if let Some(p) = &self.python {
            store.python = p.clone();
        }
        store
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

    fn password_todo(&self, ctx: &Ctx, specs: &[AdminSpec]) -> Result<Vec<String>> {
        let entries = entries(specs);
        if entries.is_empty() {
            return Ok(vec![]);
        }
        let store = self.store(ctx);
        if !store.python.is_file() {
            // The hub env is not there yet: everything is still to do.
            return Ok(entries.into_iter().map(|e| e.name).collect());
        }
        store.differing(&entries)
    }
}

/// The specs that carry a password, as store entries.
fn entries(specs: &[AdminSpec]) -> Vec<Entry> {
    specs
        .iter()
        .filter_map(|s| {
            s.password.as_ref().map(|p| Entry {
                name: s.name.clone(),
                password: p.clone(),
            })
        })
        .collect()
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
        for n in self.store(ctx).set(&entries(&set))? {
            tracing::info!("set the FirstUseAuthenticator password of {n}");
        }
        Ok(outcome)
    }
}
