//! PostgreSQL over TLS: a `sslmode=require` URL gives the store (writer and read pool) encrypted connections.
//! Needs `SNITFLADE_TEST_DATABASE_URL` pointing at a server with `ssl = on` (.ci/run's PostgreSQL has it); fails,
//! never skips, without it.

use snitflade_store::testing::{DATABASE_URL_VAR, TestDb};
use snitflade_store::{Store, leases};

#[tokio::test]
async fn sslmode_require_gives_encrypted_connections() {
    let base = std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| panic!("{DATABASE_URL_VAR} is not set"));
    let db = TestDb::postgres(base).await;
    let url = format!("{}?sslmode=require", db.url);
    let store = Store::open(&url).await.unwrap_or_else(|e| panic!("opening {url}: {e}"));
    // The writer's connection works over TLS...
    let taken = store
        .write(|c| Box::pin(async move { leases::acquire(c, "tls-test", "me", "2026-01-01", "2099-01-01").await }))
        .await
        .unwrap();
    assert!(taken);
    // ...and so does the read pool's: the server says this session is encrypted.
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(ssl, "the read connection is not encrypted");
    let encrypted_sessions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid \
         WHERE a.datname = current_database() AND s.ssl",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(
        encrypted_sessions >= 2,
        "writer and reader encrypted: {encrypted_sessions}"
    );
    store.close().await;
    db.cleanup().await;
}
