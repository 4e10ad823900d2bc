//! `snitflade backup`: a consistent copy of everything a server needs, taken while it runs. The database first —
//! SQLite by `VACUUM INTO` (an online snapshot; the server keeps writing), PostgreSQL by `pg_dump --format=custom`
//! — then the files: `pki/`, `admin-token`, the Personalemappe document contents and the audit archives.
//! Document files are written before the rows that name them are committed, so every document in the snapshot
//! has its file in the copy. A SQLite backup directory is itself a data dir: restore it by putting it in place
//! (`--data-dir` pointing at it) while no server runs on it.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: crate::StoreArgs,
    /// The directory to write the backup to; it must not exist yet (or be empty). Created readable by the
    /// owner only.
    #[arg(long)]
    pub out: PathBuf,
}

/// What a backup holds, written to `BACKUP.txt` in it and printed.
struct Manifest {
    database: String,
    files: u64,
    bytes: u64,
}

pub async fn run(args: BackupArgs) -> Result<std::process::ExitCode> {
    let out = args.out.clone();
    let mut file = args.store.file_config()?;
    let location = args.store.clone().location(&mut file);
    let data_dir = location.data_dir.clone();
    if !data_dir.join("pki").exists() && !data_dir.join("snitflade.db").exists() {
        bail!(
            "{} is not a snitflade data dir (it has neither pki/ nor snitflade.db)",
            data_dir.display()
        );
    }
    prepare_out(&out)?;
    let database = match location.database_url.as_deref() {
        Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
            pg_dump(url, &out.join("snitflade.pgdump"))?;
            "PostgreSQL: snitflade.pgdump (pg_dump --format=custom; restore with pg_restore)".to_owned()
        }
        _ => {
            let store = args.store.open().await?;
            let target = out.join("snitflade.db");
            store
                .backup_into(&target)
                .await
                .with_context(|| format!("writing the database snapshot {}", target.display()))?;
            store.close().await;
            "SQLite: snitflade.db (VACUUM INTO, a consistent snapshot)".to_owned()
        }
    };
    let mut manifest = Manifest {
        database,
        files: 0,
        bytes: 0,
    };
    for name in ["pki", "admin-token", "documents", "archive"] {
        copy_tree(&data_dir.join(name), &out.join(name), &mut manifest)
            .with_context(|| format!("copying {}", data_dir.join(name).display()))?;
    }
    let text = format!(
        "snitflade backup\ntaken: {}\nversion: {}\nfrom: {}\ndatabase: {}\nfiles: {} ({} bytes)\n",
        jiff::Timestamp::now(),
        env!("CARGO_PKG_VERSION"),
        data_dir.display(),
        manifest.database,
        manifest.files,
        manifest.bytes
    );
    std::fs::write(out.join("BACKUP.txt"), &text)?;
    print!("{text}");
    Ok(std::process::ExitCode::SUCCESS)
}

/// Creates the backup directory (0700), refusing one that holds anything: a backup never mixes with another.
fn prepare_out(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
        if entries.next().is_some() {
            bail!("{} is not empty; a backup goes into a new directory", out.display());
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Runs `pg_dump` (from the PostgreSQL client tools, which must be on PATH and not older than the server). The
/// password goes to it in `PGPASSWORD`, not on its command line, where other users of the machine could read it.
fn pg_dump(url: &str, target: &Path) -> Result<()> {
    let mut parsed = url::Url::parse(url).context("reading the database URL")?;
    let password = parsed
        .password()
        .map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
    let _ = parsed.set_password(None);
    let mut command = std::process::Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(target)
        .arg("--dbname")
        .arg(parsed.as_str());
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    match command.status() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "pg_dump was not found on PATH: install PostgreSQL's client tools (Debian: postgresql-client) in the \
             server's major version, or take the database backup with your own pg_dump"
        ),
        Err(e) => Err(e).context("starting pg_dump"),
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("pg_dump failed ({s}); see its message above"),
    }
}

/// Copies a file or a directory tree (skipping `documents/tmp`, the uploads under way), keeping it private.
fn copy_tree(from: &Path, to: &Path, manifest: &mut Manifest) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(from) else {
        return Ok(());
    };
    if meta.is_dir() {
        if from.file_name().is_some_and(|n| n == "tmp") && from.parent().is_some_and(|p| p.ends_with("documents")) {
            return Ok(());
        }
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()), manifest)?;
        }
    } else if meta.is_file() {
        manifest.bytes += std::fs::copy(from, to)?;
        manifest.files += 1;
    }
    Ok(())
}
