//! Personalemappe's document contents as files, content-addressed: `<root>/<first two hex digits>/<sha256>`.
//! A content is written to a temporary file under `<root>/tmp/`, synced, renamed into place and its directory
//! synced before the document's row is committed, so a crash leaves at most an unreferenced file, never a row
//! without its content. Two documents with the same content share one file.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The document content files under one root directory. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DocumentFiles {
    root: PathBuf,
}

/// Whether `s` is a SHA-256 in lower-case hex (so it is safe as a file name).
fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl DocumentFiles {
    /// Opens (creating) the store under `root` and removes the temporary files an interrupted upload of an
    /// earlier run left behind. Call it once, before uploads are taken.
    pub fn open(root: &Path) -> io::Result<Self> {
        let tmp = root.join("tmp");
        fs::create_dir_all(&tmp)?;
        for entry in fs::read_dir(&tmp)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the content with this SHA-256 (lower-case hex) lives.
    pub fn path(&self, sha256: &str) -> io::Result<PathBuf> {
        if !is_sha256_hex(sha256) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256 in hex"));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// A new temporary content file to write into.
    pub fn create(&self) -> io::Result<NewContent> {
        let temp = self
            .root
            .join("tmp")
            .join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let file = File::create_new(&temp)?;
        Ok(NewContent {
            file: Some(file),
            temp,
            files: self.clone(),
        })
    }

    /// The stored content with this SHA-256, for reading.
    pub fn open_content(&self, sha256: &str) -> io::Result<File> {
        File::open(self.path(sha256)?)
    }
}

/// A content being written. Dropped without [`NewContent::persist`], its temporary file is removed.
#[derive(Debug)]
pub struct NewContent {
    file: Option<File>,
    temp: PathBuf,
    files: DocumentFiles,
}

impl NewContent {
    /// Appends to the content.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(chunk),
            None => Err(io::Error::other("content already persisted")),
        }
    }

    /// Syncs the content to disk and moves it into place as `sha256` (which the caller computed while writing),
    /// then syncs the directory; the blocking work runs on tokio's blocking pool. Content that is stored already
    /// (the same bytes uploaded before) is kept and the new copy dropped.
    pub async fn persist(mut self, sha256: &str) -> io::Result<PathBuf> {
        let target = self.files.path(sha256)?;
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("content already persisted"))?;
        let temp = std::mem::take(&mut self.temp);
        let root = self.files.root.clone();
        tokio::task::spawn_blocking(move || -> io::Result<PathBuf> {
            let done = (|| {
                file.sync_all()?;
                drop(file);
                let dir = target.parent().expect("a parent directory");
                if !dir.exists() {
                    fs::create_dir_all(dir)?;
                    sync_dir(&root)?;
                }
                if target.exists() {
                    fs::remove_file(&temp)?;
                } else {
                    fs::rename(&temp, &target)?;
                    sync_dir(dir)?;
                }
                Ok(target)
            })();
            if done.is_err() {
                let _ = fs::remove_file(&temp);
            }
            done
        })
        .await
        .map_err(io::Error::other)?
    }
}

impl Drop for NewContent {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[tokio::test]
    async fn content_is_written_synced_and_moved_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let files = DocumentFiles::open(dir.path()).unwrap();
        let mut c = files.create().unwrap();
        c.write(b"te").unwrap();
        c.write(b"st").unwrap();
        let path = c.persist(SHA).await.unwrap();
        assert_eq!(path, dir.path().join("9f").join(SHA));
        assert_eq!(fs::read(&path).unwrap(), b"test");
        // The same content again: the file stays, the new copy goes.
        let mut again = files.create().unwrap();
        again.write(b"test").unwrap();
        again.persist(SHA).await.unwrap();
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        let mut read = String::new();
        io::Read::read_to_string(&mut files.open_content(SHA).unwrap(), &mut read).unwrap();
        assert_eq!(read, "test");
    }

    #[tokio::test]
    async fn abandoned_and_leftover_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let files = DocumentFiles::open(dir.path()).unwrap();
        let mut c = files.create().unwrap();
        c.write(b"half").unwrap();
        drop(c);
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        // A crash mid-upload leaves a part file; the next start removes it.
        fs::write(dir.path().join("tmp").join("x.part"), b"half").unwrap();
        DocumentFiles::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        assert!(files.path("../etc/passwd").is_err());
        assert!(files.path(&SHA.to_uppercase()).is_err());
    }
}
