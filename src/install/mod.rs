//! `hubcfg bootstrap`: turns a fresh Debian/Ubuntu machine into a running hub.
//! Each step inspects before it acts (plan), then acts (execute); running it
//! twice changes nothing the second time.

pub mod args;
pub mod miniforge;
pub mod services;
pub mod system;
#[cfg(test)]
pub mod testutil;
pub mod traefik;

pub use args::BootstrapArgs;

use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::systemd::ServiceManager;

/// What a step needs to look at the system and change it.
pub struct Ctx<'a> {
    pub paths: &'a Paths,
    pub args: &'a BootstrapArgs,
    pub services: &'a dyn ServiceManager,
    /// Set by steps that changed something the running hub or proxy uses, so
    /// the services step knows to restart them.
    pub restart_needed: std::cell::Cell<bool>,
}

/// One idempotent install step.
pub trait Step {
    /// Short name shown in the numbered step list.
    fn name(&self) -> &'static str;
    /// Inspects the system and lists what `execute` would change; empty means
    /// already up to date. Must not change anything.
    fn plan(&self, ctx: &Ctx) -> Result<Vec<String>>;
    /// Makes the changes `plan` listed.
    fn execute(&self, ctx: &Ctx) -> Result<()>;
}

pub fn run(_paths: &Paths, _args: &BootstrapArgs) -> Result<()> {
    Err(Error::new("bootstrap is not implemented yet"))
}
