//! Storage of holiday transfers (overførsel af ferie, Ferieloven §§ 21-22, migration `0014_holiday_transfers.sql`):
//! per employee, holiday year and reason, the days agreed (an agreement, with its date) or registered (a
//! hindrance). The quota rules (`snitflade_domain::quotas`) decide how many of them move.

use crate::gathered::{EmployeeRows, Fields};
use crate::hr::{date_text, parse_date};
use crate::{Result, StoreError, corrupt};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use snitflade_domain::quotas::{HolidayTransfer, HolidayYear, TransferReason};
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::{AnyConnection, Row};

/// A transfer as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTransfer {
    pub id: String,
    pub pernr: Pernr,
    pub transfer: HolidayTransfer,
    /// The agreement's date (agreements only).
    pub agreed_on: Option<Date>,
    pub note: String,
    pub registered_at: String,
    pub registered_by: String,
}

/// A transfer as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferView {
    pub id: String,
    pub pernr: String,
    /// The holiday year the days come from, by its start: 2025 is 2025/26.
    pub holiday_year: i16,
    pub reason: &'static str,
    pub days: String,
    pub agreed_on: Option<String>,
    pub note: String,
    pub registered_at: String,
    pub registered_by: String,
}

impl StoredTransfer {
    pub fn view(&self) -> TransferView {
        TransferView {
            id: self.id.clone(),
            pernr: self.pernr.to_string(),
            holiday_year: self.transfer.from.start,
            reason: self.transfer.reason.code(),
            days: self.transfer.days.normalize().to_string(),
            agreed_on: self.agreed_on.map(date_text),
            note: self.note.clone(),
            registered_at: self.registered_at.clone(),
            registered_by: self.registered_by.clone(),
        }
    }
}

const COLUMNS: &str = "id, pernr, holiday_year, reason, days, agreed_on, note, registered_at, registered_by";

fn from_row<R: Fields>(r: &R) -> Result<StoredTransfer> {
    let reason = r.text("reason")?;
    let days = r.text("days")?;
    let year = i16::try_from(r.int("holiday_year")?).map_err(corrupt)?;
    Ok(StoredTransfer {
        id: r.text("id")?,
        pernr: Pernr::parse(&r.text("pernr")?).map_err(corrupt)?,
        transfer: HolidayTransfer {
            from: HolidayYear { start: year },
            reason: TransferReason::parse(&reason).ok_or_else(|| corrupt(format!("transfer reason '{reason}'")))?,
            days: days
                .parse::<Decimal>()
                .map_err(|_| corrupt(format!("stored decimal '{days}'")))?,
        },
        agreed_on: r.opt_text("agreed_on")?.map(|d| parse_date(&d)).transpose()?,
        note: r.text("note")?,
        registered_at: r.text("registered_at")?,
        registered_by: r.text("registered_by")?,
    })
}

/// An employee's transfers, by holiday year and reason.
pub async fn of<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Vec<StoredTransfer>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    OF.read(executor, municipality, pernr).await
}

/// An employee's transfers.
pub(crate) const OF: EmployeeRows<StoredTransfer> = EmployeeRows {
    columns: COLUMNS,
    from_where: "holiday_transfers WHERE municipality = $1 AND pernr = $2",
    order: "holiday_year, reason",
    row: from_row,
    gathered_row: from_row,
};

/// Registers a transfer; `Conflict` if the employee has one of that year and reason already.
pub async fn insert(c: &mut AnyConnection, municipality: Kommunekode, t: &StoredTransfer) -> Result<()> {
    let taken = sqlx::query(
        "SELECT id FROM holiday_transfers WHERE municipality = $1 AND pernr = $2 AND holiday_year = $3 AND reason = $4",
    )
    .bind(municipality.to_string())
    .bind(t.pernr.to_string())
    .bind(i64::from(t.transfer.from.start))
    .bind(t.transfer.reason.code())
    .fetch_optional(&mut *c)
    .await?;
    if let Some(row) = taken {
        let id: String = row.try_get("id")?;
        return Err(StoreError::Conflict(format!(
            "employee {} already has a transfer ({}) from holiday year {}: {id}; delete it first",
            t.pernr,
            t.transfer.reason.code(),
            t.transfer.from.start
        )));
    }
    sqlx::query(
        "INSERT INTO holiday_transfers (id, municipality, pernr, holiday_year, reason, days, agreed_on, note, \
         registered_at, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&t.id)
    .bind(municipality.to_string())
    .bind(t.pernr.to_string())
    .bind(i64::from(t.transfer.from.start))
    .bind(t.transfer.reason.code())
    .bind(t.transfer.days.normalize().to_string())
    .bind(t.agreed_on.map(date_text))
    .bind(&t.note)
    .bind(&t.registered_at)
    .bind(&t.registered_by)
    .execute(c)
    .await?;
    Ok(())
}

/// Removes the employee's transfer `id`; the transfer removed, `None` if there was none.
pub async fn delete(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    id: &str,
) -> Result<Option<StoredTransfer>> {
    let sql = format!("SELECT {COLUMNS} FROM holiday_transfers WHERE municipality = $1 AND pernr = $2 AND id = $3");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
    else {
        return Ok(None);
    };
    let found = from_row(&row)?;
    sqlx::query("DELETE FROM holiday_transfers WHERE id = $1")
        .bind(id)
        .execute(c)
        .await?;
    Ok(Some(found))
}
