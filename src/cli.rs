//! Command-line grammar and dispatch. `argv[0]` picks the personality:
//! `bootstrap` installs, `tljh-config` and `hubcfg` manage the config.
//!
//! The config commands keep tljh-config's grammar (`set KEY VALUE`,
//! `unset KEY`, `add-item KEY VALUE`, `remove-item KEY VALUE`,
//! `reload [hub|proxy]`, `--validate/--no-validate`, `--config-path`) and
//! add `show KEY`, `show --effective`, `--json`, `validate [FILE]`,
//! `completions SHELL`, several values per `add-item`/`remove-item`,
//! `--string` and `--lock-timeout`.

use crate::config::commands::{self, Opts};
use crate::error::{Error, Result};
use crate::install::BootstrapArgs;
use crate::paths::Paths;
use crate::reload::Component;
use crate::report::Reporter;
use crate::report::Verbosity;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

mod backup;
mod export;
mod migrate;
mod plugins;
mod uninstall;
mod users;

#[derive(Debug, Parser)]
#[command(
    name = "hubcfg",
    version = env!("HUBCFG_LONG_VERSION"),
    about = "Install and configure a Littlest JupyterHub"
)]
pub struct Cli {
    /// Install prefix (default: $HUBCFG_PREFIX, $TLJH_INSTALL_PREFIX, /opt/tljh).
    #[arg(long, global = true, value_name = "DIR")]
    pub prefix: Option<PathBuf>,

    /// Config file (default: PREFIX/config/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config_path: Option<PathBuf>,

    /// Check values against the schema before writing (the default).
    #[arg(long, global = true, overrides_with = "no_validate")]
    pub validate: bool,

    /// Write values the schema does not accept (unknown keys, wrong types).
    #[arg(long, global = true, overrides_with = "validate")]
    pub no_validate: bool,

    /// Seconds to wait for another writer's lock on the config file.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0)]
    pub lock_timeout: f64,

    /// Machine-readable output (JSON) for scripts.
    #[arg(long, global = true)]
    pub json: bool,

    /// Store VALUEs as strings, whatever they look like (`--string set k 007`).
    #[arg(long, global = true)]
    pub string: bool,

    #[command(flatten)]
    pub output: OutputFlags,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How much to print, on every command.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct OutputFlags {
    /// Print only warnings and errors.
    #[arg(long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: every action each install step plans.
    #[arg(long, global = true)]
    pub verbose: bool,
}

impl OutputFlags {
    pub fn verbosity(self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (_, true) => Verbosity::Verbose,
            _ => Verbosity::Normal,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the config file as stored, or one value (`show users.admin`).
    Show {
        /// Dotted key, e.g. http.port.
        key: Option<String>,
        /// Include defaults (and generated secrets, masked).
        #[arg(long)]
        effective: bool,
    },
    /// Set a value: `set http.port 8080`, `set users.admin '["ann", "bob"]'`.
    Set {
        /// Dotted key, e.g. http.port.
        key: String,
        /// none, true/false, a number, a TOML array/table, or a string.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Remove a key (back to its default); empty tables go too.
    Unset {
        /// Dotted key, e.g. limits.memory.
        key: String,
    },
    /// Append values to a list (already present values are skipped).
    AddItem {
        /// Dotted key of a list, e.g. users.admin.
        key: String,
        #[arg(required = true, allow_hyphen_values = true)]
        values: Vec<String>,
    },
    /// Remove values from a list.
    RemoveItem {
        /// Dotted key of a list, e.g. users.admin.
        key: String,
        #[arg(required = true, allow_hyphen_values = true)]
        values: Vec<String>,
    },
    /// Apply the config: restart the hub (or Traefik) and wait until it answers.
    Reload {
        #[arg(value_enum, default_value = "hub")]
        component: Component,
        /// Seconds to wait for the hub to answer before giving up.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        timeout: u64,
    },
    /// Check a config file and print every problem as `key: problem`.
    Validate {
        /// Default: the config file.
        file: Option<PathBuf>,
    },
    /// Print a shell completion script: `hubcfg completions bash > /etc/bash_completion.d/hubcfg`.
    Completions { shell: clap_complete::Shell },
    /// Is the hub healthy? Services, APIs, certificate, disk, memory, versions.
    #[command(
        after_help = "Exit status 0 when healthy; 1 with each problem on its own line \
        and what to do about it. Read-only.\n\n\
        Examples:\n  \
        sudo hubcfg status\n  \
        sudo hubcfg status --json | jq .problems"
    )]
    Status,
    /// Hub users in bulk: add, import a CSV, remove, reset a password.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Export this hub's settings for another installer (z2jh: a Zero to JupyterHub values file).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Convert TLJH's config.yaml into config.toml (--dry-run: show it, write nothing).
    Migrate(migrate::MigrateArgs),
    /// Install or upgrade the hub on this machine.
    Bootstrap(BootstrapArgs),
    /// The TLJH plugins: recorded specs, installed plugins and their hooks.
    Plugins(plugins::PluginsArgs),
    /// Back up the hub into one archive (config, state, accounts; --homes: homes).
    Backup(backup::BackupArgs),
    /// Restore a backup (installs first on a machine without a hub).
    Restore(Box<backup::RestoreArgs>),
    /// Remove the hub: services, links, sudoers rule, the prefix; undoes what bootstrap journaled.
    Uninstall(uninstall::UninstallArgs),
    /// Render the effective config into state/ (run by jupyterhub.service before the hub starts).
    #[command(hide = true)]
    Render {
        /// The hub is stopped (the unit's ExecStartPre): also move its
        /// existing routes to the entrypoint the config serves them on.
        #[arg(long)]
        hub_stopped: bool,
    },
    /// Create or update the unix account for a hub user; prints its unix name (used by the spawner).
    #[command(hide = true)]
    EnsureUser {
        /// Hub user name.
        name: String,
        /// Make the account an admin (jupyterhub-admins).
        #[arg(long)]
        admin: bool,
        /// Extra unix groups.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
}

pub fn main() -> i32 {
    let argv0 = std::env::args_os()
        .next()
        .map(|a| {
            PathBuf::from(a)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let result = if argv0 == "bootstrap" {
        #[derive(Parser)]
        #[command(name = "bootstrap", about = "Install or upgrade a Littlest JupyterHub")]
        struct BootstrapCli {
            #[arg(long, value_name = "DIR")]
            prefix: Option<PathBuf>,
            #[command(flatten)]
            args: BootstrapArgs,
            #[command(flatten)]
            output: OutputFlags,
        }
        let cli = BootstrapCli::parse();
        let ui = crate::install::ui::Terminal::new(cli.output.verbosity());
        crate::install::run(&Paths::resolve(cli.prefix.as_deref()), &cli.args, &ui)
    } else if argv0 == "tljh-config" {
        let matches = Cli::command().name("tljh-config").get_matches();
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => dispatch(cli),
            Err(e) => e.exit(),
        }
    } else {
        dispatch(Cli::parse())
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            // Keys and values from the user's file may hold control characters.
            crate::config::output::Lines::default().error(&e.to_string());
            e.exit_code
        }
    }
}

/// A day: longer is surely a typo, and far larger values overflow.
const MAX_LOCK_TIMEOUT: Duration = Duration::from_secs(86_400);

fn config_opts(cli: &Cli, paths: &Paths) -> Result<Opts> {
    let lock_timeout = Duration::try_from_secs_f64(cli.lock_timeout)
        .ok()
        .filter(|d| *d <= MAX_LOCK_TIMEOUT)
        .ok_or_else(|| {
            Error::new(format!(
                "--lock-timeout {} is not a usable number of seconds",
                cli.lock_timeout
            ))
            .with_hint(format!(
                "give 0 to {} seconds (the default is {})",
                MAX_LOCK_TIMEOUT.as_secs(),
                crate::config::DEFAULT_LOCK_TIMEOUT.as_secs()
            ))
        })?;
    Ok(Opts {
        paths: paths.clone(),
        config_path: cli
            .config_path
            .clone()
            .unwrap_or_else(|| paths.config_toml()),
        validate: !cli.no_validate,
        lock_timeout,
        json: cli.json,
        force_string: cli.string,
        messages: crate::config::output::Lines {
            verbosity: cli.output.verbosity(),
        },
    })
}

/// Commands that act on the installed hub, which always reads
/// `PREFIX/config/config.toml`: another `--config-path` cannot apply.
fn refuse_foreign_config_path(cli: &Cli, paths: &Paths) -> Result<()> {
    let name = match &cli.command {
        Some(Command::Reload { .. }) => "reload",
        Some(Command::Render { .. }) => "render",
        Some(Command::Bootstrap(_)) => "bootstrap",
        Some(Command::EnsureUser { .. }) => "ensure-user",
        Some(Command::Users(_)) => "users",
        Some(Command::Status) => "status",
        Some(Command::Backup(_)) => "backup",
        Some(Command::Restore(_)) => "restore",
        _ => return Ok(()),
    };
    let Some(given) = &cli.config_path else {
        return Ok(());
    };
    let installed = paths.config_toml();
    let same = given == &installed
        || matches!(
            (std::fs::canonicalize(given), std::fs::canonicalize(&installed)),
            (Ok(a), Ok(b)) if a == b
        );
    if same {
        return Ok(());
    }
    Err(Error::new(format!(
        "--config-path {} cannot be used with `{name}`: the hub always reads {}",
        given.display(),
        installed.display()
    ))
    .with_hint(format!(
        "copy the file there (or `hubcfg validate {}` to check it first), or pick another install with --prefix",
        given.display()
    ))
    .with_exit_code(2))
}

fn dispatch(cli: Cli) -> Result<()> {
    let paths = Paths::resolve(cli.prefix.as_deref());
    let opts = config_opts(&cli, &paths)?;
    refuse_foreign_config_path(&cli, &paths)?;
    match cli.command {
        None => {
            Cli::command().print_help()?;
            Ok(())
        }
        Some(Command::Show { key, effective }) => commands::show(&opts, key.as_deref(), effective),
        Some(Command::Set { key, value }) => commands::set(&opts, &key, &value),
        Some(Command::Unset { key }) => commands::unset(&opts, &key),
        Some(Command::AddItem { key, values }) => commands::add_item(&opts, &key, &values),
        Some(Command::RemoveItem { key, values }) => commands::remove_item(&opts, &key, &values),
        Some(Command::Reload { component, timeout }) => crate::reload::run(
            &paths,
            &paths.config_toml(),
            component,
            Duration::from_secs(timeout),
            &opts.messages,
        ),
        Some(Command::Validate { file }) => commands::validate_file(&opts, file.as_deref()),
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "hubcfg", &mut std::io::stdout());
            Ok(())
        }
        Some(Command::Status) => crate::status::run(&paths, cli.json),
        Some(Command::Users(command)) => {
            users::run(command, &paths, opts.lock_timeout, opts.messages, opts.json)
        }
        Some(Command::Export(c)) => export::run(c, &paths, &opts.config_path, opts.messages),
        Some(Command::Migrate(a)) => {
            crate::migrate::command::run(&paths, &opts.config_path, a.dry_run, &opts.messages)
        }
        Some(Command::Backup(args)) => backup::backup(args, &paths, &opts.messages),
        Some(Command::Restore(args)) => backup::restore(
            *args,
            &paths,
            &crate::install::ui::Terminal::new(cli.output.verbosity()),
        ),
        Some(Command::Bootstrap(args)) => {
            let ui = crate::install::ui::Terminal::new(cli.output.verbosity());
            crate::install::run(&paths, &args, &ui)
        }
        Some(Command::Uninstall(args)) => uninstall::run(&paths, &args),
        Some(Command::Plugins(args)) => plugins::run(args, &paths, opts.json),
        Some(Command::Render { hub_stopped }) => {
            let written = crate::render::write_all(&paths)?;
            let say = &opts.messages;
            if hub_stopped && crate::render::retarget_routes(&paths)? {
                say.note("hubcfg render: moved the hub's routes to the current entrypoint");
            }
            for w in &written.warnings {
                say.warn(w);
            }
            say.note(&format!("hubcfg render: {}", written.summary(&paths)));
            Ok(())
        }
        Some(Command::EnsureUser {
            name,
            admin,
            groups,
        }) => {
            let (unix, created) = crate::users::ensure_hub_user(&paths, &name, admin, &groups)?;
            if created {
                crate::plugins::new_user_created(&paths, &unix)?;
            }
            println!("{unix}");
            Ok(())
        }
    }
}
