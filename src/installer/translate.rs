//! pip's settings → uv's, for one `uv pip install` run; or why not.

use crate::installer::pip_config::PipSetting;

/// What a `uv pip install` run gets so it behaves as pip would here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UvSettings {
    /// Command-line arguments (`--index-url URL`, `--no-index`, …).
    pub args: Vec<String>,
    /// Environment variables (`SSL_CERT_FILE`, `UV_HTTP_TIMEOUT`, …).
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translation {
    Uv(UvSettings),
    /// A setting uv has no equivalent for: install with pip instead.
    Pip {
        reason: String,
    },
}

/// `settings` (pip's) plus `--pip-index-url`, which wins over pip's own
/// index-url, as uv settings.
pub fn translate(_settings: &[PipSetting], _index_url: Option<&str>) -> Translation {
    unimplemented!("issue #10: pip config translation")
}
