//! Opening the database: engine choice from the URL, connection settings, migrations, and the [`Store`] handle.

use crate::writer::Writer;
use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;

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

/// Settings every SQLite connection gets: WAL, full fsync on commit, foreign keys, a busy timeout, and a page
/// cache of 32 MiB (so the hot B-tree pages stay in the process rather than being re-read from the OS).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 5000; PRAGMA cache_size = -32768;";

async fn configure(conn: &mut AnyConnection, engine: Engine) -> std::result::Result<(), sqlx::Error> {
    if engine == Engine::Sqlite {
        conn.execute(SQLITE_PRAGMAS).await?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `url`, runs the migrations and starts the writer.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url)
            .ok_or_else(|| StoreError::Corrupt(format!("unsupported database URL scheme in {}", redact(url))))?;
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let writer_options = options.clone();
        let writer = Writer::start(engine, move || {
            Box::pin(async move {
                let mut conn = writer_options.connect().await?;
                configure(&mut conn, engine).await?;
                // `run_direct` rather than `run`: the latter's `Acquire` bound is not general enough inside a boxed future.
                MIGRATOR.run_direct(None, &mut conn, false).await?;
                Ok(conn)
            })
        })
        .await?;
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 8 })
            .min_connections(1)
            .after_connect(move |conn, _meta| Box::pin(configure(conn, engine)))
            .connect_with(options)
            .await?;
        Ok(Self { pool, writer, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The read pool. Writes must go through [`Store::write`].
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs `f` inside the writer's current transaction and answers once that transaction is committed.
    /// If `f` fails, its own changes are rolled back and the others in the batch are unaffected. `f` may be run
    /// twice (see `writer`), so it must only depend on what it captured and on the database.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut crate::Tx) -> crate::BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        self.writer.run(f).await
    }

    /// Whether writes are being taken (the writer task is alive).
    pub fn is_writable(&self) -> bool {
        self.writer.is_running()
    }

    /// Stops accepting writes, finishes the queued ones and closes the pool.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite:///x.db"), "sqlite:///x.db");
    }
}
