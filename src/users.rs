//! Unix accounts and groups for hub users.
//!
//! Lookups and changes go through the `Accounts` trait so the decisions
//! (`plan_user`, `plan_groups`) are tested with an in-memory fake; the real
//! implementation reads with nix and changes with useradd/groupadd/gpasswd.

use crate::cmd;
use crate::error::{Error, Result};
use crate::username;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

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
}

/// The machine's accounts: nix lookups, shadow-utils commands.
pub struct SystemAccounts;

/// Exit code of useradd/groupadd when the name is already taken: another
/// spawn of the same user got there first, which is what we wanted.
const ALREADY_EXISTS: i32 = 9;

fn run_tolerating_exists(cmd: &mut Command) -> Result<()> {
    let out = cmd::run(cmd)?;
    if out.success() || out.status == ALREADY_EXISTS {
        return Ok(());
    }
    cmd::run_checked(cmd).map(drop)
}

impl Accounts for SystemAccounts {
    fn user(&self, name: &str) -> Result<Option<UserInfo>> {
        // A name with NUL cannot exist; nix reports it as an error.
        match nix::unistd::User::from_name(name) {
            Ok(Some(u)) => Ok(Some(UserInfo {
                name: u.name,
                uid: u.uid.as_raw(),
                gid: u.gid.as_raw(),
                home: u.dir,
            })),
            Ok(None) => Ok(None),
            Err(nix::errno::Errno::EINVAL) => Ok(None),
            Err(e) => Err(Error::new(format!("looking up user {name}: {e}"))),
        }
    }

    fn group(&self, name: &str) -> Result<Option<GroupInfo>> {
        match nix::unistd::Group::from_name(name) {
            Ok(Some(g)) => Ok(Some(GroupInfo {
                name: g.name,
                members: g.mem,
            })),
            Ok(None) => Ok(None),
            Err(nix::errno::Errno::EINVAL) => Ok(None),
            Err(e) => Err(Error::new(format!("looking up group {name}: {e}"))),
        }
    }

    fn add_user(&self, name: &str) -> Result<()> {
        run_tolerating_exists(Command::new("useradd").args([
            "--create-home",
            "--shell",
            "/bin/bash",
            "--",
            name,
        ]))
    }

    fn add_group(&self, name: &str) -> Result<()> {
        run_tolerating_exists(Command::new("groupadd").args(["--", name]))
    }

    fn add_member(&self, user: &str, group: &str) -> Result<()> {
        cmd::run_checked(Command::new("gpasswd").args(["--add", user, group])).map(drop)
    }

    fn remove_member(&self, user: &str, group: &str) -> Result<()> {
        cmd::run_checked(Command::new("gpasswd").args(["--delete", user, group])).map(drop)
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
/// files are not left behind.
pub fn resolve_account(acc: &dyn Accounts, hub_name: &str) -> Result<String> {
    let mapped = username::unix_name(hub_name)?;
    let legacy = username::tljh_legacy_name(hub_name);
    if legacy != mapped && acc.user(&mapped)?.is_none() && acc.user(&legacy)?.is_some() {
        tracing::info!("using {legacy}, the account an earlier TLJH install made for {hub_name}");
        return Ok(legacy);
    }
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
    for a in actions {
        tracing::info!("{a}");
        match a {
            UserAction::CreateGroup(g) => acc.add_group(g)?,
            UserAction::CreateUser(u) => acc.add_user(u)?,
            UserAction::CreateHome(u) => create_home(&lookup(acc, u)?)?,
            UserAction::SecureHome(u) => secure_home(&lookup(acc, u)?.home)?,
            UserAction::AddMember { user, group } => acc.add_member(user, group)?,
            UserAction::RemoveMember { user, group } => acc.remove_member(user, group)?,
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
    let unix = resolve_account(acc, name)?;
    let actions = plan_user(acc, &unix, admin, groups)?;
    apply(acc, &actions)?;
    Ok(unix)
}

/// Creates or updates the unix account for hub user `name`; returns its unix name.
pub fn ensure_hub_user(name: &str, admin: bool, groups: &[String]) -> Result<String> {
    ensure_hub_user_with(&SystemAccounts, name, admin, groups)
}

#[cfg(test)]
pub mod fake {
    //! In-memory accounts for tests; homes are real directories under a temp dir.
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct FakeAccounts {
        pub home_root: PathBuf,
        pub users: Mutex<BTreeMap<String, UserInfo>>,
        pub groups: Mutex<BTreeMap<String, Vec<String>>>,
        pub log: Mutex<Vec<String>>,
    }

    impl FakeAccounts {
        pub fn new(home_root: &Path) -> Self {
            FakeAccounts {
                home_root: home_root.to_path_buf(),
                ..Default::default()
            }
        }
        pub fn calls(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }
        fn record(&self, s: String) {
            self.log.lock().unwrap().push(s);
        }
    }

    impl Accounts for FakeAccounts {
        fn user(&self, name: &str) -> Result<Option<UserInfo>> {
            Ok(self.users.lock().unwrap().get(name).cloned())
        }
        fn group(&self, name: &str) -> Result<Option<GroupInfo>> {
            Ok(self.groups.lock().unwrap().get(name).map(|m| GroupInfo {
                name: name.into(),
                members: m.clone(),
            }))
        }
        fn add_user(&self, name: &str) -> Result<()> {
            self.record(format!("useradd {name}"));
            let home = self.home_root.join(name);
            std::fs::create_dir_all(&home).unwrap();
            // useradd's usual result with HOME_MODE unset: world-readable.
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
            let uid = nix::unistd::getuid().as_raw();
            let gid = nix::unistd::getgid().as_raw();
            self.users.lock().unwrap().insert(
                name.into(),
                UserInfo {
                    name: name.into(),
                    uid,
                    gid,
                    home,
                },
            );
            Ok(())
        }
        fn add_group(&self, name: &str) -> Result<()> {
            self.record(format!("groupadd {name}"));
            self.groups.lock().unwrap().entry(name.into()).or_default();
            Ok(())
        }
        fn add_member(&self, user: &str, group: &str) -> Result<()> {
            self.record(format!("gpasswd --add {user} {group}"));
            let mut g = self.groups.lock().unwrap();
            let m = g
                .get_mut(group)
                .ok_or_else(|| Error::new(format!("no group {group}")))?;
            m.push(user.into());
            Ok(())
        }
        fn remove_member(&self, user: &str, group: &str) -> Result<()> {
            self.record(format!("gpasswd --delete {user} {group}"));
            let mut g = self.groups.lock().unwrap();
            if let Some(m) = g.get_mut(group) {
                m.retain(|x| x != user);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeAccounts;
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn first_spawn_creates_everything_second_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        let groups = vec!["course1".to_string()];
        let unix = ensure_hub_user_with(&acc, "alice", true, &groups).unwrap();
        assert_eq!(unix, "jupyter-alice");
        assert_eq!(
            acc.calls(),
            vec![
                "groupadd jupyterhub-users",
                "groupadd jupyterhub-admins",
                "groupadd course1",
                "useradd jupyter-alice",
                "gpasswd --add jupyter-alice jupyterhub-users",
                "gpasswd --add jupyter-alice jupyterhub-admins",
                "gpasswd --add jupyter-alice course1",
            ]
        );
        assert_eq!(mode(&tmp.path().join("jupyter-alice")), 0o700);
        assert_eq!(plan_user(&acc, &unix, true, &groups).unwrap(), vec![]);
    }

    #[test]
    fn admin_membership_follows_the_flag_on_every_start() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        ensure_hub_user_with(&acc, "bob", true, &[]).unwrap();
        let plan = plan_user(&acc, "jupyter-bob", false, &[]).unwrap();
        assert_eq!(
            plan,
            vec![UserAction::RemoveMember {
                user: "jupyter-bob".into(),
                group: ADMIN_GROUP.into()
            }]
        );
        ensure_hub_user_with(&acc, "bob", false, &[]).unwrap();
        assert!(!acc.groups.lock().unwrap()[ADMIN_GROUP].contains(&"jupyter-bob".to_string()));
        assert_eq!(plan_user(&acc, "jupyter-bob", false, &[]).unwrap(), vec![]);
    }

    #[test]
    fn home_mode_is_repaired_on_every_start() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        ensure_hub_user_with(&acc, "carol", false, &[]).unwrap();
        let home = tmp.path().join("jupyter-carol");
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            plan_user(&acc, "jupyter-carol", false, &[]).unwrap(),
            vec![UserAction::SecureHome("jupyter-carol".into())]
        );
        ensure_hub_user_with(&acc, "carol", false, &[]).unwrap();
        assert_eq!(mode(&home), 0o700);
    }

    #[test]
    fn missing_home_is_recreated_private() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        ensure_hub_user_with(&acc, "dan", false, &[]).unwrap();
        let home = tmp.path().join("jupyter-dan");
        std::fs::remove_dir(&home).unwrap();
        ensure_hub_user_with(&acc, "dan", false, &[]).unwrap();
        assert_eq!(mode(&home), 0o700);
    }

    #[test]
    fn unsafe_names_never_reach_useradd_raw() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        let unix = ensure_hub_user_with(&acc, "Jane.Doe@example.com", false, &[]).unwrap();
        assert!(username::is_valid_unix_name(&unix), "{unix}");
        assert!(acc.calls().contains(&format!("useradd {unix}")));
        assert!(!acc.calls().iter().any(|c| c.contains('@')));
    }

    #[test]
    fn existing_tljh_account_is_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        acc.add_user("jupyter-jane@x.org").unwrap();
        acc.log.lock().unwrap().clear();
        let unix = ensure_hub_user_with(&acc, "jane@x.org", false, &[]).unwrap();
        assert_eq!(unix, "jupyter-jane@x.org");
        assert!(!acc.calls().iter().any(|c| c.starts_with("useradd")));
    }

    #[test]
    fn bad_extra_group_is_refused_before_any_change() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        let err = ensure_hub_user_with(&acc, "eve", false, &["Bad Group".into()]).unwrap_err();
        assert!(err.message.contains("Bad Group"), "{}", err.message);
        assert!(acc.calls().is_empty());
    }

    #[test]
    fn empty_name_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = FakeAccounts::new(tmp.path());
        assert!(ensure_hub_user_with(&acc, "", false, &[]).is_err());
    }

    #[test]
    fn system_lookups_work_for_root_and_missing_names() {
        let root = SystemAccounts.user("root").unwrap().unwrap();
        assert_eq!(root.uid, 0);
        assert!(
            SystemAccounts
                .user("no-such-user-hubcfg-test")
                .unwrap()
                .is_none()
        );
        assert!(SystemAccounts.user("nul\0name").unwrap().is_none());
        assert!(SystemAccounts.group("root").unwrap().is_some());
    }
}
