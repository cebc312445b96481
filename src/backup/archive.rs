//! Writing the archive (tar + gzip): each member's bytes are hashed as they
//! are written, and the manifest, made from those hashes, goes last.

use super::manifest::{Kind, MANIFEST, Manifest, Member};
use crate::error::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Owner and group names of a file (its numbers when the names are unknown).
pub fn owner_names(meta: &std::fs::Metadata) -> (String, String) {
    use nix::unistd::{Gid, Group, Uid, User};
    let user = User::from_uid(Uid::from_raw(meta.uid()))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| meta.uid().to_string());
    let group = Group::from_gid(Gid::from_raw(meta.gid()))
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| meta.gid().to_string());
    (user, group)
}

pub struct Writer {
    tar: Option<tar::Builder<GzEncoder<File>>>,
    pub members: Vec<Member>,
    partial: PathBuf,
    out: PathBuf,
}

/// Hashes what passes through.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    count: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

impl Writer {
    /// Writes into `OUT.partial` (0600), renamed to `out` by `finish`: an
    /// interrupted backup leaves no archive under the final name.
    pub fn create(out: &Path) -> Result<Writer> {
        let mut name = out.as_os_str().to_owned();
        name.push(".partial");
        let partial = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
            .context(|| format!("creating {}", partial.display()))?;
        // An existing file keeps its mode on open: make sure.
        std::fs::set_permissions(
            &partial,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .context(|| format!("changing the mode of {}", partial.display()))?;
        let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
        tar.follow_symlinks(false);
        Ok(Writer {
            tar: Some(tar),
            members: vec![],
            partial,
            out: out.to_path_buf(),
        })
    }

    fn tar(&mut self) -> &mut tar::Builder<GzEncoder<File>> {
        self.tar.as_mut().expect("the archive is open until finish")
    }

    fn header(kind: Kind, size: u64, mode: u32, owner: &str, group: &str) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(match kind {
            Kind::File => tar::EntryType::Regular,
            Kind::Dir => tar::EntryType::Directory,
            Kind::Symlink => tar::EntryType::Symlink,
        });
        h.set_size(size);
        h.set_mode(mode);
        let _ = h.set_username(owner);
        let _ = h.set_groupname(group);
        h.set_mtime(crate::clock::unix_seconds());
        h
    }

    /// A file from disk, read once: hashed while it is written. Unless
    /// `follow`, a symlink is refused (a file swapped for a link to a
    /// secret after it was listed is not read).
    pub fn file(&mut self, member: &str, src: &Path, follow: bool) -> Result<()> {
        let mut open = std::fs::OpenOptions::new();
        open.read(true);
        if !follow {
            open.custom_flags(nix::libc::O_NOFOLLOW);
        }
        let f = open
            .open(src)
            .context(|| format!("reading {}", src.display()))?;
        let meta = f
            .metadata()
            .context(|| format!("reading {}", src.display()))?;
        if !meta.is_file() {
            return Err(crate::error::Error::new(format!(
                "{} is not a regular file any more",
                src.display()
            ))
            .with_hint("run the backup again"));
        }
        let (owner, group) = owner_names(&meta);
        let size = meta.len();
        let mut h = Self::header(Kind::File, size, meta.mode() & 0o7777, &owner, &group);
        let mut reader = Hashing {
            inner: f.take(size),
            hash: Sha256::new(),
            count: 0,
        };
        self.tar()
            .append_data(&mut h, member, &mut reader)
            .context(|| format!("adding {} to the archive", src.display()))?;
        if reader.count != size {
            // tar pads a short member without a word: the archive is broken.
            return Err(crate::error::Error::new(format!(
                "{} shrank while it was being read ({size} bytes, then {})",
                src.display(),
                reader.count
            ))
            .with_hint("run the backup again (stop the programs writing that file first)"));
        }
        self.members.push(Member {
            path: member.into(),
            kind: Kind::File,
            sha256: Some(hex::encode(reader.hash.finalize())),
            size,
            mode: meta.mode() & 0o7777,
            owner,
            group,
            target: None,
        });
        Ok(())
    }

    /// Bytes made here (the package list), root's, with `mode`.
    pub fn bytes(&mut self, member: &str, bytes: &[u8], mode: u32) -> Result<()> {
        let mut h = Self::header(Kind::File, bytes.len() as u64, mode, "root", "root");
        self.tar()
            .append_data(&mut h, member, bytes)
            .context(|| format!("adding {member} to the archive"))?;
        self.members.push(Member {
            path: member.into(),
            kind: Kind::File,
            sha256: Some(hex::encode(Sha256::digest(bytes))),
            size: bytes.len() as u64,
            mode,
            owner: "root".into(),
            group: "root".into(),
            target: None,
        });
        Ok(())
    }

    pub fn dir(&mut self, member: &str, meta: &std::fs::Metadata) -> Result<()> {
        let (owner, group) = owner_names(meta);
        let mode = meta.mode() & 0o7777;
        let mut h = Self::header(Kind::Dir, 0, mode, &owner, &group);
        self.tar()
            .append_data(&mut h, format!("{member}/"), std::io::empty())
            .context(|| format!("adding {member}/ to the archive"))?;
        self.members.push(Member {
            path: member.into(),
            kind: Kind::Dir,
            sha256: None,
            size: 0,
            mode,
            owner,
            group,
            target: None,
        });
        Ok(())
    }

    pub fn symlink(&mut self, member: &str, meta: &std::fs::Metadata, target: &str) -> Result<()> {
        let (owner, group) = owner_names(meta);
        let mut h = Self::header(Kind::Symlink, 0, 0o777, &owner, &group);
        self.tar()
            .append_link(&mut h, member, target)
            .context(|| format!("adding the symlink {member} to the archive"))?;
        self.members.push(Member {
            path: member.into(),
            kind: Kind::Symlink,
            sha256: None,
            size: 0,
            mode: 0o777,
            owner,
            group,
            target: Some(target.into()),
        });
        Ok(())
    }

    /// Appends the manifest (with every member so far), closes the gzip
    /// stream, syncs and renames the file to its name.
    pub fn finish(mut self, mut manifest: Manifest) -> Result<PathBuf> {
        manifest.members = std::mem::take(&mut self.members);
        let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
        let mut h = Self::header(Kind::File, json.len() as u64, 0o600, "root", "root");
        self.tar()
            .append_data(&mut h, MANIFEST, json.as_slice())
            .context(|| "adding the manifest to the archive".to_string())?;
        let gz = self
            .tar
            .take()
            .expect("the archive is open until finish")
            .into_inner()
            .context(|| format!("writing {}", self.partial.display()))?;
        let mut file = gz
            .finish()
            .context(|| format!("writing {}", self.partial.display()))?;
        file.flush()
            .and_then(|()| file.sync_all())
            .context(|| format!("writing {}", self.partial.display()))?;
        std::fs::rename(&self.partial, &self.out).context(|| {
            format!(
                "renaming {} to {}",
                self.partial.display(),
                self.out.display()
            )
        })?;
        Ok(self.out.clone())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Only a finished archive is renamed; anything else is removed.
        let _ = std::fs::remove_file(&self.partial);
    }
}
