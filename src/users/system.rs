//! The machine's accounts: nix lookups, shadow-utils commands.

use super::{Accounts, GroupInfo, UserInfo};
use crate::cmd;
use crate::error::{Error, Result};
use std::process::Command;

/// The machine's accounts.
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

#[cfg(test)]
mod tests {
    use super::*;

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
