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

/// Runs `cmd` once; success or ALREADY_EXISTS is Ok, any other exit is an
/// error built from that run's output (never from a second run: useradd and
/// groupadd change the system).
fn run_tolerating_exists(cmd: &mut Command) -> Result<()> {
    let out = cmd::run(cmd)?;
    if out.status == ALREADY_EXISTS {
        return Ok(());
    }
    cmd::check(cmd, out).map(drop)
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

    fn delete_user(&self, name: &str) -> Result<()> {
        cmd::run_checked(Command::new("userdel").args(["--remove", "--", name])).map(drop)
    }

    fn delete_group(&self, name: &str) -> Result<()> {
        cmd::run_checked(Command::new("groupdel").args(["--", name])).map(drop)
    }

    fn check_can_delete(&self) -> Result<()> {
        if nix::unistd::geteuid().is_root() {
            return Ok(());
        }
        Err(
            Error::new("deleting unix accounts needs root; nothing was changed")
                .with_hint("run it with sudo"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fake useradd that counts its runs in `runs` and exits `code`.
    fn counting_script(
        dir: &std::path::Path,
        code: i32,
    ) -> (std::path::PathBuf, std::path::PathBuf) {
        let runs = dir.join("runs");
        let script = dir.join("useradd");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho run >> '{}'\necho \"useradd: cannot lock /etc/passwd\" >&2\nexit {code}\n",
                runs.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        (script, runs)
    }

    fn runs(path: &std::path::Path) -> usize {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .count()
    }

    #[test]
    fn failing_command_runs_once_and_its_stderr_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let (script, counter) = counting_script(tmp.path(), 10);
        let err = run_tolerating_exists(Command::new(&script).arg("jupyter-x")).unwrap_err();
        assert_eq!(runs(&counter), 1, "a failing useradd must run exactly once");
        assert!(
            err.message.contains("useradd: cannot lock /etc/passwd"),
            "{}",
            err.message
        );
        assert!(err.message.contains("exit code 10"), "{}", err.message);
        assert!(err.message.contains("jupyter-x"), "{}", err.message);
    }

    #[test]
    fn already_exists_is_success_after_one_run() {
        let tmp = tempfile::tempdir().unwrap();
        let (script, counter) = counting_script(tmp.path(), ALREADY_EXISTS);
        run_tolerating_exists(&mut Command::new(&script)).unwrap();
        assert_eq!(runs(&counter), 1);
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
