//! The data dir (SQLite database and its -wal/-shm files, PKI keys, the admin token, Personalemappe's documents)
//! holds CPR numbers and secrets, so only its owner may read it: every command that opens it sets the process
//! umask to 0o077 first ([`restrict_umask`]), and [`prepare`] creates it 0700 and takes group and other access
//! away from anything an older version (or a hand-made copy) left readable, logging a warning naming what it fixed.

use std::io;
use std::path::{Path, PathBuf};

/// Most paths a warning names one by one; the rest are counted.
const NAMED_IN_WARNING: usize = 20;

/// Makes every file and directory this process creates from now on private to its owner (umask 0o077). Call it
/// at process start, before any thread is started, in every command that writes the data dir.
pub fn restrict_umask() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// One path whose group/other permission bits were removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub path: PathBuf,
    /// The permission bits before and after (`0o644` → `0o600`).
    pub from: u32,
    pub to: u32,
}

/// Creates the data dir (mode 0700) if needed, makes the dir and everything under it (recursively; symbolic links
/// are not followed) inaccessible to group and others, and answers its canonical path and what was fixed. A
/// warning is logged when anything had to be fixed.
pub fn prepare(dir: &Path) -> io::Result<(PathBuf, Vec<Fixed>)> {
    create_private_dir(dir)?;
    let dir = dir.canonicalize()?;
    let mut fixed = Vec::new();
    restrict(&dir, &mut fixed)?;
    if !fixed.is_empty() {
        let named: Vec<String> = fixed
            .iter()
            .take(NAMED_IN_WARNING)
            .map(|f| format!("{} ({:o} -> {:o})", f.path.display(), f.from, f.to))
            .collect();
        let more = fixed.len().saturating_sub(NAMED_IN_WARNING);
        tracing::warn!(
            data_dir = %dir.display(),
            fixed = fixed.len(),
            paths = %named.join(", "),
            more,
            "the data dir was readable by group or others: their access was removed (it holds CPR numbers and keys)"
        );
    }
    Ok((dir, fixed))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn restrict(path: &Path, fixed: &mut Vec<Fixed>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        let to = mode & !0o077;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(to))?;
        fixed.push(Fixed {
            path: path.to_path_buf(),
            from: mode,
            to,
        });
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            restrict(&entry?.path(), fixed)?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _fixed: &mut Vec<Fixed>) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_dir_is_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/data");
        let (canonical, fixed) = prepare(&dir).unwrap();
        assert_eq!(canonical, dir.canonicalize().unwrap());
        assert_eq!(mode(&dir), 0o700);
        assert!(fixed.is_empty());
    }

    #[test]
    fn group_and_other_access_is_removed_recursively_but_links_are_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        std::fs::create_dir_all(dir.join("pki/clients")).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("snitflade.db"), b"x").unwrap();
        std::fs::set_permissions(dir.join("snitflade.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(dir.join("pki/clients/key.pem"), b"k").unwrap();
        std::fs::set_permissions(dir.join("pki/clients/key.pem"), std::fs::Permissions::from_mode(0o640)).unwrap();
        std::fs::set_permissions(dir.join("pki/clients"), std::fs::Permissions::from_mode(0o750)).unwrap();
        let outside = root.path().join("outside.txt");
        std::fs::write(&outside, b"o").unwrap();
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();

        let (_, fixed) = prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("snitflade.db")), 0o600);
        assert_eq!(mode(&dir.join("pki/clients")), 0o700);
        assert_eq!(mode(&dir.join("pki/clients/key.pem")), 0o600);
        assert_eq!(mode(&outside), 0o644, "a link's target outside is left alone");
        assert_eq!(
            fixed.len(),
            5,
            "the dir, pki/, pki/clients/, the db and the key: {fixed:?}"
        );
        assert!(
            fixed
                .iter()
                .any(|f| f.path.ends_with("snitflade.db") && f.from == 0o644 && f.to == 0o600)
        );
        // Fixed once: the next start has nothing to do.
        assert!(prepare(&dir).unwrap().1.is_empty());
    }
}
