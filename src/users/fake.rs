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
    fn delete_user(&self, name: &str) -> Result<()> {
        self.record(format!("userdel --remove {name}"));
        let u = self
            .users
            .lock()
            .unwrap()
            .remove(name)
            .ok_or_else(|| Error::new(format!("userdel: user '{name}' does not exist")))?;
        for members in self.groups.lock().unwrap().values_mut() {
            members.retain(|m| m != name);
        }
        if u.home.exists() {
            std::fs::remove_dir_all(&u.home).unwrap();
        }
        Ok(())
    }
    fn delete_group(&self, name: &str) -> Result<()> {
        self.record(format!("groupdel {name}"));
        self.groups
            .lock()
            .unwrap()
            .remove(name)
            .map(drop)
            .ok_or_else(|| Error::new(format!("groupdel: group '{name}' does not exist")))
    }
}
