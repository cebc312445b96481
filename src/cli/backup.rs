//! `hubcfg backup` and `hubcfg restore`: their grammar and dispatch to `backup`.

use crate::backup::{create, restore};
use crate::error::Result;
use crate::install::BootstrapArgs;
use crate::paths::Paths;
use crate::report::Reporter;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The archive (tar + gzip, mode 0600) holds config/, the state that cannot \
    be made again (the hub database through SQLite's online backup, the cookie secret, the \
    password stores, the API secret and hubcfg's token, acme.json), the files named in \
    https.tls.*, the user environment's package list, the hub users' unix account names and, \
    with --homes, their home directories. The hub keeps running.\n\n\
    Examples:\n  \
    sudo hubcfg backup\n  \
    sudo hubcfg backup --homes -o /root/hub.tar.gz"
)]
pub struct BackupArgs {
    /// Where to write the archive (default: hubcfg-backup-<time>.tar.gz here).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Include the hub users' home directories (owners, modes, symlinks kept).
    #[arg(long)]
    pub homes: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every member's sha256 is checked against the manifest before \
    anything changes: a corrupt or truncated archive changes nothing and names the member. \
    On a machine without a hub, the install runs first with the bootstrap flags given here \
    (--admin, --user-env, --installer…). Over an existing install it asks first (--yes: \
    without asking). Then config and state go back, the accounts are re-created with the \
    same names, homes are restored, the user environment gets the backup's missing packages \
    and the hub starts.\n\n\
    Examples:\n  \
    sudo hubcfg restore hub.tar.gz --check\n  \
    sudo hubcfg restore hub.tar.gz --yes\n  \
    curl -fsSL <base>/bootstrap.sh | sudo bash -s -- --restore /root/hub.tar.gz --admin me"
)]
pub struct RestoreArgs {
    /// The archive made by `hubcfg backup`.
    pub file: PathBuf,
    /// Replace an existing install without asking.
    #[arg(long)]
    pub yes: bool,
    /// Only verify the archive; change nothing.
    #[arg(long)]
    pub check: bool,
    /// Seconds to wait for the hub to answer after the restore.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub install: BootstrapArgs,
}

pub fn backup(args: BackupArgs, paths: &Paths, say: &dyn Reporter) -> Result<()> {
    create::run(
        paths,
        &create::Opts {
            out: args.out,
            homes: args.homes,
        },
        say,
    )
}

pub fn restore(args: RestoreArgs, paths: &Paths, ui: &dyn Reporter) -> Result<()> {
    restore::run(
        paths,
        &restore::Opts {
            file: args.file,
            yes: args.yes,
            check: args.check,
            timeout: Duration::from_secs(args.timeout),
            install: args.install,
        },
        ui,
    )
}
