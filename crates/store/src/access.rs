//! Municipalities (the customers), external systems, their certificates (with chain and revocation), certificate
//! revocation lists, and grants (system × interface × municipality), with how each grant was closed.

use crate::{Result, StoreError, now_text};
use serde::Serialize;
use snitflade_domain::AccessLevel;
use sqlx::{AnyConnection, AnyPool, Row, any::AnyRow};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub cvr: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemRecord {
    pub id: String,
    pub name: String,
    pub vendor_id: Option<String>,
    pub vendor_name: String,
    pub vendor_cvr: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CertificateRecord {
    pub fingerprint: String,
    pub system_id: String,
    pub subject: String,
    pub issuer: String,
    /// The certificate's own serial (hex), as CRLs name it.
    pub serial_hex: String,
    /// The subject's serialNumber (`UI:DK-O:G:<uuid>`).
    pub serial_number: Option<String>,
    pub cvr: Option<String>,
    pub not_before: String,
    pub not_after: String,
    pub pem: String,
    /// The leaf and its intermediates as uploaded (PEM); empty for certificates from before chains were kept.
    pub chain_pem: String,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    pub added_at: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GrantRecord {
    pub id: String,
    pub system_id: String,
    pub interface: String,
    pub municipality: String,
    /// `read` or `read-write` (migration 0021).
    pub access: AccessLevel,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// The order that created the grant; `None` for a grant made directly.
    pub order_id: Option<String>,
    pub closed_at: Option<String>,
    pub closed_reason: Option<String>,
}

const MUNICIPALITY_COLUMNS: &str = "code, name, cvr, contact_name, contact_phone, contact_email";

pub async fn insert_municipality(c: &mut AnyConnection, m: &Municipality) -> Result<()> {
    write_municipality(c, m, "").await
}

/// Creates the municipality or replaces its name, CVR and contact.
pub async fn upsert_municipality(c: &mut AnyConnection, m: &Municipality) -> Result<()> {
    write_municipality(
        c,
        m,
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, cvr = excluded.cvr, \
         contact_name = excluded.contact_name, contact_phone = excluded.contact_phone, \
         contact_email = excluded.contact_email",
    )
    .await
}

async fn write_municipality(c: &mut AnyConnection, m: &Municipality, on_conflict: &'static str) -> Result<()> {
    let sql =
        format!("INSERT INTO municipalities ({MUNICIPALITY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6){on_conflict}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&m.code)
        .bind(&m.name)
        .bind(&m.cvr)
        .bind(&m.contact_name)
        .bind(&m.contact_phone)
        .bind(&m.contact_email)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn municipalities<'e, E>(executor: E) -> Result<Vec<Municipality>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MUNICIPALITY_COLUMNS} FROM municipalities ORDER BY code"
    )))
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Municipality {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                cvr: r.try_get("cvr")?,
                contact_name: r.try_get("contact_name")?,
                contact_phone: r.try_get("contact_phone")?,
                contact_email: r.try_get("contact_email")?,
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
        "INSERT INTO systems (id, name, vendor_id, vendor_name, vendor_cvr, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6){on_conflict}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&s.id)
        .bind(&s.name)
        .bind(&s.vendor_id)
        .bind(&s.vendor_name)
        .bind(&s.vendor_cvr)
        .bind(now_text())
        .execute(c)
        .await?;
    Ok(())
}

/// Links a system to its vendor (and keeps the vendor's name and CVR beside it).
pub async fn set_system_vendor(c: &mut AnyConnection, system_id: &str, vendor: &crate::vendors::Vendor) -> Result<()> {
    let done = sqlx::query("UPDATE systems SET vendor_id = $2, vendor_name = $3, vendor_cvr = $4 WHERE id = $1")
        .bind(system_id)
        .bind(&vendor.id)
        .bind(&vendor.name)
        .bind(&vendor.cvr)
        .execute(c)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn system(r: &AnyRow) -> Result<SystemRecord> {
    Ok(SystemRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        vendor_id: r.try_get("vendor_id")?,
        vendor_name: r.try_get("vendor_name")?,
        vendor_cvr: r.try_get("vendor_cvr")?,
    })
}

pub async fn systems<'e, E>(executor: E) -> Result<Vec<SystemRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query("SELECT id, name, vendor_id, vendor_name, vendor_cvr FROM systems ORDER BY name")
        .fetch_all(executor)
        .await?;
    rows.iter().map(system).collect()
}

pub async fn system_by_name<'e, E>(executor: E, name: &str) -> Result<Option<SystemRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT id, name, vendor_id, vendor_name, vendor_cvr FROM systems WHERE name = $1")
        .bind(name)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(system).transpose()
}

const CERTIFICATE_COLUMNS: &str = "fingerprint, system_id, subject, issuer, serial_hex, serial_number, cvr, \
     not_before, not_after, pem, chain_pem, revoked_at, revocation_reason, added_at";

pub async fn insert_certificate(c: &mut AnyConnection, cert: &CertificateRecord) -> Result<()> {
    let added_at = if cert.added_at.is_empty() {
        now_text()
    } else {
        cert.added_at.clone()
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO certificates ({CERTIFICATE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )))
    .bind(&cert.fingerprint)
    .bind(&cert.system_id)
    .bind(&cert.subject)
    .bind(&cert.issuer)
    .bind(&cert.serial_hex)
    .bind(&cert.serial_number)
    .bind(&cert.cvr)
    .bind(&cert.not_before)
    .bind(&cert.not_after)
    .bind(&cert.pem)
    .bind(&cert.chain_pem)
    .bind(&cert.revoked_at)
    .bind(&cert.revocation_reason)
    .bind(added_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Marks a certificate revoked (once: an already revoked one keeps its first time and reason).
pub async fn revoke_certificate(c: &mut AnyConnection, fingerprint: &str, reason: &str, at: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $2, revocation_reason = $3 WHERE fingerprint = $1 AND revoked_at IS NULL",
    )
    .bind(fingerprint)
    .bind(at)
    .bind(reason)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn certificates<'e, E>(executor: E) -> Result<Vec<CertificateRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CERTIFICATE_COLUMNS} FROM certificates ORDER BY system_id, not_after"
    )))
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CertificateRecord {
                fingerprint: r.try_get("fingerprint")?,
                system_id: r.try_get("system_id")?,
                subject: r.try_get("subject")?,
                issuer: r.try_get("issuer")?,
                serial_hex: r.try_get("serial_hex")?,
                serial_number: r.try_get("serial_number")?,
                cvr: r.try_get("cvr")?,
                not_before: r.try_get("not_before")?,
                not_after: r.try_get("not_after")?,
                pem: r.try_get("pem")?,
                chain_pem: r.try_get("chain_pem")?,
                revoked_at: r.try_get("revoked_at")?,
                revocation_reason: r.try_get("revocation_reason")?,
                added_at: r.try_get("added_at")?,
            })
        })
        .collect()
}

/// A certificate revocation list as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CrlRecord {
    pub id: String,
    pub issuer: String,
    pub this_update: String,
    pub next_update: Option<String>,
    pub entries: i64,
    /// The DER, base64.
    #[serde(skip)]
    pub der: String,
    pub added_at: String,
}

/// Stores a CRL; the same issuer's CRL of the same issue time is kept once.
pub async fn insert_crl(c: &mut AnyConnection, crl: &CrlRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO crls (id, issuer, this_update, next_update, entries, der, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (issuer, this_update) DO NOTHING",
    )
    .bind(&crl.id)
    .bind(&crl.issuer)
    .bind(&crl.this_update)
    .bind(&crl.next_update)
    .bind(crl.entries)
    .bind(&crl.der)
    .bind(&crl.added_at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn crls<'e, E>(executor: E) -> Result<Vec<CrlRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT id, issuer, this_update, next_update, entries, der, added_at FROM crls ORDER BY issuer, this_update",
    )
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CrlRecord {
                id: r.try_get("id")?,
                issuer: r.try_get("issuer")?,
                this_update: r.try_get("this_update")?,
                next_update: r.try_get("next_update")?,
                entries: r.try_get("entries")?,
                der: r.try_get("der")?,
                added_at: r.try_get("added_at")?,
            })
        })
        .collect()
}

pub async fn insert_grant(c: &mut AnyConnection, g: &GrantRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO grants (id, system_id, interface, municipality, access, valid_from, valid_to, order_id, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&g.id)
    .bind(&g.system_id)
    .bind(&g.interface)
    .bind(&g.municipality)
    .bind(g.access.as_str())
    .bind(&g.valid_from)
    .bind(&g.valid_to)
    .bind(&g.order_id)
    .bind(now_text())
    .execute(c)
    .await?;
    Ok(())
}

/// Which grants a closing ends.
#[derive(Debug, Clone, Copy)]
pub enum GrantScope<'a> {
    Order(&'a str),
    /// A system's grants, in one municipality or (None) everywhere.
    System(&'a str, Option<&'a str>),
}

/// Ends the grants in `scope` that are still open on `ends_on` (`yyyy-MM-dd`, exclusive): their `valid_to` becomes
/// `ends_on` (never later than it was). A grant that had not started by then ends where it starts. Answers how many
/// grants changed.
pub async fn close_grants(
    c: &mut AnyConnection,
    scope: GrantScope<'_>,
    ends_on: &str,
    reason: &str,
    at: &str,
) -> Result<u64> {
    let (filter, a, b) = match scope {
        GrantScope::Order(id) => ("order_id = $4", id, ""),
        GrantScope::System(id, m) => ("system_id = $4 AND ($5 = '' OR municipality = $5)", id, m.unwrap_or("")),
    };
    let sql = format!(
        "UPDATE grants SET valid_to = CASE WHEN valid_from > $1 THEN valid_from ELSE $1 END, \
         closed_at = $2, closed_reason = $3 \
         WHERE {filter} AND (valid_to IS NULL OR valid_to > $1)"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ends_on)
        .bind(at)
        .bind(reason)
        .bind(a);
    if matches!(scope, GrantScope::System(..)) {
        q = q.bind(b);
    }
    Ok(q.execute(c).await?.rows_affected())
}

const GRANT_COLUMNS: &str =
    "id, system_id, interface, municipality, access, valid_from, valid_to, order_id, closed_at, closed_reason";

pub async fn grants<'e, E>(executor: E) -> Result<Vec<GrantRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} FROM grants ORDER BY system_id, interface, municipality, valid_from"
    )))
    .fetch_all(executor)
    .await?;
    rows.iter().map(grant).collect()
}

/// One system's grants (what the Beskedfordeler checks before each delivery to the system's dueslag).
pub async fn grants_of_system<'e, E>(executor: E, system_id: &str) -> Result<Vec<GrantRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE system_id = $1 ORDER BY interface, municipality, valid_from"
    )))
    .bind(system_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(grant).collect()
}

fn grant(r: &AnyRow) -> Result<GrantRecord> {
    Ok(GrantRecord {
        id: r.try_get("id")?,
        system_id: r.try_get("system_id")?,
        interface: r.try_get("interface")?,
        municipality: r.try_get("municipality")?,
        access: access_level(&r.try_get::<String, _>("access")?)?,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        order_id: r.try_get("order_id")?,
        closed_at: r.try_get("closed_at")?,
        closed_reason: r.try_get("closed_reason")?,
    })
}

/// A stored access level.
pub(crate) fn access_level(s: &str) -> Result<AccessLevel> {
    AccessLevel::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown access level '{s}'")))
}

/// Whether anything has been set up yet (a fresh data dir has no municipality).
pub async fn is_empty(pool: &AnyPool) -> Result<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM municipalities")
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok(n == 0)
}

/// Records that the expiry notice of `fingerprint` at `threshold_days` is sent (in the transaction that emits
/// it); false when it was recorded before, and then nothing is written.
pub async fn record_expiry_notice(
    c: &mut AnyConnection,
    fingerprint: &str,
    threshold_days: i64,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO certificate_expiry_notices (fingerprint, threshold_days, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (fingerprint, threshold_days) DO NOTHING",
    )
    .bind(fingerprint)
    .bind(threshold_days)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
