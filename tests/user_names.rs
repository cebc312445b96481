//! The Rust side of the shared name table, tests/fixtures/user_names.json:
//! the mapping of hub names to new accounts, the reuse of accounts TLJH
//! made, and the account-name rule the spawner glue also applies (its side
//! is checked by tests/glue/check_glue.py over the same table).

use hubcfg::error::Result;
use hubcfg::username::{is_account_name, is_valid_unix_name, tljh_legacy_name, unix_name};
use hubcfg::users::{Accounts, GroupInfo, UserInfo, resolve_account};
use std::collections::BTreeSet;

#[path = "fixtures/user_names_table.rs"]
mod table;
use table::load as table;

/// Accounts that exist, by name; nothing is ever changed.
struct Existing(BTreeSet<String>);

impl Accounts for Existing {
    fn user(&self, name: &str) -> Result<Option<UserInfo>> {
        Ok(self.0.contains(name).then(|| UserInfo {
            name: name.into(),
            uid: 1000,
            gid: 1000,
            home: format!("/home/{name}").into(),
        }))
    }
    fn group(&self, _: &str) -> Result<Option<GroupInfo>> {
        Ok(None)
    }
    fn add_user(&self, _: &str) -> Result<()> {
        unreachable!()
    }
    fn add_group(&self, _: &str) -> Result<()> {
        unreachable!()
    }
    fn add_member(&self, _: &str, _: &str) -> Result<()> {
        unreachable!()
    }
    fn remove_member(&self, _: &str, _: &str) -> Result<()> {
        unreachable!()
    }
    fn delete_user(&self, _: &str) -> Result<()> {
        unreachable!()
    }
}

#[test]
fn new_users_get_the_mapped_account() {
    for n in table().names {
        assert_eq!(unix_name(&n.hub).unwrap(), n.account, "{}", n.hub);
        let none = Existing(BTreeSet::new());
        assert_eq!(resolve_account(&none, &n.hub).unwrap(), n.account);
        assert!(is_valid_unix_name(&n.account), "{}", n.account);
        assert!(is_account_name(&n.account), "{}", n.account);
    }
}

#[test]
fn accounts_tljh_made_are_reused_when_their_name_is_safe() {
    for n in table().names {
        assert_eq!(tljh_legacy_name(&n.hub), n.tljh, "{}", n.hub);
        let tljh = Existing([n.tljh.clone()].into());
        let got = resolve_account(&tljh, &n.hub).unwrap();
        assert_eq!(got, n.with_tljh_account(), "{}", n.hub);
        assert_eq!(is_account_name(&n.tljh), n.reused, "{}", n.tljh);
        // Once the mapped account exists (made by hubcfg), it wins.
        let both = Existing([n.tljh.clone(), n.account.clone()].into());
        assert_eq!(resolve_account(&both, &n.hub).unwrap(), n.account);
    }
}

#[test]
fn account_name_rule_on_the_shared_table() {
    let t = table();
    for name in &t.accepted {
        assert!(is_account_name(name), "{name:?} should be accepted");
    }
    for name in &t.refused {
        assert!(!is_account_name(name), "{name:?} should be refused");
    }
}

/// TLJH plugins' `tljh.normalize.generate_system_username("jupyter-" +
/// name)` (hubcfg's compat package) gives the same account as the Rust
/// mapping for every name of the table (`.`, `@`, upper case, 32+ chars).
#[test]
fn python_normalize_agrees_with_the_rust_mapping() {
    let python = std::path::Path::new("/usr/bin/python3");
    if !python.exists() {
        panic!("needs /usr/bin/python3 (the hub's Python) to run tljh.normalize");
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in hubcfg::pyhub::PACKAGE {
        let path = dir.path().join("hubcfg_hub").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(python)
        .arg("-B")
        .arg(root.join("tests/fixtures/plugins/check_normalize.py"))
        .arg(dir.path().join("hubcfg_hub/tljh_compat"))
        .arg(root.join("tests/fixtures/user_names.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&out.stdout).unwrap();
    let t = table();
    assert!(t.names.len() >= 6);
    for n in t.names {
        assert_eq!(got[&n.hub], n.account, "{}", n.hub);
        assert_eq!(got[&n.hub], unix_name(&n.hub).unwrap(), "{}", n.hub);
    }
}
