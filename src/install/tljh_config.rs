//! Bootstrap on a prefix with TLJH's config.yaml and no config.toml: the
//! config.toml that `hubcfg migrate` would write (converted during
//! preflight, whose report bootstrap printed), written before the config
//! directories step would write the commented default. config.yaml is
//! renamed only after the whole bootstrap succeeded
//! (`migrate::apply::retire_after_bootstrap`), so a failed bootstrap leaves
//! TLJH's file where TLJH reads it.

use crate::error::Result;
use crate::install::{Ctx, Outcome, Step};
use crate::report::Reporter;
use std::fmt;
use std::path::PathBuf;

pub struct TljhConfig {
    pub yaml: PathBuf,
    pub toml: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteConverted {
    pub yaml: PathBuf,
}

impl fmt::Display for WriteConverted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "write config/config.toml converted from {}",
            self.yaml.display()
        )
    }
}

impl Step for TljhConfig {
    type Action = WriteConverted;

    fn name(&self) -> &'static str {
        "TLJH's config.yaml to config.toml"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<WriteConverted>> {
        Ok(
            if std::fs::symlink_metadata(ctx.paths.config_toml()).is_err() {
                vec![WriteConverted {
                    yaml: self.yaml.clone(),
                }]
            } else {
                vec![]
            },
        )
    }

    fn execute(&self, ctx: &Ctx, plan: &[WriteConverted], _: &dyn Reporter) -> Result<Outcome> {
        if !plan.is_empty() {
            crate::migrate::apply::write_text(ctx.paths, &self.toml)?;
        }
        Ok(Outcome::done())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::testutil::TestEnv;
    use crate::install::{AnyStep, StepResult};
    use crate::report::Recorder;

    #[test]
    fn writes_the_converted_toml_once_and_never_over_a_config_toml() {
        let t = TestEnv::new();
        let step = TljhConfig {
            yaml: t.paths.config_dir().join("config.yaml"),
            toml: "[http]\nport = 8080\n".into(),
        };
        let r = Recorder::default();
        assert!(matches!(
            step.run(&t.ctx(), &r).unwrap(),
            StepResult::Done { .. }
        ));
        let path = t.paths.config_toml();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[http]\nport = 8080\n"
        );
        std::fs::write(&path, "mine\n").unwrap();
        assert_eq!(step.run(&t.ctx(), &r).unwrap(), StepResult::UpToDate);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    }
}
