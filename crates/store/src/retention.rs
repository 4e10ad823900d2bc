//! Retention: the rows the store may forget once they are old, found and deleted in short batches (so that one
//! writer transaction never holds the database for long). Events are forgotten only when every dueslag has had
//! them; error-table entries only when an operator has closed them; the audit tables' rows are handed to the
//! caller first (to archive them) and deleted by id afterwards. The background job that calls these is the
//! server's `retention` module.

use crate::Result;
use sqlx::{AnyConnection, Row};

/// Deletes up to `batch` outbox events created before `cutoff` that are done with: the router has matched them,
/// no dueslag still waits for them (`pending`) or keeps them in its fejlkø (`dead`), and they are not the newest
/// event (its number is where the next one's numbering continues). Their `delivered` and `filtered` delivery rows
/// go with them. Answers how many events were deleted.
pub async fn prune_events(c: &mut AnyConnection, cutoff: &str, batch: i64) -> Result<u64> {
    let seqs: Vec<i64> = sqlx::query(
        "SELECT o.seq FROM outbox o \
         WHERE o.created_at < $1 \
           AND o.seq <= (SELECT COALESCE(MAX(seq), 0) FROM distribution WHERE name = 'router') \
           AND o.seq < (SELECT MAX(seq) FROM outbox) \
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = o.seq AND d.state IN ('pending', 'dead')) \
         ORDER BY o.seq LIMIT $2",
    )
    .bind(cutoff)
    .bind(batch)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>("seq"))
    .collect::<std::result::Result<_, _>>()?;
    if seqs.is_empty() {
        return Ok(0);
    }
    let list = placeholders(seqs.len());
    let (deliveries_sql, events_sql) = (
        format!("DELETE FROM deliveries WHERE seq IN ({list})"),
        format!("DELETE FROM outbox WHERE seq IN ({list})"),
    );
    let (mut deliveries, mut events) = (
        sqlx::query(sqlx::AssertSqlSafe(deliveries_sql)),
        sqlx::query(sqlx::AssertSqlSafe(events_sql)),
    );
    for seq in &seqs {
        deliveries = deliveries.bind(*seq);
        events = events.bind(*seq);
    }
    deliveries.execute(&mut *c).await?;
    Ok(events.execute(&mut *c).await?.rows_affected())
}

/// Deletes up to `batch` error-table entries an operator closed (resubmitted, discarded or resolved) before
/// `cutoff`. Open entries are never deleted, however old.
pub async fn prune_closed_errors(c: &mut AnyConnection, cutoff: &str, batch: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM error_items WHERE id IN \
         (SELECT id FROM error_items WHERE updated_at < $1 AND status <> 'open' ORDER BY updated_at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(batch)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes up to `batch` marks of master-data fetches made on days before `day` (`YYYY-MM-DD`): the
/// once-per-day rule of the machine-hours service only looks at today's.
pub async fn prune_master_data_fetches(c: &mut AnyConnection, day: &str, batch: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM mh_master_data_fetches WHERE (system_id, municipality, pernr, day) IN \
         (SELECT system_id, municipality, pernr, day FROM mh_master_data_fetches WHERE day < $1 LIMIT $2)",
    )
    .bind(day)
    .bind(batch)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}

/// An audit table whose old rows are archived before they are deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTable {
    /// Who read or changed which employee's data.
    Hr,
    /// Every admin action.
    Admin,
}

impl AuditTable {
    pub fn name(self) -> &'static str {
        match self {
            Self::Hr => "hr_audit",
            Self::Admin => "admin_audit",
        }
    }

    /// The table's columns, all text; `detail` holds JSON.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Hr => &[
                "id",
                "at",
                "actor",
                "interface",
                "action",
                "municipality",
                "pernr",
                "outcome",
                "source",
                "detail",
            ],
            Self::Admin => &["id", "at", "actor", "action", "object_type", "object_id", "detail"],
        }
    }
}

/// One audit row as archived: its columns by name (`detail` parsed as JSON when it is JSON).
pub type AuditRow = serde_json::Map<String, serde_json::Value>;

/// Up to `batch` rows of `table` from before `cutoff`, oldest first.
pub async fn old_audit_rows<'e, E>(executor: E, table: AuditTable, cutoff: &str, batch: i64) -> Result<Vec<AuditRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // Table and column names come from `AuditTable`, never from input; the values are bound.
    let columns = table.columns();
    let sql = format!(
        "SELECT {} FROM {} WHERE at < $1 ORDER BY at, id LIMIT $2",
        columns.join(", "),
        table.name()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(cutoff)
        .bind(batch)
        .fetch_all(executor)
        .await?;
    rows.iter()
        .map(|r| {
            let mut row = AuditRow::new();
            for &column in columns {
                let text: Option<String> = r.try_get(column)?;
                let value = match text {
                    None => serde_json::Value::Null,
                    Some(t) if column == "detail" => serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)),
                    Some(t) => serde_json::Value::String(t),
                };
                row.insert(column.to_owned(), value);
            }
            Ok(row)
        })
        .collect()
}

/// Deletes the rows of `table` with these ids (after they were archived). Answers how many.
pub async fn delete_audit_rows(c: &mut AnyConnection, table: AuditTable, ids: &[String]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!("DELETE FROM {} WHERE id IN ({})", table.name(), placeholders(ids.len()));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id.as_str());
    }
    Ok(query.execute(c).await?.rows_affected())
}

/// `$1, $2, …, $n`.
fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_from_one() {
        assert_eq!(super::placeholders(3), "$1, $2, $3");
    }
}
