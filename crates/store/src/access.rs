//! Municipalities, external systems, their certificates and their grants (system × interface × municipality).

use crate::{Result, now_text};
use serde::Serialize;
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone, Serialize)]
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub cvr: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemRecord {
    pub id: String,
    pub name: String,
    pub vendor_name: String,
    pub vendor_cvr: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateRecord {
    pub fingerprint: String,
    pub system_id: String,
    pub subject: String,
    pub serial_number: Option<String>,
    pub not_before: String,
    pub not_after: String,
    pub pem: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantRecord {
    pub id: String,
    pub system_id: String,
    pub interface: String,
    pub municipality: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

pub async fn insert_municipality(c: &mut AnyConnection, m: &Municipality) -> Result<()> {
    sqlx::query("INSERT INTO municipalities (code, name, cvr) VALUES ($1, $2, $3)")
        .bind(&m.code)
        .bind(&m.name)
        .bind(&m.cvr)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn municipalities(pool: &AnyPool) -> Result<Vec<Municipality>> {
    let rows = sqlx::query("SELECT code, name, cvr FROM municipalities ORDER BY code")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Municipality {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                cvr: r.try_get("cvr")?,
            })
        })
        .collect()
}

pub async fn insert_system(c: &mut AnyConnection, s: &SystemRecord) -> Result<()> {
    write_system(c, s, "").await
}

/// Creates a system unless one with its id exists (the built-in senders such as file imports).
pub async fn ensure_system(c: &mut AnyConnection, s: &SystemRecord) -> Result<()> {
    write_system(c, s, " ON CONFLICT (id) DO NOTHING").await
}

async fn write_system(c: &mut AnyConnection, s: &SystemRecord, on_conflict: &'static str) -> Result<()> {
    let sql = format!(
        "INSERT INTO systems (id, name, vendor_name, vendor_cvr, created_at) VALUES ($1, $2, $3, $4, $5){on_conflict}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&s.id)
        .bind(&s.name)
        .bind(&s.vendor_name)
        .bind(&s.vendor_cvr)
        .bind(now_text())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn systems(pool: &AnyPool) -> Result<Vec<SystemRecord>> {
    let rows = sqlx::query("SELECT id, name, vendor_name, vendor_cvr FROM systems ORDER BY name")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SystemRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                vendor_name: r.try_get("vendor_name")?,
                vendor_cvr: r.try_get("vendor_cvr")?,
            })
        })
        .collect()
}

pub async fn insert_certificate(c: &mut AnyConnection, cert: &CertificateRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO certificates (fingerprint, system_id, subject, serial_number, not_before, not_after, pem, \
         added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&cert.fingerprint)
    .bind(&cert.system_id)
    .bind(&cert.subject)
    .bind(&cert.serial_number)
    .bind(&cert.not_before)
    .bind(&cert.not_after)
    .bind(&cert.pem)
    .bind(now_text())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn certificates(pool: &AnyPool) -> Result<Vec<CertificateRecord>> {
    let rows = sqlx::query(
        "SELECT fingerprint, system_id, subject, serial_number, not_before, not_after, pem FROM certificates",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CertificateRecord {
                fingerprint: r.try_get("fingerprint")?,
                system_id: r.try_get("system_id")?,
                subject: r.try_get("subject")?,
                serial_number: r.try_get("serial_number")?,
                not_before: r.try_get("not_before")?,
                not_after: r.try_get("not_after")?,
                pem: r.try_get("pem")?,
            })
        })
        .collect()
}

pub async fn insert_grant(c: &mut AnyConnection, g: &GrantRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO grants (id, system_id, interface, municipality, valid_from, valid_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&g.id)
    .bind(&g.system_id)
    .bind(&g.interface)
    .bind(&g.municipality)
    .bind(&g.valid_from)
    .bind(&g.valid_to)
    .bind(now_text())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn grants(pool: &AnyPool) -> Result<Vec<GrantRecord>> {
    let rows = sqlx::query(
        "SELECT id, system_id, interface, municipality, valid_from, valid_to FROM grants \
         ORDER BY system_id, interface, municipality",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(GrantRecord {
                id: r.try_get("id")?,
                system_id: r.try_get("system_id")?,
                interface: r.try_get("interface")?,
                municipality: r.try_get("municipality")?,
                valid_from: r.try_get("valid_from")?,
                valid_to: r.try_get("valid_to")?,
            })
        })
        .collect()
}

/// Whether anything has been set up yet (a fresh data dir has no municipality).
pub async fn is_empty(pool: &AnyPool) -> Result<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM municipalities")
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok(n == 0)
}
