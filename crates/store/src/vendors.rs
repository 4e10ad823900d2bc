//! Integrating vendors (with the contact person KMD's ordering process asks for: name, phone, e-mail) and KMD's
//! standard integration agreements with them: which system, which interfaces, on which certificate.

use crate::{Result, corrupt};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyPool, Row, any::AnyRow};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub cvr: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub created_at: String,
    pub updated_at: String,
}

const VENDOR_COLUMNS: &str = "id, name, cvr, contact_name, contact_phone, contact_email, created_at, updated_at";

fn vendor(r: &AnyRow) -> Result<Vendor> {
    Ok(Vendor {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        cvr: r.try_get("cvr")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        contact_email: r.try_get("contact_email")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert_vendor(c: &mut AnyConnection, v: &Vendor) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO vendors ({VENDOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&v.id)
    .bind(&v.name)
    .bind(&v.cvr)
    .bind(&v.contact_name)
    .bind(&v.contact_phone)
    .bind(&v.contact_email)
    .bind(&v.created_at)
    .bind(&v.updated_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Replaces a vendor's name, CVR and contact; `NotFound` for an unknown id.
pub async fn update_vendor(c: &mut AnyConnection, v: &Vendor) -> Result<()> {
    let done = sqlx::query(
        "UPDATE vendors SET name = $2, cvr = $3, contact_name = $4, contact_phone = $5, contact_email = $6, \
         updated_at = $7 WHERE id = $1",
    )
    .bind(&v.id)
    .bind(&v.name)
    .bind(&v.cvr)
    .bind(&v.contact_name)
    .bind(&v.contact_phone)
    .bind(&v.contact_email)
    .bind(&v.updated_at)
    .execute(c)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

pub async fn vendors<'e, E>(executor: E) -> Result<Vec<Vendor>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VENDOR_COLUMNS} FROM vendors ORDER BY name, id"
    )))
    .fetch_all(executor)
    .await?;
    rows.iter().map(vendor).collect()
}

pub async fn vendor_by_id<'e, E>(executor: E, id: &str) -> Result<Option<Vendor>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VENDOR_COLUMNS} FROM vendors WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(vendor).transpose()
}

/// A standard integration agreement between KMD and a vendor for one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardIntegration {
    pub id: String,
    pub vendor_id: String,
    pub system_id: String,
    /// Interface ids.
    pub interfaces: Vec<String>,
    /// The agreed certificate's fingerprint.
    pub certificate: String,
    pub created_at: String,
}

pub async fn insert_standard_integration(c: &mut AnyConnection, s: &StandardIntegration) -> Result<()> {
    sqlx::query(
        "INSERT INTO standard_integrations (id, vendor_id, system_id, interfaces, certificate, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&s.id)
    .bind(&s.vendor_id)
    .bind(&s.system_id)
    .bind(serde_json::to_string(&s.interfaces).map_err(corrupt)?)
    .bind(&s.certificate)
    .bind(&s.created_at)
    .execute(c)
    .await?;
    Ok(())
}

fn standard_integration(r: &AnyRow) -> Result<StandardIntegration> {
    Ok(StandardIntegration {
        id: r.try_get("id")?,
        vendor_id: r.try_get("vendor_id")?,
        system_id: r.try_get("system_id")?,
        interfaces: serde_json::from_str(&r.try_get::<String, _>("interfaces")?).map_err(corrupt)?,
        certificate: r.try_get("certificate")?,
        created_at: r.try_get("created_at")?,
    })
}

const SI_COLUMNS: &str = "id, vendor_id, system_id, interfaces, certificate, created_at";

pub async fn standard_integrations(pool: &AnyPool) -> Result<Vec<StandardIntegration>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SI_COLUMNS} FROM standard_integrations ORDER BY id"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter().map(standard_integration).collect()
}

pub async fn standard_integration_by_id<'e, E>(executor: E, id: &str) -> Result<Option<StandardIntegration>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SI_COLUMNS} FROM standard_integrations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(standard_integration).transpose()
}
