//! Storage of absences (Opret fravær) and of each municipality's absence type catalogue. An absence is never
//! updated in place: a change closes its current registration and inserts the new one under the same
//! `object_id`; a deletion only closes it.

use crate::catalogues::{self, Catalogue};
use crate::gathered::{EmployeeRows, Fields};
use crate::hr::{IN_CHUNK, date_text, in_list, parse_date};
use crate::writer::{Table, insert_rows};
use crate::{Result, corrupt};
use jiff::civil::{Date, Time};
use snitflade_domain::absence::{Absence, AbsenceType, default_catalogue};
use snitflade_domain::schedule::AbsencePeriod;
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::AnyConnection;

/// An absence as stored: the employee, the absence and its registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAbsence {
    /// The registration's row id.
    pub id: String,
    pub pernr: Pernr,
    pub absence: Absence,
    pub registered_from: String,
}

const COLUMNS: &str = "id, object_id, pernr, type_code, start_date, end_date, start_time, end_time, additional, \
    registered_from, registered_by";

fn parse_time(s: Option<String>) -> Result<Option<Time>> {
    s.map(|t| t.parse().map_err(|_| corrupt(format!("stored time '{t}'"))))
        .transpose()
}

fn time_text(t: Option<Time>) -> Option<String> {
    t.map(|t| t.strftime("%H:%M:%S").to_string())
}

fn from_row<R: Fields>(row: &R) -> Result<StoredAbsence> {
    Ok(StoredAbsence {
        id: row.text("id")?,
        pernr: Pernr::parse(&row.text("pernr")?).map_err(corrupt)?,
        absence: Absence {
            object_id: row.text("object_id")?,
            type_code: row.text("type_code")?,
            period: AbsencePeriod {
                start: parse_date(&row.text("start_date")?)?,
                end: parse_date(&row.text("end_date")?)?,
                start_time: parse_time(row.opt_text("start_time")?)?,
                end_time: parse_time(row.opt_text("end_time")?)?,
            },
            additional: row.text("additional")?,
            registered_by: row.text("registered_by")?,
        },
        registered_from: row.text("registered_from")?,
    })
}

/// The current absences of one employee, by start date.
pub async fn current_absences<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Vec<StoredAbsence>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    CURRENT.read(executor, municipality, pernr).await
}

/// One employee's current absences.
pub(crate) const CURRENT: EmployeeRows<StoredAbsence> = EmployeeRows {
    columns: COLUMNS,
    from_where: "absences WHERE municipality = $1 AND pernr = $2 AND registered_to IS NULL",
    order: "start_date, start_time, object_id",
    row: from_row,
    gathered_row: from_row,
};

/// The query of [`absences_in`] before its employees and order.
pub(crate) fn period_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM absences WHERE municipality = $1 AND registered_to IS NULL \
         AND start_date <= $2 AND end_date >= $3"
    )
}

/// The current absences that touch `from..=to`, of the given employees (all of the municipality's when
/// `pernrs` is `None`, at most `limit` of them), by employee and start date.
pub async fn absences_in<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernrs: Option<&[Pernr]>,
    from: Date,
    to: Date,
    limit: usize,
) -> Result<Vec<StoredAbsence>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any> + Copy,
{
    let base = period_sql();
    let mut out = Vec::new();
    match pernrs {
        None => {
            let sql = format!("{base} ORDER BY pernr, start_date, start_time, object_id LIMIT {limit}");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(municipality.to_string())
                .bind(date_text(to))
                .bind(date_text(from))
                .fetch_all(executor)
                .await?;
            for row in &rows {
                out.push(from_row(row)?);
            }
        }
        Some(pernrs) => {
            for chunk in pernrs.chunks(IN_CHUNK) {
                let sql = format!(
                    "{base} AND pernr IN ({}) ORDER BY pernr, start_date, start_time, object_id",
                    in_list(4, chunk.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(municipality.to_string())
                    .bind(date_text(to))
                    .bind(date_text(from));
                for p in chunk {
                    q = q.bind(p.to_string());
                }
                for row in &q.fetch_all(executor).await? {
                    out.push(from_row(row)?);
                }
            }
            out.sort_by_key(|a| (a.pernr, a.absence.period.start));
        }
    }
    Ok(out)
}

/// Registers an absence (a new one, or the new state of a changed one) as current; returns the row id.
pub async fn insert_absence(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    absence: &Absence,
    now: &str,
) -> Result<String> {
    let row = absence_row(municipality, pernr, absence, now);
    let id = row[0].clone().expect("an id");
    insert_rows(c, &ABSENCES, &[row]).await?;
    Ok(id)
}

/// Many absences at once (bulk loading: demo data, benchmarks), with few statements.
pub async fn insert_absences(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    absences: &[(Pernr, Absence)],
    now: &str,
) -> Result<()> {
    let rows: Vec<_> = absences
        .iter()
        .map(|(pernr, a)| absence_row(municipality, *pernr, a, now))
        .collect();
    insert_rows(c, &ABSENCES, &rows).await
}

/// The absences table as registrations are inserted into it.
pub(crate) static ABSENCES: Table = Table {
    name: "absences",
    columns: &[
        "id",
        "object_id",
        "municipality",
        "pernr",
        "type_code",
        "start_date",
        "end_date",
        "start_time",
        "end_time",
        "additional",
        "registered_from",
        "registered_to",
        "registered_by",
    ],
};

/// An absence as a current registration's row of [`ABSENCES`], under a new row id.
pub(crate) fn absence_row(municipality: Kommunekode, pernr: Pernr, a: &Absence, now: &str) -> Vec<Option<String>> {
    let p = &a.period;
    vec![
        Some(uuid::Uuid::now_v7().to_string()),
        Some(a.object_id.clone()),
        Some(municipality.to_string()),
        Some(pernr.to_string()),
        Some(a.type_code.clone()),
        Some(date_text(p.start)),
        Some(date_text(p.end)),
        time_text(p.start_time),
        time_text(p.end_time),
        Some(a.additional.clone()),
        Some(now.to_owned()),
        None,
        Some(a.registered_by.clone()),
    ]
}

/// Ends the current registration `id` (a change or a deletion of the absence).
pub async fn close_absence(c: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    crate::hr::close_registration(c, crate::hr::Registrations::Absences, id, now).await
}

// ---------------------------------------------------------------------------------------------------------------
// The absence type catalogue

/// A municipality's absence type catalogue (the built-in one when it has none of its own).
pub async fn catalogue<'e, E>(executor: E, municipality: Kommunekode) -> Result<Vec<AbsenceType>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let own = catalogues::get(executor, Catalogue::Absence, municipality).await?;
    Ok(own.unwrap_or_else(default_catalogue))
}

/// Replaces a municipality's catalogue (validated by the caller).
pub async fn set_catalogue(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    types: &[AbsenceType],
    actor: &str,
    now: &str,
) -> Result<()> {
    catalogues::set(c, Catalogue::Absence, municipality, types, actor, now).await
}
