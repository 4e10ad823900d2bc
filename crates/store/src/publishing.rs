//! Storage of the Beskedfordeler's publishing side (migration 0011): publisher tokens (kept as SHA-256 digests)
//! and the BeskedIds received so far (duplicate suppression of a publisher's resends).

use crate::Result;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A publisher token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublisherToken {
    pub id: String,
    pub system_id: String,
    pub system_name: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "t.id, t.system_id, s.name AS system_name, t.created_at, t.expires_at, t.revoked_at FROM publisher_tokens t \
     JOIN systems s ON s.id = t.system_id";

fn token(r: &AnyRow) -> Result<PublisherToken> {
    Ok(PublisherToken {
        id: r.try_get("id")?,
        system_id: r.try_get("system_id")?,
        system_name: r.try_get("system_name")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// Stores a new token's digest.
pub async fn add_token(c: &mut AnyConnection, t: &PublisherToken, sha256_hex: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO publisher_tokens (id, system_id, token_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.id)
    .bind(&t.system_id)
    .bind(sha256_hex)
    .bind(&t.created_at)
    .bind(&t.expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The token with this digest, if any (revoked and expired ones too: the caller tells them apart).
pub async fn token_by_digest<'e, E>(executor: E, sha256_hex: &str) -> Result<Option<PublisherToken>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE t.token_sha256 = $1"
    )))
    .bind(sha256_hex)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(token).transpose()
}

/// A system's tokens, newest first.
pub async fn tokens<'e, E>(executor: E, system_id: &str) -> Result<Vec<PublisherToken>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE t.system_id = $1 ORDER BY t.created_at DESC, t.id"
    )))
    .bind(system_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(token).collect()
}

/// Revokes a token. Answers whether one of the system's live tokens was revoked.
pub async fn revoke_token(c: &mut AnyConnection, system_id: &str, id: &str, now: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE publisher_tokens SET revoked_at = $3 WHERE id = $1 AND system_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(system_id)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Who first published a BeskedId, if anyone.
pub async fn received_by<'e, E>(executor: E, besked_id: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT publisher_system_id FROM received_messages WHERE besked_id = $1")
        .bind(besked_id)
        .fetch_optional(executor)
        .await?;
    Ok(row.map(|r| r.try_get("publisher_system_id")).transpose()?)
}

/// Records a received BeskedId. Answers false when it was already there (a resend).
pub async fn record_received(
    c: &mut AnyConnection,
    besked_id: &str,
    publisher_system_id: &str,
    message_id: Option<&str>,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO received_messages (besked_id, publisher_system_id, message_id, received_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (besked_id) DO NOTHING",
    )
    .bind(besked_id)
    .bind(publisher_system_id)
    .bind(message_id)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Forgets the BeskedIds received before `cutoff` (a resend after that is kept again). Answers how many.
pub async fn forget_received_before(c: &mut AnyConnection, cutoff: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM received_messages WHERE received_at < $1")
        .bind(cutoff)
        .execute(c)
        .await?;
    Ok(done.rows_affected())
}
