//! `$PREFIX/installer.log`: every install run appended in full (DEBUG, every
//! command with its output), readable by root only (0600). The terminal gets
//! only warnings and errors from tracing; step lines come from `ui`.

use crate::error::{Context, Result};
use crate::install::BootstrapArgs;
use crate::install::preflight::Problem;
use crate::paths::Paths;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

pub const LOG_MODE: u32 = 0o600;

/// Events with this target go to the file only (the terminal already shows
/// them in its own words), e.g. `tracing::error!(target: log::FILE_ONLY, …)`.
pub const FILE_ONLY: &str = "installer_log";

/// Opens (creating) the log for appending with mode 0600, repairing the mode
/// of an existing file.
pub fn open_log(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(LOG_MODE)
        .open(path)
        .context(|| format!("opening the install log {}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(LOG_MODE))
        .context(|| format!("setting the mode of {}", path.display()))?;
    Ok(file)
}

/// A subscriber writing DEBUG and up to `file` and WARN and up to stderr.
pub fn subscriber(file: File) -> impl tracing::Subscriber + Send + Sync {
    let file_layer = tracing_subscriber::fmt::layer()
        .with_writer(Arc::new(file))
        .with_ansi(false)
        .with_target(false)
        .with_filter(LevelFilter::DEBUG);
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_level(true)
        .with_filter(tracing_subscriber::filter::filter_fn(|m| {
            *m.level() <= tracing::Level::WARN && m.target() != FILE_ONLY
        }));
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
}

/// Creates the prefix if needed, opens the log and installs the subscriber
/// for the rest of the process. Returns the log's path.
pub fn init(paths: &Paths) -> Result<PathBuf> {
    crate::fsutil::ensure_dir(&paths.prefix, 0o755)
        .context(|| format!("creating {}", paths.prefix.display()))?;
    let path = paths.installer_log();
    let file = open_log(&path)?;
    // A second init in one process (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber(file));
    Ok(path)
}

/// The run's header. Admin passwords never reach the log.
pub fn record_start(args: &BootstrapArgs, problems: &[Problem]) {
    let admins: Vec<&str> = args
        .admins
        .iter()
        .map(|a| crate::install::args::parse_admin(a).0)
        .collect();
    tracing::info!(
        version = env!("HUBCFG_LONG_VERSION"),
        user_env = ?args.user_env,
        ?admins,
        pip_index_url = args.pip_index_url.as_deref().unwrap_or("(pip's own config)"),
        user_requirements_txt_url = args.user_requirements_txt_url.as_deref().unwrap_or("-"),
        "hubcfg bootstrap started"
    );
    for p in problems {
        tracing::info!(severity = ?p.severity, "preflight: {}", p.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn log_is_private_and_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("installer.log");
        std::fs::write(&path, "old run\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let file = open_log(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o7777, 0o600);
        tracing::subscriber::with_default(subscriber(file), || {
            tracing::debug!("a debug line for the file only");
            tracing::error!(target: FILE_ONLY, "a failure the terminal words itself");
            let args = BootstrapArgs {
                admins: vec!["alice:s3cret:pw".into()],
                ..Default::default()
            };
            record_start(&args, &[]);
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("old run\n"), "{text}");
        assert!(text.contains("a debug line for the file only"));
        assert!(
            text.contains("ERROR a failure the terminal words itself"),
            "{text}"
        );
        assert!(text.contains("alice"));
        assert!(
            !text.contains("s3cret"),
            "passwords must not be logged: {text}"
        );
    }
}
