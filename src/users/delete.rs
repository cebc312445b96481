//! Deleting the unix accounts hubcfg made for hub users (`users remove
//! --delete-home`). Only an account that is plainly a hub user's is ever
//! deleted: its name is the one `resolve_account` gives the hub user
//! (`jupyter-…`), it is in the `jupyterhub-users` group, its uid is a
//! regular user's (1000 or more, never root), and its home directory is
//! named after it. Anything else is refused before anything changes.

use super::{Accounts, USERS_GROUP, resolve_account};
use crate::error::{Error, Result};
use crate::username;
use std::path::PathBuf;

/// The first uid of regular accounts (Debian's UID_MIN).
pub const FIRST_REGULAR_UID: u32 = 1000;

/// An account to delete, with the hub user it was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doomed {
    pub hub_name: String,
    pub account: String,
    pub home: PathBuf,
}

/// The accounts of `hub_names` that exist, checked; hub users without an
/// account are left out. Every account that may not be deleted is reported
/// in one error.
pub fn plan_delete(acc: &dyn Accounts, hub_names: &[String]) -> Result<Vec<Doomed>> {
    let members = acc
        .group(USERS_GROUP)?
        .map(|g| g.members)
        .unwrap_or_default();
    let (mut out, mut problems) = (vec![], vec![]);
    for hub_name in hub_names {
        let account = resolve_account(acc, hub_name)?;
        let Some(info) = acc.user(&account)? else {
            continue;
        };
        let why = if info.uid == 0 || account == "root" {
            Some("it is root".to_string())
        } else if info.uid < FIRST_REGULAR_UID {
            Some(format!(
                "its uid {} is a system account's (under {FIRST_REGULAR_UID})",
                info.uid
            ))
        } else if !account.starts_with(username::PREFIX) {
            Some(format!("its name does not start with {}", username::PREFIX))
        } else if !members.contains(&account) {
            Some(format!("it is not in the {USERS_GROUP} group"))
        } else if info.home.file_name().and_then(|n| n.to_str()) != Some(account.as_str()) {
            Some(format!(
                "its home directory {} is not named after it",
                info.home.display()
            ))
        } else {
            None
        };
        match why {
            Some(why) => problems.push(format!(
                "  {account} (of {hub_name}): {why}, so it was not made by hubcfg for a hub user"
            )),
            None => out.push(Doomed {
                hub_name: hub_name.clone(),
                account,
                home: info.home,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(Error::new(format!(
            "--delete-home: refusing to delete these accounts; nothing was changed:\n{}",
            problems.join("\n")
        ))
        .with_hint("remove those users without --delete-home, and delete their accounts by hand if they must go"));
    }
    if !out.is_empty() {
        acc.check_can_delete()?;
    }
    Ok(out)
}

/// Deletes each account with its home directory; goes on after a failure
/// and reports every account that could not be deleted. Returns the ones
/// deleted.
pub fn delete_accounts(acc: &dyn Accounts, doomed: &[Doomed]) -> (Vec<String>, Result<()>) {
    let (mut deleted, mut failed) = (vec![], vec![]);
    for d in doomed {
        tracing::info!("delete the account {} and {}", d.account, d.home.display());
        match acc.delete_user(&d.account) {
            Ok(()) => deleted.push(d.account.clone()),
            Err(e) => failed.push(format!("  {}: {}", d.account, e.message)),
        }
    }
    if failed.is_empty() {
        return (deleted, Ok(()));
    }
    let err = Error::new(format!(
        "could not delete these unix accounts:\n{}",
        failed.join("\n")
    ))
    .with_hint("a user still logged in (or with processes running) cannot be deleted; stop them and run `userdel --remove ACCOUNT`");
    (deleted, Err(err))
}

#[cfg(test)]
#[path = "delete_tests.rs"]
mod tests;
