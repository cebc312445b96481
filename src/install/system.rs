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

stub_step!(Groups, "Groups");
stub_step!(Sudoers, "Sudoers");
stub_step!(Admins, "Admins");
