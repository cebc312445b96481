//! Reading an archive back: one pass that unpacks every member into a temp
//! dir (no symlink is ever made there, so nothing is written through one)
//! while hashing it, then a comparison with the manifest, its last member.
//! Only a wholly verified archive is handed on; on any problem the temp dir
//! goes and the error names the member.

use super::manifest::{self, Kind, MANIFEST, Manifest, path_problem, symlink_stays_inside};
use crate::error::{Error, Result};
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The manifest is small; anything this big is not one.
const MANIFEST_MAX: u64 = 256 << 20;

/// A verified archive, unpacked into `dir` (removed when dropped).
pub struct Verified {
    pub dir: tempfile::TempDir,
    pub manifest: Manifest,
}

impl Verified {
    pub fn path(&self, member: &str) -> PathBuf {
        self.dir.path().join(member)
    }
}

#[derive(Debug)]
struct Seen {
    kind: Kind,
    sha256: Option<String>,
    size: u64,
    target: Option<String>,
}

fn refused(archive: &Path, what: String) -> Error {
    Error::new(format!("{}: {what}", archive.display())).with_hint(
        "nothing was changed; copy the archive again or make a new one with `hubcfg backup`",
    )
}

/// The nearest directory of `path` that exists (the prefix may not yet).
pub fn existing_ancestor(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    while !p.is_dir() {
        if !p.pop() {
            return PathBuf::from("/");
        }
    }
    p
}

pub fn verify(archive: &Path, temp_in: &Path) -> Result<Verified> {
    let file = std::fs::File::open(archive)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", archive.display())))?;
    let dir = tempfile::Builder::new()
        .prefix(".hubcfg-restore-")
        .tempdir_in(temp_in)
        .map_err(|e| Error::new(format!("creating a temp dir in {}: {e}", temp_in.display())))?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    let mut last = String::from("(none)");
    let entries = tar
        .entries()
        .map_err(|e| refused(archive, format!("not a gzip-compressed tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| {
            refused(
                archive,
                format!("truncated or corrupt after member {last}: {e}"),
            )
        })?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw).map_err(|_| {
            refused(
                archive,
                format!("a member after {last} has a name that is not UTF-8"),
            )
        })?;
        let path = name.trim_end_matches('/').to_string();
        let bad = |why: String| refused(archive, format!("member {path}: {why}"));
        if manifest.is_some() {
            return Err(bad("comes after the manifest, which must be last".into()));
        }
        if let Some(why) = path_problem(&path) {
            return Err(bad(format!("refused: {why}")));
        }
        if seen.contains_key(&path) {
            return Err(bad("is in the archive twice".into()));
        }
        if let Some(link) = seen
            .iter()
            .find(|(p, s)| s.kind == Kind::Symlink && path.starts_with(&format!("{p}/")))
        {
            return Err(bad(format!(
                "refused: it lies beneath the symlink {}",
                link.0
            )));
        }
        if path == MANIFEST {
            let mut text = vec![];
            (&mut entry)
                .take(MANIFEST_MAX)
                .read_to_end(&mut text)
                .map_err(|e| bad(format!("truncated or corrupt: {e}")))?;
            manifest = Some(
                serde_json::from_slice(&text)
                    .map_err(|e| bad(format!("not a hubcfg manifest: {e}")))?,
            );
            continue;
        }
        let dest = dir.path().join(&path);
        let s = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| bad(format!("unpacking: {e}")))?;
                }
                let mut out = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&dest)
                    .map_err(|e| bad(format!("unpacking: {e}")))?;
                let mut hash = Sha256::new();
                let mut buf = vec![0u8; 1 << 16];
                let mut size = 0u64;
                loop {
                    let n = entry
                        .read(&mut buf)
                        .map_err(|e| bad(format!("truncated or corrupt: {e}")))?;
                    if n == 0 {
                        break;
                    }
                    hash.update(&buf[..n]);
                    out.write_all(&buf[..n])
                        .map_err(|e| bad(format!("unpacking: {e}")))?;
                    size += n as u64;
                }
                Seen {
                    kind: Kind::File,
                    sha256: Some(hex::encode(hash.finalize())),
                    size,
                    target: None,
                }
            }
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&dest).map_err(|e| bad(format!("unpacking: {e}")))?;
                Seen {
                    kind: Kind::Dir,
                    sha256: None,
                    size: 0,
                    target: None,
                }
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                if !symlink_stays_inside(&path, &target) {
                    return Err(bad(format!(
                        "refused: a symlink to {target}, outside {}",
                        manifest::tree_of(&path)
                    )));
                }
                Seen {
                    kind: Kind::Symlink,
                    sha256: None,
                    size: 0,
                    target: Some(target),
                }
            }
            other => {
                return Err(bad(format!(
                    "refused: a {other:?} entry (only files, directories and symlinks are restored)"
                )));
            }
        };
        seen.insert(path.clone(), s);
        last = path;
    }
    // The tar reader stops at the end-of-archive blocks; reading on to the
    // end makes gzip check its length and CRC.
    let mut rest = tar.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(|e| {
        refused(
            archive,
            format!("corrupt at its end (after member {last}): {e}"),
        )
    })?;
    let Some(manifest) = manifest else {
        return Err(refused(
            archive,
            format!(
                "no manifest: the archive is truncated (the manifest is its last member; the last member read was {last})"
            ),
        ));
    };
    compare(archive, &manifest, &seen)?;
    Ok(Verified { dir, manifest })
}

fn compare(archive: &Path, m: &Manifest, seen: &BTreeMap<String, Seen>) -> Result<()> {
    let mut listed = std::collections::BTreeSet::new();
    for want in &m.members {
        let bad = |why: String| refused(archive, format!("member {}: {why}", want.path));
        listed.insert(want.path.as_str());
        let Some(got) = seen.get(&want.path) else {
            return Err(bad("in the manifest but not in the archive".into()));
        };
        if got.kind != want.kind {
            return Err(bad(format!(
                "a {:?} in the archive, a {:?} in the manifest",
                got.kind, want.kind
            )));
        }
        if got.sha256 != want.sha256 || got.size != want.size {
            return Err(bad(format!(
                "sha256 {} ({} bytes), the manifest says {} ({} bytes): the archive is corrupt",
                got.sha256.as_deref().unwrap_or("-"),
                got.size,
                want.sha256.as_deref().unwrap_or("-"),
                want.size
            )));
        }
        if got.target != want.target {
            return Err(bad(
                "the symlink's target differs from the manifest's".into()
            ));
        }
    }
    if let Some(extra) = seen.keys().find(|p| !listed.contains(p.as_str())) {
        return Err(refused(
            archive,
            format!("member {extra}: not in the manifest"),
        ));
    }
    for a in &m.accounts {
        if !crate::username::is_valid_unix_name(&a.unix_name) {
            return Err(refused(
                archive,
                format!("account {}: not a valid unix name", a.unix_name),
            ));
        }
    }
    for t in &m.tls_files {
        if !Path::new(&t.path).is_absolute() || !listed.contains(t.member.as_str()) {
            return Err(refused(
                archive,
                format!(
                    "certificate file {}: not an absolute path with its member",
                    t.path
                ),
            ));
        }
    }
    Ok(())
}
