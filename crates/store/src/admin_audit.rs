//! The append-only log of admin actions: who did what to which object, when. There is deliberately no update or
//! delete here.

use crate::{Result, corrupt};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Serialize)]
pub struct AdminAuditEntry {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub detail: serde_json::Value,
}

/// Appends one entry (in the caller's transaction, so the log and the change commit together).
pub async fn record(
    c: &mut AnyConnection,
    actor: &str,
    action: &str,
    object_type: &str,
    object_id: &str,
    detail: &serde_json::Value,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO admin_audit (id, at, actor, action, object_type, object_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(object_type)
    .bind(object_id)
    .bind(detail.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// The newest entries first, optionally of one object type.
pub async fn list<'e, E>(executor: E, object_type: Option<&str>, limit: i64) -> Result<Vec<AdminAuditEntry>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT id, at, actor, action, object_type, object_id, detail FROM admin_audit \
         WHERE ($1 = '' OR object_type = $1) ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(object_type.unwrap_or(""))
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AdminAuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                object_type: r.try_get("object_type")?,
                object_id: r.try_get("object_id")?,
                detail: serde_json::from_str(&r.try_get::<String, _>("detail")?).map_err(corrupt)?,
            })
        })
        .collect()
}
