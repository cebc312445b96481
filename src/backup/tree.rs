//! Adding a directory tree to the archive: pre-order (a directory before
//! what is in it), names sorted, symlinks kept as symlinks and never
//! followed; a symlink that points out of its tree is left out with a
//! warning (a restore refuses those).

use super::archive::Writer;
use super::manifest::symlink_stays_inside;
use crate::error::{Context, Result};
use std::path::Path;

/// Adds `src` as `member` and everything beneath it; `skip` leaves out
/// entries by path. Returns the files added.
pub fn add_tree(
    w: &mut Writer,
    src: &Path,
    member: &str,
    skip: &dyn Fn(&Path) -> bool,
    warnings: &mut Vec<String>,
) -> Result<usize> {
    let meta = std::fs::symlink_metadata(src).context(|| format!("reading {}", src.display()))?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = std::fs::read_link(src).context(|| format!("reading {}", src.display()))?;
        match target.to_str() {
            Some(t) if symlink_stays_inside(member, t) => w.symlink(member, &meta, t)?,
            _ => warnings.push(format!(
                "not backed up: {} is a symlink to {}, outside {}",
                src.display(),
                target.display(),
                super::manifest::tree_of(member)
            )),
        }
        return Ok(0);
    }
    if kind.is_file() {
        w.file(member, src, false)?;
        return Ok(1);
    }
    if !kind.is_dir() {
        warnings.push(format!(
            "not backed up: {} is not a file, directory or symlink",
            src.display()
        ));
        return Ok(0);
    }
    w.dir(member, &meta)?;
    let mut names = vec![];
    for e in std::fs::read_dir(src).context(|| format!("listing {}", src.display()))? {
        names.push(
            e.context(|| format!("listing {}", src.display()))?
                .file_name(),
        );
    }
    names.sort();
    let mut files = 0;
    for name in names {
        let path = src.join(&name);
        if skip(&path) {
            continue;
        }
        let Some(n) = name.to_str().filter(|n| !n.contains('\\')) else {
            warnings.push(format!(
                "not backed up: {} (its name is not UTF-8)",
                path.display()
            ));
            continue;
        };
        files += add_tree(w, &path, &format!("{member}/{n}"), skip, warnings)?;
    }
    Ok(files)
}
