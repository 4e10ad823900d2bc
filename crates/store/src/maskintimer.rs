//! Storage of the machine-hours service (docs/src/interfaces/maskintimer.md): employees' master data, the once-a-day
//! fetch log, and accepted registrations.

use crate::writer::{Table, Tx};
use crate::{Result, corrupt, now_text};
use serde::Serialize;
use snitflade_domain::maskintimer::{MasterData, Registration};
use sqlx::{AnyConnection, AnyPool, Row};

pub async fn upsert_employee(c: &mut AnyConnection, municipality: &str, pernr: &str, name: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO employees (municipality, pernr, name) VALUES ($1, $2, $3) \
         ON CONFLICT (municipality, pernr) DO UPDATE SET name = excluded.name",
    )
    .bind(municipality)
    .bind(pernr)
    .bind(name)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn employee_exists(pool: &AnyPool, municipality: &str, pernr: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM employees WHERE municipality = $1 AND pernr = $2")
            .bind(municipality)
            .bind(pernr)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

pub async fn put_master_data(c: &mut AnyConnection, municipality: &str, pernr: &str, md: &MasterData) -> Result<()> {
    sqlx::query(
        "INSERT INTO mh_master_data (municipality, pernr, data, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (municipality, pernr) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(municipality)
    .bind(pernr)
    .bind(serde_json::to_string(md).map_err(corrupt)?)
    .bind(now_text())
    .execute(c)
    .await?;
    Ok(())
}

/// An employee's master data: `None` if the employee does not exist in that municipality; empty tables if the
/// employee exists but has none.
pub async fn master_data(pool: &AnyPool, municipality: &str, pernr: &str) -> Result<Option<MasterData>> {
    let row = sqlx::query(
        "SELECT m.data AS data FROM employees e LEFT JOIN mh_master_data m \
         ON m.municipality = e.municipality AND m.pernr = e.pernr WHERE e.municipality = $1 AND e.pernr = $2",
    )
    .bind(municipality)
    .bind(pernr)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let data: Option<String> = row.try_get("data")?;
    match data {
        None => Ok(Some(MasterData::default())),
        Some(d) => Ok(Some(serde_json::from_str(&d).map_err(corrupt)?)),
    }
}

/// Records a master-data fetch; false if this system already fetched this employee's master data that day.
pub async fn record_fetch(
    c: &mut AnyConnection,
    system_id: &str,
    municipality: &str,
    pernr: &str,
    day: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO mh_master_data_fetches (system_id, municipality, pernr, day, fetched_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (system_id, municipality, pernr, day) DO NOTHING",
    )
    .bind(system_id)
    .bind(municipality)
    .bind(pernr)
    .bind(day)
    .bind(now_text())
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn insert_registration(
    c: &mut AnyConnection,
    r: &Registration,
    system_id: &str,
    received_at: &str,
    error_id: Option<&str>,
) -> Result<()> {
    crate::writer::insert_rows(
        c,
        &REGISTRATIONS,
        &[registration_row(r, system_id, received_at, error_id)],
    )
    .await
}

/// [`insert_registration`] at the end of the write's batch, with the batch's other registrations ([`Tx::append`]).
pub fn append_registration(tx: &mut Tx, r: &Registration, system_id: &str, received_at: &str) {
    tx.append(&REGISTRATIONS, registration_row(r, system_id, received_at, None));
}

/// The registrations table as rows are appended to it.
static REGISTRATIONS: Table = Table {
    name: "mh_registrations",
    columns: &[
        "ex_ident",
        "municipality",
        "system_id",
        "pernr",
        "device_type",
        "network",
        "activity",
        "work_cntr",
        "plant",
        "postg_date",
        "act_type",
        "act_work",
        "received_at",
        "registered_at",
        "error_id",
    ],
};

fn registration_row(
    r: &Registration,
    system_id: &str,
    received_at: &str,
    error_id: Option<&str>,
) -> Vec<Option<String>> {
    vec![
        Some(r.ex_ident.to_string()),
        Some(r.kommune.to_string()),
        Some(system_id.to_owned()),
        Some(r.pernr.to_string()),
        r.device_type.clone(),
        Some(r.network.clone()),
        Some(r.activity.clone()),
        Some(r.work_cntr.clone()),
        Some(r.plant.clone()),
        Some(r.postg_date.to_string()),
        Some(r.act_type.clone()),
        Some(r.act_work.to_string()),
        Some(received_at.to_owned()),
        Some(now_text()),
        error_id.map(str::to_owned),
    ]
}

/// A stored registration, as the admin API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationRow {
    pub ex_ident: String,
    pub municipality: String,
    pub system: String,
    pub pernr: String,
    pub device_type: Option<String>,
    pub network: String,
    pub activity: String,
    pub work_cntr: String,
    pub plant: String,
    pub postg_date: String,
    pub act_type: String,
    pub act_work: String,
    pub received_at: String,
    pub registered_at: String,
    pub error_id: Option<String>,
}

/// Registrations ordered by EX_IDENT: one (`ex_ident`), or a page after `after`.
pub async fn registrations(
    pool: &AnyPool,
    ex_ident: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<RegistrationRow>> {
    registrations_in(pool, ex_ident, after, limit, &RegistrationScope::default()).await
}

/// Whose registrations: one municipality's, one vendor's systems' (either, both or neither).
#[derive(Debug, Clone, Default)]
pub struct RegistrationScope {
    pub municipality: Option<String>,
    pub vendor_id: Option<String>,
}

/// [`registrations`] limited to `scope`.
pub async fn registrations_in(
    pool: &AnyPool,
    ex_ident: Option<&str>,
    after: Option<&str>,
    limit: i64,
    scope: &RegistrationScope,
) -> Result<Vec<RegistrationRow>> {
    let rows = sqlx::query(
        "SELECT r.ex_ident, r.municipality, s.name AS system, r.pernr, r.device_type, r.network, r.activity, \
         r.work_cntr, r.plant, r.postg_date, r.act_type, r.act_work, r.received_at, r.registered_at, r.error_id \
         FROM mh_registrations r JOIN systems s ON s.id = r.system_id \
         WHERE ($1 IS NULL OR r.ex_ident = $1) AND ($2 IS NULL OR r.ex_ident > $2) \
         AND ($4 IS NULL OR r.municipality = $4) AND ($5 IS NULL OR s.vendor_id = $5) ORDER BY r.ex_ident LIMIT $3",
    )
    .bind(ex_ident)
    .bind(after)
    .bind(limit)
    .bind(scope.municipality.as_deref())
    .bind(scope.vendor_id.as_deref())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RegistrationRow {
                ex_ident: r.try_get("ex_ident")?,
                municipality: r.try_get("municipality")?,
                system: r.try_get("system")?,
                pernr: r.try_get("pernr")?,
                device_type: r.try_get("device_type")?,
                network: r.try_get("network")?,
                activity: r.try_get("activity")?,
                work_cntr: r.try_get("work_cntr")?,
                plant: r.try_get("plant")?,
                postg_date: r.try_get("postg_date")?,
                act_type: r.try_get("act_type")?,
                act_work: r.try_get("act_work")?,
                received_at: r.try_get("received_at")?,
                registered_at: r.try_get("registered_at")?,
                error_id: r.try_get("error_id")?,
            })
        })
        .collect()
}

pub async fn count_registrations(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM mh_registrations")
        .fetch_one(pool)
        .await?
        .try_get("n")?)
}
