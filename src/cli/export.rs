//! `hubcfg export …`: the grammar of the export commands.

use crate::config::output::Lines;
use crate::error::Result;
use crate::paths::Paths;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A Zero to JupyterHub (Helm chart) values file for this hub.
    #[command(
        after_help = "What has no equivalent on Kubernetes (the user environment, \
        unix groups, ports, password stores) is written as comments in the file and as \
        warnings on stderr. Secrets (auth.<Class>.*secret*, the TLS key) are replaced by a \
        placeholder unless --include-secrets, which needs -o.\n\n\
        Examples:\n  \
        sudo hubcfg export z2jh -o values.yaml\n  \
        sudo hubcfg export z2jh --include-secrets -o values.yaml"
    )]
    Z2jh {
        /// Write to FILE (atomically, mode 0600) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write secrets in clear (only with -o).
        #[arg(long)]
        include_secrets: bool,
    },
}

pub fn run(
    command: ExportCommand,
    paths: &Paths,
    config_path: &Path,
    messages: Lines,
) -> Result<()> {
    match command {
        ExportCommand::Z2jh {
            output,
            include_secrets,
        } => crate::export::run(&crate::export::Opts {
            config_path: config_path.to_path_buf(),
            config_d: paths.jupyterhub_config_d(),
            output,
            include_secrets,
            messages,
        }),
    }
}
