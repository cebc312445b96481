//! `config/traefik_config.d/*.toml` snippets, deep-merged into Traefik's
//! static config: tables merge key by key at every depth (TLJH merged only
//! the top level, so two snippets defining `[entryPoints]` clobbered each
//! other); any other value in a later snippet replaces the earlier one.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// One snippet file's path (for messages) and text.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    pub path: PathBuf,
    pub text: String,
}

/// Parses a snippet; an error names the file and the line.
pub fn parse(s: &Snippet) -> Result<toml::Table> {
    s.text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|r| s.text[..r.start.min(s.text.len())].matches('\n').count() + 1);
        let at = line.map(|l| format!(" at line {l}")).unwrap_or_default();
        Error::new(format!(
            "{} is not valid TOML{at}: {}",
            s.path.display(),
            e.message().trim()
        ))
        .with_hint("fix or remove the file, then run `tljh-config reload proxy`")
    })
}

pub fn deep_merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => deep_merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(name: &str, text: &str) -> Snippet {
        Snippet {
            path: PathBuf::from(format!("/p/config/traefik_config.d/{name}")),
            text: text.into(),
        }
    }

    #[test]
    fn nested_tables_from_two_snippets_survive() {
        let mut base: toml::Table = "[entryPoints.http]\naddress = \":80\"\n".parse().unwrap();
        deep_merge(
            &mut base,
            parse(&snippet(
                "a.toml",
                "[entryPoints.metrics]\naddress = \":9100\"\n",
            ))
            .unwrap(),
        );
        deep_merge(
            &mut base,
            parse(&snippet(
                "b.toml",
                "[entryPoints.http]\nforwardedHeaders.insecure = true\n",
            ))
            .unwrap(),
        );
        let eps = base["entryPoints"].as_table().unwrap();
        assert_eq!(eps["http"]["address"].as_str(), Some(":80"));
        assert_eq!(
            eps["http"]["forwardedHeaders"]["insecure"].as_bool(),
            Some(true)
        );
        assert_eq!(eps["metrics"]["address"].as_str(), Some(":9100"));
    }

    #[test]
    fn later_scalar_replaces_earlier() {
        let mut base: toml::Table = "[log]\nlevel = \"INFO\"\n".parse().unwrap();
        deep_merge(&mut base, "[log]\nlevel = \"DEBUG\"\n".parse().unwrap());
        assert_eq!(base["log"]["level"].as_str(), Some("DEBUG"));
    }

    #[test]
    fn parse_error_names_file_and_line() {
        let e = parse(&snippet("20-bad.toml", "[log]\nlevel = \"x\"\nbroken =\n")).unwrap_err();
        assert!(
            e.message.contains("/p/config/traefik_config.d/20-bad.toml"),
            "{}",
            e.message
        );
        assert!(e.message.contains("line 3"), "{}", e.message);
    }
}
