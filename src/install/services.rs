//! TEMP stub (installer branch) ONLY so the orchestrator compiles; the
//! system branch provides the real module. Drop this commit when merging.

use crate::error::{Error, Result};
use crate::install::{Ctx, Step};

macro_rules! stub_step {
    ($t:ident, $name:literal) => {
        #[derive(Default)]
        pub struct $t {
            _stub: (),
        }
        impl Step for $t {
            fn name(&self) -> &'static str {
                $name
            }
            fn plan(&self, _ctx: &Ctx) -> Result<Vec<String>> {
                Err(Error::new(concat!(
                    "TEMP stub: ",
                    $name,
                    " is not merged yet"
                )))
            }
            fn execute(&self, _ctx: &Ctx) -> Result<()> {
                Err(Error::new(concat!(
                    "TEMP stub: ",
                    $name,
                    " is not merged yet"
                )))
            }
        }
    };
}

#[derive(Debug, Default)]
pub struct ApiSecret;

impl Step for ApiSecret {
    fn name(&self) -> &'static str {
        "Traefik API secret"
    }
    fn plan(&self, _ctx: &Ctx) -> Result<Vec<String>> {
        Err(Error::new("TEMP stub: ApiSecret is not merged yet"))
    }
    fn execute(&self, _ctx: &Ctx) -> Result<()> {
        Err(Error::new("TEMP stub: ApiSecret is not merged yet"))
    }
}
stub_step!(Services, "Services");
stub_step!(Links, "Command links");
