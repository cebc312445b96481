//! The values document being built, and what is said about it: comments
//! in the file, and the warnings also printed on stderr.

use super::yaml::{self, Map, Node};

#[derive(Debug, Default)]
pub struct Out {
    pub root: Map,
    /// Header lines about the whole file.
    pub header: Vec<String>,
    /// What has no equivalent in the chart (in the header, and on stderr).
    pub lost: Vec<String>,
    /// Everything said on stderr, in order.
    pub warnings: Vec<String>,
}

impl Out {
    pub fn set(&mut self, path: &[&str], value: impl Into<Node>) {
        self.root.set(path, value);
    }

    /// A comment above the key at `path`.
    pub fn note(&mut self, path: &[&str], text: &str) {
        self.root.comment(path, &wrap(text));
    }

    /// A comment above the key at `path` that the user must act on: also a warning.
    pub fn warn(&mut self, path: &[&str], text: &str) {
        self.root.comment(path, &wrap(&format!("WARNING: {text}")));
        self.warnings.push(format!("{}: {text}", path.join(".")));
    }

    /// A setting with no equivalent in the chart: listed in the header and warned about.
    pub fn lost(&mut self, text: &str) {
        self.lost.push(wrap(text));
        self.warnings.push(text.to_string());
    }

    pub fn text(&self) -> String {
        let mut header = self.header.clone();
        if !self.lost.is_empty() {
            header.push(String::new());
            header.push("No equivalent in the chart (not exported):".into());
            for item in &self.lost {
                let mut lines = item.lines();
                header.extend(lines.next().map(|l| format!("- {l}")));
                header.extend(lines.map(|l| format!("  {l}")));
            }
        }
        yaml::document(&header, &self.root)
    }
}

/// Comment width: lines break at spaces before this many characters.
const WIDTH: usize = 76;

/// `text` with its lines broken at spaces to fit [`WIDTH`].
fn wrap(text: &str) -> String {
    let mut out = vec![];
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split(' ') {
            if !line.is_empty() && line.len() + 1 + word.len() > WIDTH {
                out.push(std::mem::take(&mut line));
            } else if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_comments_wrap_at_spaces_and_keep_their_lines() {
        let long = "word ".repeat(30);
        let wrapped = wrap(&format!("{}\nnext", long.trim()));
        assert!(wrapped.lines().all(|l| l.len() <= WIDTH), "{wrapped}");
        assert_eq!(wrapped.lines().last(), Some("next"));
        assert_eq!(wrapped.split_whitespace().count(), 31);
    }

    #[test]
    fn lost_settings_are_listed_in_the_header_and_warned_about() {
        let mut out = Out::default();
        out.header.push("top".into());
        out.lost("first\nsecond line");
        out.warn(&["hub", "baseUrl"], "check it");
        let text = out.text();
        assert!(text.starts_with("# top\n#\n# No equivalent in the chart (not exported):\n# - first\n#   second line\nhub:\n  # WARNING: check it\n"), "{text}");
        assert_eq!(
            out.warnings,
            ["first\nsecond line", "hub.baseUrl: check it"]
        );
    }
}
