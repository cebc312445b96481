//! `hubcfg uninstall`'s grammar.

use crate::error::Result;
use crate::paths::Paths;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints what it will do and what it leaves behind, then asks \
    (without a terminal: --yes). A second run finds nothing to do.\n\n\
    Examples:\n  \
    sudo hubcfg uninstall\n  \
    sudo hubcfg uninstall --keep-data\n  \
    sudo hubcfg uninstall --purge-users --purge-packages --yes"
)]
pub struct UninstallArgs {
    /// Keep PREFIX/config and PREFIX/state (settings, secrets, the hub database, the journal).
    #[arg(long)]
    pub keep_data: bool,
    /// Also delete the unix accounts hubcfg created for hub users, and their homes.
    #[arg(long)]
    pub purge_users: bool,
    /// Also purge the apt packages hubcfg installed (never ones that were there before).
    #[arg(long)]
    pub purge_packages: bool,
    /// Do not ask (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run(paths: &Paths, args: &UninstallArgs) -> Result<()> {
    let opts = crate::uninstall::Opts {
        keep_data: args.keep_data,
        purge_users: args.purge_users,
        purge_packages: args.purge_packages,
        yes: args.yes,
    };
    crate::uninstall::run(paths, &opts)
}
