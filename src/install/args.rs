//! `hubcfg bootstrap` flags. Every pinned URL and sha256 can be overridden by
//! a flag or an environment variable (mirrors, air-gapped sites).

use crate::install::python_env::Existing;
use crate::installer::Choice;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum UserEnvKind {
    /// Miniforge (conda) in $PREFIX/user.
    #[default]
    Conda,
    /// A plain venv from the system python3.
    Venv,
}

#[derive(Debug, Clone, Args, Default)]
pub struct BootstrapArgs {
    /// Admin user, optionally with a FirstUse password (`NAME:PASSWORD`; the
    /// password may contain ':'). Repeatable; adds to users.admin.
    #[arg(long = "admin", value_name = "NAME[:PASSWORD]", num_args = 1.., action = clap::ArgAction::Append)]
    pub admins: Vec<String>,

    /// TLJH plugin to install into the hub environment (anything pip
    /// accepts: a name, name==1.2, a path, a URL). Repeatable; recorded in
    /// state/plugins.json, so later runs re-install and upgrade it too.
    #[arg(long = "plugin", value_name = "SPEC", action = clap::ArgAction::Append)]
    pub plugins: Vec<String>,

    /// Kind of user environment [default: the kind already in $PREFIX/user,
    /// else conda].
    #[arg(long, value_enum, env = "HUBCFG_USER_ENV")]
    pub user_env: Option<UserEnvKind>,

    /// Miniforge installer URL (overrides the pinned one).
    #[arg(long, env = "HUBCFG_MINIFORGE_URL", requires = "miniforge_sha256")]
    pub miniforge_url: Option<String>,
    /// sha256 of the Miniforge installer at --miniforge-url.
    #[arg(long, env = "HUBCFG_MINIFORGE_SHA256")]
    pub miniforge_sha256: Option<String>,

    /// Traefik release tarball URL (overrides the pinned one).
    #[arg(long, env = "HUBCFG_TRAEFIK_URL", requires = "traefik_sha256")]
    pub traefik_url: Option<String>,
    /// sha256 of the tarball at --traefik-url.
    #[arg(long, env = "HUBCFG_TRAEFIK_SHA256")]
    pub traefik_sha256: Option<String>,

    /// Python package index for the hub and user environments (default: the
    /// machine's pip configuration).
    #[arg(long, env = "HUBCFG_PIP_INDEX_URL")]
    pub pip_index_url: Option<String>,

    /// What installs the packages of the hub and user environments.
    #[arg(long, value_enum, default_value_t = Choice::Uv, env = "HUBCFG_INSTALLER")]
    pub installer: Choice,

    /// requirements.txt to install into the user environment.
    #[arg(long, value_name = "URL")]
    pub user_requirements_txt_url: Option<String>,
    /// Carry on when --user-requirements-txt-url fails to install.
    #[arg(long)]
    pub allow_requirements_failure: bool,

    /// Install on an OS hubcfg does not support.
    #[arg(long)]
    pub skip_os_check: bool,

    /// Serve a status page with the install log on port 80 until the hub is up.
    /// Warning: anyone who can reach port 80 can read the log tail meanwhile.
    #[arg(long)]
    pub show_progress_page: bool,

    /// Seconds to wait for the hub to answer after starting it.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub hub_timeout: u64,
}

impl BootstrapArgs {
    /// The user environment's kind: `--user-env`, else what `resolve_user_env`
    /// found, else conda.
    pub fn user_env_kind(&self) -> UserEnvKind {
        self.user_env.unwrap_or_default()
    }

    /// Without `--user-env`, the kind of the environment already in
    /// `$PREFIX/user` (TLJH's Miniforge, an earlier venv) is kept rather
    /// than refused; returns the note saying so.
    pub fn with_user_env_of(&self, existing: Existing) -> (BootstrapArgs, Option<String>) {
        let mut args = self.clone();
        let found = match existing {
            Existing::Conda => (UserEnvKind::Conda, "a conda env (conda-meta/)"),
            Existing::Venv => (UserEnvKind::Venv, "a venv (pyvenv.cfg)"),
            Existing::Missing | Existing::Other => return (args, None),
        };
        if self.user_env.is_some() {
            return (args, None);
        }
        args.user_env = Some(found.0);
        let note = format!("user environment: user/ is {}, kept as it is", found.1);
        (args, Some(note))
    }
}

/// `NAME[:PASSWORD]`, split at the first ':' so passwords may contain ':'.
pub fn parse_admin(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once(':') {
        Some((name, pw)) => (name, Some(pw)),
        None => (spec, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_may_contain_colons() {
        assert_eq!(parse_admin("me:a:b"), ("me", Some("a:b")));
        assert_eq!(parse_admin("me"), ("me", None));
        assert_eq!(parse_admin("me:"), ("me", Some("")));
    }

    #[test]
    fn the_user_env_kind_comes_from_user_unless_given() {
        let none = BootstrapArgs::default();
        assert_eq!(none.user_env_kind(), UserEnvKind::Conda);
        let (args, note) = none.with_user_env_of(Existing::Venv);
        assert_eq!(args.user_env, Some(UserEnvKind::Venv));
        assert!(note.unwrap().contains("venv (pyvenv.cfg), kept"));
        let (args, _) = none.with_user_env_of(Existing::Conda);
        assert_eq!(args.user_env_kind(), UserEnvKind::Conda);
        for e in [Existing::Missing, Existing::Other] {
            assert_eq!(none.with_user_env_of(e).0.user_env, None);
        }
        let given = BootstrapArgs {
            user_env: Some(UserEnvKind::Conda),
            ..Default::default()
        };
        let (args, note) = given.with_user_env_of(Existing::Venv);
        assert_eq!((args.user_env, note), (Some(UserEnvKind::Conda), None));
    }
}
