//! Certificates of external systems (docs/src/operations/certificates.md): uploaded as `.pem` or as a `.zip` holding a
//! `.pem` with the full chain, verified to the trust anchors, the CVR checked against the system's vendor; renewed
//! certificates sit beside the old ones (both identify the system, so rotation needs no downtime); expiry is warned of
//! 30 days ahead (KMD's machine-hours service description asks for a renewed certificate at least 30 days before the
//! old one expires); CRL uploads revoke the certificates they list.

use crate::{Lifecycle, LifecycleError, Result, system_named};
use base64::Engine as _;
use serde::Serialize;
use serde_json::json;
use snitflade_access::certificates::{self as verify, Crl};
use snitflade_store::access::{self, CertificateRecord, CrlRecord};
use snitflade_store::{Store, admin_audit, now_text, timestamp_text};

/// Days before expiry a certificate is warned of.
pub const WARN_DAYS: i64 = 30;

/// The gauge [`record_expiry`] sets.
pub const EXPIRY_METRIC: &str = "snitflade_certificate_expiry_timestamp_seconds";

/// A certificate as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    pub fingerprint: String,
    pub system: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub serial_number: Option<String>,
    pub cvr: Option<String>,
    pub not_before: String,
    pub not_after: String,
    /// `valid`, `expiring` (within 30 days), `expired` or `revoked`.
    pub status: &'static str,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    pub added_at: String,
}

/// A certificate close to (or past) its expiry.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiryWarning {
    pub fingerprint: String,
    pub system: String,
    pub not_after: String,
    pub days_left: i64,
    /// The same system's usable certificates that outlive this one (its renewals).
    pub renewed_by: Vec<String>,
}

/// What a CRL upload did.
#[derive(Debug, Clone, Serialize)]
pub struct CrlAdded {
    pub issuer: String,
    pub this_update: String,
    pub next_update: String,
    /// Certificates newly marked revoked; the server drops their connections.
    pub revoked: Vec<String>,
}

/// An upload's outcome: the certificate, and whether it is new (201) or was already the system's (200).
pub struct Uploaded {
    pub created: bool,
    pub certificate: CertificateView,
}

fn refused(e: verify::UploadError) -> LifecycleError {
    LifecycleError::Refused(e.to_string())
}

fn days_left(not_after: &str, now: jiff::Timestamp) -> i64 {
    not_after
        .parse::<jiff::Timestamp>()
        .map(|t| (t.as_second() - now.as_second()).div_euclid(86_400))
        .unwrap_or(i64::MIN)
}

fn status(c: &CertificateRecord, now: jiff::Timestamp) -> &'static str {
    let left = days_left(&c.not_after, now);
    match () {
        _ if c.revoked_at.is_some() => "revoked",
        _ if c.not_after <= timestamp_text(now) => "expired",
        _ if left < WARN_DAYS => "expiring",
        _ => "valid",
    }
}

impl Lifecycle {
    fn stored_crls(rows: &[CrlRecord]) -> Vec<Crl> {
        rows.iter()
            .filter_map(|r| base64::engine::general_purpose::STANDARD.decode(&r.der).ok())
            .filter_map(|der| verify::read_crl(&der).ok())
            .collect()
    }

    async fn certificate_views(&self, certs: Vec<CertificateRecord>) -> Result<Vec<CertificateView>> {
        views(&self.store, certs).await
    }

    pub async fn certificates(&self) -> Result<Vec<CertificateView>> {
        let certs = access::certificates(self.store.pool()).await?;
        self.certificate_views(certs).await
    }

    /// Verifies and records an uploaded certificate for `system`, and puts it into force: the system can call
    /// with it at once (beside its other certificates).
    pub async fn upload_certificate(&self, system: &str, bytes: &[u8], actor: Option<&str>) -> Result<Uploaded> {
        let system = system_named(&self.store, system).await?;
        let bundle = verify::read_bundle(bytes).map_err(refused)?;
        let crls = Self::stored_crls(&access::crls(self.store.pool()).await?);
        let verified =
            verify::verify_upload(&bundle, &self.anchors(), &crls, jiff::Timestamp::now()).map_err(refused)?;
        let cvr = verified.info.identity.cvr.map(|c| c.to_string());
        let expected = match &system.vendor_id {
            Some(id) => Some(self.vendor(id).await?.cvr),
            None => Some(system.vendor_cvr.clone()).filter(|c| !c.is_empty()),
        };
        if let (Some(expected), Some(got)) = (&expected, &cvr)
            && expected != got
        {
            return Err(LifecycleError::Refused(format!(
                "certifikatet er udstedt til CVR {got}, men systemets leverandør har CVR {expected}"
            )));
        }
        let fingerprint = verified.info.identity.fingerprint.clone();
        let existing = access::certificates(self.store.pool())
            .await?
            .into_iter()
            .find(|c| c.fingerprint == fingerprint);
        if let Some(c) = existing {
            if c.system_id != system.id {
                return Err(LifecycleError::Conflict(format!(
                    "certifikatet {fingerprint} er allerede knyttet til et andet system"
                )));
            }
            let certificate = self.certificate_views(vec![c]).await?.remove(0);
            return Ok(Uploaded {
                created: false,
                certificate,
            });
        }
        let record = CertificateRecord {
            fingerprint,
            system_id: system.id.clone(),
            subject: verified.info.subject.clone(),
            issuer: verified.issuer.clone(),
            serial_hex: verified.serial_hex.clone(),
            serial_number: verified.info.identity.serial_number.clone(),
            cvr,
            not_before: timestamp_text(verified.info.not_before),
            not_after: timestamp_text(verified.info.not_after),
            pem: verified
                .chain_pem
                .split_inclusive("-----END CERTIFICATE-----\n")
                .next()
                .unwrap_or("")
                .to_owned(),
            chain_pem: verified.chain_pem.clone(),
            added_at: now_text(),
            ..CertificateRecord::default()
        };
        let actor = crate::actor_or_default(actor);
        let (rec, name) = (record.clone(), system.name.clone());
        self.store
            .write(move |c| {
                let (rec, name, actor) = (rec.clone(), name.clone(), actor.clone());
                Box::pin(async move {
                    access::insert_certificate(c, &rec).await?;
                    let detail = json!({ "system": name, "subject": rec.subject, "issuer": rec.issuer,
                        "not_after": rec.not_after });
                    admin_audit::record(
                        c,
                        &actor,
                        "certificate.add",
                        "certificate",
                        &rec.fingerprint,
                        &detail,
                        &rec.added_at,
                    )
                    .await
                })
            })
            .await?;
        self.access_changed().await?;
        record_expiry(&self.store).await?;
        let certificate = self.certificate_views(vec![record]).await?.remove(0);
        Ok(Uploaded {
            created: true,
            certificate,
        })
    }

    /// Certificates not revoked that expire within `days` (or have expired), soonest first, each with the
    /// renewals already in place.
    pub async fn expiry_warnings(&self, days: i64) -> Result<Vec<ExpiryWarning>> {
        expiry_warnings_in(&self.store, days).await
    }

    pub async fn crls(&self) -> Result<Vec<CrlRecord>> {
        Ok(access::crls(self.store.pool()).await?)
    }

    /// Records a CRL signed by a trusted CA (or an intermediate of an accepted chain) and revokes the stored
    /// certificates it lists; the access table no longer knows them when this answers.
    pub async fn add_crl(&self, bytes: &[u8], actor: Option<&str>) -> Result<CrlAdded> {
        let crl = verify::read_crl(bytes).map_err(refused)?;
        let certs = access::certificates(self.store.pool()).await?;
        let chains: Vec<Vec<_>> = certs
            .iter()
            .filter_map(|c| verify::read_bundle(c.chain_pem.as_bytes()).ok())
            .collect();
        let intermediates: Vec<_> = chains.iter().flat_map(|c| c.iter().skip(1).cloned()).collect();
        let anchors = self.anchors();
        if !verify::crl_signed_by(&crl, &anchors, &intermediates) {
            return Err(LifecycleError::Refused(
                "spærrelisten er ikke underskrevet af en betroet udsteder".into(),
            ));
        }
        let mut all = Self::stored_crls(&access::crls(self.store.pool()).await?);
        all.push(crl.clone());
        let now = jiff::Timestamp::now();
        let revoked: Vec<String> = certs
            .iter()
            .filter(|c| c.revoked_at.is_none())
            .filter_map(|c| {
                let chain = if c.chain_pem.is_empty() { &c.pem } else { &c.chain_pem };
                let bundle = verify::read_bundle(chain.as_bytes()).ok()?;
                let (leaf, rest) = bundle.split_first()?;
                verify::is_revoked(leaf, rest, &anchors, &all, now).then(|| c.fingerprint.clone())
            })
            .collect();
        let record = CrlRecord {
            id: uuid::Uuid::new_v4().to_string(),
            issuer: crl.issuer.clone(),
            this_update: timestamp_text(crl.this_update),
            next_update: Some(timestamp_text(crl.next_update)),
            entries: crl.revoked_serials_hex.len() as i64,
            der: base64::engine::general_purpose::STANDARD.encode(&crl.der),
            added_at: now_text(),
        };
        let actor = crate::actor_or_default(actor);
        let (rec, fps) = (record.clone(), revoked.clone());
        self.store
            .write(move |c| {
                let (rec, fps, actor) = (rec.clone(), fps.clone(), actor.clone());
                Box::pin(async move {
                    access::insert_crl(c, &rec).await?;
                    for fp in &fps {
                        access::revoke_certificate(c, fp, &format!("CRL fra {}", rec.issuer), &rec.added_at).await?;
                    }
                    let detail = json!({ "issuer": rec.issuer, "this_update": rec.this_update, "revoked": fps });
                    admin_audit::record(c, &actor, "crl.add", "crl", &rec.id, &detail, &rec.added_at).await
                })
            })
            .await?;
        self.access_changed().await?;
        record_expiry(&self.store).await?;
        Ok(CrlAdded {
            issuer: record.issuer,
            this_update: record.this_update,
            next_update: record.next_update.unwrap_or_default(),
            revoked,
        })
    }
}

/// The admin API's view of `certs` (the system by name, the status now).
async fn views(store: &Store, certs: Vec<CertificateRecord>) -> Result<Vec<CertificateView>> {
    let systems = access::systems(store.pool()).await?;
    let now = jiff::Timestamp::now();
    Ok(certs
        .into_iter()
        .map(|c| CertificateView {
            system: systems
                .iter()
                .find(|s| s.id == c.system_id)
                .map_or_else(|| c.system_id.clone(), |s| s.name.clone()),
            status: status(&c, now),
            fingerprint: c.fingerprint,
            subject: c.subject,
            issuer: c.issuer,
            serial: c.serial_hex,
            serial_number: c.serial_number,
            cvr: c.cvr,
            not_before: c.not_before,
            not_after: c.not_after,
            revoked_at: c.revoked_at,
            revocation_reason: c.revocation_reason,
            added_at: c.added_at,
        })
        .collect())
}

/// Certificates not revoked that expire within `days` (or have expired), soonest first, each with the renewals
/// already in place: [`Lifecycle::expiry_warnings`] for callers with only the store (the expiry watch).
pub async fn expiry_warnings_in(store: &Store, days: i64) -> Result<Vec<ExpiryWarning>> {
    let now = jiff::Timestamp::now();
    let views = views(store, access::certificates(store.pool()).await?).await?;
    let usable: Vec<&CertificateView> = views.iter().filter(|c| c.status != "revoked").collect();
    let mut out: Vec<ExpiryWarning> = usable
        .iter()
        .filter(|c| days_left(&c.not_after, now) < days)
        .map(|c| ExpiryWarning {
            fingerprint: c.fingerprint.clone(),
            system: c.system.clone(),
            not_after: c.not_after.clone(),
            days_left: days_left(&c.not_after, now),
            renewed_by: usable
                .iter()
                .filter(|r| r.system == c.system && r.not_after > c.not_after && r.status != "expired")
                .map(|r| r.fingerprint.clone())
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| a.not_after.cmp(&b.not_after));
    Ok(out)
}

/// The gauge `snitflade_certificate_expiry_timestamp_seconds{system}`: per system with certificates, when (Unix
/// time) its last usable (not revoked) certificate expires — until when the system can still call, so a renewal
/// uploaded beside an expiring certificate lifts it; days left are `(value - time()) / 86400`. 0 when every
/// certificate of the system is revoked. A point in time rather than a countdown, so it is never stale between
/// refreshes; set on start, whenever a certificate is uploaded or revoked, and by the periodic check.
pub async fn record_expiry(store: &Store) -> Result<()> {
    let mut expires: std::collections::BTreeMap<String, Option<i64>> = std::collections::BTreeMap::new();
    for c in views(store, access::certificates(store.pool()).await?).await? {
        let entry = expires.entry(c.system.clone()).or_default();
        if c.status != "revoked"
            && let Ok(t) = c.not_after.parse::<jiff::Timestamp>()
        {
            *entry = Some(entry.map_or(t.as_second(), |e| e.max(t.as_second())));
        }
    }
    for (system, at) in expires {
        metrics::gauge!(EXPIRY_METRIC, "system" => system).set(at.unwrap_or(0) as f64);
    }
    Ok(())
}
