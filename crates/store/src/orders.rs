//! Orders of access (the contract addendum) with their steps, costs and closing, and the versioned price list
//! they are priced by. The rules of the steps and the prices are in the domain (`orders`, `prices`).

use crate::{Result, corrupt};
use serde::{Deserialize, Serialize};
use snitflade_domain::AccessLevel;
use sqlx::{AnyConnection, Row, any::AnyRow};
use std::collections::BTreeMap;

/// An order as stored; the JSON columns are kept as values so the store needs no knowledge of their rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub id: String,
    pub municipality: String,
    pub system_id: String,
    /// The vendor's details as ordered (what KMD's ordering process asks of the vendor: the organisation's name and
    /// CVR number, a contact person's name, phone number and e-mail; the standard integration has its own field).
    pub vendor: serde_json::Value,
    pub kind: String,
    pub standard_integration: Option<String>,
    pub interfaces: Vec<String>,
    /// The access level ordered per interface (migration 0021); empty for orders from before levels.
    pub access: BTreeMap<String, AccessLevel>,
    pub package: bool,
    pub covered_by_contract: Vec<String>,
    pub certificate: Option<String>,
    pub valid_from: String,
    pub state: String,
    /// The domain's `Progress` (kind and steps).
    pub steps: serde_json::Value,
    pub cost: Option<serde_json::Value>,
    pub delivered_on: Option<String>,
    pub closed_kind: Option<String>,
    pub closed_on: Option<String>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub closed_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, municipality, system_id, vendor, kind, standard_integration, interfaces, package, \
     covered_by_contract, certificate, valid_from, state, steps, cost, delivered_on, closed_kind, closed_on, \
     closed_at, closed_by, closed_reason, created_at, updated_at, access";

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(corrupt)
}

fn parse<T: serde::de::DeserializeOwned>(r: &AnyRow, column: &str) -> Result<T> {
    serde_json::from_str(&r.try_get::<String, _>(column)?).map_err(corrupt)
}

fn order(r: &AnyRow) -> Result<OrderRecord> {
    Ok(OrderRecord {
        id: r.try_get("id")?,
        municipality: r.try_get("municipality")?,
        system_id: r.try_get("system_id")?,
        vendor: parse(r, "vendor")?,
        kind: r.try_get("kind")?,
        standard_integration: r.try_get("standard_integration")?,
        interfaces: parse(r, "interfaces")?,
        access: parse(r, "access")?,
        package: r.try_get::<i64, _>("package")? != 0,
        covered_by_contract: parse(r, "covered_by_contract")?,
        certificate: r.try_get("certificate")?,
        valid_from: r.try_get("valid_from")?,
        state: r.try_get("state")?,
        steps: parse(r, "steps")?,
        cost: r
            .try_get::<Option<String>, _>("cost")?
            .map(|s| serde_json::from_str(&s).map_err(corrupt))
            .transpose()?,
        delivered_on: r.try_get("delivered_on")?,
        closed_kind: r.try_get("closed_kind")?,
        closed_on: r.try_get("closed_on")?,
        closed_at: r.try_get("closed_at")?,
        closed_by: r.try_get("closed_by")?,
        closed_reason: r.try_get("closed_reason")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts a new order, or (same id) replaces every column of the stored one.
pub async fn save(c: &mut AnyConnection, o: &OrderRecord) -> Result<()> {
    let sql = format!(
        "INSERT INTO orders ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19, $20, $21, $22, $23) ON CONFLICT (id) DO UPDATE SET vendor = excluded.vendor, \
         standard_integration = excluded.standard_integration, interfaces = excluded.interfaces, \
         access = excluded.access, \
         package = excluded.package, covered_by_contract = excluded.covered_by_contract, \
         certificate = excluded.certificate, valid_from = excluded.valid_from, state = excluded.state, \
         steps = excluded.steps, cost = excluded.cost, delivered_on = excluded.delivered_on, \
         closed_kind = excluded.closed_kind, closed_on = excluded.closed_on, closed_at = excluded.closed_at, \
         closed_by = excluded.closed_by, closed_reason = excluded.closed_reason, updated_at = excluded.updated_at"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&o.id)
        .bind(&o.municipality)
        .bind(&o.system_id)
        .bind(json(&o.vendor)?)
        .bind(&o.kind)
        .bind(&o.standard_integration)
        .bind(json(&o.interfaces)?)
        .bind(i64::from(o.package))
        .bind(json(&o.covered_by_contract)?)
        .bind(&o.certificate)
        .bind(&o.valid_from)
        .bind(&o.state)
        .bind(json(&o.steps)?)
        .bind(o.cost.as_ref().map(json).transpose()?)
        .bind(&o.delivered_on)
        .bind(&o.closed_kind)
        .bind(&o.closed_on)
        .bind(&o.closed_at)
        .bind(&o.closed_by)
        .bind(&o.closed_reason)
        .bind(&o.created_at)
        .bind(&o.updated_at)
        .bind(json(&o.access)?)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn by_id<'e, E>(executor: E, id: &str) -> Result<Option<OrderRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(order).transpose()
}

/// Orders, oldest first, optionally of one municipality, system (id) and state.
pub async fn list<'e, E>(
    executor: E,
    municipality: Option<&str>,
    system_id: Option<&str>,
    state: Option<&str>,
) -> Result<Vec<OrderRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders WHERE ($1 = '' OR municipality = $1) AND ($2 = '' OR system_id = $2) \
         AND ($3 = '' OR state = $3) ORDER BY created_at, id"
    )))
    .bind(municipality.unwrap_or(""))
    .bind(system_id.unwrap_or(""))
    .bind(state.unwrap_or(""))
    .fetch_all(executor)
    .await?;
    rows.iter().map(order).collect()
}

/// A stored price list version: the document is the domain's `PriceList` as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceListRecord {
    pub version: i64,
    pub valid_from: String,
    pub document: serde_json::Value,
    pub created_at: String,
}

/// Stores a new price list version (the next number) and answers it.
pub async fn add_price_list(
    c: &mut AnyConnection,
    valid_from: &str,
    document: &serde_json::Value,
    now: &str,
) -> Result<i64> {
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM price_lists")
        .fetch_one(&mut *c)
        .await?
        .try_get("v")?;
    sqlx::query("INSERT INTO price_lists (version, valid_from, document, created_at) VALUES ($1, $2, $3, $4)")
        .bind(next)
        .bind(valid_from)
        .bind(json(document)?)
        .bind(now)
        .execute(c)
        .await?;
    Ok(next)
}

/// The price list in force on `day`: the newest version valid from then or earlier.
pub async fn price_list_on<'e, E>(executor: E, day: &str) -> Result<Option<PriceListRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT version, valid_from, document, created_at FROM price_lists WHERE valid_from <= $1 \
         ORDER BY valid_from DESC, version DESC LIMIT 1",
    )
    .bind(day)
    .fetch_optional(executor)
    .await?;
    row.map(|r| {
        Ok(PriceListRecord {
            version: r.try_get("version")?,
            valid_from: r.try_get("valid_from")?,
            document: parse(&r, "document")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}
