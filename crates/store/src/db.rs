//! Opening the database: engine choice from the URL, connection settings, migrations, and the [`Store`] handle.

use crate::writer::{Connect, Writer};
use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// One portable schema for both engines. (SQLite-only storage forms — WITHOUT ROWID, rowid sequences — were
/// measured with the load driver and made no difference, so the schema is written once.)
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// The storage handle: a read pool plus the single writer. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    writer: Writer,
    engine: Engine,
}

/// The SQLite URL of `snitflade.db` in a data dir.
pub fn sqlite_url_in(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("snitflade.db").display())
}

/// Settings every SQLite connection gets: WAL, full fsync on commit, foreign keys and a busy timeout.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 5000;";

/// The writer's page cache, in KiB: 32 MiB, so the B-tree pages its inserts touch stay in the process.
const WRITER_CACHE_KIB: u32 = 32 * 1024;

/// Each read connection's page cache, in KiB. Caches are per connection and are not given back, so a large read
/// (a List of every employee) would leave up to the pool's size × this in the process; pages beyond it are read
/// from the operating system's page cache, which is shared and given back under pressure.
const READER_CACHE_KIB: u32 = 8 * 1024;

async fn configure(conn: &mut AnyConnection, engine: Engine, cache_kib: u32) -> std::result::Result<(), sqlx::Error> {
    if engine == Engine::Sqlite {
        conn.execute(SQLITE_PRAGMAS).await?;
        // A number of our own, not a client's: safe in the statement's text.
        conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{cache_kib}")))
            .await?;
    }
    Ok(())
}

/// The longest opening a connection may take (a host that does not answer at all), at start and when reconnecting.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a read waits for a pooled connection before it fails: short, so that a read while the database is
/// away answers with an error within seconds instead of hanging (the pool retries a refused connection until then).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `e` means the connection is broken — lost, closed, or ended by the server — rather than a statement
/// failing on a working connection: then it must be dropped and a new one opened.
pub fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::PoolClosed => true,
        // PostgreSQL's class 08 (connection exception) and the server shutting down or starting up.
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// A write that changes nothing but is refused where writing is not possible (a read-only SQLite file, a
/// read-only PostgreSQL transaction or standby): the readiness probe.
const WRITE_PROBE: &str = "DELETE FROM leases WHERE 1 = 0";

impl Store {
    /// Opens (creating if needed) the database at `url`, runs the migrations and starts the writer.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url).ok_or_else(|| StoreError::UnsupportedUrl(unsupported(url)))?;
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let writer_options = options.clone();
        // The writer's connection: migrated when first opened; a new one after a lost connection gets the
        // settings again (SQLite's pragmas are per connection) but not the migrations.
        let connect: Connect = Box::new(move |first| {
            let options = writer_options.clone();
            Box::pin(async move {
                let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .map_err(|_| {
                        StoreError::Unavailable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()))
                    })??;
                configure(&mut conn, engine, WRITER_CACHE_KIB).await?;
                if first {
                    // `run_direct` rather than `run`: the latter's `Acquire` bound is not general enough inside a
                    // boxed future.
                    MIGRATOR.run_direct(None, &mut conn, false).await?;
                }
                Ok(conn)
            })
        });
        let writer = Writer::start(engine, connect).await?;
        // The pool tests a connection before handing it out (`test_before_acquire`, on by default) and replaces a
        // broken one, so reads recover by themselves when the database is back.
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 8 })
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _meta| Box::pin(configure(conn, engine, READER_CACHE_KIB)))
            .connect_with(options)
            .await?;
        Ok(Self { pool, writer, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Changes each time this process's writer has committed outbox events ([`Writer::events_committed`]).
    pub fn events_committed(&self) -> tokio::sync::watch::Receiver<u64> {
        self.writer.events_committed()
    }

    /// The read pool. Writes must go through [`Store::write`].
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs `f` inside the writer's current transaction and answers once that transaction is committed.
    /// If `f` fails, its own changes are rolled back and the others in the batch are unaffected. `f` may be run
    /// more than once (see `writer`), so it must only depend on what it captured and on the database. Without a
    /// connection to the database it fails at once with [`StoreError::Unavailable`].
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut crate::Tx) -> crate::BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        self.writer.run(f).await
    }

    /// [`Store::write`] for a write that checks no rule against other writes — its only conflict a unique key the
    /// database enforces — so that on PostgreSQL it need not wait for other instances' writers
    /// ([`crate::writer`]).
    pub async fn write_independent<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut crate::Tx) -> crate::BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        self.writer.run_independent(f).await
    }

    /// Whether writes are being taken (the writer task is alive).
    pub fn is_writable(&self) -> bool {
        self.writer.is_running()
    }

    /// Whether the database takes writes now: a write that changes nothing, through the writer, answered within
    /// `within`. Fails at once while the writer has no connection; fails with the database's refusal on a
    /// read-only database; and fails when the writer does not answer in time (stalled, or busy with a long batch).
    pub async fn check_writable(&self, within: Duration) -> Result<()> {
        let probe = self.write(|c| {
            Box::pin(async move {
                c.execute(WRITE_PROBE).await?;
                Ok(())
            })
        });
        match tokio::time::timeout(within, probe).await {
            Ok(done) => done,
            Err(_) => Err(StoreError::Unavailable(format!(
                "the writer did not answer within {} ms",
                within.as_millis()
            ))),
        }
    }

    /// Writes a consistent snapshot of a SQLite database to `target` (which must not exist) with `VACUUM INTO`:
    /// online — writers carry on — and compact. PostgreSQL is backed up with `pg_dump`, so it is refused here.
    pub async fn backup_into(&self, target: &std::path::Path) -> Result<()> {
        if self.engine != Engine::Sqlite {
            return Err(StoreError::Conflict(
                "VACUUM INTO is SQLite's; back PostgreSQL up with pg_dump".into(),
            ));
        }
        let target = target
            .to_str()
            .ok_or_else(|| StoreError::Conflict("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        Ok(())
    }

    /// Stops accepting writes, finishes the queued ones and closes the pool.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Why `url` names no engine: its scheme, and the ones there are.
fn unsupported(url: &str) -> String {
    let scheme = match url.split_once(':') {
        Some((scheme, _))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            format!("the database URL scheme '{scheme}' is not supported")
        }
        _ => "the database URL has no scheme".to_owned(),
    };
    format!(
        "{scheme}: use sqlite://<file> (SQLite, the default: snitflade.db in the data dir) or \
         postgres://<user>@<host>/<database> (PostgreSQL; postgresql:// too)"
    )
}

/// The file of a SQLite URL (`sqlite://path?mode=rwc`, `sqlite:path`); `None` for another engine or an in-memory
/// database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A SQLite database served by this process: an exclusive lock on `<file>.lock` beside it, held until the process
/// ends (the kernel releases it then, however the process ended). SQLite keeps two processes from corrupting the
/// file, but a server keeps caches, the delivery lease and the outbox numbering in the process; two servers on one
/// file would each believe they are alone. Several instances share PostgreSQL instead.
#[derive(Debug)]
pub struct ServeLock {
    _file: std::fs::File,
}

impl ServeLock {
    /// Takes the lock of the database at `url`; `Ok(None)` for a database that is not a SQLite file. Refused,
    /// naming the process that holds it, when another process serves the file.
    pub fn acquire(url: &str) -> std::result::Result<Option<ServeLock>, String> {
        use std::io::{Read as _, Seek as _, Write as _};
        let Some(db) = sqlite_path(url) else {
            return Ok(None);
        };
        let mut name = db.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let path = db.with_file_name(name);
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .map_err(|e| format!("opening the lock file {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(format!(
                    "the SQLite database {} is already served by another snitflade process{} (it holds {}); SQLite \
                     serves one process: stop that one first, or run several instances on PostgreSQL",
                    db.display(),
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (pid {holder})")
                    },
                    path.display()
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(format!("locking {}: {e}", path.display())),
        }
        // Who holds it, for the message a second process gets.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = writeln!(file, "{}", std::process::id());
        Ok(Some(ServeLock { _file: file }))
    }
}

/// A database URL without its password, for messages: a password in the user info (`user:password@`) or in
/// the query (`?password=`) becomes `***`; a URL without one is shown as it is.
pub fn redact(url: &str) -> String {
    let Some(s) = url.find("://") else {
        return url.to_owned();
    };
    let (head, rest) = url.split_at(s + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{head}{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sqlite_file_is_locked_and_only_once() {
        assert_eq!(
            sqlite_path("sqlite:///d/snitflade.db?mode=rwc"),
            Some(PathBuf::from("/d/snitflade.db"))
        );
        assert_eq!(sqlite_path("sqlite:rel.db"), Some(PathBuf::from("rel.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
        assert!(ServeLock::acquire("postgres://u@h/db").unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url_in(dir.path());
        let held = ServeLock::acquire(&url).unwrap().expect("a SQLite file is locked");
        let refused = ServeLock::acquire(&url).unwrap_err();
        assert!(refused.contains(&format!("(pid {})", std::process::id())), "{refused}");
        drop(held);
        assert!(ServeLock::acquire(&url).unwrap().is_some(), "released with its holder");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite:///x.db"), "sqlite:///x.db");
    }

    #[test]
    fn only_a_password_that_is_there_is_redacted() {
        for url in [
            "mysql://u@h/db",
            "postgres://h/db",
            "postgres://u@h/db?sslmode=require",
            "postgres://h/db?application_name=a@b",
            "sqlite:///srv/a@b/snitflade.db?mode=rwc",
        ] {
            assert_eq!(redact(url), url);
        }
        assert_eq!(redact("postgres://u:p@ss@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u:@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://u@h/db?sslmode=require&password=secret"),
            "postgres://u@h/db?sslmode=require&password=***"
        );
    }

    #[tokio::test]
    async fn an_unsupported_scheme_names_the_supported_ones() {
        for (url, says) in [
            ("mysql://u@h/db", "the database URL scheme 'mysql' is not supported"),
            ("/srv/snitflade.db", "the database URL has no scheme"),
        ] {
            let Err(e) = Store::open(url).await else {
                panic!("{url} opened")
            };
            let text = e.to_string();
            assert!(text.starts_with(says), "{url}: {text}");
            assert!(text.contains("sqlite://") && text.contains("postgres://"), "{text}");
            assert!(!text.contains("inconsistent") && !text.contains("***"), "{text}");
        }
    }
}
