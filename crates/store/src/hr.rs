//! Storage of the HR master data: employments, org units, the bitemporal category records, children, maternity
//! and work-accident cases, and the audit trail of reads and changes of employee data.
//!
//! Category records are never updated in place: a change closes the current registration (`registered_to`) and
//! inserts the new one, so "as registered at time T" stays answerable.

use crate::gathered::{EmployeeRows, Fields};
use crate::writer::{Table, Tx};
use crate::{Result, corrupt};
use jiff::civil::Date;
use serde::Serialize;
use snitflade_domain::hr::{
    Category, CategoryRecord, Child, Employment, EmploymentStatus, MaternityCase, OrgUnit, WorkAccidentCase,
};
use snitflade_domain::{Cpr, Kommunekode, Pernr};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// Most values bound in one `IN (…)` list.
pub(crate) const IN_CHUNK: usize = 500;

pub(crate) fn in_list(first: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", first + i)).collect::<Vec<_>>().join(", ")
}

pub(crate) fn date_text(d: Date) -> String {
    d.to_string()
}

pub(crate) fn parse_date(s: &str) -> Result<Date> {
    s.parse().map_err(|_| corrupt(format!("stored date '{s}'")))
}

fn opt_date(s: Option<String>) -> Result<Option<Date>> {
    s.as_deref().map(parse_date).transpose()
}

// ---------------------------------------------------------------------------------------------------------------
// Employments

const EMPLOYMENT_COLUMNS: &str = "municipality, pernr, cpr, ekstraciffer, first_name, last_name, org_unit, \
    entry_date, leave_date, is_manager, status, replaced_by, zlpe";

/// An employment as stored, with the ZLPE fields that have no data category (JSON, if it came from a dump).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEmployment {
    pub employment: Employment,
    pub zlpe: Option<serde_json::Value>,
}

fn employment_from_row<R: Fields>(row: &R) -> Result<StoredEmployment> {
    let text = |c: &str| row.text(c);
    let opt = |c: &str| row.opt_text(c);
    let cpr = opt("cpr")?.ok_or_else(|| corrupt("employment without CPR number"))?;
    let status = text("status")?;
    let zlpe = opt("zlpe")?
        .map(|z| serde_json::from_str(&z))
        .transpose()
        .map_err(corrupt)?;
    Ok(StoredEmployment {
        employment: Employment {
            municipality: Kommunekode::parse(&text("municipality")?).map_err(corrupt)?,
            pernr: Pernr::parse(&text("pernr")?).map_err(corrupt)?,
            cpr: Cpr::parse(&cpr).map_err(|_| corrupt("stored CPR number"))?,
            ekstraciffer: u8::try_from(row.int("ekstraciffer")?).map_err(corrupt)?,
            first_name: text("first_name")?,
            last_name: text("last_name")?,
            org_unit: opt("org_unit")?,
            entry_date: opt_date(opt("entry_date")?)?,
            leave_date: opt_date(opt("leave_date")?)?,
            is_manager: row.int("is_manager")? != 0,
            status: EmploymentStatus::parse(&status).ok_or_else(|| corrupt(format!("employment status {status}")))?,
            replaced_by: opt("replaced_by")?
                .map(|p| Pernr::parse(&p))
                .transpose()
                .map_err(corrupt)?,
        },
        zlpe,
    })
}

/// Creates or replaces an employment (its category records are kept separately).
pub async fn upsert_employment(c: &mut AnyConnection, e: &Employment, zlpe: Option<&serde_json::Value>) -> Result<()> {
    sqlx::query(
        "INSERT INTO employees (municipality, pernr, name, cpr, ekstraciffer, first_name, last_name, org_unit, \
         entry_date, leave_date, is_manager, status, replaced_by, zlpe, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (municipality, pernr) DO UPDATE SET name = excluded.name, cpr = excluded.cpr, \
         ekstraciffer = excluded.ekstraciffer, first_name = excluded.first_name, last_name = excluded.last_name, \
         org_unit = excluded.org_unit, entry_date = excluded.entry_date, leave_date = excluded.leave_date, \
         is_manager = excluded.is_manager, status = excluded.status, replaced_by = excluded.replaced_by, \
         zlpe = excluded.zlpe, updated_at = excluded.updated_at",
    )
    .bind(e.municipality.to_string())
    .bind(e.pernr.to_string())
    .bind(e.full_name())
    .bind(e.cpr.expose())
    .bind(i64::from(e.ekstraciffer))
    .bind(&e.first_name)
    .bind(&e.last_name)
    .bind(e.org_unit.as_deref())
    .bind(e.entry_date.map(date_text))
    .bind(e.leave_date.map(date_text))
    .bind(i64::from(e.is_manager))
    .bind(e.status.as_str())
    .bind(e.replaced_by.map(|p| p.to_string()))
    .bind(zlpe.map(|z| z.to_string()))
    .bind(crate::now_text())
    .execute(c)
    .await?;
    Ok(())
}

/// Rows per multi-row statement of `values_per_row` values, whose placeholders come from
/// [`crate::writer::placeholders`] (anonymous on SQLite: a numbered `$N` is looked up by a linear scan, so binding
/// grew with the square of a statement's values and such statements had to stay small). Large on PostgreSQL, where
/// each statement is a round trip.
pub(crate) fn rows_per_statement(c: &AnyConnection, values_per_row: usize) -> usize {
    let values = if c.backend_name() == "SQLite" { 1024 } else { 6000 };
    (values / values_per_row).max(1)
}

/// Creates or replaces many employments with few statements (the batch form of [`upsert_employment`], same
/// columns and meaning). A personnel number may occur only once per call.
pub async fn upsert_employments(c: &mut AnyConnection, rows: &[(Employment, Option<serde_json::Value>)]) -> Result<()> {
    let now = crate::now_text();
    for chunk in rows.chunks(rows_per_statement(c, 15)) {
        let values = crate::writer::placeholders(c, chunk.len(), 15);
        let sql = format!(
            "INSERT INTO employees (municipality, pernr, name, cpr, ekstraciffer, first_name, last_name, org_unit, \
             entry_date, leave_date, is_manager, status, replaced_by, zlpe, updated_at) VALUES {values} \
             ON CONFLICT (municipality, pernr) DO UPDATE SET name = excluded.name, cpr = excluded.cpr, \
             ekstraciffer = excluded.ekstraciffer, first_name = excluded.first_name, last_name = excluded.last_name, \
             org_unit = excluded.org_unit, entry_date = excluded.entry_date, leave_date = excluded.leave_date, \
             is_manager = excluded.is_manager, status = excluded.status, replaced_by = excluded.replaced_by, \
             zlpe = excluded.zlpe, updated_at = excluded.updated_at"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (e, zlpe) in chunk {
            q = q
                .bind(e.municipality.to_string())
                .bind(e.pernr.to_string())
                .bind(e.full_name())
                .bind(e.cpr.expose().to_owned())
                .bind(i64::from(e.ekstraciffer))
                .bind(e.first_name.clone())
                .bind(e.last_name.clone())
                .bind(e.org_unit.clone())
                .bind(e.entry_date.map(date_text))
                .bind(e.leave_date.map(date_text))
                .bind(i64::from(e.is_manager))
                .bind(e.status.as_str())
                .bind(e.replaced_by.map(|p| p.to_string()))
                .bind(zlpe.as_ref().map(|z| z.to_string()))
                .bind(now.clone());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// One employment, by number.
pub async fn employment<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Option<StoredEmployment>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {EMPLOYMENT_COLUMNS} FROM {EMPLOYMENT}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(employment_from_row)
        .transpose()
}

/// [`employment`]'s row: `$1` municipality, `$2` employee.
const EMPLOYMENT: &str = "employees WHERE municipality = $1 AND pernr = $2 AND cpr IS NOT NULL";

/// An employee's employment, as rows (none or one) for gathering.
pub(crate) const EMPLOYMENT_ROWS: EmployeeRows<StoredEmployment> = EmployeeRows {
    columns: EMPLOYMENT_COLUMNS,
    from_where: EMPLOYMENT,
    order: "pernr",
    row: employment_from_row,
    gathered_row: employment_from_row,
};

/// The `pernr` column of query rows.
fn pernrs_of(rows: &[AnyRow]) -> Result<Vec<Pernr>> {
    rows.iter()
        .map(|r| Pernr::parse(&r.try_get::<String, _>("pernr")?).map_err(corrupt))
        .collect()
}

/// The `data` column (JSON) of query rows.
fn json_data_of<T: serde::de::DeserializeOwned>(rows: &[AnyRow]) -> Result<Vec<T>> {
    rows.iter()
        .map(|r| serde_json::from_str(&r.try_get::<String, _>("data")?).map_err(corrupt))
        .collect()
}

/// The personnel numbers of a municipality's employments (with HR data), ascending.
pub async fn employment_numbers(pool: &AnyPool, municipality: Kommunekode) -> Result<Vec<Pernr>> {
    let rows = sqlx::query("SELECT pernr FROM employees WHERE municipality = $1 AND cpr IS NOT NULL ORDER BY pernr")
        .bind(municipality.to_string())
        .fetch_all(pool)
        .await?;
    pernrs_of(&rows)
}

/// The personnel numbers of a municipality's employments (with HR data) in one status, ascending.
pub async fn employment_numbers_with_status(
    pool: &AnyPool,
    municipality: Kommunekode,
    status: EmploymentStatus,
) -> Result<Vec<Pernr>> {
    let rows = sqlx::query(
        "SELECT pernr FROM employees WHERE municipality = $1 AND cpr IS NOT NULL AND status = $2 ORDER BY pernr",
    )
    .bind(municipality.to_string())
    .bind(status.as_str())
    .fetch_all(pool)
    .await?;
    pernrs_of(&rows)
}

/// The employments of one person (CPR number) in a municipality, ascending by number.
pub async fn employments_of_person<'e, E>(
    executor: E,
    municipality: Kommunekode,
    cpr: &Cpr,
) -> Result<Vec<StoredEmployment>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {EMPLOYMENT_COLUMNS} FROM employees WHERE municipality = $1 AND cpr = $2 ORDER BY pernr");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .bind(cpr.expose().to_owned())
        .fetch_all(executor)
        .await?;
    rows.iter().map(employment_from_row).collect()
}

/// The employments with these numbers (those that exist), ascending by number.
pub async fn employments(pool: &AnyPool, municipality: Kommunekode, pernrs: &[Pernr]) -> Result<Vec<StoredEmployment>> {
    let mut out = Vec::with_capacity(pernrs.len());
    for chunk in pernrs.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT {EMPLOYMENT_COLUMNS} FROM employees WHERE municipality = $1 AND cpr IS NOT NULL \
             AND pernr IN ({}) ORDER BY pernr",
            in_list(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(municipality.to_string());
        for p in chunk {
            q = q.bind(p.to_string());
        }
        for row in q.fetch_all(pool).await? {
            out.push(employment_from_row(&row)?);
        }
    }
    out.sort_by_key(|e| e.employment.pernr);
    Ok(out)
}

/// The active manager employments of a municipality (for Personaleleder).
pub async fn managers(pool: &AnyPool, municipality: Kommunekode) -> Result<Vec<Employment>> {
    let sql = format!(
        "SELECT {EMPLOYMENT_COLUMNS} FROM employees WHERE municipality = $1 AND cpr IS NOT NULL \
         AND is_manager = 1 AND status = 'active' ORDER BY pernr"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| employment_from_row(r).map(|s| s.employment))
        .collect()
}

/// Refreshes PostgreSQL's planner statistics of the HR tables. A bulk import into nearly empty tables needs it
/// now and then: plans made while a table looked empty scan it whole, and every chunk then takes longer
/// (a 50,000-employee import: 33 s without, 6 s with). Nothing on SQLite, whose planner needs no statistics.
pub async fn update_statistics(pool: &AnyPool) -> Result<()> {
    let mut c = pool.acquire().await?;
    if c.backend_name() == "PostgreSQL" {
        sqlx::query("ANALYZE employees, employee_records, org_units")
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Org units

/// Creates or replaces an org unit; `extra` holds fields the unit type has no place for (ZLPE extras).
pub async fn upsert_org_unit(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    unit: &OrgUnit,
    extra: Option<&serde_json::Value>,
) -> Result<()> {
    let data = serde_json::json!({ "unit": unit, "extra": extra });
    sqlx::query(
        "INSERT INTO org_units (municipality, id, parent, valid_from, valid_to, data, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (municipality, id) DO UPDATE SET parent = excluded.parent, \
         valid_from = excluded.valid_from, valid_to = excluded.valid_to, data = excluded.data, \
         updated_at = excluded.updated_at",
    )
    .bind(municipality.to_string())
    .bind(&unit.id)
    .bind(unit.parent.as_deref())
    .bind(date_text(unit.valid_from))
    .bind(date_text(unit.valid_to))
    .bind(data.to_string())
    .bind(crate::now_text())
    .execute(c)
    .await?;
    Ok(())
}

/// An org unit as stored, with its extras.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrgUnit {
    pub unit: OrgUnit,
    pub extra: Option<serde_json::Value>,
}

/// A municipality's org units, by id (numeric order).
pub async fn org_units(pool: &AnyPool, municipality: Kommunekode) -> Result<Vec<StoredOrgUnit>> {
    let rows = sqlx::query("SELECT data FROM org_units WHERE municipality = $1")
        .bind(municipality.to_string())
        .fetch_all(pool)
        .await?;
    let mut units = rows
        .iter()
        .map(|r| {
            #[derive(serde::Deserialize)]
            struct Data {
                unit: OrgUnit,
                extra: Option<serde_json::Value>,
            }
            let d: Data = serde_json::from_str(&r.try_get::<String, _>("data")?).map_err(corrupt)?;
            Ok(StoredOrgUnit {
                unit: d.unit,
                extra: d.extra,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    units.sort_by_key(|u| (u.unit.id.len(), u.unit.id.clone()));
    Ok(units)
}

/// Registers a municipality unless it is registered already; returns whether it was added.
pub async fn ensure_municipality(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    name: &str,
    cvr: &str,
) -> Result<bool> {
    let n =
        sqlx::query("INSERT INTO municipalities (code, name, cvr) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING")
            .bind(municipality.to_string())
            .bind(name)
            .bind(cvr)
            .execute(c)
            .await?
            .rows_affected();
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------------------------
// Category records

/// A category record as stored, with its registration interval.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: String,
    pub pernr: Pernr,
    pub record: CategoryRecord,
    pub registered_from: String,
    pub registered_to: Option<String>,
    pub registered_by: String,
}

/// Which registrations to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationFilter {
    /// Registrations still current at or after this instant (RFC 3339 text as stored).
    pub from: Option<String>,
    /// Registrations made at or before this instant.
    pub to: Option<String>,
}

impl RegistrationFilter {
    /// No filter: the current registrations.
    pub fn current() -> Self {
        Self::default()
    }
    fn is_current(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

fn record_from_row<R: Fields>(row: &R) -> Result<StoredRecord> {
    let code = row.text("category")?;
    let category = Category::parse(&code).ok_or_else(|| corrupt(format!("category {code}")))?;
    let values: Vec<(String, String)> = serde_json::from_str(&row.text("data")?).map_err(corrupt)?;
    let record = CategoryRecord::new(
        category,
        parse_date(&row.text("valid_from")?)?,
        parse_date(&row.text("valid_to")?)?,
        values,
    )
    .map_err(corrupt)?;
    Ok(StoredRecord {
        id: row.text("id")?,
        pernr: Pernr::parse(&row.text("pernr")?).map_err(corrupt)?,
        record,
        registered_from: row.text("registered_from")?,
        registered_to: row.opt_text("registered_to")?,
        registered_by: row.text("registered_by")?,
    })
}

/// Sorts records into response order: employee, category (XSD order), validity, then registration.
fn sort_records(records: &mut [StoredRecord]) {
    records.sort_by(|a, b| {
        (a.pernr, a.record.category, a.record.valid_from, &a.registered_from).cmp(&(
            b.pernr,
            b.record.category,
            b.record.valid_from,
            &b.registered_from,
        ))
    });
}

const RECORD_COLUMNS: &str =
    "id, pernr, category, valid_from, valid_to, data, registered_from, registered_to, registered_by";

/// The records of these employees as the filter selects them (default: the current registrations), sorted into
/// response order. Read one row per employee, its records gathered into a JSON array by the database
/// (`json_group_array` on SQLite, `json_agg` on PostgreSQL): a List of thousands of employees reads hundreds of
/// thousands of records, and each row costs a hand-off between threads and an allocation per column in the driver.
pub async fn records(
    pool: &AnyPool,
    municipality: Kommunekode,
    pernrs: &[Pernr],
    registration: &RegistrationFilter,
) -> Result<Vec<StoredRecord>> {
    let mut c = pool.acquire().await?;
    let gather = if c.backend_name() == "SQLite" {
        "json_group_array(json_array(id, category, valid_from, valid_to, json(data), registered_from, registered_to, \
         registered_by))"
    } else {
        "json_agg(json_build_array(id, category, valid_from, valid_to, data::json, registered_from, registered_to, \
         registered_by))::text"
    };
    let mut out = Vec::new();
    for chunk in pernrs.chunks(IN_CHUNK) {
        let first = 2 + usize::from(registration.from.is_some()) + usize::from(registration.to.is_some());
        let mut cond = String::new();
        let mut n = 2;
        if registration.is_current() {
            cond.push_str(" AND registered_to IS NULL");
        }
        if registration.from.is_some() {
            cond.push_str(&format!(" AND (registered_to IS NULL OR registered_to > ${n})"));
            n += 1;
        }
        if registration.to.is_some() {
            cond.push_str(&format!(" AND registered_from <= ${n}"));
        }
        let sql = format!(
            "SELECT pernr, {gather} AS records FROM employee_records WHERE municipality = $1{cond} AND pernr IN ({}) \
             GROUP BY pernr",
            in_list(first, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(municipality.to_string());
        if let Some(f) = &registration.from {
            q = q.bind(f.clone());
        }
        if let Some(t) = &registration.to {
            q = q.bind(t.clone());
        }
        for p in chunk {
            q = q.bind(p.to_string());
        }
        for row in q.fetch_all(&mut *c).await? {
            let pernr = Pernr::parse(&row.try_get::<String, _>("pernr")?).map_err(corrupt)?;
            let gathered: Vec<GatheredRecord> =
                serde_json::from_str(&row.try_get::<String, _>("records")?).map_err(corrupt)?;
            for g in gathered {
                out.push(g.stored(pernr)?);
            }
        }
    }
    sort_records(&mut out);
    Ok(out)
}

/// A record as [`records`] gathers it: `[id, category, valid_from, valid_to, data, registered_from, registered_to,
/// registered_by]`.
#[derive(serde::Deserialize)]
struct GatheredRecord(
    String,
    String,
    String,
    String,
    Vec<(String, String)>,
    String,
    Option<String>,
    String,
);

impl GatheredRecord {
    fn stored(self, pernr: Pernr) -> Result<StoredRecord> {
        let GatheredRecord(id, code, valid_from, valid_to, values, registered_from, registered_to, registered_by) =
            self;
        let category = Category::parse(&code).ok_or_else(|| corrupt(format!("category {code}")))?;
        let record =
            CategoryRecord::new(category, parse_date(&valid_from)?, parse_date(&valid_to)?, values).map_err(corrupt)?;
        Ok(StoredRecord {
            id,
            pernr,
            record,
            registered_from,
            registered_to,
            registered_by,
        })
    }
}

/// [`current_records`]' rows: `$1` municipality, `$2` employee, `$3` category.
const CURRENT_RECORDS: &str =
    "employee_records WHERE municipality = $1 AND pernr = $2 AND category = $3 AND registered_to IS NULL";

/// The query of [`current_records`].
pub(crate) fn current_records_sql() -> String {
    format!("SELECT {RECORD_COLUMNS} FROM {CURRENT_RECORDS}")
}

/// [`current_records`] as a scalar subquery gathering them into one JSON text (read with
/// [`gathered_current_records`]).
pub(crate) fn gather_current_records_sql(sqlite: bool) -> String {
    crate::gathered::gather_sql(sqlite, RECORD_COLUMNS, CURRENT_RECORDS, "valid_from, registered_from")
}

/// The records of a [`gather_current_records_sql`] subquery, in response order.
pub(crate) fn gathered_current_records(text: Option<&str>) -> Result<Vec<StoredRecord>> {
    let mut out = crate::gathered::rows(text, RECORD_COLUMNS, record_from_row)?;
    sort_records(&mut out);
    Ok(out)
}

/// The current records of one employee and category, inside a write.
pub async fn current_records(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    category: Category,
) -> Result<Vec<StoredRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(current_records_sql()))
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .bind(category.code())
        .fetch_all(c)
        .await?;
    let mut out = rows.iter().map(record_from_row).collect::<Result<Vec<_>>>()?;
    sort_records(&mut out);
    Ok(out)
}

/// Inserts a record as a new current registration; returns its id.
pub async fn insert_record(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    record: &CategoryRecord,
    actor: &str,
    now: &str,
) -> Result<String> {
    let row = record_row(municipality, pernr, record, actor, now)?;
    let id = row[0].clone().expect("an id");
    crate::writer::insert_rows(c, &RECORDS, &[row]).await?;
    Ok(id)
}

/// The employee records table as registrations are inserted into it.
pub(crate) static RECORDS: Table = Table {
    name: "employee_records",
    columns: &[
        "id",
        "municipality",
        "pernr",
        "category",
        "valid_from",
        "valid_to",
        "data",
        "registered_from",
        "registered_to",
        "registered_by",
    ],
};

/// A record as a current registration's row of [`RECORDS`], under a new row id.
pub(crate) fn record_row(
    municipality: Kommunekode,
    pernr: Pernr,
    record: &CategoryRecord,
    actor: &str,
    now: &str,
) -> Result<Vec<Option<String>>> {
    let values: Vec<_> = record.values().collect();
    Ok(vec![
        Some(uuid::Uuid::now_v7().to_string()),
        Some(municipality.to_string()),
        Some(pernr.to_string()),
        Some(record.category.code().to_owned()),
        Some(date_text(record.valid_from)),
        Some(date_text(record.valid_to)),
        Some(serde_json::to_string(&values).map_err(corrupt)?),
        Some(now.to_owned()),
        None,
        Some(actor.to_owned()),
    ])
}

/// The tables whose rows are registrations (`registered_to` NULL while current).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Registrations {
    Records,
    Absences,
    Schedules,
    FixedSupplements,
}

/// Ends the current registration `id` of `table` at `now` (it stays readable as history); a conflict if it is
/// not current.
pub(crate) async fn close_registration(c: &mut AnyConnection, table: Registrations, id: &str, now: &str) -> Result<()> {
    let (name, what) = match table {
        Registrations::Records => ("employee_records", "record"),
        Registrations::Absences => ("absences", "absence registration"),
        Registrations::Schedules => ("work_schedules", "schedule registration"),
        Registrations::FixedSupplements => ("fixed_supplements", "supplement registration"),
    };
    let sql = format!("UPDATE {name} SET registered_to = $1 WHERE id = $2 AND registered_to IS NULL");
    let n = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(id)
        .execute(c)
        .await?
        .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(crate::StoreError::Conflict(format!("{what} {id} is not current")))
    }
}

/// Ends a current registration at `now` (the record stays readable with a registration filter).
pub async fn close_record(c: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    close_registration(c, Registrations::Records, id, now).await
}

/// Makes `wanted` the current records of one employee and category: unchanged records stay, the others are
/// closed and the missing ones inserted. Returns whether anything changed.
pub async fn replace_category(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    category: Category,
    wanted: &[CategoryRecord],
    actor: &str,
    now: &str,
) -> Result<bool> {
    let current = current_records(c, municipality, pernr, category).await?;
    replace_current(c, municipality, pernr, &current, wanted, actor, now).await
}

/// Makes `wanted` the current records of one employee and category *among those `managed` selects*; current
/// records it does not select are left alone (e.g. an importer that owns only the work-phone records of
/// Kommunikation). Unchanged records stay, the others are closed and the missing ones inserted. Returns whether
/// anything changed.
#[allow(clippy::too_many_arguments)]
pub async fn replace_managed_records(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    category: Category,
    managed: impl Fn(&CategoryRecord) -> bool,
    wanted: &[CategoryRecord],
    actor: &str,
    now: &str,
) -> Result<bool> {
    let mut current = current_records(c, municipality, pernr, category).await?;
    current.retain(|r| managed(&r.record));
    replace_current(c, municipality, pernr, &current, wanted, actor, now).await
}

/// [`replace_category`] with the `current` records read already in the same transaction (all of one category,
/// that of `wanted`): the records to close are closed one by one, the missing ones inserted in one statement.
pub async fn replace_current(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    current: &[StoredRecord],
    wanted: &[CategoryRecord],
    actor: &str,
    now: &str,
) -> Result<bool> {
    let (close, insert) = replacement(current, wanted);
    for id in &close {
        close_record(c, id, now).await?;
    }
    let rows = insert
        .iter()
        .map(|r| record_row(municipality, pernr, r, actor, now))
        .collect::<Result<Vec<_>>>()?;
    crate::writer::insert_rows(c, &RECORDS, &rows).await?;
    Ok(!close.is_empty() || !rows.is_empty())
}

/// What makes `wanted` the current records: the ids of the `current` ones to close (not wanted any more) and the
/// wanted records to insert (not current yet). Unchanged records stay.
pub(crate) fn replacement<'a>(
    current: &'a [StoredRecord],
    wanted: &'a [CategoryRecord],
) -> (Vec<&'a str>, Vec<&'a CategoryRecord>) {
    let close = current
        .iter()
        .filter(|old| !wanted.contains(&old.record))
        .map(|old| old.id.as_str())
        .collect();
    let insert = wanted
        .iter()
        .filter(|new| !current.iter().any(|old| &old.record == *new))
        .collect();
    (close, insert)
}

/// Inserts many records as new current registrations with few statements (for employees that have no current
/// records yet; otherwise use [`replace_category`]).
pub async fn insert_records(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    records: &[(Pernr, CategoryRecord)],
    actor: &str,
    now: &str,
) -> Result<()> {
    for chunk in records.chunks(rows_per_statement(c, 10)) {
        let values = crate::writer::placeholders(c, chunk.len(), 10);
        let sql = format!(
            "INSERT INTO employee_records (id, municipality, pernr, category, valid_from, valid_to, data, \
             registered_from, registered_to, registered_by) VALUES {values}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (pernr, record) in chunk {
            let values: Vec<_> = record.values().collect();
            q = q
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(municipality.to_string())
                .bind(pernr.to_string())
                .bind(record.category.code())
                .bind(date_text(record.valid_from))
                .bind(date_text(record.valid_to))
                .bind(serde_json::to_string(&values).map_err(corrupt)?)
                .bind(now.to_owned())
                .bind(None::<String>)
                .bind(actor.to_owned());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Ends an employment's records on its leave date (SAP's delimiting): every current record of any category still
/// valid after `leave_date` gets a new registration ending on it; one that starts after it is closed. Returns how
/// many records changed.
pub async fn delimit_records(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    leave_date: Date,
    actor: &str,
    now: &str,
) -> Result<usize> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM employee_records WHERE municipality = $1 AND pernr = $2 \
         AND registered_to IS NULL AND valid_to > $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .bind(date_text(leave_date))
        .fetch_all(&mut *c)
        .await?;
    let open = rows.iter().map(record_from_row).collect::<Result<Vec<_>>>()?;
    for old in &open {
        close_record(c, &old.id, now).await?;
        if old.record.valid_from <= leave_date {
            let delimited = old
                .record
                .with_validity(old.record.valid_from, leave_date)
                .map_err(corrupt)?;
            insert_record(c, municipality, pernr, &delimited, actor, now).await?;
        }
    }
    Ok(open.len())
}

// ---------------------------------------------------------------------------------------------------------------
// Children, maternity and work-accident cases

pub async fn insert_child(c: &mut AnyConnection, municipality: Kommunekode, pernr: Pernr, child: &Child) -> Result<()> {
    sqlx::query(
        "INSERT INTO employee_children (municipality, pernr, child_number, cpr, first_name, last_name) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .bind(&child.child_number)
    .bind(child.cpr.expose())
    .bind(&child.first_name)
    .bind(&child.last_name)
    .execute(c)
    .await?;
    Ok(())
}

/// An employee's children, by child number.
pub async fn children<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Vec<Child>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    CHILDREN.read(executor, municipality, pernr).await
}

/// An employee's children.
pub(crate) const CHILDREN: EmployeeRows<Child> = EmployeeRows {
    columns: "child_number, cpr, first_name, last_name",
    from_where: "employee_children WHERE municipality = $1 AND pernr = $2",
    order: "child_number",
    row: child_from_row,
    gathered_row: child_from_row,
};

fn child_from_row<R: Fields>(r: &R) -> Result<Child> {
    Ok(Child {
        child_number: r.text("child_number")?,
        cpr: Cpr::parse(&r.text("cpr")?).map_err(|_| corrupt("stored CPR number"))?,
        first_name: r.text("first_name")?,
        last_name: r.text("last_name")?,
    })
}

pub async fn insert_maternity_case(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    case: &MaternityCase,
) -> Result<()> {
    sqlx::query("INSERT INTO maternity_cases (municipality, pernr, case_key, data) VALUES ($1, $2, $3, $4)")
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .bind(&case.case_key)
        .bind(serde_json::to_string(case).map_err(corrupt)?)
        .execute(c)
        .await?;
    Ok(())
}

/// An employee's maternity cases, by case key.
pub async fn maternity_cases<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Vec<MaternityCase>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query("SELECT data FROM maternity_cases WHERE municipality = $1 AND pernr = $2 ORDER BY case_key")
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .fetch_all(executor)
        .await?;
    json_data_of(&rows)
}

pub async fn insert_work_accident_case(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    case: &WorkAccidentCase,
) -> Result<()> {
    sqlx::query("INSERT INTO work_accident_cases (municipality, pernr, accident_number, data) VALUES ($1, $2, $3, $4)")
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .bind(&case.accident_number)
        .bind(serde_json::to_string(case).map_err(corrupt)?)
        .execute(c)
        .await?;
    Ok(())
}

/// An employee's work-accident cases, by accident number.
pub async fn work_accident_cases<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernr: Pernr,
) -> Result<Vec<WorkAccidentCase>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT data FROM work_accident_cases WHERE municipality = $1 AND pernr = $2 ORDER BY accident_number",
    )
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .fetch_all(executor)
    .await?;
    json_data_of(&rows)
}

// ---------------------------------------------------------------------------------------------------------------
// Audit

/// One audited read or change of employee data.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub actor: &'a str,
    pub interface: &'a str,
    /// `laes`, `list`, `ret`, `import`, …
    pub action: &'a str,
    pub municipality: Kommunekode,
    pub pernr: Option<Pernr>,
    pub detail: serde_json::Value,
}

pub async fn insert_audit(c: &mut AnyConnection, a: &NewAudit<'_>, now: &str) -> Result<()> {
    crate::writer::insert_rows(c, &AUDIT, &[audit_row(a, None, now)]).await
}

/// [`insert_audit`] at the end of the write's batch, with the batch's other audit entries ([`Tx::append`]).
pub fn append_audit(tx: &mut Tx, a: &NewAudit<'_>, now: &str) {
    append_audit_from(tx, a, None, now);
}

/// [`append_audit`] of an entry written by an import of the file `source` (a ZLPE dump's name).
pub fn append_audit_from(tx: &mut Tx, a: &NewAudit<'_>, source: Option<&str>, now: &str) {
    tx.append(&AUDIT, audit_row(a, source, now));
}

/// The audit table as rows are appended to it.
static AUDIT: Table = Table {
    name: "hr_audit",
    columns: &[
        "id",
        "at",
        "actor",
        "interface",
        "action",
        "municipality",
        "pernr",
        "detail",
        "source",
    ],
};

fn audit_row(a: &NewAudit<'_>, source: Option<&str>, now: &str) -> Vec<Option<String>> {
    vec![
        Some(uuid::Uuid::now_v7().to_string()),
        Some(now.to_owned()),
        Some(a.actor.to_owned()),
        Some(a.interface.to_owned()),
        Some(a.action.to_owned()),
        Some(a.municipality.to_string()),
        a.pernr.map(|p| p.to_string()),
        Some(a.detail.to_string()),
        source.map(str::to_owned),
    ]
}

/// Whether audit entries with `action` were written by imports of the file `source`.
pub async fn audited_from(pool: &AnyPool, source: &str, action: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) FROM hr_audit WHERE source = $1 AND action = $2")
        .bind(source)
        .bind(action)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Those of `pernrs` of `municipality` with an audit entry `action` written by an import of the file `source`.
pub async fn audited_employees_from(
    pool: &AnyPool,
    source: &str,
    action: &str,
    municipality: Kommunekode,
    pernrs: &[Pernr],
) -> Result<std::collections::HashSet<Pernr>> {
    let mut out = std::collections::HashSet::new();
    for chunk in pernrs.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT DISTINCT pernr FROM hr_audit WHERE source = $1 AND action = $2 AND municipality = $3 \
             AND pernr IN ({})",
            in_list(4, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(source)
            .bind(action)
            .bind(municipality.to_string());
        for p in chunk {
            q = q.bind(p.to_string());
        }
        for row in q.fetch_all(pool).await? {
            let p: String = row.try_get(0)?;
            out.insert(Pernr::parse(&p).map_err(corrupt)?);
        }
    }
    Ok(out)
}

/// An audit entry as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub interface: String,
    pub action: String,
    pub municipality: String,
    pub pernr: Option<String>,
    /// `ok`, or why the call was refused.
    pub outcome: String,
    pub detail: serde_json::Value,
}

/// The audit trail of a municipality (or one employee), newest first.
pub async fn audit(
    pool: &AnyPool,
    municipality: Kommunekode,
    pernr: Option<Pernr>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let filter = AuditFilter {
        municipality: Some(municipality),
        pernr,
        limit,
        ..AuditFilter::default()
    };
    audit_search(pool, &filter).await
}

/// Which audit entries to list: every given field must match; `from`/`to` bound `at` (RFC 3339 or a day).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub municipality: Option<Kommunekode>,
    /// The acting system's name.
    pub system: Option<String>,
    pub interface: Option<String>,
    pub pernr: Option<Pernr>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: i64,
}

/// The audit entries matching `f`, newest first.
pub async fn audit_search(pool: &AnyPool, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT id, at, actor, interface, action, municipality, pernr, outcome, detail FROM hr_audit \
         WHERE ($1 = '' OR municipality = $1) AND ($2 = '' OR pernr = $2) AND ($3 = '' OR actor = $3) \
         AND ($4 = '' OR interface = $4) AND ($5 = '' OR at >= $5) AND ($6 = '' OR at < $6) \
         ORDER BY at DESC, id DESC LIMIT $7",
    )
    .bind(f.municipality.map(|m| m.to_string()).unwrap_or_default())
    .bind(f.pernr.map(|p| p.to_string()).unwrap_or_default())
    .bind(f.system.clone().unwrap_or_default())
    .bind(f.interface.clone().unwrap_or_default())
    .bind(f.from.clone().unwrap_or_default())
    .bind(f.to.clone().unwrap_or_default())
    .bind(f.limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                interface: r.try_get("interface")?,
                action: r.try_get("action")?,
                municipality: r.try_get("municipality")?,
                pernr: r.try_get("pernr")?,
                outcome: r.try_get("outcome")?,
                detail: serde_json::from_str(&r.try_get::<String, _>("detail")?).map_err(corrupt)?,
            })
        })
        .collect()
}
