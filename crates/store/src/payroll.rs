//! Storage of each municipality's payroll catalogue (wage types, cost centres, PSP elements) and of the employees
//! locked for payroll changes.

use crate::catalogues::{self, Catalogue};
use crate::{Result, now_text};
use serde::Serialize;
use snitflade_domain::payroll::{PayrollCatalogue, default_catalogue};
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::{AnyConnection, Row};

/// A municipality's payroll catalogue (the built-in one when it has none of its own).
pub async fn catalogue<'e, E>(executor: E, municipality: Kommunekode) -> Result<PayrollCatalogue>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let own = catalogues::get(executor, Catalogue::Payroll, municipality).await?;
    Ok(own.unwrap_or_else(default_catalogue))
}

/// Replaces a municipality's catalogue (validated by the caller).
pub async fn set_catalogue(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    catalogue: &PayrollCatalogue,
    actor: &str,
) -> Result<()> {
    catalogues::set(c, Catalogue::Payroll, municipality, catalogue, actor, &now_text()).await
}

/// A lock on an employee's payroll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    pub pernr: String,
    pub reason: String,
    pub locked_at: String,
    pub locked_by: String,
}

/// Locks an employee for payroll changes (again: the reason is replaced).
pub async fn lock(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    reason: &str,
    actor: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO employee_locks (municipality, pernr, reason, locked_at, locked_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (municipality, pernr) DO UPDATE SET reason = excluded.reason, locked_at = excluded.locked_at, \
         locked_by = excluded.locked_by",
    )
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .bind(reason)
    .bind(now_text())
    .bind(actor)
    .execute(c)
    .await?;
    Ok(())
}

/// Lifts a lock; whether there was one.
pub async fn unlock(c: &mut AnyConnection, municipality: Kommunekode, pernr: Pernr) -> Result<bool> {
    let n = sqlx::query("DELETE FROM employee_locks WHERE municipality = $1 AND pernr = $2")
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .execute(c)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Whether an employee is locked.
pub async fn is_locked<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT 1 AS x FROM employee_locks WHERE municipality = $1 AND pernr = $2")
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .fetch_optional(executor)
        .await?;
    Ok(row.is_some())
}

/// A municipality's locks, by personnel number.
pub async fn locks<'e, E>(executor: E, municipality: Kommunekode) -> Result<Vec<Lock>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT pernr, reason, locked_at, locked_by FROM employee_locks WHERE municipality = $1 ORDER BY pernr",
    )
    .bind(municipality.to_string())
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Lock {
                pernr: r.try_get("pernr")?,
                reason: r.try_get("reason")?,
                locked_at: r.try_get("locked_at")?,
                locked_by: r.try_get("locked_by")?,
            })
        })
        .collect()
}
