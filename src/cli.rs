//! Command-line grammar and dispatch. `argv[0]` picks the personality:
//! `bootstrap` installs, `tljh-config` and `hubcfg` manage the config.

use crate::error::Result;
use crate::install::BootstrapArgs;
use crate::paths::Paths;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "hubcfg",
    version,
    about = "Install and configure a Littlest JupyterHub"
)]
pub struct Cli {
    /// Install prefix (default: $HUBCFG_PREFIX, $TLJH_INSTALL_PREFIX, /opt/tljh).
    #[arg(long, global = true, value_name = "DIR")]
    pub prefix: Option<PathBuf>,

    /// Config file (default: PREFIX/config/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config_path: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install or upgrade the hub on this machine.
    Bootstrap(BootstrapArgs),
    /// Render the effective config into state/ (run by jupyterhub.service before the hub starts).
    #[command(hide = true)]
    Render,
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
        }
        let cli = BootstrapCli::parse();
        crate::install::run(&Paths::resolve(cli.prefix.as_deref()), &cli.args)
    } else {
        dispatch(Cli::parse())
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    let paths = Paths::resolve(cli.prefix.as_deref());
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
        Some(Command::Bootstrap(args)) => crate::install::run(&paths, &args),
        Some(Command::Render) => {
            let written = crate::render::write_all(&paths)?;
            for w in &written.warnings {
                eprintln!("warning: {w}");
            }
            eprintln!("hubcfg render: {}", written.summary(&paths));
            Ok(())
        }
        Some(Command::EnsureUser {
            name,
            admin,
            groups,
        }) => {
            let unix = crate::users::ensure_hub_user(&name, admin, &groups)?;
            println!("{unix}");
            Ok(())
        }
    }
}
