//! `hubcfg users`: hub users in bulk. `add` and `import` put names into
//! `users.allowed` (and `users.admin`) in one locked write and set their
//! FirstUseAuthenticator passwords (NativeAuthenticator: create them
//! authorized in its table, `crate::native`); `remove` takes them out of both lists,
//! the password store and the hub's database (`--delete-home`: and deletes
//! their unix accounts, `delete_home`); `reset-password` sets a new
//! password; `list` shows every user the hub knows (hub API, `hub_api`).
//!
//! Order matters for safety: everything is checked first (names, passwords,
//! the authenticator, the config edit on a copy), then passwords are set,
//! then config.toml is written. A user allowed before their password is set
//! could be claimed by whoever logs in first (FirstUse takes the first
//! password it sees). Generated passwords go to stdout as CSV and nowhere
//! else. After a config change the hub is reloaded when this prefix's hub
//! is running (`--no-reload` leaves that to `hubcfg reload`).

pub mod apply;
pub mod check;
pub mod csv;
pub mod delete_home;
pub mod list;
pub mod passwords;

use crate::config::load::Loaded;
use crate::config::output::{Lines, out};
use crate::error::{Error, Result};
use crate::firstuse::{Entry, Store};
use crate::paths::Paths;
use crate::report::Reporter;
use check::NewUser;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of every `users` command.
pub struct Opts {
    pub paths: Paths,
    pub lock_timeout: Duration,
    pub messages: Lines,
    /// Reload the hub after a config change when it is running here.
    pub reload: bool,
    /// Where the hub's systemd unit is looked for.
    pub unit_dir: PathBuf,
    pub store: Store,
    /// NativeAuthenticator's users in the hub's database.
    pub native: crate::native::NativeUsers,
    /// Unix accounts, for `remove --delete-home`.
    pub accounts: Box<dyn crate::users::Accounts>,
}

impl Opts {
    pub fn new(paths: &Paths, lock_timeout: Duration, messages: Lines, reload: bool) -> Opts {
        Opts {
            paths: paths.clone(),
            lock_timeout,
            messages,
            reload,
            unit_dir: PathBuf::from("/etc/systemd/system"),
            store: Store::new(paths),
            native: crate::native::NativeUsers::new(paths),
            accounts: Box::new(crate::users::SystemAccounts),
        }
    }
    fn config(&self) -> PathBuf {
        self.paths.config_toml()
    }
}

/// Where a password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    None,
    Given(String),
    /// `--password -`: read from stdin (one line; its line break dropped).
    Stdin,
    Generate,
}

impl Password {
    pub fn from_flags(given: Option<String>, generate: bool) -> Password {
        match (given, generate) {
            (_, true) => Password::Generate,
            (Some(p), _) if p == "-" => Password::Stdin,
            (Some(p), _) => Password::Given(p),
            (None, false) => Password::None,
        }
    }
}

fn read_stdin_password() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::new(format!("could not read the password from stdin: {e}")))?;
    let line = text.strip_suffix('\n').unwrap_or(&text);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_string())
}

/// `users add NAME… [--admin] [--password P | --generate-passwords]`.
pub fn add(opts: &Opts, names: &[String], admin: bool, password: Password) -> Result<()> {
    let loaded = Loaded::installed(&opts.paths)?;
    let rules = apply::rules_of(&loaded.user());
    let mut problems = vec![];
    let mut users: Vec<NewUser> = vec![];
    for name in names {
        match check::name_problem(name, &rules) {
            Some(why) => problems.push(format!("  {why}")),
            None if users.iter().any(|u| &u.name == name) => {}
            None => users.push(NewUser {
                name: name.clone(),
                admin,
                password: None,
            }),
        }
    }
    let generate = password == Password::Generate;
    let given = match password {
        Password::Given(p) => Some(p),
        Password::Stdin => Some(read_stdin_password()?),
        _ => None,
    };
    if let Some(why) = given
        .as_deref()
        .and_then(|p| check::password_problem(p, &rules))
    {
        problems.push(format!("  {why}"));
    }
    if !problems.is_empty() {
        return Err(Error::new(format!(
            "users add: nothing was changed:\n{}",
            problems.join("\n")
        ))
        .with_hint("fix the names or password and run it again"));
    }
    for u in &mut users {
        u.password = given.clone();
        if let Some(n) = check::account_note(&u.name) {
            opts.messages.note(&format!("note: {n}"));
        }
    }
    commit(opts, &loaded, users, generate)
}

/// `users import FILE` (`-` for stdin).
pub fn import(opts: &Opts, file: &Path, generate: bool) -> Result<()> {
    let shown = if file == Path::new("-") {
        "stdin".to_string()
    } else {
        file.display().to_string()
    };
    let bytes = if file == Path::new("-") {
        let mut b = vec![];
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| Error::new(format!("could not read stdin: {e}")))?;
        b
    } else {
        std::fs::read(file)
            .map_err(|e| Error::new(format!("could not read {shown}: {e}")).with_source(e))?
    };
    let loaded = Loaded::installed(&opts.paths)?;
    let checked = csv::parse(&bytes, &apply::rules_of(&loaded.user())).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| format!("  {shown}: {p}")).collect();
        Error::new(format!(
            "{shown}: {} problem{}; nothing was changed:\n{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            list.join("\n")
        ))
        .with_hint("fix those lines and run the import again")
    })?;
    for n in &checked.notes {
        opts.messages.note(&format!("note: {shown}: {n}"));
    }
    commit(opts, &loaded, checked.users, generate)
}

/// Checks, sets passwords, writes the config, prints generated passwords,
/// reloads.
fn commit(opts: &Opts, loaded: &Loaded, mut users: Vec<NewUser>, generate: bool) -> Result<()> {
    let config = opts.config();
    let user_json = loaded.user();
    let auth = apply::auth_of(&user_json);
    let mut generated = vec![];
    if generate {
        for u in users.iter_mut().filter(|u| u.password.is_none()) {
            let p = passwords::generate()?;
            generated.push((u.name.clone(), p.clone()));
            u.password = Some(p);
        }
    }
    let entries: Vec<Entry> = users
        .iter()
        .filter_map(|u| {
            u.password.as_ref().map(|p| Entry {
                name: u.name.clone(),
                password: p.clone(),
            })
        })
        .collect();
    if !entries.is_empty() {
        apply::passwords_supported(&auth, &config)?;
        opts.store.require_python()?;
    }
    if auth == apply::Auth::Native {
        // Users only allowed in config.toml still sign up and wait for an
        // admin; those with a password are created authorized.
        return commit_native(opts, loaded, &users, entries, generated);
    }
    apply::precheck(&loaded.doc, &config, |doc| apply::add_users(doc, &users))?;
    // A file that cannot be written is found now, before passwords are set.
    crate::config::file::check_writable(&config)?;
    if let Some(w) = crate::config::file::hard_link_warning(&config) {
        opts.messages.warn(&w);
    }
    let set = opts.store.set(&entries)?;
    if generate {
        print_passwords(&generated)?;
    }
    if !entries.is_empty() {
        opts.messages.note(&format!(
            "set {} FirstUseAuthenticator password{} in {} ({} already matched)",
            set.len(),
            if set.len() == 1 { "" } else { "s" },
            opts.store.dbm.display(),
            entries.len() - set.len()
        ));
    }
    let was_open = apply::open_to_all(&user_json);
    let (changed, written) = write_users(opts, &config, &users)?;
    let already: Vec<&str> = users
        .iter()
        .filter(|u| !changed.allowed.contains(&u.name))
        .map(|u| u.name.as_str())
        .collect();
    if !already.is_empty() {
        opts.messages
            .note(&format!("already in users.allowed: {}", already.join(", ")));
    }
    if !note_written(opts, &config, &changed, written) {
        return Ok(());
    }
    if was_open && !changed.allowed.is_empty() {
        opts.messages.warn(
            "users.allowed was empty, so FirstUseAuthenticator let anyone log in; \
             now only the users in users.allowed and users.admin can",
        );
    }
    reload_if_running(opts)
}

/// `commit` for NativeAuthenticator: its users created (authorized) or
/// given their new password first, then config.toml, as for FirstUse.
fn commit_native(
    opts: &Opts,
    loaded: &Loaded,
    users: &[NewUser],
    entries: Vec<Entry>,
    generated: Vec<(String, String)>,
) -> Result<()> {
    let config = opts.config();
    apply::precheck(&loaded.doc, &config, |doc| apply::add_users(doc, users))?;
    crate::config::file::check_writable(&config)?;
    let set = opts.native.set(&entries)?;
    if !generated.is_empty() {
        print_passwords(&generated)?;
    }
    if !entries.is_empty() {
        opts.messages.note(&format!(
            "created or set {} NativeAuthenticator user{} (authorized) in {} ({} already matched)",
            set.len(),
            if set.len() == 1 { "" } else { "s" },
            opts.native.db.display(),
            entries.len() - set.len()
        ));
    }
    let (changed, written) = write_users(opts, &config, users)?;
    if !note_written(opts, &config, &changed, written) {
        return Ok(());
    }
    reload_if_running(opts)
}

/// `users` into users.allowed (and users.admin) in one locked, validated
/// write; what was added, and whether the file changed.
fn write_users(opts: &Opts, config: &Path, users: &[NewUser]) -> Result<(apply::Changed, bool)> {
    let mut changed = apply::Changed::default();
    let (outcome, warnings) =
        crate::config::edit_locked_validated(config, opts.lock_timeout, "users", |doc| {
            changed = apply::add_users(doc, users)?;
            Ok(())
        })?;
    warn_elsewhere(opts, &warnings);
    Ok((changed, outcome.changed()))
}

/// Says what `write_users` did to `config`; false when it did nothing.
fn note_written(opts: &Opts, config: &Path, changed: &apply::Changed, written: bool) -> bool {
    if !written {
        opts.messages
            .note(&format!("{} not changed", config.display()));
        return false;
    }
    opts.messages.note(&format!(
        "added {} user{} to users.allowed and {} to users.admin in {}",
        changed.allowed.len(),
        if changed.allowed.len() == 1 { "" } else { "s" },
        changed.admin.len(),
        config.display()
    ));
    true
}

/// `name,password` lines (a CSV with a header) on stdout, and nowhere else.
fn print_passwords(generated: &[(String, String)]) -> Result<()> {
    let mut w = ::csv::Writer::from_writer(vec![]);
    let header = ("name".to_string(), "password".to_string());
    for (name, password) in std::iter::once(&header).chain(generated) {
        w.write_record([name, password])
            .map_err(|e| Error::new(format!("could not format the passwords: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::new(format!("could not format the passwords: {e}")))?;
    out(&String::from_utf8_lossy(&bytes))
}

fn warn_elsewhere(opts: &Opts, warnings: &[crate::config::validate::Problem]) {
    // Notes about the users' own names were printed already.
    for w in warnings.iter().filter(|w| !w.concerns("users")) {
        opts.messages.warn(&format!(
            "{}: {w} (elsewhere in the file; left as is)",
            opts.config().display()
        ));
    }
}

/// Reloads the hub when this prefix's hub is running; otherwise says when
/// the change applies.
fn reload_if_running(opts: &Opts) -> Result<()> {
    if !opts.reload {
        opts.messages
            .note("  run `sudo hubcfg reload` to apply it (--no-reload was given)");
        return Ok(());
    }
    if !apply::hub_running(&opts.paths, &opts.unit_dir, &crate::systemd::Systemctl) {
        opts.messages.note(
            "  the hub is not running here: the change applies when it starts \
             (or run `sudo hubcfg reload`)",
        );
        return Ok(());
    }
    opts.messages
        .note("reloading the hub so that it picks up the change");
    crate::reload::run(
        &opts.paths,
        &opts.config(),
        crate::reload::Component::Hub,
        crate::reload::DEFAULT_TIMEOUT,
        &opts.messages,
    )
    .map_err(|mut e| {
        e.message = format!(
            "config.toml was changed, but reloading the hub failed: {}",
            e.message
        );
        e
    })
}

mod remove;
pub use delete_home::ask_on_terminal;
pub use list::list;
pub use remove::{remove, reset_password};
