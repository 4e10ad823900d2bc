//! Idempotency by the client's own id (EX_IDENT, OpdateringsID, BeskedId): the first answer is kept, a resend
//! gets it again and changes nothing.

use crate::{Result, now_text};
use sqlx::{AnyConnection, Row};

/// The first answer given for a client id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub system_id: String,
    pub outcome: String,
    pub response: Option<String>,
}

/// Claims `key` for `interface` inside the caller's write. `None`: the key is new and now taken (go on and make
/// the change). `Some`: it was answered before — make no change and answer the same.
pub async fn claim(
    c: &mut AnyConnection,
    interface: &str,
    key: &str,
    system_id: &str,
    outcome: &str,
    response: Option<&str>,
) -> Result<Option<Answered>> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency (interface, client_key, system_id, outcome, response, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (interface, client_key) DO NOTHING",
    )
    .bind(interface)
    .bind(key)
    .bind(system_id)
    .bind(outcome)
    .bind(response)
    .bind(now_text())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    answered(c, interface, key)
        .await?
        .ok_or_else(|| crate::corrupt("an idempotency key vanished inside its write"))
        .map(Some)
}

/// Changes the recorded outcome of a key (e.g. an error corrected and registered).
pub async fn set_outcome(c: &mut AnyConnection, interface: &str, key: &str, outcome: &str) -> Result<()> {
    sqlx::query("UPDATE idempotency SET outcome = $1 WHERE interface = $2 AND client_key = $3")
        .bind(outcome)
        .bind(interface)
        .bind(key)
        .execute(c)
        .await?;
    Ok(())
}

/// The first answer given for a client id, if any (a read outside a write: to answer a resend before any work).
pub async fn answered<'e, E>(executor: E, interface: &str, key: &str) -> Result<Option<Answered>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row =
        sqlx::query("SELECT system_id, outcome, response FROM idempotency WHERE interface = $1 AND client_key = $2")
            .bind(interface)
            .bind(key)
            .fetch_optional(executor)
            .await?;
    row.map(|row| {
        Ok(Answered {
            system_id: row.try_get("system_id")?,
            outcome: row.try_get("outcome")?,
            response: row.try_get("response")?,
        })
    })
    .transpose()
}
