//! TEMPORARY (replaced by the SF1460_B branch at merge): membership of a value in a værdiliste.

use crate::Result;
use sqlx::Row;

pub async fn contains<'e, E>(executor: E, list_id: &str, value: &str) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM vaerdiliste_values v JOIN vaerdilister l ON l.id = v.list_id \
         WHERE v.list_id = $1 AND v.value = $2 AND l.state = 'aktiv'",
    )
    .bind(list_id)
    .bind(value)
    .fetch_one(executor)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
