//! System-wide pieces of the install: the hub's unix groups, the admins'
//! sudoers file, and the `--admin` users (config entry + FirstUse password).

use super::{Ctx, Step, args::parse_admin};
use crate::error::{Context, Error, Result};
use crate::users::{self, Accounts, SystemAccounts};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

// ---------------------------------------------------------------- Groups

/// `jupyterhub-admins` and `jupyterhub-users` exist.
pub struct Groups {
    pub accounts: Box<dyn Accounts>,
}

impl Default for Groups {
    fn default() -> Self {
        Groups {
            accounts: Box::new(SystemAccounts),
        }
    }
}

impl Groups {
    fn actions(&self) -> Result<Vec<users::UserAction>> {
        users::plan_groups(&*self.accounts, &[users::ADMIN_GROUP, users::USERS_GROUP])
    }
}

impl Step for Groups {
    fn name(&self) -> &'static str {
        "Unix groups for hub users"
    }
    fn plan(&self, _ctx: &Ctx) -> Result<Vec<String>> {
        Ok(self.actions()?.iter().map(ToString::to_string).collect())
    }
    fn execute(&self, _ctx: &Ctx) -> Result<()> {
        users::apply(&*self.accounts, &self.actions()?)
    }
}

// ---------------------------------------------------------------- Sudoers

pub const SUDOERS_FILE: &str = "jupyterhub-admins";
pub const SUDOERS_MODE: u32 = 0o440;
pub const SUDOERS_CONTENT: &str = "\
# Written by hubcfg: hub admins may run anything as root without a password.
%jupyterhub-admins ALL = (ALL) NOPASSWD: ALL
Defaults exempt_group = jupyterhub-admins
";

/// `/etc/sudoers.d/jupyterhub-admins`, installed only after `visudo -cf`
/// accepts it (W7).
pub struct Sudoers {
    /// Directory sudo includes (`/etc/sudoers.d`).
    pub dir: PathBuf,
    /// The validator; a bare name is looked up on PATH and in the sbin dirs.
    pub visudo: PathBuf,
}

impl Default for Sudoers {
    fn default() -> Self {
        Sudoers {
            dir: PathBuf::from("/etc/sudoers.d"),
            visudo: PathBuf::from("visudo"),
        }
    }
}

impl Sudoers {
    pub fn path(&self) -> PathBuf {
        self.dir.join(SUDOERS_FILE)
    }

    fn up_to_date(&self) -> Result<bool> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mode = fs_err::metadata(&path)?.permissions().mode() & 0o7777;
                Ok(bytes == SUDOERS_CONTENT.as_bytes() && mode == SUDOERS_MODE)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::new(format!("reading {}: {e}", path.display()))),
        }
    }

    fn visudo_path(&self) -> Result<PathBuf> {
        find_program(&self.visudo).ok_or_else(|| {
            Error::new(format!(
                "`{}` was not found, so {} cannot be checked before it is installed",
                self.visudo.display(),
                self.path().display()
            ))
            .with_hint("visudo comes with the `sudo` package: apt-get install sudo")
        })
    }
}

/// `prog` itself when it has a slash, else the first match on PATH or in
/// the sbin directories (often missing from a non-login PATH).
pub fn find_program(prog: &Path) -> Option<PathBuf> {
    if prog.components().count() > 1 {
        return prog.is_file().then(|| prog.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

impl Step for Sudoers {
    fn name(&self) -> &'static str {
        "Passwordless sudo for hub admins"
    }

    fn plan(&self, _ctx: &Ctx) -> Result<Vec<String>> {
        if self.up_to_date()? {
            return Ok(vec![]);
        }
        Ok(vec![format!(
            "write {} (mode {SUDOERS_MODE:o}, checked with visudo)",
            self.path().display()
        )])
    }

    fn execute(&self, _ctx: &Ctx) -> Result<()> {
        if self.up_to_date()? {
            return Ok(());
        }
        let visudo = self.visudo_path()?;
        if !self.dir.is_dir() {
            fs_err::create_dir_all(&self.dir)?;
            fs_err::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o750))?;
        }
        // The temp name has a '.', so sudo ignores it should it be left behind.
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{SUDOERS_FILE}."))
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .context(|| format!("creating a temp file in {}", self.dir.display()))?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(SUDOERS_MODE))?;
        tmp.write_all(SUDOERS_CONTENT.as_bytes())?;
        tmp.as_file().sync_all()?;
        let check = crate::cmd::run(Command::new(&visudo).arg("-cf").arg(tmp.path()))?;
        if !check.success() {
            return Err(Error::new(format!(
                "visudo rejected the new {}; the old file is unchanged:\n{}",
                self.path().display(),
                crate::cmd::tail(&format!("{}{}", check.stdout, check.stderr), 20)
            )));
        }
        let target = self.path();
        tmp.persist(&target)
            .map_err(|e| Error::new(format!("renaming into {}: {}", target.display(), e.error)))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- Admins

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

impl Step for Admins {
    fn name(&self) -> &'static str {
        "Hub admins from --admin"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let specs = parse_admins(&ctx.args.admins)?;
        let cfg = ctx.paths.config_toml();
        let mut out: Vec<String> = self
            .missing_in_config(ctx, &specs)?
            .into_iter()
            .map(|n| format!("add {n} to users.admin in {}", cfg.display()))
            .collect();
        out.extend(
            self.password_todo(ctx, &specs)?
                .into_iter()
                .map(|n| format!("set the FirstUseAuthenticator password of {n}")),
        );
        Ok(out)
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let specs = parse_admins(&ctx.args.admins)?;
        if specs.is_empty() {
            return Ok(());
        }
        let cfg = ctx.paths.config_toml();
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        if let Some(dir) = cfg.parent() {
            crate::fsutil::ensure_dir(dir, 0o700)?;
        }
        let outcome = crate::config::edit_locked(&cfg, self.lock_timeout, |doc| {
            add_admins(doc, &names, &cfg)
        })?;
        if outcome.changed() {
            ctx.restart_needed.set(true);
        }
        if specs.iter().any(|s| s.password.is_some()) {
            let python = self.python(ctx);
            if !python.is_file() {
                return Err(Error::new(format!(
                    "cannot set FirstUseAuthenticator passwords: {} does not exist",
                    python.display()
                ))
                .with_hint("the hub environment must be installed before the admins step"));
            }
            crate::fsutil::ensure_dir(&ctx.paths.state_dir(), 0o700)?;
            for n in self.passwords(ctx, &specs, true)? {
                tracing::info!("set the FirstUseAuthenticator password of {n}");
            }
        }
        Ok(())
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

#[cfg(test)]
#[path = "system_tests.rs"]
mod tests;
