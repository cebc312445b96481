//! `hubcfg users …`: the grammar of the bulk user commands and their
//! dispatch to `hub_users`.

use crate::error::Result;
use crate::hub_users::{self, Opts, Password};
use crate::paths::Paths;
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Allow users to log in (users.allowed; --admin: users.admin too), optionally with passwords.
    #[command(after_help = "Examples:\n  \
        sudo hubcfg users add ann bob\n  \
        sudo hubcfg users add --admin ada --password -   (password read from stdin)\n  \
        sudo hubcfg users add s1 s2 s3 --generate-passwords > passwords.csv")]
    Add {
        /// Hub user names.
        #[arg(required = true)]
        names: Vec<String>,
        /// Make them admins too.
        #[arg(long)]
        admin: bool,
        /// FirstUseAuthenticator password for every name (`-`: read it from stdin).
        #[arg(long, value_name = "PASSWORD", conflicts_with = "generate_passwords")]
        password: Option<String>,
        /// Give each user a new password; prints `name,password` lines (CSV) on stdout.
        #[arg(long)]
        generate_passwords: bool,
        /// Do not reload a running hub (run `hubcfg reload` later).
        #[arg(long)]
        no_reload: bool,
    },
    /// Add users from a CSV file; the whole file is checked before anything changes.
    #[command(
        after_help = "The file has a header; columns: name (required), password, admin \
        (true/false, yes/no, 1/0, or empty). One bad row: nothing changes, every bad row is listed.\n\n\
        Examples:\n  \
        sudo hubcfg users import class.csv\n  \
        sudo hubcfg users import --generate-passwords names.csv > passwords.csv\n  \
        printf 'name,admin\\nann,yes\\nbob,\\n' | sudo hubcfg users import -"
    )]
    Import {
        /// The CSV file (`-`: stdin).
        file: PathBuf,
        /// Give each row without a password a new one; prints `name,password` lines (CSV) on stdout.
        #[arg(long)]
        generate_passwords: bool,
        /// Do not reload a running hub (run `hubcfg reload` later).
        #[arg(long)]
        no_reload: bool,
    },
    /// List every user the hub knows: admin, allowed/banned, unix account, server, last activity.
    #[command(
        after_help = "Asks the running hub (its REST API, with hubcfg's own token in \
        state/hubcfg-hub-token); fails when the hub does not answer. --json prints an array of \
        {name, admin, allowed, banned, unix_account, server_running, server_pending, last_activity}.\n\n\
        Examples:\n  \
        sudo hubcfg users list\n  \
        sudo hubcfg users list --json | jq -r '.[] | select(.server_running) | .name'"
    )]
    List,
    /// Take users out of users.allowed, users.admin, the FirstUse passwords and the hub's database.
    #[command(
        after_help = "The hub stops a running server before it deletes the user. Their unix \
        accounts and home directories are kept unless --delete-home: then, after the rest, the \
        accounts hubcfg made for them (jupyter-NAME, in the jupyterhub-users group; never root or \
        a system account) are deleted with their home directories, after a question on the \
        terminal for each (--yes: without asking). When the hub is not running, the config and \
        passwords are still changed (they cannot log in) and a warning says to run the command \
        again later to delete them from the hub's database.\n\n\
        Examples:\n  \
        sudo hubcfg users remove ann bob\n  \
        sudo hubcfg users remove ann --delete-home\n  \
        sudo hubcfg users remove s1 s2 s3 --delete-home --yes"
    )]
    Remove {
        #[arg(required = true)]
        names: Vec<String>,
        /// Also delete their unix accounts and home directories (asks first).
        #[arg(long)]
        delete_home: bool,
        /// With --delete-home: do not ask.
        #[arg(long, requires = "delete_home")]
        yes: bool,
        /// Do not reload a running hub (run `hubcfg reload` later).
        #[arg(long)]
        no_reload: bool,
    },
    /// Set a new FirstUseAuthenticator password for a user (applies at their next login).
    #[command(after_help = "Examples:\n  \
        sudo hubcfg users reset-password ann --generate\n  \
        echo 'new password' | sudo hubcfg users reset-password ann --password -")]
    ResetPassword {
        name: String,
        /// The new password (`-`: read it from stdin).
        #[arg(long, value_name = "PASSWORD", conflicts_with = "generate")]
        password: Option<String>,
        /// Make up a new password; prints `name,password` (CSV) on stdout.
        #[arg(long)]
        generate: bool,
    },
}

pub fn run(
    command: UsersCommand,
    paths: &Paths,
    lock_timeout: Duration,
    messages: crate::config::output::Lines,
    json: bool,
) -> Result<()> {
    let opts = |no_reload: bool| Opts::new(paths, lock_timeout, messages, !no_reload);
    match command {
        UsersCommand::Add {
            names,
            admin,
            password,
            generate_passwords,
            no_reload,
        } => hub_users::add(
            &opts(no_reload),
            &names,
            admin,
            Password::from_flags(password, generate_passwords),
        ),
        UsersCommand::Import {
            file,
            generate_passwords,
            no_reload,
        } => hub_users::import(&opts(no_reload), &file, generate_passwords),
        UsersCommand::List => hub_users::list(&opts(true), json),
        UsersCommand::Remove {
            names,
            delete_home,
            yes,
            no_reload,
        } => hub_users::remove(
            &opts(no_reload),
            &names,
            delete_home.then_some(hub_users::delete_home::DeleteHome { yes }),
        ),
        UsersCommand::ResetPassword {
            name,
            password,
            generate,
        } => {
            hub_users::reset_password(&opts(true), &name, Password::from_flags(password, generate))
        }
    }
}
