//! `users remove NAME…` and `users reset-password NAME`.

use super::apply::{self, ADMIN, ALLOWED, Auth};
use super::delete_home::{self, DeleteHome};
use super::{Opts, Password, check, passwords, print_passwords, read_stdin_password};
use crate::config::load::Loaded;
use crate::error::{Error, Result};
use crate::firstuse::Entry;
use crate::hub_api::{Deleted, HubApi, is_unreachable};
use crate::report::Reporter;

/// `users remove NAME…`: out of `users.allowed` and `users.admin` (one
/// locked write), the hub reloaded, then out of the FirstUse password store
/// and the hub's database through its API (the hub stops a running server
/// first). The
/// unix account and home stay, unless `delete_home` (checked and confirmed
/// before anything changes, deleted last; `delete_home.rs`). A name in neither list but known to the hub
/// is removed from the hub only (finishing a remove made while the hub was
/// down). A hub that does not answer is a warning, not a failure: the user
/// can no longer log in, and running the command again later finishes it.
pub fn remove(opts: &Opts, names: &[String], delete_home: Option<DeleteHome>) -> Result<()> {
    let config = opts.config();
    let loaded = Loaded::installed(&opts.paths)?;
    let allowed = apply::names_at(&loaded.doc, ALLOWED, &config)?;
    let admins = apply::names_at(&loaded.doc, ADMIN, &config)?;
    let mut names: Vec<String> = names.to_vec();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    let listed = |n: &String| allowed.contains(n) || admins.contains(n);
    let unknown: Vec<&String> = names.iter().filter(|n| !listed(n)).collect();
    let hub = hub_api(opts);
    if !unknown.is_empty() {
        let known: Vec<String> = match &hub {
            Ok(api) => api
                .users()
                .map(|users| users.into_iter().map(|u| u.name).collect())
                .unwrap_or_default(),
            Err(_) => vec![],
        };
        let nowhere: Vec<&str> = unknown
            .iter()
            .filter(|n| !known.contains(n))
            .map(|n| n.as_str())
            .collect();
        if !nowhere.is_empty() {
            return Err(Error::new(format!(
                "not in users.allowed or users.admin of {}, nor known to a running hub: {}; nothing was changed",
                config.display(),
                nowhere.join(", ")
            ))
            .with_hint(
                "`hubcfg show users` and `hubcfg users list` list them (names are matched exactly); \
                 to clear the password of a user who is not listed, use `hubcfg users reset-password`",
            ));
        }
    }
    let in_config: Vec<String> = names.iter().filter(|n| listed(n)).cloned().collect();
    if opts.store.exists() {
        opts.store.require_python()?;
    }
    let doomed = match delete_home {
        Some(how) => delete_home::prepare_on_terminal(opts.accounts.as_ref(), &names, how)?,
        None => vec![],
    };
    // Order: config, then the reload (from then on the hub refuses them),
    // then their passwords and their row in the hub's database. Removed
    // the other way round, a user the hub still allows could log in in
    // between and FirstUse would take their new password (or the hub
    // would create them again).
    let mut reloaded = Ok(());
    if !in_config.is_empty() {
        remove_from_config(opts, &loaded, &in_config)?;
        let after = Loaded::installed(&opts.paths)?.user();
        if apply::open_to_all(&after) {
            opts.messages.warn(
                "users.allowed is now empty: FirstUseAuthenticator lets anyone log in and pick a password; \
                 add users (`hubcfg users add NAME`) or `hubcfg set auth.FirstUseAuthenticator.allow_all false` \
                 to close the hub",
            );
        }
        reloaded = super::reload_if_running(opts);
    }
    let removed = opts.store.remove(&names).map_err(|mut e| {
        e.message = format!("the passwords were not removed: {}", e.message);
        e
    })?;
    if !removed.is_empty() {
        opts.messages.note(&format!(
            "removed the FirstUseAuthenticator password of {}",
            removed.join(", ")
        ));
    }
    if delete_home.is_none() {
        opts.messages
            .note("  their unix accounts and home directories are kept");
    }
    let hub_side = remove_from_hub(opts, hub, &names);
    delete_home::finish(
        opts.accounts.as_ref(),
        &opts.messages,
        &doomed,
        reloaded.and(hub_side),
    )
}

fn hub_api(opts: &Opts) -> Result<HubApi> {
    HubApi::installed(&opts.paths)
}

fn remove_from_config(opts: &Opts, loaded: &Loaded, names: &[String]) -> Result<()> {
    let config = opts.config();
    apply::precheck(&loaded.doc, &config, |doc| {
        apply::remove_users(doc, names, &config)
    })?;
    crate::config::file::check_writable(&config)?;
    let mut changed = apply::Changed::default();
    let (_, warnings) =
        crate::config::edit_locked_validated(&config, opts.lock_timeout, "users", |doc| {
            changed = apply::remove_users(doc, names, &config)?;
            Ok(())
        })?;
    super::warn_elsewhere(opts, &warnings);
    opts.messages.note(&format!(
        "removed {} from users.allowed and {} from users.admin in {}",
        listed(&changed.allowed),
        listed(&changed.admin),
        config.display()
    ));
    Ok(())
}

/// DELETE each name from the hub's database. Not reachable or no token: a
/// warning saying how to finish later. Refused (403, …): an error, since
/// something is wrong with the hub's setup that the host should fix.
fn remove_from_hub(opts: &Opts, hub: Result<HubApi>, names: &[String]) -> Result<()> {
    let later = format!(
        "run `sudo hubcfg users remove {}` again when the hub runs to finish",
        names.join(" ")
    );
    let api = match hub {
        Ok(api) => api,
        Err(e) => {
            opts.messages.warn(&format!(
                "not removed from the hub's database: {} ({later})",
                e.message
            ));
            return Ok(());
        }
    };
    let (mut deleted, mut unknown) = (vec![], vec![]);
    for name in names {
        match api.delete_user(name) {
            Ok(Deleted::Deleted) => deleted.push(name.as_str()),
            Ok(Deleted::NotKnown) => unknown.push(name.as_str()),
            Err(e) if is_unreachable(&e) => {
                opts.messages.warn(&format!(
                    "the hub is not running: {} not deleted from its database (they cannot log in meanwhile); {later}",
                    names.join(", ")
                ));
                return Ok(());
            }
            Err(mut e) => {
                e.message = format!(
                    "{name} was removed from config.toml and the password store, but not from the hub's database: {}",
                    e.message
                );
                return Err(e);
            }
        }
    }
    if !deleted.is_empty() {
        opts.messages.note(&format!(
            "deleted {} from the hub's database (a running server was stopped first)",
            deleted.join(", ")
        ));
    }
    if !unknown.is_empty() {
        opts.messages
            .note(&format!("the hub did not know {}", unknown.join(", ")));
    }
    Ok(())
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "nobody".into()
    } else {
        names.join(", ")
    }
}

/// `users reset-password NAME [--password P | --password - | --generate]`,
/// for FirstUseAuthenticator and NativeAuthenticator (a user Native does
/// not know yet is created, authorized). Both read their store at every
/// login: no reload needed.
pub fn reset_password(opts: &Opts, name: &str, password: Password) -> Result<()> {
    let config = opts.config();
    let loaded = Loaded::installed(&opts.paths)?;
    let user = loaded.user();
    let auth = apply::auth_of(&user);
    match &auth {
        Auth::FirstUse | Auth::Native => {}
        Auth::Other(class) => {
            return Err(Error::new(format!(
                "auth.type is `{class}` in {}: its passwords are not kept by the hub, so hubcfg cannot reset them; nothing was changed",
                config.display()
            ))
            .with_hint("reset the password where that authenticator keeps it"));
        }
    }
    let rules = apply::rules_of(&user);
    if let Some(why) = check::name_problem(name, &rules) {
        return Err(Error::new(format!(
            "users reset-password: {why}; nothing was changed"
        )));
    }
    let generated = password == Password::Generate;
    let password = match password {
        Password::Given(p) => p,
        Password::Stdin => read_stdin_password()?,
        Password::Generate => passwords::generate()?,
        Password::None => {
            return Err(Error::new("users reset-password: no new password given")
                .with_hint("give --password PASSWORD, --password - (read from stdin) or --generate")
                .with_exit_code(2));
        }
    };
    if let Some(why) = check::password_problem(&password, &rules) {
        return Err(Error::new(format!(
            "users reset-password {name}: {why}; nothing was changed"
        )));
    }
    let listed = [ALLOWED, ADMIN]
        .iter()
        .map(|k| apply::names_at(&loaded.doc, k, &config))
        .collect::<Result<Vec<_>>>()?
        .concat()
        .iter()
        .any(|n| n == name);
    if !listed && !apply::open_to_all(&user) {
        opts.messages.warn(&format!(
            "{name} is not in users.allowed or users.admin, so cannot log in with it; \
             `hubcfg users add {name}` lets them in"
        ));
    }
    let entry = Entry {
        name: name.to_string(),
        password: password.clone(),
    };
    let native = auth == Auth::Native;
    let set = if native {
        opts.native.set(std::slice::from_ref(&entry))?
    } else {
        opts.store.set(std::slice::from_ref(&entry))?
    };
    if generated {
        print_passwords(&[(name.to_string(), password)])?;
    }
    if native && !set.is_empty() {
        opts.messages.note(&format!(
            "set the NativeAuthenticator password of {name} (authorized) in {}; it applies at the next login (no reload needed)",
            opts.native.db.display()
        ));
    } else if set.is_empty() {
        opts.messages.note(&format!(
            "{name} already had that password; nothing changed"
        ));
    } else {
        opts.messages.note(&format!(
            "set the FirstUseAuthenticator password of {name} in {}; it applies at the next login (no reload needed)",
            opts.store.dbm.display()
        ));
    }
    Ok(())
}
