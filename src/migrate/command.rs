//! `hubcfg migrate [--dry-run]`: the command, and the report it prints
//! (the TOML on stdout for `--dry-run`, the report on stderr).

use super::apply::{self, State};
use super::{Converted, NoteKind};
use crate::config::output::{Lines, out_text};
use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::report::Reporter;
use std::path::Path;

pub fn run(paths: &Paths, config_path: &Path, dry_run: bool, say: &Lines) -> Result<()> {
    if config_path != paths.config_toml() {
        return Err(Error::new(format!(
            "hubcfg migrate writes the prefix's config/config.toml, not {}",
            config_path.display()
        ))
        .with_hint("leave out --config-path; --prefix chooses the install"));
    }
    let (yaml, toml_exists) = match apply::state(paths) {
        State::Nothing => {
            return Err(Error::new(format!(
                "no TLJH config.yaml in {} (nor in {}): nothing to migrate",
                paths.config_dir().display(),
                paths.prefix.display()
            ))
            .with_hint("is --prefix right? TLJH's default prefix is /opt/tljh"));
        }
        State::Done { migrated } => {
            say.note(&format!(
                "already migrated: the settings are in {}; TLJH's file is kept as {}",
                paths.config_toml().display(),
                migrated.display()
            ));
            return Ok(());
        }
        State::TomlExists { toml, .. } if !dry_run => return Err(apply::exists_error(&toml)),
        State::TomlExists { yaml, .. } => (yaml, true),
        State::ToDo { yaml } => (yaml, false),
    };
    if !dry_run
        && let Some(found) =
            super::live::to_adopt(&paths.prefix, Path::new(crate::install::services::UNIT_DIR))
    {
        return Err(super::live::refusal(&found, "hubcfg migrate"));
    }
    let converted = apply::read_and_convert(&apply::python(paths), &yaml)?;
    let toml = paths.config_toml();
    if dry_run {
        out_text(&converted.toml)?;
        say.note(&format!(
            "hubcfg migrate --dry-run: {} → {} (nothing written)",
            yaml.display(),
            toml.display()
        ));
        report(&converted, say);
        if toml_exists {
            say.warn(&format!(
                "{} already exists: `hubcfg migrate` would refuse to replace it",
                toml.display()
            ));
        }
        return Ok(());
    }
    apply::write_toml(paths, &converted)?;
    let kept = apply::retire_yaml(&yaml, &toml)?;
    say.note(&format!(
        "hubcfg migrate: wrote {}; {} is now {}",
        toml.display(),
        file_name(&yaml),
        kept.display()
    ));
    report(&converted, say);
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The report, shared by `migrate` and bootstrap.
pub fn report(c: &Converted, say: &dyn Reporter) {
    for line in report_lines(c) {
        say.note(&line);
    }
}

pub fn report_lines(c: &Converted) -> Vec<String> {
    let mut out = vec![];
    let section = |out: &mut Vec<String>, title: &str, kind: NoteKind| {
        let items: Vec<_> = c.notes.iter().filter(|n| n.kind == kind).collect();
        if !items.is_empty() {
            out.push(format!("{title}:"));
            out.extend(items.iter().map(|n| format!("  {n}")));
        }
    };
    section(&mut out, "Typed as hubcfg's schema says", NoteKind::Fixed);
    section(&mut out, "Kept, not used by hubcfg", NoteKind::Unknown);
    section(&mut out, "Not written", NoteKind::Dropped);
    if !c.warnings.is_empty() {
        out.push("Worth a look (`hubcfg validate` warns too):".into());
        out.extend(c.warnings.iter().map(|w| format!("  {w}")));
    }
    if c.differences.is_empty() {
        out.push("Differences from what TLJH applied: none".into());
    } else {
        out.push("Differences from what TLJH applied:".into());
        out.extend(c.differences.iter().map(|d| format!("  {d}")));
    }
    out.push(
        "Not converted: the hub's state (database, cookie secret, passwords), which hubcfg \
         uses where it is; `hubcfg bootstrap` swaps TLJH's units for hubcfg's and records \
         the TLJH plugins in hub/"
            .into(),
    );
    out
}
