//! Leases (migration 0013): one row per job that only one running snitflade may do at a time, naming the holder and
//! until when it holds it. Taking and renewing is one statement, so two instances cannot both succeed.

use crate::Result;
use sqlx::AnyConnection;

/// Takes or renews the lease `name` for `holder` until `until`, if it is free, expired (`until` before `now`) or
/// already `holder`'s. Answers whether `holder` holds it now.
pub async fn acquire(c: &mut AnyConnection, name: &str, holder: &str, now: &str, until: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $4) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
         WHERE leases.holder = excluded.holder OR leases.until < $3",
    )
    .bind(name)
    .bind(holder)
    .bind(now)
    .bind(until)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Gives the lease up (only if `holder` has it), so another instance can take it at once.
pub async fn release(c: &mut AnyConnection, name: &str, holder: &str) -> Result<()> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(c)
        .await?;
    Ok(())
}

/// Forgets every lease, whoever holds it: for a database no process serves any more (a server that was killed
/// holds its leases until they expire, and the next one would wait for that). Answers how many there were.
pub async fn forget_all(c: &mut AnyConnection) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM leases").execute(c).await?.rows_affected())
}
