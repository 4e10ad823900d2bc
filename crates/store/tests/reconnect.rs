//! The store when the database drops its connections or cannot be written (issue 16). On PostgreSQL (when
//! `SNITFLADE_TEST_DATABASE_URL` is set) the server ends the store's connections: a write that lost its connection
//! before committing is run again on a new one; while the database refuses connections writes fail at once with
//! `Unavailable` and work again within seconds after. On both engines a read-only database fails the write probe
//! and every write.

use snitflade_store::testing::{DATABASE_URL_VAR, TestDb};
use snitflade_store::{Store, StoreError, leases};
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

fn postgres_base() -> Option<String> {
    let base = std::env::var(DATABASE_URL_VAR).ok();
    if base.is_none() {
        eprintln!("{DATABASE_URL_VAR} is not set: the PostgreSQL part of this test needs it (.ci/run sets it)");
    }
    base
}

/// The database's name (the last segment of its URL).
fn name(db: &TestDb) -> &str {
    db.url.rsplit('/').next().unwrap()
}

/// Runs `sql` on the server of `base` (an administrative connection, not to the test database).
async fn admin(base: &str, sql: String) {
    let mut conn = PgConnection::connect(base).await.unwrap();
    sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(sql))
        .await
        .unwrap();
}

/// Ends every connection to the test database, as a restarting server or a DBA would.
async fn end_connections(base: &str, db: &TestDb) {
    admin(
        base,
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            name(db)
        ),
    )
    .await;
}

/// A small write: takes the lease `name`.
async fn write(store: &Store, name: &'static str) -> Result<bool, StoreError> {
    store
        .write(move |c| {
            Box::pin(async move {
                leases::acquire(
                    c,
                    name,
                    "test",
                    "2026-01-01T00:00:00.000000Z",
                    "2999-01-01T00:00:00.000000Z",
                )
                .await
            })
        })
        .await
}

async fn leases_held(store: &Store) -> i64 {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM leases")
        .fetch_one(store.pool())
        .await
        .unwrap();
    sqlx::Row::get(&row, "n")
}

#[tokio::test]
async fn a_write_whose_connection_was_ended_before_it_committed_runs_on_a_new_one() {
    let Some(base) = postgres_base() else {
        return;
    };
    let db = TestDb::postgres(base.clone()).await;
    let store = db.open().await;
    assert!(write(&store, "before").await.unwrap());
    end_connections(&base, &db).await;
    // Nothing was committed on the ended connection, so the writer runs the batch again on a new one.
    assert!(
        write(&store, "after")
            .await
            .expect("the write after the connections were ended")
    );
    // The pool replaces its ended connections too.
    assert_eq!(leases_held(&store).await, 2);
    store.check_writable(Duration::from_secs(1)).await.unwrap();
    store.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn writes_fail_at_once_while_the_database_refuses_connections_and_work_again_soon_after() {
    let Some(base) = postgres_base() else {
        return;
    };
    let db = TestDb::postgres(base.clone()).await;
    let store = db.open().await;
    assert!(write(&store, "before").await.unwrap());
    admin(&base, format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", name(&db))).await;
    end_connections(&base, &db).await;

    let e = write(&store, "during").await.unwrap_err();
    assert!(e.is_unavailable(), "{e}");
    // Without a connection, writes are answered at once rather than queued.
    let started = Instant::now();
    let e = write(&store, "during").await.unwrap_err();
    assert!(matches!(e, StoreError::Unavailable(_)), "{e}");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    let e = store.check_writable(Duration::from_millis(500)).await.unwrap_err();
    assert!(e.is_unavailable(), "{e}");

    admin(&base, format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", name(&db))).await;
    let back = Instant::now();
    while write(&store, "after").await.is_err() {
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "writes still fail 5 s after the database took connections again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "writes worked again {:?} after the database took connections",
        back.elapsed()
    );
    store.check_writable(Duration::from_secs(1)).await.unwrap();
    assert_eq!(leases_held(&store).await, 2, "the write while refused was not stored");
    store.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_read_only_database_fails_the_write_probe_and_every_write_on_every_engine() {
    // SQLite: the file opened read-only (as SQLite opens a file the process may not write).
    let db = TestDb::sqlite();
    db.open().await.close().await;
    let store = Store::open(&db.url.replace("mode=rwc", "mode=ro")).await.unwrap();
    let e = store.check_writable(Duration::from_secs(1)).await.unwrap_err();
    assert!(e.to_string().contains("readonly"), "{e}");
    assert!(write(&store, "refused").await.is_err());
    store.close().await;

    let Some(base) = postgres_base() else {
        return;
    };
    let db = TestDb::postgres(base.clone()).await;
    let store = db.open().await;
    store.check_writable(Duration::from_secs(1)).await.unwrap();
    admin(
        &base,
        format!("ALTER DATABASE {} SET default_transaction_read_only = on", name(&db)),
    )
    .await;
    end_connections(&base, &db).await;
    let e = store.check_writable(Duration::from_secs(1)).await.unwrap_err();
    assert!(e.to_string().contains("read-only transaction"), "{e}");
    assert!(write(&store, "refused").await.is_err());

    admin(
        &base,
        format!("ALTER DATABASE {} RESET default_transaction_read_only", name(&db)),
    )
    .await;
    end_connections(&base, &db).await;
    store.check_writable(Duration::from_secs(1)).await.unwrap();
    assert!(write(&store, "accepted").await.unwrap());
    store.close().await;
    db.cleanup().await;
}
