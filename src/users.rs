//! Unix accounts and groups for hub users.
//!
//! Lookups and changes go through the `Accounts` trait so the decisions
//! (`plan_user`, `plan_groups`) are tested with an in-memory fake; the real
//! implementation reads with nix and changes with useradd/groupadd/gpasswd.

use crate::error::{Error, Result};
use crate::journal::{Change, Journal};
use crate::username;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

mod delete;
mod system;
pub use delete::{Doomed, delete_accounts, plan_delete};
pub use system::SystemAccounts;

#[cfg(test)]
pub mod fake;
#[cfg(test)]
mod tests;

pub const ADMIN_GROUP: &str = "jupyterhub-admins";
pub const USERS_GROUP: &str = "jupyterhub-users";
/// Home directories are private: only their owner may enter (W20).
pub const HOME_MODE: u32 = 0o700;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: String,
    /// Supplementary members (`gr_mem`).
    pub members: Vec<String>,
}

/// Looking up and changing unix accounts.
pub trait Accounts {
    fn user(&self, name: &str) -> Result<Option<UserInfo>>;
    fn group(&self, name: &str) -> Result<Option<GroupInfo>>;
    /// Creates `name` with a home directory and a login shell.
    fn add_user(&self, name: &str) -> Result<()>;
    fn add_group(&self, name: &str) -> Result<()>;
    fn add_member(&self, user: &str, group: &str) -> Result<()>;
    fn remove_member(&self, user: &str, group: &str) -> Result<()>;
    /// Deletes account `name` and its home directory (`userdel --remove`).
    fn delete_user(&self, name: &str) -> Result<()>;
    /// Deletes group `name` (`groupdel`).
    fn delete_group(&self, name: &str) -> Result<()> {
        Err(Error::new(format!(
            "deleting the group {name} is not possible here"
        )))
    }
    /// Whether this process may delete accounts (the machine's: root).
    fn check_can_delete(&self) -> Result<()> {
        Ok(())
    }
}

impl<T: Accounts + ?Sized> Accounts for std::sync::Arc<T> {
    fn user(&self, name: &str) -> Result<Option<UserInfo>> {
        (**self).user(name)
    }
    fn group(&self, name: &str) -> Result<Option<GroupInfo>> {
        (**self).group(name)
    }
    fn add_user(&self, name: &str) -> Result<()> {
        (**self).add_user(name)
    }
    fn add_group(&self, name: &str) -> Result<()> {
        (**self).add_group(name)
    }
    fn add_member(&self, user: &str, group: &str) -> Result<()> {
        (**self).add_member(user, group)
    }
    fn remove_member(&self, user: &str, group: &str) -> Result<()> {
        (**self).remove_member(user, group)
    }
    fn delete_user(&self, name: &str) -> Result<()> {
        (**self).delete_user(name)
    }
    fn delete_group(&self, name: &str) -> Result<()> {
        (**self).delete_group(name)
    }
    fn check_can_delete(&self) -> Result<()> {
        (**self).check_can_delete()
    }
}

/// One change to accounts, in the order they must happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    CreateGroup(String),
    CreateUser(String),
    /// Create the home directory (owned by the user) when it is missing.
    CreateHome(String),
    /// Set the home directory's mode to HOME_MODE.
    SecureHome(String),
    AddMember {
        user: String,
        group: String,
    },
    RemoveMember {
        user: String,
        group: String,
    },
}

impl std::fmt::Display for UserAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserAction::CreateGroup(g) => write!(f, "create group {g}"),
            UserAction::CreateUser(u) => write!(f, "create user {u}"),
            UserAction::CreateHome(u) => write!(f, "create the home directory of {u}"),
            UserAction::SecureHome(u) => {
                write!(
                    f,
                    "make the home directory of {u} private (mode {HOME_MODE:o})"
                )
            }
            UserAction::AddMember { user, group } => write!(f, "add {user} to group {group}"),
            UserAction::RemoveMember { user, group } => {
                write!(f, "remove {user} from group {group}")
            }
        }
    }
}

/// Groups that are missing, in order.
pub fn plan_groups(acc: &dyn Accounts, groups: &[&str]) -> Result<Vec<UserAction>> {
    let mut out = Vec::new();
    for g in groups {
        if acc.group(g)?.is_none() {
            out.push(UserAction::CreateGroup(g.to_string()));
        }
    }
    Ok(out)
}

/// Which unix account hub user `hub_name` uses: the mapped name, or an
/// account a TLJH install already made under TLJH's (unmapped) name, so its
/// files are not left behind. Such an account is reused only when its name
/// passes `username::is_account_name` (the rule the spawner glue applies);
/// otherwise the mapped account is created. Once the mapped account exists
/// it is always the one used.
pub fn resolve_account(acc: &dyn Accounts, hub_name: &str) -> Result<String> {
    let mapped = username::unix_name(hub_name)?;
    let legacy = username::tljh_legacy_name(hub_name);
    if legacy == mapped || acc.user(&mapped)?.is_some() || acc.user(&legacy)?.is_none() {
        return Ok(mapped);
    }
    if username::is_account_name(&legacy) {
        tracing::info!("using {legacy}, the account an earlier TLJH install made for {hub_name}");
        return Ok(legacy);
    }
    tracing::warn!(
        "an earlier TLJH install made the account {legacy:?} for {hub_name:?}, but the hub \
         cannot safely run a server under that name; creating {mapped} instead \
         (copy the files over from the old home directory if they are needed)"
    );
    Ok(mapped)
}

/// What `ensure_hub_user` would change for unix account `unix`.
pub fn plan_user(
    acc: &dyn Accounts,
    unix: &str,
    admin: bool,
    extra_groups: &[String],
) -> Result<Vec<UserAction>> {
    for g in extra_groups {
        if !username::is_valid_unix_name(g) {
            return Err(Error::new(format!(
                "{g:?} (in users.extra_user_groups) is not a valid unix group name"
            ))
            .with_hint("use lowercase letters, digits, '-' and '_', starting with a letter"));
        }
    }
    let mut wanted: Vec<&str> = vec![USERS_GROUP];
    if admin {
        wanted.push(ADMIN_GROUP);
    }
    for g in extra_groups {
        if !wanted.contains(&g.as_str()) {
            wanted.push(g);
        }
    }
    let mut out = plan_groups(acc, &wanted)?;
    match acc.user(unix)? {
        None => {
            out.push(UserAction::CreateUser(unix.into()));
            out.push(UserAction::SecureHome(unix.into()));
        }
        Some(u) => match std::fs::metadata(&u.home) {
            Ok(m) if m.permissions().mode() & 0o7777 == HOME_MODE => {}
            Ok(_) => out.push(UserAction::SecureHome(unix.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.push(UserAction::CreateHome(unix.into()));
            }
            Err(e) => {
                return Err(Error::new(format!(
                    "checking the home directory {} of {unix}: {e}",
                    u.home.display()
                )));
            }
        },
    }
    for g in &wanted {
        let member = acc
            .group(g)?
            .is_some_and(|gi| gi.members.iter().any(|m| m == unix));
        if !member {
            out.push(UserAction::AddMember {
                user: unix.into(),
                group: g.to_string(),
            });
        }
    }
    if !admin
        && let Some(gi) = acc.group(ADMIN_GROUP)?
        && gi.members.iter().any(|m| m == unix)
    {
        out.push(UserAction::RemoveMember {
            user: unix.into(),
            group: ADMIN_GROUP.into(),
        });
    }
    Ok(out)
}

/// Carries out `actions` in order.
pub fn apply(acc: &dyn Accounts, actions: &[UserAction]) -> Result<()> {
    apply_recorded(acc, actions, None)
}

/// `apply`, each change journaled right after it succeeded: groups and
/// accounts created, members added, a home made for or a mode changed on
/// an account that was there before. (A removal from jupyterhub-admins is
/// not journaled: uninstall never adds anyone back.)
pub fn apply_recorded(
    acc: &dyn Accounts,
    actions: &[UserAction],
    journal: Option<&Journal>,
) -> Result<()> {
    let record = |change| journal.map_or(Ok(()), |j| j.record(change));
    let mut created: Vec<&str> = vec![];
    for a in actions {
        tracing::info!("{a}");
        match a {
            UserAction::CreateGroup(g) => {
                acc.add_group(g)?;
                record(Change::GroupCreated { group: g.clone() })?;
            }
            UserAction::CreateUser(u) => {
                acc.add_user(u)?;
                created.push(u);
                let home = lookup(acc, u)?.home;
                record(Change::UserCreated {
                    user: u.clone(),
                    home,
                })?;
            }
            UserAction::CreateHome(u) => {
                let home = lookup(acc, u)?;
                create_home(&home)?;
                record(Change::DirCreated { path: home.home })?;
            }
            UserAction::SecureHome(u) => {
                let home = lookup(acc, u)?.home;
                let before_mode = fs_err::metadata(&home)?.permissions().mode() & 0o7777;
                secure_home(&home)?;
                if !created.contains(&u.as_str()) {
                    record(Change::ModeChanged {
                        path: home,
                        before_mode,
                    })?;
                }
            }
            UserAction::AddMember { user, group } => {
                acc.add_member(user, group)?;
                record(Change::MemberAdded {
                    user: user.clone(),
                    group: group.clone(),
                })?;
            }
            UserAction::RemoveMember { user, group } => {
                acc.remove_member(user, group)?;
                record(Change::MemberRemoved {
                    user: user.clone(),
                    group: group.clone(),
                })?;
            }
        }
    }
    Ok(())
}

fn lookup(acc: &dyn Accounts, unix: &str) -> Result<UserInfo> {
    acc.user(unix)?
        .ok_or_else(|| Error::new(format!("user {unix} does not exist after creating it")))
}

fn create_home(u: &UserInfo) -> Result<()> {
    fs_err::create_dir_all(&u.home)?;
    std::os::unix::fs::chown(&u.home, Some(u.uid), Some(u.gid))
        .map_err(|e| Error::new(format!("giving {} to {}: {e}", u.home.display(), u.name)))?;
    secure_home(&u.home)
}

fn secure_home(home: &Path) -> Result<()> {
    fs_err::set_permissions(home, std::fs::Permissions::from_mode(HOME_MODE))?;
    Ok(())
}

/// Creates or updates the unix account for hub user `name` on `acc`;
/// returns its unix name.
pub fn ensure_hub_user_with(
    acc: &dyn Accounts,
    name: &str,
    admin: bool,
    groups: &[String],
) -> Result<String> {
    ensure_hub_user_recorded(acc, name, admin, groups, None)
}

/// `ensure_hub_user_with`, its changes journaled.
pub fn ensure_hub_user_recorded(
    acc: &dyn Accounts,
    name: &str,
    admin: bool,
    groups: &[String],
    journal: Option<&Journal>,
) -> Result<String> {
    ensure_reporting_created(acc, name, admin, groups, journal).map(|(unix, _)| unix)
}

/// `ensure_hub_user_recorded`, and whether the account was created now.
fn ensure_reporting_created(
    acc: &dyn Accounts,
    name: &str,
    admin: bool,
    groups: &[String],
    journal: Option<&Journal>,
) -> Result<(String, bool)> {
    let unix = resolve_account(acc, name)?;
    let actions = plan_user(acc, &unix, admin, groups)?;
    let created = actions
        .iter()
        .any(|a| matches!(a, UserAction::CreateUser(_)));
    apply_recorded(acc, &actions, journal)?;
    Ok((unix, created))
}

/// Creates or updates the unix account for hub user `name`, journaled in
/// `paths`' journal; returns its unix name and whether it was created now
/// (TLJH plugins' tljh_new_user_create runs then).
pub fn ensure_hub_user(
    paths: &crate::paths::Paths,
    name: &str,
    admin: bool,
    groups: &[String],
) -> Result<(String, bool)> {
    let journal = Journal::of(paths, "ensure-user");
    ensure_reporting_created(&SystemAccounts, name, admin, groups, Some(&journal))
}
