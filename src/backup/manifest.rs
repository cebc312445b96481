//! The archive's manifest (`manifest.json`, its last member): what made it,
//! the accounts and files it holds, and each member's sha256. Pure: the
//! member path rules and the version checks live here too.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path};

/// The manifest's own format; a newer one is refused.
pub const FORMAT: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
/// The JupyterHub major this hubcfg installs (assets/requirements-hub.txt).
pub const JUPYTERHUB_MAJOR: u64 = 5;

/// The top-level directories an archive may hold.
pub const CONFIG: &str = "config";
pub const STATE: &str = "state";
pub const TLS: &str = "tls";
pub const HOMES: &str = "homes";
pub const USER_ENV: &str = "user-env";
/// `pip freeze` of the user environment.
pub const PACKAGES: &str = "user-env/requirements.txt";
const TOPS: &[&str] = &[CONFIG, STATE, TLS, HOMES, USER_ENV];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub hubcfg_version: String,
    /// From the hub environment's dist-info; None when it was not found.
    pub jupyterhub_version: Option<String>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
    pub prefix: String,
    /// The TLJH plugin specs recorded in state/plugins.json (which the
    /// archive's state/ carries too), for a reader of the manifest.
    pub plugins: Vec<String>,
    pub accounts: Vec<Account>,
    /// Certificate files named in `https.tls.*`, kept at their paths.
    pub tls_files: Vec<TlsFile>,
    pub members: Vec<Member>,
}

/// A hub user and the unix account it runs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub hub_name: String,
    pub unix_name: String,
    pub admin: bool,
    /// Whether `homes/<unix_name>/` is in the archive.
    pub home: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFile {
    pub member: String,
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

/// One archive member. Owners are names: uids differ between machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub path: String,
    pub kind: Kind,
    /// Files: the content's sha256, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default)]
    pub size: u64,
    pub mode: u32,
    pub owner: String,
    pub group: String,
    /// Symlinks: where they point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl Manifest {
    pub fn member(&self, path: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.path == path)
    }

    /// Refuses a manifest this hubcfg cannot restore faithfully: a newer
    /// format, a newer hubcfg, or a newer JupyterHub major (its database
    /// cannot be downgraded). Returns warnings for an older JupyterHub major.
    pub fn check_versions(&self, ours: &str) -> Result<Vec<String>> {
        if self.format > FORMAT {
            return Err(Error::new(format!(
                "the archive's manifest has format {}, this hubcfg reads up to {FORMAT}",
                self.format
            ))
            .with_hint(format!(
                "restore with hubcfg {} or newer",
                self.hubcfg_version
            )));
        }
        if version_key(&self.hubcfg_version) > version_key(ours) {
            return Err(Error::new(format!(
                "the archive was made by hubcfg {}, newer than this hubcfg {ours}",
                self.hubcfg_version
            ))
            .with_hint(format!(
                "install hubcfg {} or newer and restore with it",
                self.hubcfg_version
            )));
        }
        let mut warnings = vec![];
        if let Some(jh) = &self.jupyterhub_version {
            let major = version_key(jh).first().copied().unwrap_or(0);
            if major > JUPYTERHUB_MAJOR {
                return Err(Error::new(format!(
                    "the archive's hub database is from JupyterHub {jh}; this hubcfg installs JupyterHub {JUPYTERHUB_MAJOR}, which cannot read a newer database"
                ))
                .with_hint("restore with a hubcfg that installs that JupyterHub"));
            }
            if major < JUPYTERHUB_MAJOR {
                warnings.push(format!(
                    "the archive's hub database is from JupyterHub {jh}: run `/opt/tljh/hub/bin/jupyterhub upgrade-db` if the hub refuses to start"
                ));
            }
        }
        Ok(warnings)
    }
}

/// `1.2.3rc1` → [1, 2, 3]: the leading digits of each dotted part.
pub fn version_key(v: &str) -> Vec<u64> {
    v.split('.')
        .map(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().unwrap_or(0)
        })
        .collect()
}

/// Why a member path may not be unpacked, if it may not: it must be
/// relative, plain (no `..`, `.`, empty parts) and under one of the known
/// top-level directories, or be the manifest.
pub fn path_problem(path: &str) -> Option<String> {
    if path == MANIFEST {
        return None;
    }
    let p = Path::new(path);
    if p.is_absolute() {
        return Some("it is an absolute path".into());
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
        || p.components().any(|c| !matches!(c, Component::Normal(_)))
    {
        return Some("it has an empty, `.` or `..` part".into());
    }
    let top = path.split('/').next().unwrap_or_default();
    if !TOPS.contains(&top) {
        return Some(format!("`{top}` is not a directory a hubcfg backup holds"));
    }
    None
}

/// The tree a member belongs to: `homes/NAME` for homes, else its top
/// directory. Symlinks must stay inside it.
pub fn tree_of(path: &str) -> String {
    let mut parts = path.split('/');
    match (parts.next(), parts.next()) {
        (Some(HOMES), Some(name)) => format!("{HOMES}/{name}"),
        (Some(top), _) => top.to_string(),
        _ => String::new(),
    }
}

/// Whether a symlink at `link` (a member path) pointing at `target` stays
/// inside the link's tree: relative, and never climbing above it.
pub fn symlink_stays_inside(link: &str, target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') {
        return false;
    }
    let tree = tree_of(link);
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
        let now = parts.join("/");
        if !(now == tree || now.starts_with(&format!("{tree}/"))) {
            return false;
        }
    }
    true
}
