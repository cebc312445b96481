//! `hubcfg backup`: one archive with the config, the state that cannot be
//! made again, the user environment's package list, the hub users' account
//! names and (`--homes`) their home directories. See `state_files` for what
//! of state/ is kept and why.

use super::archive::Writer;
use super::hub_db::{self, HubUser};
use super::manifest::{self, Account, Manifest, TlsFile};
use super::tree::add_tree;
use crate::error::{Context, Error, Result};
use crate::paths::Paths;
use crate::report::Reporter;
use crate::users::{Accounts, SystemAccounts};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Opts {
    pub out: Option<PathBuf>,
    pub homes: bool,
}

/// Files of state/ that are backed up: what cannot be made again the same.
/// The cookie secret keeps logged-in sessions valid; the password stores
/// (FirstUse's dbm in any flavour) and the hub database (users, tokens,
/// NativeAuthenticator's table; copied separately) are the users'; the
/// Traefik API secret and hubcfg's hub token are kept so nothing that has
/// them must change; acme.json holds Let's Encrypt's account and
/// certificates (rate limits make them costly to get again).
/// Not backed up, because `hubcfg render` and the hub make them again:
/// hub-config.json, traefik.toml, traefik.env, rules/dynamic.toml,
/// rules/rules.toml (the hub's live routes; it re-adds them on start).
pub const STATE_FILES: &[&str] = &[
    "jupyterhub_cookie_secret",
    "traefik-api.secret",
    "hubcfg-hub-token",
    "acme.json",
    "passwords.dbm",
    "passwords.dbm.db",
    "passwords.dbm.dir",
    "passwords.dbm.dat",
    "passwords.dbm.bak",
    "passwords.dbm.pag",
];
pub const HUB_DB: &str = "jupyterhub.sqlite";
/// state/rules/ files hubcfg or the hub write; other *.toml there are the admin's.
const RENDERED_RULES: &[&str] = &["dynamic.toml", "rules.toml"];

pub fn default_name(now: i64) -> String {
    let stamp: String = crate::tls_probe::rfc3339(now)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("hubcfg-backup-{stamp}.tar.gz")
}

pub fn run(paths: &Paths, opts: &Opts, say: &dyn Reporter) -> Result<()> {
    if !paths.config_toml().is_file() && !paths.state_dir().is_dir() {
        return Err(Error::new(format!(
            "no hub is installed in {}: neither {} nor {} exists",
            paths.prefix.display(),
            paths.config_toml().display(),
            paths.state_dir().display()
        ))
        .with_hint("give the install's prefix with --prefix"));
    }
    let created = crate::clock::unix_seconds() as i64;
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_name(created)));
    if out.exists() {
        return Err(Error::new(format!("{} already exists", out.display()))
            .with_hint("give another name with -o FILE, or remove that file first"));
    }
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".hubcfg-backup-")
        .tempdir_in(&dir)
        .context(|| format!("creating a temp dir in {}", dir.display()))?;
    let mut w = Writer::create(&out)?;
    let mut warnings = vec![];
    let no_lock = |p: &Path| p.extension().is_some_and(|e| e == "lock");
    if paths.config_dir().is_dir() {
        add_tree(
            &mut w,
            &paths.config_dir(),
            manifest::CONFIG,
            &no_lock,
            &mut warnings,
        )?;
    }
    let state = paths.state_dir();
    for name in STATE_FILES {
        let p = state.join(name);
        if p.is_file() {
            w.file(&format!("{}/{name}", manifest::STATE), &p, false)?;
        }
    }
    let mut hub_users: Vec<HubUser> = vec![];
    let db = state.join(HUB_DB);
    if db.is_file() {
        let copy = staging.path().join(HUB_DB);
        hub_users = hub_db::copy(&paths.hub_python(), &db, &copy)?;
        w.file(&format!("{}/{HUB_DB}", manifest::STATE), &copy, false)?;
    } else {
        warnings.push(format!(
            "no hub database at {} (the hub never started?)",
            db.display()
        ));
    }
    add_extra_rules(&mut w, paths, &mut warnings)?;
    let tls_files = add_tls_files(&mut w, paths)?;
    let packages = add_package_list(&mut w, paths, &mut warnings)?;
    let accounts = add_accounts(&mut w, &hub_users, opts.homes, &mut warnings)?;
    let manifest = Manifest {
        format: manifest::FORMAT,
        hubcfg_version: env!("CARGO_PKG_VERSION").into(),
        jupyterhub_version: crate::status::versions::package_version(
            &paths.hub_env(),
            "jupyterhub",
        ),
        created: crate::tls_probe::rfc3339(created),
        prefix: paths.prefix.display().to_string(),
        plugins: crate::plugins::state::load(paths)?,
        accounts: accounts.clone(),
        tls_files,
        members: vec![],
    };
    let members = w.members.len();
    let out = w.finish(manifest)?;
    for warning in &warnings {
        say.warn(warning);
    }
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    let homes = accounts.iter().filter(|a| a.home).count();
    say.note(&format!(
        "backed up {} to {} ({members} members, {:.1} MB): config, state, {} hub users{}, {packages} user environment packages",
        paths.prefix.display(),
        out.display(),
        size as f64 / 1e6,
        accounts.len(),
        if opts.homes { format!(" with {homes} home directories") } else { String::new() },
    ));
    Ok(())
}

/// The admin's own Traefik rules in state/rules/.
fn add_extra_rules(w: &mut Writer, paths: &Paths, warnings: &mut Vec<String>) -> Result<()> {
    let dir = paths.rules_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml") && !RENDERED_RULES.contains(&n.as_str()))
        .collect();
    names.sort();
    for n in names {
        let p = dir.join(&n);
        if p.is_file() {
            w.file(&format!("{}/rules/{n}", manifest::STATE), &p, false)?;
        } else {
            warnings.push(format!(
                "not backed up: {} is not a plain file",
                p.display()
            ));
        }
    }
    Ok(())
}

/// `https.tls.cert` and `https.tls.key`, as `tls/cert/NAME`, `tls/key/NAME`.
fn add_tls_files(w: &mut Writer, paths: &Paths) -> Result<Vec<TlsFile>> {
    let Ok(eff) = crate::effective::load(paths) else {
        return Ok(vec![]);
    };
    let mut files = vec![];
    for (what, path) in [("cert", &eff.https.tls.cert), ("key", &eff.https.tls.key)] {
        let p = Path::new(path);
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !p.is_absolute() || !p.is_file() {
            continue;
        }
        let member = format!("{}/{what}/{name}", manifest::TLS);
        w.file(&member, p, true)?;
        files.push(TlsFile {
            member,
            path: path.clone(),
        });
    }
    Ok(files)
}

/// The user environment's `freeze`, so a restore can install what is missing.
fn add_package_list(w: &mut Writer, paths: &Paths, warnings: &mut Vec<String>) -> Result<usize> {
    let python = paths.user_env().join("bin/python3");
    if !python.is_file() {
        warnings.push(format!(
            "no user environment at {}: no package list",
            paths.user_env().display()
        ));
        return Ok(0);
    }
    let list = super::packages::freeze(paths, &python)?;
    let mut text = list.join("\n");
    text.push('\n');
    w.bytes(manifest::PACKAGES, text.as_bytes(), 0o644)?;
    Ok(list.len())
}

/// The unix account of each hub user that has one, and its home (`homes`).
fn add_accounts(
    w: &mut Writer,
    hub_users: &[HubUser],
    homes: bool,
    warnings: &mut Vec<String>,
) -> Result<Vec<Account>> {
    let acc = SystemAccounts;
    let mut out = vec![];
    for u in hub_users {
        let Ok(unix) = crate::users::resolve_account(&acc, &u.name) else {
            warnings.push(format!(
                "hub user {}: no unix account name can be made for it",
                u.name
            ));
            continue;
        };
        let info = acc.user(&unix)?;
        let mut account = Account {
            hub_name: u.name.clone(),
            unix_name: unix.clone(),
            admin: u.admin,
            home: false,
        };
        if let (true, Some(info)) = (homes, &info)
            && info.home.is_dir()
        {
            let member = format!("{}/{unix}", manifest::HOMES);
            add_tree(w, &info.home, &member, &|_| false, warnings)?;
            account.home = true;
        }
        out.push(account);
    }
    Ok(out)
}
