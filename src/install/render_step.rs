//! The render call as a step: writes the effective config into state/ and
//! says whether any rendered file changed (then the services restart).

use crate::error::Result;
use crate::install::{Ctx, Outcome, Restart, Step};
use crate::report::Reporter;
use std::path::PathBuf;

pub struct Render;

/// Rendering is cheap and pure, so it is always planned; the outcome says
/// whether anything changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderAll;

impl std::fmt::Display for RenderAll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("render config.toml into state/ (hub JSON, Traefik files)")
    }
}

impl Render {
    fn rendered(ctx: &Ctx) -> Vec<PathBuf> {
        let p = ctx.paths;
        vec![p.hub_config_json(), p.traefik_toml(), p.dynamic_toml()]
    }

    fn snapshot(ctx: &Ctx) -> Vec<Option<Vec<u8>>> {
        Self::rendered(ctx)
            .iter()
            .map(|f| std::fs::read(f).ok())
            .collect()
    }
}

impl Step for Render {
    type Action = RenderAll;

    fn name(&self) -> &'static str {
        "Render config"
    }

    fn plan(&self, _ctx: &Ctx) -> Result<Vec<RenderAll>> {
        Ok(vec![RenderAll])
    }

    fn execute(&self, ctx: &Ctx, _plan: &[RenderAll], _: &dyn Reporter) -> Result<Outcome> {
        let before = Self::snapshot(ctx);
        // write_all may return () or a changed-flag; the snapshot decides.
        crate::render::write_all(ctx.paths)?;
        Ok(if Self::snapshot(ctx) != before {
            Outcome::changed("rendered files updated")
                .with_restart(Restart::because("rendered files changed"))
        } else {
            Outcome::unchanged("rendered files unchanged")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::layout::ConfigDirs;
    use crate::install::testutil::{TestEnv, plan_lines, run};

    #[test]
    fn renders_then_a_second_run_changes_nothing() {
        let t = TestEnv::new();
        let ctx = t.ctx();
        run(&ConfigDirs, &ctx);
        assert_eq!(
            plan_lines(&Render, &ctx),
            vec!["render config.toml into state/ (hub JSON, Traefik files)"]
        );
        let first = run(&Render, &ctx);
        assert!(first.changed);
        assert_eq!(first.restart, Restart::because("rendered files changed"));
        let snapshot = Render::snapshot(&ctx);
        assert!(snapshot.iter().all(Option::is_some), "all three written");
        let second = run(&Render, &ctx);
        assert_eq!(second, Outcome::unchanged("rendered files unchanged"));
        assert_eq!(Render::snapshot(&ctx), snapshot);
    }
}
