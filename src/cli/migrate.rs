//! `hubcfg migrate`: the grammar of the TLJH config conversion.

use clap::Args;

#[derive(Debug, Args)]
#[command(
    after_help = "Reads PREFIX/config/config.yaml with TLJH's own YAML library \
    (ruamel.yaml, in the hub environment's Python), writes PREFIX/config/config.toml with \
    the same keys, values, types and comments, and renames config.yaml to \
    config.yaml.migrated-by-hubcfg. Keys hubcfg does not know are kept and listed; \
    settings TLJH applied differently are listed. A config.toml that exists is never \
    replaced.\n\n\
    Examples:\n  \
    sudo hubcfg migrate --dry-run\n  \
    sudo hubcfg migrate"
)]
pub struct MigrateArgs {
    /// Print the config.toml it would write and the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}
