//! Idempotency by the client's own id (EX_IDENT, OpdateringsID, BeskedId): the first answer is kept, a resend
//! gets it again and changes nothing.

use crate::writer::{Table, Tx};
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

/// [`claim`] for a write that makes no other use of the claim than to stop a resend: on the batch's first try the
/// key is taken optimistically — its row is appended ([`Tx::append`]) with a plain INSERT, and the answer is "new" —
/// so a batch of first sends costs no statement per key. A key taken before (a resend, in the database or earlier
/// in the same batch) makes that INSERT fail, the batch is tried again with a savepoint per write, and there, as
/// on every isolated try, the key is claimed at once and a resend gets its first answer.
pub async fn claim_in(
    tx: &mut Tx,
    interface: &str,
    key: &str,
    system_id: &str,
    outcome: &str,
    response: Option<&str>,
) -> Result<Option<Answered>> {
    if tx.isolated() {
        return claim(tx, interface, key, system_id, outcome, response).await;
    }
    let row = [interface, key, system_id, outcome]
        .into_iter()
        .map(|v| Some(v.to_owned()))
        .chain([response.map(str::to_owned), Some(now_text())])
        .collect();
    tx.append(&CLAIMS, row);
    Ok(None)
}

/// The idempotency table as optimistic claims are appended to it.
static CLAIMS: Table = Table {
    name: "idempotency",
    columns: &[
        "interface",
        "client_key",
        "system_id",
        "outcome",
        "response",
        "created_at",
    ],
};

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
