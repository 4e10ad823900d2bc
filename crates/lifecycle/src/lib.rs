//! The access lifecycle (KMD's ordering and closing of access to the standard interfaces; docs/src/access/lifecycle.md)
//! as operations an operator runs: vendors and their systems, certificates (upload with chain, expiry warnings,
//! revocation), standard integrations, orders walked from proposal to delivery (which creates the grants), normal and
//! urgent closing, the price list and invoices. Every operation is one store transaction that also appends to the admin
//! audit log, and every change to who may call what is put into force (the in-memory access table reloaded) before the
//! operation answers.

pub mod certificates;
pub mod closing;
pub mod invoices;
pub mod orders;
pub mod parties;

use snitflade_access::certificates::TrustAnchors;
use snitflade_access::grants::{AccessControl, Grant, SystemInfo};
use snitflade_domain::{InterfaceId, Kommunekode};
use snitflade_store::{Store, StoreError};
use std::sync::Arc;

/// Why an operation was not carried out; the server maps each to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// 404.
    #[error("{0} findes ikke")]
    NotFound(String),
    /// 400: the request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// 409: the request clashes with what exists or with the object's state.
    #[error("{0}")]
    Conflict(String),
    /// 422: a certificate or CRL that cannot be accepted.
    #[error("{0}")]
    Refused(String),
    /// 403: the step belongs to another party of the order.
    #[error("{0}")]
    Forbidden(String),
    #[error("intern fejl: {0}")]
    Store(#[from] StoreError),
}

pub type Result<T, E = LifecycleError> = std::result::Result<T, E>;

/// The operations, over the store and the access table the services check.
#[derive(Clone)]
pub struct Lifecycle {
    store: Store,
    access: AccessControl,
    /// Replaced whole when the CA bundle is reloaded (SIGHUP); each operation takes the one current when it starts.
    anchors: Arc<std::sync::RwLock<Arc<TrustAnchors>>>,
}

impl Lifecycle {
    /// `anchors`: the CAs whose certificates systems may use (the OCES3 roots in production, the demo CA in the
    /// demo); uploads and CRLs are verified against them.
    pub fn new(store: Store, access: AccessControl, anchors: TrustAnchors) -> Self {
        Self {
            store,
            access,
            anchors: Arc::new(std::sync::RwLock::new(Arc::new(anchors))),
        }
    }

    /// The trust anchors uploads and CRLs are verified against now.
    pub fn anchors(&self) -> Arc<TrustAnchors> {
        self.anchors.read().expect("trust anchors").clone()
    }

    /// Puts a reloaded CA bundle into force for the uploads and CRLs that follow.
    pub fn replace_anchors(&self, anchors: TrustAnchors) {
        *self.anchors.write().expect("trust anchors") = Arc::new(anchors);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn access(&self) -> &AccessControl {
        &self.access
    }

    /// Puts the stored systems, certificates (revoked ones left out) and grants into force in this process.
    pub async fn reload_access(&self) -> Result<()> {
        load_access(&self.store, &self.access).await
    }

    /// After a change to who may call what: puts it into force here, then announces it to the other instances on
    /// the same PostgreSQL database ([`snitflade_store::changes`]). A failed announcement is logged, not returned:
    /// the change is in force here and stored, and the others' periodic reload brings it within seconds.
    pub async fn access_changed(&self) -> Result<()> {
        self.reload_access().await?;
        if let Err(e) = snitflade_store::changes::announce(&self.store, &snitflade_store::changes::Change::Access).await
        {
            tracing::warn!(error = %e, "announcing an access change to the other instances failed");
        }
        Ok(())
    }
}

/// Loads systems, certificates and grants from the store into the in-memory access table. A revoked certificate
/// identifies no system, so its calls are refused.
pub async fn load_access(store: &Store, access: &AccessControl) -> Result<()> {
    let pool = store.pool();
    let systems = snitflade_store::access::systems(pool).await?;
    let names: std::collections::HashMap<_, _> = systems.iter().map(|s| (s.id.clone(), s.name.clone())).collect();
    let certs = snitflade_store::access::certificates(pool)
        .await?
        .into_iter()
        .filter(|c| c.revoked_at.is_none())
        .filter_map(|c| {
            let name = names.get(&c.system_id)?.clone();
            Some((c.fingerprint, SystemInfo { id: c.system_id, name }))
        });
    let grants = grants_of(snitflade_store::access::grants(pool).await?);
    access.replace(certs, grants);
    Ok(())
}

/// Stored grants as the access table holds them (an unreadable one is logged and left out).
pub fn grants_of(records: Vec<snitflade_store::access::GrantRecord>) -> Vec<Grant> {
    let mut grants = Vec::with_capacity(records.len());
    for g in records {
        let (Some(interface), Ok(municipality), Some(valid_from)) = (
            InterfaceId::parse(&g.interface),
            Kommunekode::parse(&g.municipality),
            day(&g.valid_from),
        ) else {
            tracing::warn!(grant = %g.id, "skipping an unreadable grant");
            continue;
        };
        grants.push(Grant {
            system_id: g.system_id,
            interface,
            municipality,
            access: g.access,
            valid_from,
            valid_to: g.valid_to.as_deref().and_then(day),
        });
    }
    grants
}

/// The day of a stored date or timestamp text.
pub(crate) fn day(s: &str) -> Option<jiff::civil::Date> {
    s.get(..10).and_then(|d| d.parse().ok())
}

/// Today in Copenhagen: the day grants are checked against.
pub fn today() -> jiff::civil::Date {
    snitflade_domain::maskintimer::copenhagen_day(jiff::Timestamp::now())
}

/// Who did an operation: the `actor` a request names, else "admin".
pub(crate) fn actor_or_default(actor: Option<&str>) -> String {
    match actor.map(str::trim) {
        Some(a) if !a.is_empty() => a.chars().take(200).collect(),
        _ => "admin".into(),
    }
}

/// An interface id from a request, or the 400 that names it.
pub(crate) fn interface(s: &str) -> Result<InterfaceId> {
    InterfaceId::parse(s).ok_or_else(|| LifecycleError::BadRequest(format!("ukendt snitflade '{s}'")))
}

/// A system by name, or 404.
pub(crate) async fn system_named(store: &Store, name: &str) -> Result<snitflade_store::access::SystemRecord> {
    snitflade_store::access::system_by_name(store.pool(), name)
        .await?
        .ok_or_else(|| LifecycleError::NotFound(format!("systemet '{name}'")))
}
