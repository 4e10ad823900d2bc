//! The event outbox: every accepted change's event lands here in the same transaction as the change (see
//! `writer`), numbered in distribution order. The Beskedfordeler delivers from it.

use crate::Result;
use serde::Serialize;
use sqlx::Row;

/// An event to record with a change; emit it with `Tx::emit` inside the write that makes the change.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub interface: &'static str,
    pub municipality: Option<String>,
    pub object_id: Option<String>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub interface: String,
    pub municipality: Option<String>,
    pub object_id: Option<String>,
    pub payload: serde_json::Value,
    pub created_at: String,
}

/// Events after `after_seq`, in order.
pub async fn after<'e, E>(executor: E, after_seq: i64, limit: i64) -> Result<Vec<Event>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT seq, id, kind, interface, municipality, object_id, payload, created_at FROM outbox \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter().map(event).collect()
}

/// An outbox row as an [`Event`].
pub(crate) fn event(r: &sqlx::any::AnyRow) -> Result<Event> {
    let payload: String = r.try_get("payload")?;
    Ok(Event {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        interface: r.try_get("interface")?,
        municipality: r.try_get("municipality")?,
        object_id: r.try_get("object_id")?,
        payload: serde_json::from_str(&payload).map_err(crate::corrupt)?,
        created_at: r.try_get("created_at")?,
    })
}
