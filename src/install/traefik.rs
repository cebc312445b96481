//! TEMP stub (installer branch) ONLY so the orchestrator compiles; the
//! download branch provides the real module. Drop this commit when merging.

use crate::error::{Error, Result};
use crate::install::{Ctx, Step};

pub struct TraefikBinary;

impl Step for TraefikBinary {
    fn name(&self) -> &'static str {
        "Traefik binary"
    }
    fn plan(&self, _ctx: &Ctx) -> Result<Vec<String>> {
        Err(Error::new("TEMP stub: TraefikBinary is not merged yet"))
    }
    fn execute(&self, _ctx: &Ctx) -> Result<()> {
        Err(Error::new("TEMP stub: TraefikBinary is not merged yet"))
    }
}
