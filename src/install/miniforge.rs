//! TEMP stub (installer branch) ONLY so the user-env step compiles; the
//! download branch provides the real module. Drop this commit when merging.

use crate::error::{Error, Result};
use crate::install::Ctx;
use std::path::Path;

pub fn install_miniforge(_ctx: &Ctx, dest: &Path) -> Result<()> {
    Err(Error::new(format!(
        "TEMP stub: install_miniforge({}) is not merged yet",
        dest.display()
    )))
}

pub fn plan_miniforge(_ctx: &Ctx, dest: &Path) -> Result<Option<String>> {
    Ok((!dest.join("bin/conda").is_file())
        .then(|| format!("TEMP stub: install Miniforge into {}", dest.display())))
}

pub fn is_conda_env(dir: &Path) -> bool {
    dir.join("conda-meta").is_dir()
}
