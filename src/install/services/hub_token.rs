//! Install step: `state/hubcfg-hub-token`, the API token of the `hubcfg`
//! hub service (`users list`, `users remove`, `status` use it). The rendered
//! hub config names the file and the glue reads it, so the token is never in
//! hub-config.json, a log or a command line.

use super::api_secret::{SecretAction, execute_secret, plan_secret};
use crate::error::Result;
use crate::install::{Ctx, Outcome, Step};
use crate::report::Reporter;

/// 32 random bytes, hex; made once, kept after (a new one would need a hub
/// restart, and the old one would stay valid in the hub's database).
#[derive(Debug, Default)]
pub struct HubToken;

impl Step for HubToken {
    type Action = SecretAction;

    fn name(&self) -> &'static str {
        "Hub API token"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<SecretAction>> {
        plan_secret(ctx.paths.hub_token())
    }

    fn execute(&self, ctx: &Ctx, plan: &[SecretAction], _: &dyn Reporter) -> Result<Outcome> {
        // The hub reads it at start only.
        execute_secret(ctx, plan, "the hubcfg hub API token was generated")
    }
}
