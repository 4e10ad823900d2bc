//! The event outbox: every accepted change writes its event here in the same transaction, numbered in
//! distribution order. The Beskedfordeler delivers from it.

use crate::{Result, now_text};
use serde::Serialize;
use sqlx::{AnyConnection, AnyPool, Row};

/// An event to record with a change.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub interface: &'a str,
    pub municipality: Option<&'a str>,
    pub object_id: Option<&'a str>,
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

/// Appends an event; the sequence number is assigned here (all writes go through the one writer, so
/// `MAX(seq) + 1` is race-free).
pub async fn append(c: &mut AnyConnection, e: NewEvent<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (seq, id, kind, interface, municipality, object_id, payload, created_at) \
         SELECT COALESCE(MAX(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7 FROM outbox",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(e.kind)
    .bind(e.interface)
    .bind(e.municipality)
    .bind(e.object_id)
    .bind(e.payload.to_string())
    .bind(now_text())
    .execute(c)
    .await?;
    Ok(())
}

/// Events after `after_seq`, in order.
pub async fn after(pool: &AnyPool, after_seq: i64, limit: i64) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT seq, id, kind, interface, municipality, object_id, payload, created_at FROM outbox \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
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
        })
        .collect()
}
