//! `hubcfg plugins`: the grammar; `crate::plugins::list` does the work.

use crate::error::Result;
use crate::paths::Paths;
use clap::Args;

/// No options of its own; `--json` (global) prints the report as JSON.
#[derive(Debug, Args)]
#[command(
    after_help = "Lists state/plugins.json (what `bootstrap --plugin` recorded) and the \
    TLJH plugins installed in the hub environment with the hooks each implements.\n\n\
    Examples:\n  sudo hubcfg plugins\n  sudo hubcfg --json plugins"
)]
pub struct PluginsArgs {}

pub fn run(_: PluginsArgs, paths: &Paths, json: bool) -> Result<()> {
    let report = crate::plugins::list::gather(paths)?;
    if json {
        return crate::config::output::print_json(&report);
    }
    crate::config::output::out_text(&crate::plugins::list::text(&report, paths))
}
