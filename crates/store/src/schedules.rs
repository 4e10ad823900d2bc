//! Storage of work schedules (Mødetidsplaner). Like absences, a schedule is never updated in place: a change
//! closes its current registration and inserts the new one under the same `schedule_id`.

use crate::gathered::{EmployeeRows, Fields};
use crate::hr::{IN_CHUNK, date_text, in_list, parse_date};
use crate::{Result, corrupt};
use snitflade_domain::schedule::WorkSchedule;
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::AnyConnection;

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchedule {
    /// The registration's row id.
    pub id: String,
    /// Names the schedule across changes (the interface's `ScheduleId`).
    pub schedule_id: String,
    pub pernr: Pernr,
    pub schedule: WorkSchedule,
    pub registered_by: String,
}

const COLUMNS: &str = "id, schedule_id, pernr, valid_from, valid_to, kind, text, pattern, registered_by";

fn from_row<R: Fields>(row: &R) -> Result<StoredSchedule> {
    Ok(StoredSchedule {
        id: row.text("id")?,
        schedule_id: row.text("schedule_id")?,
        pernr: Pernr::parse(&row.text("pernr")?).map_err(corrupt)?,
        schedule: WorkSchedule {
            valid_from: parse_date(&row.text("valid_from")?)?,
            valid_to: parse_date(&row.text("valid_to")?)?,
            kind: row.text("kind")?,
            text: row.text("text")?,
            pattern: serde_json::from_str(&row.text("pattern")?).map_err(corrupt)?,
        },
        registered_by: row.text("registered_by")?,
    })
}

/// The current schedules of one employee, by start.
pub async fn current_schedules<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernr: Pernr,
) -> Result<Vec<StoredSchedule>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    CURRENT.read(executor, municipality, pernr).await
}

/// One employee's current schedules.
pub(crate) const CURRENT: EmployeeRows<StoredSchedule> = EmployeeRows {
    columns: COLUMNS,
    from_where: "work_schedules WHERE municipality = $1 AND pernr = $2 AND registered_to IS NULL",
    order: "valid_from",
    row: from_row,
    gathered_row: from_row,
};

/// The current schedules of many employees, by employee and start.
pub async fn schedules_of<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernrs: &[Pernr],
) -> Result<Vec<StoredSchedule>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any> + Copy,
{
    let mut out = Vec::new();
    for chunk in pernrs.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT {COLUMNS} FROM work_schedules WHERE municipality = $1 AND registered_to IS NULL \
             AND pernr IN ({})",
            in_list(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(municipality.to_string());
        for p in chunk {
            q = q.bind(p.to_string());
        }
        for row in &q.fetch_all(executor).await? {
            out.push(from_row(row)?);
        }
    }
    out.sort_by_key(|a| (a.pernr, a.schedule.valid_from));
    Ok(out)
}

/// Registers a schedule (a new one or the new state of a changed one) as current; returns the row id.
pub async fn insert_schedule(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    schedule_id: &str,
    schedule: &WorkSchedule,
    actor: &str,
    now: &str,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO work_schedules (id, schedule_id, municipality, pernr, valid_from, valid_to, kind, text, \
         pattern, registered_from, registered_to, registered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)",
    )
    .bind(&id)
    .bind(schedule_id)
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .bind(date_text(schedule.valid_from))
    .bind(date_text(schedule.valid_to))
    .bind(&schedule.kind)
    .bind(&schedule.text)
    .bind(serde_json::to_string(&schedule.pattern).map_err(corrupt)?)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(id)
}

/// Ends the current registration `id` (a change or a deletion of the schedule).
pub async fn close_schedule(c: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    crate::hr::close_registration(c, crate::hr::Registrations::Schedules, id, now).await
}

/// Whether any schedule was ever registered in the municipality.
pub async fn any_in(pool: &sqlx::AnyPool, municipality: Kommunekode) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS x FROM work_schedules WHERE municipality = $1 LIMIT 1")
        .bind(municipality.to_string())
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}
