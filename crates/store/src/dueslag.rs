//! The Beskedfordeler's storage: dueslag, their subscriptions (filters kept as JSON), the router's position in the
//! outbox, and the deliveries of events to dueslag with their attempts, fejlkø state, and the events filtered out
//! because the receiving system lacked the grant.

use crate::{Result, StoreError, corrupt};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dueslag {
    pub id: String,
    pub name: String,
    pub system_id: String,
    pub active: bool,
    /// The HTTPS endpoint of SF1460_A push delivery; `None` for a dueslag read over AMQP only.
    pub push_url: Option<String>,
    /// Attempts before a message goes to the fejlkø.
    pub max_attempts: i64,
    pub created_at: String,
    pub updated_at: String,
}

const DUESLAG_COLUMNS: &str = "id, name, system_id, active, push_url, max_attempts, created_at, updated_at";

fn dueslag(r: &AnyRow) -> Result<Dueslag> {
    Ok(Dueslag {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        system_id: r.try_get("system_id")?,
        active: r.try_get::<i64, _>("active")? != 0,
        push_url: r.try_get("push_url")?,
        max_attempts: r.try_get("max_attempts")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts a dueslag, or (same id) replaces its name, state, endpoint and attempts.
pub async fn save(c: &mut AnyConnection, d: &Dueslag) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO dueslag ({DUESLAG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, active = excluded.active, \
         push_url = excluded.push_url, max_attempts = excluded.max_attempts, updated_at = excluded.updated_at"
    )))
    .bind(&d.id)
    .bind(&d.name)
    .bind(&d.system_id)
    .bind(i64::from(d.active))
    .bind(&d.push_url)
    .bind(d.max_attempts)
    .bind(&d.created_at)
    .bind(&d.updated_at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn all<'e, E>(executor: E) -> Result<Vec<Dueslag>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DUESLAG_COLUMNS} FROM dueslag ORDER BY created_at, id"
    )))
    .fetch_all(executor)
    .await?;
    rows.iter().map(dueslag).collect()
}

pub async fn by_id<'e, E>(executor: E, id: &str) -> Result<Option<Dueslag>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DUESLAG_COLUMNS} FROM dueslag WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(dueslag).transpose()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    pub id: String,
    pub dueslag_id: String,
    pub filter: serde_json::Value,
    pub created_at: String,
}

pub async fn add_subscription(c: &mut AnyConnection, s: &Subscription) -> Result<()> {
    sqlx::query("INSERT INTO subscriptions (id, dueslag_id, filter, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&s.id)
        .bind(&s.dueslag_id)
        .bind(s.filter.to_string())
        .bind(&s.created_at)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn remove_subscription(c: &mut AnyConnection, dueslag_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM subscriptions WHERE dueslag_id = $1 AND id = $2")
        .bind(dueslag_id)
        .bind(id)
        .execute(c)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Every subscription (of one dueslag, or of all).
pub async fn subscriptions<'e, E>(executor: E, dueslag_id: Option<&str>) -> Result<Vec<Subscription>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT id, dueslag_id, filter, created_at FROM subscriptions WHERE ($1 = '' OR dueslag_id = $1) \
         ORDER BY created_at, id",
    )
    .bind(dueslag_id.unwrap_or(""))
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Subscription {
                id: r.try_get("id")?,
                dueslag_id: r.try_get("dueslag_id")?,
                filter: serde_json::from_str(&r.try_get::<String, _>("filter")?).map_err(corrupt)?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The outbox position the router has matched up to (0 before the first event).
pub async fn position<'e, E>(executor: E) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT seq FROM distribution WHERE name = 'router'")
        .fetch_optional(executor)
        .await?;
    Ok(row.map(|r| r.try_get("seq")).transpose()?.unwrap_or(0))
}

pub async fn set_position(c: &mut AnyConnection, seq: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO distribution (name, seq) VALUES ('router', $1) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
    )
    .bind(seq)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub dueslag_id: String,
    pub seq: i64,
    /// `pending`, `delivered`, `dead` (in the fejlkø) or `filtered` (never delivered: the receiving system lacked
    /// the grant; `last_error` says which).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
}

const DELIVERY_COLUMNS: &str = "dueslag_id, seq, state, attempts, next_attempt_at, last_error, delivered_at";

fn delivery(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        dueslag_id: r.try_get("dueslag_id")?,
        seq: r.try_get("seq")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

/// Queues an event for a dueslag (once: routing the same event again changes nothing).
pub async fn enqueue(c: &mut AnyConnection, dueslag_id: &str, seq: i64, now: &str) -> Result<()> {
    enqueue_all(
        c,
        &[Queued {
            dueslag_id,
            seq,
            filtered: None,
        }],
        now,
    )
    .await
}

/// Records that an event matched a dueslag's subscription but is not delivered to it (`filtered`), and `why`
/// (once: routing the same event again changes nothing).
pub async fn enqueue_filtered(c: &mut AnyConnection, dueslag_id: &str, seq: i64, why: &str, now: &str) -> Result<()> {
    enqueue_all(
        c,
        &[Queued {
            dueslag_id,
            seq,
            filtered: Some(why),
        }],
        now,
    )
    .await
}

/// An event for a dueslag, to be delivered (`filtered: None`) or not, and why.
#[derive(Debug, Clone, Copy)]
pub struct Queued<'a> {
    pub dueslag_id: &'a str,
    pub seq: i64,
    pub filtered: Option<&'a str>,
}

/// Most deliveries queued in one statement (6 values each).
const QUEUED_PER_INSERT: usize = 170;

/// Queues deliveries, each once (routing the same event again changes nothing), many in one statement: `pending`,
/// or `filtered` with why.
pub async fn enqueue_all(c: &mut AnyConnection, queued: &[Queued<'_>], now: &str) -> Result<()> {
    for chunk in queued.chunks(QUEUED_PER_INSERT) {
        // The text holds only generated placeholders; every value is bound.
        let sql = format!(
            "INSERT INTO deliveries (dueslag_id, seq, state, attempts, next_attempt_at, last_error) VALUES {} \
             ON CONFLICT (dueslag_id, seq) DO NOTHING",
            crate::writer::placeholders(c, chunk.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in chunk {
            let state = if d.filtered.is_some() { "filtered" } else { "pending" };
            q = q
                .bind(d.dueslag_id)
                .bind(d.seq)
                .bind(state)
                .bind(0_i64)
                .bind(now)
                .bind(d.filtered);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Takes a pending delivery out of the queue for good (`filtered`, with `why`): its receiving system no longer
/// holds the grant. Answers whether it was pending.
pub async fn filter_pending(c: &mut AnyConnection, dueslag_id: &str, seq: i64, why: &str, now: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE deliveries SET state = 'filtered', next_attempt_at = $3, last_error = $4 \
         WHERE dueslag_id = $1 AND seq = $2 AND state = 'pending'",
    )
    .bind(dueslag_id)
    .bind(seq)
    .bind(now)
    .bind(why)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The oldest pending delivery of a dueslag: the only one that may be attempted (distribution order).
pub async fn head<'e, E>(executor: E, dueslag_id: &str) -> Result<Option<Delivery>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE dueslag_id = $1 AND state = 'pending' ORDER BY seq LIMIT 1"
    )))
    .bind(dueslag_id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(delivery).transpose()
}

/// A dueslag's deliveries in one state, in order, from `after_seq`.
pub async fn deliveries<'e, E>(
    executor: E,
    dueslag_id: &str,
    state: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Delivery>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE dueslag_id = $1 AND ($2 = '' OR state = $2) AND seq > $3 \
         ORDER BY seq LIMIT $4"
    )))
    .bind(dueslag_id)
    .bind(state.unwrap_or(""))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter().map(delivery).collect()
}

/// Most deliveries recorded as delivered in one statement.
const DELIVERED_PER_UPDATE: usize = 500;

/// Records that a dueslag's deliveries `seqs` were delivered (those still pending; see [`record_attempt`]), many in
/// one statement.
pub async fn record_delivered(
    c: &mut AnyConnection,
    dueslag_id: &str,
    seqs: &[i64],
    next_attempt_at: &str,
    now: &str,
) -> Result<()> {
    for chunk in seqs.chunks(DELIVERED_PER_UPDATE) {
        let p = crate::writer::parameters(c, 3 + chunk.len());
        // The text holds only generated placeholders; every value is bound.
        let sql = format!(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, next_attempt_at = {}, \
             last_error = NULL, delivered_at = {} WHERE dueslag_id = {} AND state = 'pending' AND seq IN ({})",
            p[0],
            p[1],
            p[2],
            p[3..].join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(next_attempt_at)
            .bind(now)
            .bind(dueslag_id);
        for seq in chunk {
            q = q.bind(*seq);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Records an attempt's outcome: `delivered`, or still `pending` with the next attempt's time, or `dead`.
pub async fn record_attempt(
    c: &mut AnyConnection,
    dueslag_id: &str,
    seq: i64,
    state: &str,
    next_attempt_at: &str,
    error: Option<&str>,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET state = $3, attempts = attempts + 1, next_attempt_at = $4, last_error = $5, \
         delivered_at = CASE WHEN $3 = 'delivered' THEN $6 ELSE delivered_at END \
         WHERE dueslag_id = $1 AND seq = $2 AND state = 'pending'",
    )
    .bind(dueslag_id)
    .bind(seq)
    .bind(state)
    .bind(next_attempt_at)
    .bind(error)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Moves a delivery between states by an operator: `dead` → `pending` (requeue, attempts restart) or
/// `pending` → `dead` (the admin API's fejlkoe). Answers whether it moved.
pub async fn move_delivery(
    c: &mut AnyConnection,
    dueslag_id: &str,
    seq: i64,
    from: &str,
    to: &str,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE deliveries SET state = $4, attempts = CASE WHEN $4 = 'pending' THEN 0 ELSE attempts END, \
         next_attempt_at = $5 WHERE dueslag_id = $1 AND seq = $2 AND state = $3",
    )
    .bind(dueslag_id)
    .bind(seq)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A dueslag's oldest pending deliveries with their events, in distribution order (the AMQP forwarder's batch).
pub async fn pending_with_events<'e, E>(
    executor: E,
    dueslag_id: &str,
    limit: i64,
) -> Result<Vec<(Delivery, crate::outbox::Event)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT d.dueslag_id, d.seq, d.state, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at, \
         o.id, o.kind, o.interface, o.municipality, o.object_id, o.payload, o.created_at \
         FROM deliveries d JOIN outbox o ON o.seq = d.seq \
         WHERE d.dueslag_id = $1 AND d.state = 'pending' ORDER BY d.seq LIMIT $2",
    )
    .bind(dueslag_id)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| Ok((delivery(r)?, crate::outbox::event(r)?)))
        .collect()
}

/// One event by its sequence number.
pub async fn event<'e, E>(executor: E, seq: i64) -> Result<Option<crate::outbox::Event>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT seq, id, kind, interface, municipality, object_id, payload, created_at FROM outbox WHERE seq = $1",
    )
    .bind(seq)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(crate::outbox::event).transpose()
}

/// The delivery of the message (outbox event) `besked_id` to `dueslag_id`, if it was routed there.
pub async fn delivery_of_message<'e, E>(executor: E, dueslag_id: &str, besked_id: &str) -> Result<Option<Delivery>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT d.dueslag_id, d.seq, d.state, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at \
         FROM deliveries d JOIN outbox o ON o.seq = d.seq WHERE d.dueslag_id = $1 AND o.id = $2",
    )
    .bind(dueslag_id)
    .bind(besked_id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(delivery).transpose()
}

/// Moves a delivery, pending or already delivered, to the fejlkø because its receiving system asked to
/// (SF1460_B flytbeskedtilfejlkoe). Answers whether it moved (not if it was there already).
pub async fn to_fejlkoe_on_request(c: &mut AnyConnection, dueslag_id: &str, seq: i64, now: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE deliveries SET state = 'dead', next_attempt_at = $3, \
         last_error = 'flyttet til fejlkøen efter anmodning (flytbeskedtilfejlkoe)' \
         WHERE dueslag_id = $1 AND seq = $2 AND state IN ('pending', 'delivered')",
    )
    .bind(dueslag_id)
    .bind(seq)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}
