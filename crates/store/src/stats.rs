//! The counts behind the server's database gauges (error table by status, undistributed outbox events, each
//! dueslag's backlog and fejlkø) and the read pool's occupancy. Each query is an indexed range or a small group by;
//! the server runs them from one periodic task, never on a request.

use crate::{Result, Store};
use sqlx::Row;

/// How many error-table entries have `status` (`open`, `resubmitted`, `discarded`, `resolved`).
pub async fn error_items_with_status<'e, E>(executor: E, status: &str) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT COUNT(*) AS n FROM error_items WHERE status = $1")
        .bind(status)
        .fetch_one(executor)
        .await?;
    Ok(row.try_get("n")?)
}

/// The outbox events the router has not matched against the subscriptions yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxBacklog {
    pub events: i64,
    /// `created_at` of the oldest of them.
    pub oldest: Option<String>,
}

/// The events after the router's position (`dueslag::position`).
pub async fn outbox_backlog<'e, E>(executor: E, position: i64) -> Result<OutboxBacklog>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE seq > $1")
        .bind(position)
        .fetch_one(executor)
        .await?;
    Ok(OutboxBacklog {
        events: row.try_get("n")?,
        oldest: row.try_get("oldest")?,
    })
}

/// One dueslag's queue: messages waiting for delivery and messages in its fejlkø.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueslagBacklog {
    pub dueslag_id: String,
    /// The receiving system's name.
    pub system: String,
    pub pending: i64,
    pub dead: i64,
    /// `created_at` of the event of the oldest pending message.
    pub oldest_pending: Option<String>,
}

/// How many of a dueslag's deliveries are in `state`.
async fn deliveries_in(pool: &sqlx::AnyPool, dueslag_id: &str, state: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM deliveries WHERE dueslag_id = $1 AND state = $2")
        .bind(dueslag_id)
        .bind(state)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("n")?)
}

/// Every dueslag's backlog: one indexed range per dueslag and state (`deliveries_head`), so delivered messages,
/// however many, are never counted.
pub async fn dueslag_backlogs(store: &Store) -> Result<Vec<DueslagBacklog>> {
    let pool = store.pool();
    let dueslag = sqlx::query("SELECT d.id, s.name FROM dueslag d JOIN systems s ON s.id = d.system_id ORDER BY d.id")
        .fetch_all(pool)
        .await?;
    let mut out = Vec::with_capacity(dueslag.len());
    for row in dueslag {
        let dueslag_id: String = row.try_get("id")?;
        let (pending, dead) = (
            deliveries_in(pool, &dueslag_id, "pending").await?,
            deliveries_in(pool, &dueslag_id, "dead").await?,
        );
        let oldest_pending = sqlx::query(
            "SELECT o.created_at FROM deliveries d JOIN outbox o ON o.seq = d.seq \
             WHERE d.dueslag_id = $1 AND d.state = 'pending' ORDER BY d.seq LIMIT 1",
        )
        .bind(&dueslag_id)
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get("created_at"))
        .transpose()?;
        out.push(DueslagBacklog {
            dueslag_id,
            system: row.try_get("name")?,
            pending,
            dead,
            oldest_pending,
        });
    }
    Ok(out)
}

/// The read pool's connections right now (the writer's one connection is not in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolUsage {
    pub fn in_use(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}

impl Store {
    /// The read pool's occupancy, from memory (asks the database nothing).
    pub fn pool_usage(&self) -> PoolUsage {
        let pool = self.pool();
        PoolUsage {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inserts the rows the counts read: two events, one system with a dueslag holding one dead and one pending
    /// delivery.
    async fn seed(store: &Store) {
        store
            .write(|c| {
                Box::pin(async move {
                    for (seq, at) in [(1i64, "2025-01-01T00:00:00Z"), (2, "2025-01-02T00:00:00Z")] {
                        sqlx::query(
                            "INSERT INTO outbox (seq, id, kind, interface, payload, created_at) \
                             VALUES ($1, $2, 'k', 'i', '{}', $3)",
                        )
                        .bind(seq)
                        .bind(format!("id-{seq}"))
                        .bind(at)
                        .execute(&mut **c)
                        .await?;
                    }
                    sqlx::query(
                        "INSERT INTO systems (id, name, vendor_name, vendor_cvr, created_at) \
                         VALUES ('s1', 'lon', 'v', '12345678', '2025-01-01T00:00:00Z')",
                    )
                    .execute(&mut **c)
                    .await?;
                    sqlx::query(
                        "INSERT INTO dueslag (id, name, system_id, active, push_url, max_attempts, created_at, \
                         updated_at) VALUES ('d1', 'n', 's1', 1, NULL, 3, 'x', 'x')",
                    )
                    .execute(&mut **c)
                    .await?;
                    for (seq, state) in [(1i64, "dead"), (2, "pending")] {
                        sqlx::query(
                            "INSERT INTO deliveries (dueslag_id, seq, state, attempts, next_attempt_at) \
                             VALUES ('d1', $1, $2, 0, 'x')",
                        )
                        .bind(seq)
                        .bind(state)
                        .execute(&mut **c)
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn counts_follow_the_tables_on_both_engines() {
        for db in crate::testing::TestDb::all().await {
            let store = db.open().await;
            let pool = store.pool();
            assert_eq!(error_items_with_status(pool, "open").await.unwrap(), 0);
            assert_eq!(
                outbox_backlog(pool, 0).await.unwrap(),
                OutboxBacklog {
                    events: 0,
                    oldest: None
                }
            );
            assert!(dueslag_backlogs(&store).await.unwrap().is_empty());
            seed(&store).await;
            let backlog = outbox_backlog(pool, 1).await.unwrap();
            assert_eq!(backlog.events, 1);
            assert_eq!(backlog.oldest.as_deref(), Some("2025-01-02T00:00:00Z"));
            assert_eq!(outbox_backlog(pool, 0).await.unwrap().events, 2);
            assert_eq!(
                dueslag_backlogs(&store).await.unwrap(),
                vec![DueslagBacklog {
                    dueslag_id: "d1".into(),
                    system: "lon".into(),
                    pending: 1,
                    dead: 1,
                    oldest_pending: Some("2025-01-02T00:00:00Z".into()),
                }]
            );
            let usage = store.pool_usage();
            assert!(usage.max >= 1 && usage.open <= usage.max, "{usage:?}");
            store.close().await;
            db.cleanup().await;
        }
    }
}
