//! Install step: `/usr/bin/hubcfg` and, when free or ours,
//! `/usr/bin/tljh-config`, pointing at `$PREFIX/bin/hubcfg`.

use crate::error::{Error, Result};
use crate::install::{Ctx, Outcome, Step};
use crate::journal::{Change, Journal};
use crate::report::Reporter;
use std::path::{Path, PathBuf};

/// `/usr/bin/hubcfg` → `$PREFIX/bin/hubcfg`, and `/usr/bin/tljh-config` too
/// when that path is free or already ours (a real TLJH's is left alone).
pub struct Links {
    pub bin_dir: PathBuf,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            bin_dir: PathBuf::from("/usr/bin"),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum LinkState {
    Ok,
    Create,
    Replace(String),
    /// Someone else's file; left alone with a warning.
    Foreign(String),
}

fn link_state(path: &Path, target: &Path, prefix: &Path, ours_by_name: bool) -> Result<LinkState> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LinkState::Create),
        Err(e) => return Err(Error::new(format!("checking {}: {e}", path.display()))),
    };
    if meta.file_type().is_symlink() {
        let dest = fs_err::read_link(path)?;
        if dest == target {
            return Ok(LinkState::Ok);
        }
        let abs = match path.parent() {
            Some(dir) if dest.is_relative() => dir.join(&dest),
            _ => dest.clone(),
        };
        let dangling = std::fs::metadata(path).is_err();
        let into_prefix = abs.starts_with(prefix);
        let to_hubcfg = abs.file_name().is_some_and(|n| n == "hubcfg");
        return Ok(if ours_by_name || dangling || into_prefix || to_hubcfg {
            LinkState::Replace(format!("it points to {}", dest.display()))
        } else {
            LinkState::Foreign(format!("a link to {}", dest.display()))
        });
    }
    if meta.is_dir() {
        if ours_by_name {
            return Err(Error::new(format!(
                "{} is a directory; hubcfg needs that path for its link",
                path.display()
            ))
            .with_hint("move the directory away and run bootstrap again"));
        }
        return Ok(LinkState::Foreign("a directory".into()));
    }
    Ok(if ours_by_name {
        LinkState::Replace("it is a plain file".into())
    } else {
        LinkState::Foreign("a file that is not hubcfg".into())
    })
}

/// Points `path` at `target` in one rename, so the name is never missing.
pub fn replace_link(path: &Path, target: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.hubcfg-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .map_err(|e| Error::new(format!("creating the link {}: {e}", tmp.display())))?;
    fs_err::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}

impl Links {
    fn states(&self, ctx: &Ctx) -> Result<Vec<(PathBuf, LinkState)>> {
        let target = ctx.paths.hubcfg_bin();
        let mut out = Vec::new();
        for (name, ours) in [("hubcfg", true), ("tljh-config", false)] {
            let path = self.bin_dir.join(name);
            let state = link_state(&path, &target, &ctx.paths.prefix, ours)?;
            out.push((path, state));
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkAction {
    Link {
        path: PathBuf,
        target: PathBuf,
    },
    Relink {
        path: PathBuf,
        target: PathBuf,
        why: String,
    },
    /// Someone else's file, left alone. Planned only next to a real change,
    /// so the warning comes when we link, not on every up-to-date run.
    LeaveAlone {
        path: PathBuf,
        what: String,
    },
}

impl std::fmt::Display for LinkAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkAction::Link { path, target } => {
                write!(f, "link {} → {}", path.display(), target.display())
            }
            LinkAction::Relink { path, target, why } => write!(
                f,
                "relink {} → {} ({why})",
                path.display(),
                target.display()
            ),
            LinkAction::LeaveAlone { path, what } => {
                write!(f, "leave {} alone ({what})", path.display())
            }
        }
    }
}

impl Step for Links {
    type Action = LinkAction;

    fn name(&self) -> &'static str {
        "Commands on PATH"
    }

    fn plan(&self, ctx: &Ctx) -> Result<Vec<LinkAction>> {
        let target = ctx.paths.hubcfg_bin();
        let mut plan = vec![];
        let mut foreign = vec![];
        for (path, state) in self.states(ctx)? {
            let target = target.clone();
            match state {
                LinkState::Ok => {}
                LinkState::Create => plan.push(LinkAction::Link { path, target }),
                LinkState::Replace(why) => plan.push(LinkAction::Relink { path, target, why }),
                LinkState::Foreign(what) => foreign.push(LinkAction::LeaveAlone { path, what }),
            }
        }
        if !plan.is_empty() {
            plan.extend(foreign);
        }
        Ok(plan)
    }

    fn execute(&self, ctx: &Ctx, plan: &[LinkAction], _: &dyn Reporter) -> Result<Outcome> {
        let journal = Journal::of(ctx.paths, "bootstrap");
        let mut outcome = Outcome::done();
        for action in plan {
            match action {
                LinkAction::Link { path, target } | LinkAction::Relink { path, target, .. } => {
                    let before = journal.before(path)?;
                    replace_link(path, target)?;
                    if let Some(before) = before {
                        let (path, target) = (path.clone(), target.clone());
                        journal.record(Change::Link {
                            path,
                            target,
                            before,
                        })?;
                    }
                }
                LinkAction::LeaveAlone { path, what } => outcome.warnings.push(format!(
                    "{} is {what}, left alone; use `hubcfg` for the config commands",
                    path.display()
                )),
            }
        }
        Ok(outcome)
    }
}
