//! The file side of `hubcfg migrate` (config/): finds TLJH's config.yaml,
//! has `hubcfg_hub.config_yaml` read it, writes config.toml (locked,
//! atomic, 0600, only when none exists), then renames config.yaml to
//! `config.yaml.migrated-by-hubcfg` with a note at its top. Nothing is
//! ever deleted.

use super::{Converted, Parsed, convert};
use crate::config::{self, file};
use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::pyhub::{self, Reply};
use std::path::{Path, PathBuf};

/// The suffix config.yaml gets once its settings are in config.toml.
pub const MIGRATED_SUFFIX: &str = ".migrated-by-hubcfg";

/// Where a prefix stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// config.yaml, no config.toml yet.
    ToDo {
        yaml: PathBuf,
    },
    /// Both: hubcfg reads config.toml only.
    TomlExists {
        yaml: PathBuf,
        toml: PathBuf,
    },
    /// config.yaml was renamed by an earlier run.
    Done {
        migrated: PathBuf,
    },
    Nothing,
}

/// TLJH keeps config.yaml in `config/` (very old versions at the prefix's
/// top, which TLJH's own installer moves into `config/`).
pub fn find_yaml(paths: &Paths) -> Option<PathBuf> {
    yaml_places(paths).into_iter().find(|p| p.is_file())
}

fn yaml_places(paths: &Paths) -> [PathBuf; 2] {
    [
        paths.config_dir().join("config.yaml"),
        paths.prefix.join("config.yaml"),
    ]
}

pub fn migrated_name(yaml: &Path) -> PathBuf {
    let mut name = yaml.as_os_str().to_owned();
    name.push(MIGRATED_SUFFIX);
    PathBuf::from(name)
}

pub fn state(paths: &Paths) -> State {
    let toml = paths.config_toml();
    match find_yaml(paths) {
        Some(yaml) if toml.exists() => State::TomlExists { yaml, toml },
        Some(yaml) => State::ToDo { yaml },
        None => yaml_places(paths)
            .into_iter()
            .map(|p| migrated_name(&p))
            .find(|m| m.exists())
            .map_or(State::Nothing, |migrated| State::Done { migrated }),
    }
}

/// The Python that reads YAML: the hub environment's (TLJH's has
/// ruamel.yaml, as ours does), else the system's.
pub fn python(paths: &Paths) -> PathBuf {
    let hub = paths.hub_python();
    if hub.exists() {
        hub
    } else {
        PathBuf::from(crate::install::apt::SYSTEM_PYTHON)
    }
}

/// Reads and converts `yaml`; an error lists every key that cannot be
/// converted, with its line.
pub fn read_and_convert(python: &Path, yaml: &Path) -> Result<Converted> {
    let text = file::read(yaml)?.unwrap_or_default();
    let parsed = parse(python, &text, yaml)?;
    let name = yaml.file_name().map(|n| n.to_string_lossy().into_owned());
    convert(&parsed, name.as_deref().unwrap_or("config.yaml")).map_err(|refusals| {
        let list: Vec<String> = refusals.iter().map(|r| format!("  {r}")).collect();
        Error::new(format!(
            "cannot convert {}; nothing was written:\n{}",
            yaml.display(),
            list.join("\n")
        ))
        .with_hint(format!(
            "fix those lines in {} and run `hubcfg migrate --dry-run` again",
            yaml.display()
        ))
    })
}

fn parse(python: &Path, text: &str, yaml: &Path) -> Result<Parsed> {
    let request = serde_json::json!({ "text": text });
    let doing = format!("reading {}", yaml.display());
    match pyhub::run(python, "config_yaml", &request, &doing)? {
        Reply::Ok(reply) => serde_json::from_value(reply).map_err(|e| {
            Error::new(format!("hubcfg_hub.config_yaml replied in a way hubcfg does not read: {e}"))
        }),
        Reply::Failed { kind, message } if kind == "missing_module" => Err(Error::new(format!(
            "cannot read {} with {}: {message}",
            yaml.display(),
            python.display()
        ))
        .with_hint(format!(
            "install TLJH's YAML library into it (`sudo {} -m pip install 'ruamel.yaml>=0.18,<0.19'`), or `sudo apt-get install python3-ruamel.yaml`",
            python.display()
        ))),
        Reply::Failed { message, .. } => Err(Error::new(format!(
            "cannot read {}: {message}",
            yaml.display()
        ))),
    }
}

/// Writes config.toml (refusing if one appeared meanwhile), under the
/// config lock.
pub fn write_toml(paths: &Paths, converted: &Converted) -> Result<()> {
    write_text(paths, &converted.toml)
}

/// `write_toml` of a converted text (bootstrap keeps only the text).
pub fn write_text(paths: &Paths, text: &str) -> Result<()> {
    let toml = paths.config_toml();
    file::check_writable(&toml)?;
    file::ensure_config_dir(&toml)?;
    let _lock = config::lock::lock(&toml, config::DEFAULT_LOCK_TIMEOUT)?;
    if std::fs::symlink_metadata(&toml).is_ok() {
        return Err(exists_error(&toml));
    }
    file::write(&toml, None, text)?;
    Ok(())
}

pub fn exists_error(toml: &Path) -> Error {
    Error::new(format!(
        "{} already exists, and hubcfg reads only it; nothing was changed",
        toml.display()
    ))
    .with_hint(format!(
        "to convert config.yaml anyway, move it away first (`sudo mv {0} {0}.before`) and run `hubcfg migrate` again; `hubcfg migrate --dry-run` shows the result without writing",
        toml.display()
    ))
}

/// The note `retire_yaml` puts at the top: START, config.toml's path, then
/// the rest of the first line and a second line.
const NOTE_START: &str = "# hubcfg migrate converted this file to ";
const NOTE_FIRST_END: &str = " and no longer reads it.";
const NOTE_END: &str =
    "# Change settings there (`sudo hubcfg set KEY VALUE`); this copy is kept for reference.\n";

/// A retired config.yaml's text without the note `retire_yaml` put at its
/// top: TLJH's bytes (the text as it is when the note is not there).
pub fn unretired_text(text: &str) -> &str {
    let Some(rest) = text.strip_prefix(NOTE_START) else {
        return text;
    };
    let Some((first, rest)) = rest.split_once('\n') else {
        return text;
    };
    match rest.strip_prefix(NOTE_END) {
        Some(tljh) if first.ends_with(NOTE_FIRST_END) => tljh,
        _ => text,
    }
}

/// Renames `yaml` to `<yaml>.migrated-by-hubcfg` and puts a note at its
/// top; returns the new name. The rename comes first, so the settings are
/// never in no file.
pub fn retire_yaml(yaml: &Path, toml: &Path) -> Result<PathBuf> {
    let to = migrated_name(yaml);
    fs_err::rename(yaml, &to)?;
    let text = fs_err::read_to_string(&to)?;
    let note = format!("{NOTE_START}{}{NOTE_FIRST_END}\n{NOTE_END}", toml.display());
    crate::fsutil::write_atomic(&to, format!("{note}{text}").as_bytes(), file::CONFIG_MODE)?;
    Ok(to)
}

/// After a successful bootstrap: a config.yaml still next to a config.toml
/// that `migrate` wrote from it (this run, or an earlier one that failed
/// later) is renamed; returns its new name.
pub fn retire_after_bootstrap(paths: &Paths) -> Result<Option<PathBuf>> {
    let Some(yaml) = find_yaml(paths) else {
        return Ok(None);
    };
    let toml = paths.config_toml();
    let ours = file::read(&toml)?.is_some_and(|t| t.starts_with(super::toml_out::HEADER_START));
    if !ours {
        return Ok(None);
    }
    retire_yaml(&yaml, &toml).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_follows_the_files_in_both_of_tljhs_places() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        assert_eq!(state(&paths), State::Nothing);
        for yaml in [
            paths.prefix.join("config.yaml"),
            paths.config_dir().join("config.yaml"),
        ] {
            std::fs::create_dir_all(paths.config_dir()).unwrap();
            std::fs::write(&yaml, "a: 1\n").unwrap();
            assert_eq!(state(&paths), State::ToDo { yaml: yaml.clone() });
            let kept = retire_yaml(&yaml, &paths.config_toml()).unwrap();
            let text = std::fs::read_to_string(&kept).unwrap();
            assert!(
                text.starts_with("# hubcfg migrate converted") && text.ends_with("\na: 1\n"),
                "{text}"
            );
            assert_eq!(unretired_text(&text), "a: 1\n");
            assert_eq!(unretired_text("# mine\na: 1\n"), "# mine\na: 1\n");
            assert_eq!(
                state(&paths),
                State::Done {
                    migrated: kept.clone()
                }
            );
            std::fs::remove_file(kept).unwrap();
        }
    }

    #[test]
    fn bootstrap_renames_only_a_yaml_its_config_toml_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        let yaml = paths.config_dir().join("config.yaml");
        std::fs::write(&yaml, "a: 1\n").unwrap();
        std::fs::write(paths.config_toml(), "[http]\nport = 80\n").unwrap();
        assert_eq!(retire_after_bootstrap(&paths).unwrap(), None);
        assert!(yaml.exists());
        let converted = crate::migrate::convert(&Default::default(), "config.yaml").unwrap();
        std::fs::write(paths.config_toml(), &converted.toml).unwrap();
        assert_eq!(
            retire_after_bootstrap(&paths).unwrap(),
            Some(migrated_name(&yaml))
        );
        assert!(!yaml.exists());
        assert_eq!(retire_after_bootstrap(&paths).unwrap(), None);
    }
}
