//! Fresh databases for the test suites of this and other crates (cargo feature `test-support`): SQLite always,
//! and PostgreSQL when `SNITFLADE_TEST_DATABASE_URL` is set. Then the server must be reachable: a test that
//! cannot reach it fails, it never skips.

use sqlx::Connection;

use crate::{Engine, Store};

/// The variable naming a PostgreSQL server (any database on it) the tests may create databases on.
pub const DATABASE_URL_VAR: &str = "SNITFLADE_TEST_DATABASE_URL";

/// A fresh, empty database. A PostgreSQL one is a database of its own, dropped by [`TestDb::cleanup`].
pub struct TestDb {
    pub url: String,
    pub engine: Engine,
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and the database's name.
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A SQLite database in a temporary directory (removed when this is dropped).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        TestDb {
            url: crate::db::sqlite_url_in(dir.path()),
            engine: Engine::Sqlite,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// SQLite, and PostgreSQL when `SNITFLADE_TEST_DATABASE_URL` is set (panics if it is unreachable).
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![Self::sqlite()];
        if let Ok(base) = std::env::var(DATABASE_URL_VAR) {
            dbs.push(Self::postgres(base).await);
        }
        dbs
    }

    /// A new database on the server of `base` (a PostgreSQL URL with a path); panics if it cannot be created.
    pub async fn postgres(base: String) -> TestDb {
        let mut conn = sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("{DATABASE_URL_VAR} is set but unreachable: {e}"));
        let name = format!("snitflade_t_{}", uuid::Uuid::new_v4().simple());
        sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let without_query = base.split('?').next().unwrap_or(&base);
        let (server, _) = without_query.rsplit_once('/').expect("a database URL with a path");
        TestDb {
            url: format!("{server}/{name}"),
            engine: Engine::Postgres,
            _dir: None,
            pg: Some((base, name)),
        }
    }

    pub async fn open(&self) -> Store {
        Store::open(&self.url)
            .await
            .unwrap_or_else(|e| panic!("opening {}: {e}", self.url))
    }

    /// Drops a PostgreSQL database (its connections are closed by force); nothing for SQLite.
    pub async fn cleanup(&self) {
        if let Some((base, name)) = &self.pg {
            let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
            sqlx::Executor::execute(
                &mut conn,
                sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
            )
            .await
            .unwrap();
        }
    }
}
