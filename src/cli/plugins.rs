//! `hubcfg plugins [remove PLUGIN]`: the grammar; `crate::plugins::list`
//! and `crate::plugins::remove` do the work.

use crate::error::Result;
use crate::paths::Paths;
use clap::{Args, Subcommand};

/// Without a subcommand, the list; `--json` (global) prints it as JSON.
#[derive(Debug, Args)]
#[command(
    after_help = "Lists state/plugins.json (what `bootstrap --plugin` recorded) and the \
    TLJH plugins installed in the hub environment with the hooks each implements.\n\n\
    Examples:\n  sudo hubcfg plugins\n  sudo hubcfg --json plugins\n  \
    sudo hubcfg plugins remove tljh-new-user && sudo hubcfg reload"
)]
pub struct PluginsArgs {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Stop installing a plugin and uninstall it from the hub environment
    /// (then `hubcfg reload` so the hub no longer loads it).
    Remove {
        /// A spec as `hubcfg plugins` lists it, or the plugin's package name.
        plugin: String,
    },
}

pub fn run(args: PluginsArgs, paths: &Paths, json: bool) -> Result<()> {
    if let Some(Action::Remove { plugin }) = args.action {
        for line in crate::plugins::remove::run(paths, &plugin)? {
            println!("{line}");
        }
        return Ok(());
    }
    let report = crate::plugins::list::gather(paths)?;
    if json {
        return crate::config::output::print_json(&report);
    }
    crate::config::output::out_text(&crate::plugins::list::text(&report, paths))
}
