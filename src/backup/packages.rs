//! The user environment's package list: `freeze` at backup, and at restore
//! an install of what the list has and the fresh environment lacks, through
//! the same installer as bootstrap (uv or pip, the machine's pip settings).

use crate::error::Result;
use crate::installer::{self, Choice, Installer, Requirements};
use crate::paths::Paths;
use std::collections::BTreeSet;
use std::path::Path;

fn installer(paths: &Paths, choice: Choice, index_url: Option<&str>) -> Result<Installer> {
    let choice = if installer::uv_exe(&paths.hub_env()).exists() {
        choice
    } else {
        Choice::Pip
    };
    crate::install::python_env::installer_for(paths, choice, index_url)
}

pub fn freeze(paths: &Paths, python: &Path) -> Result<Vec<String>> {
    Ok(installer(paths, Choice::Uv, None)?
        .freeze(python)?
        .into_iter()
        .collect())
}

/// A requirement's name, normalized as PyPI does (`Foo_Bar` = `foo-bar`).
pub fn name_of(line: &str) -> String {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(line.len());
    line[..end].to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The lines of `wanted` whose package `have` lacks, as requirements: a
/// `name @ file://…` line (a conda build) becomes just the name; comments
/// and editable installs are left out.
pub fn missing(wanted: &str, have: &BTreeSet<String>) -> Vec<String> {
    let have: BTreeSet<String> = have.iter().map(|l| name_of(l)).collect();
    wanted
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
        .filter(|l| !have.contains(&name_of(l)))
        .map(|l| match l.split_once(" @ ") {
            Some((name, _)) => name.trim().to_string(),
            None => l.to_string(),
        })
        .collect()
}

/// Installs into the user environment what `wanted` (a freeze) has and it
/// lacks; returns what it installed.
pub fn install_missing(
    paths: &Paths,
    wanted: &str,
    choice: Choice,
    index_url: Option<&str>,
) -> Result<Vec<String>> {
    let python = paths.user_env().join("bin/python3");
    let inst = installer(paths, choice, index_url)?;
    let todo = missing(wanted, &inst.freeze(&python)?);
    if todo.is_empty() {
        return Ok(todo);
    }
    let dir = tempfile::tempdir()?;
    let req = dir.path().join("requirements.txt");
    std::fs::write(&req, todo.join("\n") + "\n")?;
    inst.install(&python, &[Requirements::File(&req)], true, &[])?;
    Ok(todo)
}
