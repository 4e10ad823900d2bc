//! A municipality's catalogues kept as one JSON document each (absence types, payroll): read with a built-in
//! fallback, replaced whole. The caller validates a catalogue before it is stored.

use crate::{Result, corrupt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use snitflade_domain::Kommunekode;
use sqlx::{AnyConnection, Row};

/// The tables that hold one JSON catalogue per municipality.
#[derive(Debug, Clone, Copy)]
pub enum Catalogue {
    Absence,
    Payroll,
}

impl Catalogue {
    fn table(self) -> &'static str {
        match self {
            Self::Absence => "absence_catalogues",
            Self::Payroll => "payroll_catalogues",
        }
    }
}

/// A municipality's catalogue, or `None` when it has none of its own.
pub async fn get<'e, E, T>(executor: E, which: Catalogue, municipality: Kommunekode) -> Result<Option<T>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
    T: DeserializeOwned,
{
    let sql = format!("SELECT catalogue FROM {} WHERE municipality = $1", which.table());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .fetch_optional(executor)
        .await?;
    parse(row.map(|r| r.try_get::<String, _>("catalogue")).transpose()?.as_deref())
}

/// [`get`] as a scalar subquery (`$1` the municipality) giving the catalogue's JSON text or NULL; read it with
/// [`parse`].
pub(crate) fn get_sql(which: Catalogue) -> String {
    format!("(SELECT catalogue FROM {} WHERE municipality = $1)", which.table())
}

/// A stored catalogue's JSON text (`None`: the municipality has none of its own).
pub(crate) fn parse<T: DeserializeOwned>(text: Option<&str>) -> Result<Option<T>> {
    text.map(|t| serde_json::from_str(t).map_err(corrupt)).transpose()
}

/// Replaces a municipality's catalogue.
pub async fn set<T: Serialize + ?Sized>(
    c: &mut AnyConnection,
    which: Catalogue,
    municipality: Kommunekode,
    catalogue: &T,
    actor: &str,
    now: &str,
) -> Result<()> {
    let json = serde_json::to_string(catalogue).map_err(corrupt)?;
    let table = which.table();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE municipality = $1"
    )))
    .bind(municipality.to_string())
    .execute(&mut *c)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} (municipality, catalogue, updated_at, updated_by) VALUES ($1, $2, $3, $4)"
    )))
    .bind(municipality.to_string())
    .bind(json)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(())
}
