//! The render call as a step: writes the effective config into state/ and
//! says whether any rendered file changed (then the services restart).

use crate::error::Result;
use crate::install::{Ctx, Report, Step};
use std::cell::RefCell;
use std::path::PathBuf;

#[derive(Default)]
pub struct Render {
    report: RefCell<Option<Report>>,
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
    fn name(&self) -> &'static str {
        "Render config"
    }

    /// Rendering is cheap and pure; it always runs, and the report says
    /// whether anything changed.
    fn plan(&self, _ctx: &Ctx) -> Result<Vec<String>> {
        Ok(vec![
            "render config.toml into state/ (hub JSON, Traefik files)".to_string(),
        ])
    }

    fn execute(&self, ctx: &Ctx) -> Result<()> {
        let before = Self::snapshot(ctx);
        // write_all may return () or a changed-flag; the snapshot decides.
        crate::render::write_all(ctx.paths)?;
        let changed = Self::snapshot(ctx) != before;
        if changed {
            ctx.restart_needed.set(true);
        }
        *self.report.borrow_mut() = Some(if changed {
            Report::changed("rendered files updated")
        } else {
            Report::unchanged("rendered files unchanged")
        });
        Ok(())
    }

    fn report(&self) -> Option<Report> {
        self.report.borrow().clone()
    }
}
