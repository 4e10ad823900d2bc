//! Storage of the daily traffic counts (migration 0024): added to by the server's flush of its in-memory counts,
//! read per day for the console's front page and `GET /api/v1/traffic`.

use crate::Result;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// One day's counts of one municipality, interface and system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficRow {
    pub day: String,
    /// `None` for refusals before the municipality was known.
    pub municipality: Option<String>,
    pub interface: String,
    pub system: String,
    pub calls: i64,
    pub refused: i64,
}

/// Adds counts to the day's rows (creating them).
pub async fn add(
    c: &mut AnyConnection,
    day: &str,
    municipality: Option<&str>,
    interface: &str,
    system_id: &str,
    calls: i64,
    refused: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO traffic_daily (day, municipality, interface, system_id, calls, refused) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (day, municipality, interface, system_id) \
         DO UPDATE SET calls = traffic_daily.calls + excluded.calls, refused = traffic_daily.refused + excluded.refused",
    )
    .bind(day)
    .bind(municipality.unwrap_or(""))
    .bind(interface)
    .bind(system_id)
    .bind(calls)
    .bind(refused)
    .execute(c)
    .await?;
    Ok(())
}

/// A day's rows, of one municipality and/or one vendor's systems when given.
pub async fn on_day<'e, E>(
    executor: E,
    day: &str,
    municipality: Option<&str>,
    vendor_id: Option<&str>,
) -> Result<Vec<TrafficRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT t.day, t.municipality, t.interface, s.name AS system, t.calls, t.refused \
         FROM traffic_daily t JOIN systems s ON s.id = t.system_id \
         WHERE t.day = $1 AND ($2 IS NULL OR t.municipality = $2) AND ($3 IS NULL OR s.vendor_id = $3) \
         ORDER BY t.municipality, t.interface, s.name",
    )
    .bind(day)
    .bind(municipality)
    .bind(vendor_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            let m: String = r.try_get("municipality")?;
            Ok(TrafficRow {
                day: r.try_get("day")?,
                municipality: (!m.is_empty()).then_some(m),
                interface: r.try_get("interface")?,
                system: r.try_get("system")?,
                calls: r.try_get("calls")?,
                refused: r.try_get("refused")?,
            })
        })
        .collect()
}
