//! Large answers kept in a file while they are built: a Medarbejderoplysninger List of thousands of employees is
//! written page by page to an unnamed temporary file (it has no name, so it is gone when its last handle closes,
//! crash included) and streamed from there to the client, so the server holds a page of the answer, not the
//! answer. The answer cannot go to the client as it is built: its `StandardRetur` comes first and says whether
//! the time budget cut the list short (StatusKode 103), which is known only at the end.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

/// Answer text held in memory before it goes to a file: smaller answers never touch the disk.
pub const SPOOL_AT: usize = 1 << 20;

/// Text written to a temporary file in a directory, created at the first write.
pub struct Spool {
    dir: PathBuf,
    file: Option<File>,
    len: u64,
}

impl Spool {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            file: None,
            len: 0,
        }
    }

    /// Appends `text` (on a blocking thread: a page of an answer, written to the page cache, never synced).
    pub async fn write(&mut self, text: String) -> io::Result<()> {
        let file = self.file.take();
        let dir = self.dir.clone();
        let (file, written) = tokio::task::spawn_blocking(move || {
            let file = match file {
                Some(f) => f,
                None => tempfile::tempfile_in(&dir)?,
            };
            let written = (&file).write_all(text.as_bytes()).map(|()| text.len() as u64);
            Ok::<_, io::Error>((file, written))
        })
        .await
        .map_err(io::Error::other)??;
        self.file = Some(file);
        self.len += written?;
        Ok(())
    }

    /// Whether anything went to the file.
    pub fn started(&self) -> bool {
        self.file.is_some()
    }

    /// The text written, to be read back; `None` if nothing was.
    pub fn finish(self) -> Option<Spooled> {
        self.file.map(|file| Spooled {
            file: Arc::new(file),
            len: self.len,
        })
    }
}

/// A finished spooled text, read in pieces with [`Spooled::read_at`]. Cheap to clone (the file is shared).
#[derive(Debug, Clone)]
pub struct Spooled {
    file: Arc<File>,
    len: u64,
}

impl PartialEq for Spooled {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.file, &other.file)
    }
}

impl Eq for Spooled {}

impl Spooled {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Up to `max` bytes from `offset` (fewer only at the end). Blocking.
    pub fn read_at(&self, offset: u64, max: usize) -> io::Result<Vec<u8>> {
        let want = usize::try_from(self.len.saturating_sub(offset)).map_or(max, |left| left.min(max));
        let mut buf = vec![0; want];
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spooled_text_reads_back_in_pieces_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::new(dir.path().to_path_buf());
        assert!(!spool.started());
        spool.write("<a>1</a>".to_owned()).await.unwrap();
        spool.write("<a>2</a>".to_owned()).await.unwrap();
        assert!(spool.started());
        let spooled = spool.finish().unwrap();
        assert_eq!(spooled.len(), 16);
        assert_eq!(spooled.read_at(0, 5).unwrap(), b"<a>1<");
        assert_eq!(spooled.read_at(5, 100).unwrap(), b"/a><a>2</a>");
        assert!(spooled.read_at(16, 100).unwrap().is_empty());
        // The file has no name in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(Spool::new(dir.path().to_path_buf()).finish().is_none());
    }
}
