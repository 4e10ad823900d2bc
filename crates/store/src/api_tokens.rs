//! Storage of the admin API's named tokens (migration 0020): who a token authenticates (role and scope), its life
//! (created, expires, last used, revoked) and the SHA-256 of its secret — never the secret itself.

use crate::Result;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A token as stored and listed (without its secret's digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// `operator`, `municipality`, `vendor` or `auditor`.
    pub role: String,
    /// The kommunekode of a municipality token, the vendor id of a vendor token.
    pub scope: Option<String>,
    pub created_at: String,
    /// The principal that created it (`operator (admin-token)`, `municipality:0340 (token …)`).
    pub created_by: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str =
    "id, name, role, scope, created_at, created_by, expires_at, last_used_at, revoked_at FROM api_tokens";

fn token(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        scope: r.try_get("scope")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// Stores a new token with its secret's digest.
pub async fn insert(c: &mut AnyConnection, t: &ApiToken, secret_sha256: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, name, role, scope, secret_sha256, created_at, created_by, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&t.id)
    .bind(&t.name)
    .bind(&t.role)
    .bind(t.scope.as_deref())
    .bind(secret_sha256)
    .bind(&t.created_at)
    .bind(&t.created_by)
    .bind(t.expires_at.as_deref())
    .execute(c)
    .await?;
    Ok(())
}

/// The token whose secret has this digest, if any (revoked and expired ones too: the caller tells them apart).
pub async fn by_digest<'e, E>(executor: E, secret_sha256: &str) -> Result<Option<ApiToken>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE secret_sha256 = $1"
    )))
    .bind(secret_sha256)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(token).transpose()
}

pub async fn by_id<'e, E>(executor: E, id: &str) -> Result<Option<ApiToken>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(token).transpose()
}

/// The tokens of one role and scope (both given) or all (neither), newest first.
pub async fn list<'e, E>(executor: E, role_and_scope: Option<(&str, Option<&str>)>) -> Result<Vec<ApiToken>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (role, scope) = role_and_scope.unzip();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE ($1 IS NULL OR (role = $1 AND scope = $2)) ORDER BY created_at DESC, id"
    )))
    .bind(role)
    .bind(scope.flatten())
    .fetch_all(executor)
    .await?;
    rows.iter().map(token).collect()
}

/// Revokes a token. Answers whether a live token was revoked (false: unknown or revoked already).
pub async fn revoke(c: &mut AnyConnection, id: &str, now: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records a use of the token at `now`.
pub async fn touch(c: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}
