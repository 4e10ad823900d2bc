//! Adgangsstyring's memory of signed requests already answered (migration 0026): a message ID is taken once, and
//! forgotten after its timestamp has expired — a replay of a WS-Trust request or of a service call carrying an
//! assertion is refused by every instance on the database, not only by the one that saw it first.

use crate::Result;
use sqlx::AnyConnection;

/// Takes `message_id`, valid until `expires` (seconds); `false` if it was taken before. Forgets, in the same
/// transaction, the IDs whose timestamps expired before `forget_before`.
pub async fn take(c: &mut AnyConnection, message_id: &str, expires: i64, forget_before: i64) -> Result<bool> {
    sqlx::query("DELETE FROM sts_messages WHERE expires_at < $1")
        .bind(forget_before)
        .execute(&mut *c)
        .await?;
    let taken = sqlx::query(
        "INSERT INTO sts_messages (message_id, expires_at) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(expires)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(taken == 1)
}
