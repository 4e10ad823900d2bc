//! The error-handling table (§8.2 of KMD's machine-hours service description; operated through the admin API,
//! docs/src/interfaces/maskintimer.md#the-error-handling-table): what a client sent that could not be registered, kept
//! with its reason until an operator resubmits a correction, discards it or marks it resolved. History is kept.

use crate::{Result, StoreError, now_text};
use serde::Serialize;
use snitflade_domain::{ErrorStatus, ErrorType};
use sqlx::{AnyConnection, AnyPool, Row};

/// A new entry for the table.
#[derive(Debug, Clone)]
pub struct NewError<'a> {
    pub interface: &'a str,
    pub municipality: Option<&'a str>,
    pub system_id: &'a str,
    /// Who sent it, as the history shows it (the system's name).
    pub actor: &'a str,
    pub external_id: Option<&'a str>,
    pub error_type: ErrorType,
    pub message: &'a str,
    pub payload: &'a serde_json::Value,
}

/// One step in an entry's life: what happened, when, by whom, with which outcome.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct HistoryEntry {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub error_type: Option<ErrorType>,
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

/// An entry as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorItem {
    pub id: String,
    pub interface: String,
    pub municipality: Option<String>,
    pub system: String,
    pub external_id: Option<String>,
    pub error_type: ErrorType,
    pub message: String,
    pub status: ErrorStatus,
    pub received_at: String,
    pub updated_at: String,
    pub payload: serde_json::Value,
    pub history: Vec<HistoryEntry>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct ErrorFilter {
    pub status: Option<ErrorStatus>,
    pub interface: Option<String>,
    pub municipality: Option<String>,
    pub external_id: Option<String>,
    /// Only the entries of messages sent by this vendor's systems.
    pub vendor_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn insert(c: &mut AnyConnection, e: NewError<'_>) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text();
    let history = vec![HistoryEntry {
        at: now.clone(),
        action: "received".into(),
        actor: e.actor.into(),
        error_type: Some(e.error_type),
        message: Some(e.message.into()),
        payload: None,
    }];
    sqlx::query(
        "INSERT INTO error_items (id, interface, municipality, system_id, external_id, error_type, message, status, \
         received_at, updated_at, payload, history) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(e.interface)
    .bind(e.municipality)
    .bind(e.system_id)
    .bind(e.external_id)
    .bind(e.error_type.as_str())
    .bind(e.message)
    .bind(ErrorStatus::Open.as_str())
    .bind(&now)
    .bind(&now)
    .bind(e.payload.to_string())
    .bind(serde_json::to_string(&history).map_err(crate::corrupt)?)
    .execute(c)
    .await?;
    Ok(id)
}

/// The select list and join every read of the table uses.
macro_rules! select_items {
    () => {
        "SELECT e.id, e.interface, e.municipality, s.name AS system, e.external_id, e.error_type, e.message, \
         e.status, e.received_at, e.updated_at, e.payload, e.history \
         FROM error_items e JOIN systems s ON s.id = e.system_id "
    };
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<ErrorItem> {
    let error_type: String = r.try_get("error_type")?;
    let status: String = r.try_get("status")?;
    let payload: String = r.try_get("payload")?;
    let history: String = r.try_get("history")?;
    Ok(ErrorItem {
        id: r.try_get("id")?,
        interface: r.try_get("interface")?,
        municipality: r.try_get("municipality")?,
        system: r.try_get("system")?,
        external_id: r.try_get("external_id")?,
        error_type: ErrorType::parse(&error_type).ok_or_else(|| crate::corrupt(error_type))?,
        message: r.try_get("message")?,
        status: ErrorStatus::parse(&status).ok_or_else(|| crate::corrupt(status))?,
        received_at: r.try_get("received_at")?,
        updated_at: r.try_get("updated_at")?,
        payload: serde_json::from_str(&payload).map_err(crate::corrupt)?,
        history: serde_json::from_str(&history).map_err(crate::corrupt)?,
    })
}

pub async fn list(pool: &AnyPool, f: &ErrorFilter) -> Result<Vec<ErrorItem>> {
    // Optional filters as `($n IS NULL OR col = $n)`: one parameterised statement for every combination.
    let rows = sqlx::query(concat!(
        select_items!(),
        "WHERE ($1 IS NULL OR e.status = $1) AND ($2 IS NULL OR e.interface = $2) \
         AND ($3 IS NULL OR e.municipality = $3) AND ($4 IS NULL OR e.external_id = $4) \
         AND ($7 IS NULL OR s.vendor_id = $7) \
         ORDER BY e.received_at, e.id LIMIT $5 OFFSET $6"
    ))
    .bind(f.status.map(|s| s.as_str()))
    .bind(f.interface.as_deref())
    .bind(f.municipality.as_deref())
    .bind(f.external_id.as_deref())
    .bind(f.limit)
    .bind(f.offset)
    .bind(f.vendor_id.as_deref())
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many entries match the filter (its limit and offset aside), per municipality, interface and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorCount {
    pub municipality: Option<String>,
    pub interface: String,
    pub status: String,
    pub entries: i64,
}

/// The entries matching the filter, counted per municipality, interface and status (one indexed group by; the
/// console's front page and dashboards, without reading the entries).
pub async fn counts(pool: &AnyPool, f: &ErrorFilter) -> Result<Vec<ErrorCount>> {
    let rows = sqlx::query(
        "SELECT e.municipality, e.interface, e.status, COUNT(*) AS n \
         FROM error_items e JOIN systems s ON s.id = e.system_id \
         WHERE ($1 IS NULL OR e.status = $1) AND ($2 IS NULL OR e.interface = $2) \
         AND ($3 IS NULL OR e.municipality = $3) AND ($4 IS NULL OR e.external_id = $4) \
         AND ($5 IS NULL OR s.vendor_id = $5) \
         GROUP BY e.municipality, e.interface, e.status ORDER BY e.municipality, e.interface, e.status",
    )
    .bind(f.status.map(|s| s.as_str()))
    .bind(f.interface.as_deref())
    .bind(f.municipality.as_deref())
    .bind(f.external_id.as_deref())
    .bind(f.vendor_id.as_deref())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ErrorCount {
                municipality: r.try_get("municipality")?,
                interface: r.try_get("interface")?,
                status: r.try_get("status")?,
                entries: r.try_get("n")?,
            })
        })
        .collect()
}

/// One entry, read through the pool or inside a write (`&mut Tx` derefs to a connection).
pub async fn get<'e, E>(executor: E, id: &str) -> Result<ErrorItem>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(concat!(select_items!(), "WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The system id behind an entry (for re-running its validation as the original sender).
pub async fn system_id_of(c: &mut AnyConnection, id: &str) -> Result<String> {
    let row = sqlx::query("SELECT system_id FROM error_items WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("system_id")?)
}

/// Records a step: the new status, the history entry, and, after a failed resubmission, the new reason and
/// payload.
pub async fn update(
    c: &mut AnyConnection,
    item: &ErrorItem,
    status: ErrorStatus,
    mut entry: HistoryEntry,
    reason: Option<(ErrorType, &str)>,
    new_payload: Option<&serde_json::Value>,
) -> Result<()> {
    let now = now_text();
    entry.at = now.clone();
    let mut history = item.history.clone();
    history.push(entry);
    let (error_type, message) = reason.unwrap_or((item.error_type, &item.message));
    let payload = new_payload.unwrap_or(&item.payload);
    sqlx::query(
        "UPDATE error_items SET status = $1, error_type = $2, message = $3, payload = $4, history = $5, \
         updated_at = $6 WHERE id = $7",
    )
    .bind(status.as_str())
    .bind(error_type.as_str())
    .bind(message)
    .bind(payload.to_string())
    .bind(serde_json::to_string(&history).map_err(crate::corrupt)?)
    .bind(now)
    .bind(&item.id)
    .execute(c)
    .await?;
    Ok(())
}
