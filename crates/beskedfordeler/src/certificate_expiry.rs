//! Certificate expiry as events and a metric: the periodic check the distributor runs every
//! `certificate_check_seconds`. Every instance sets the gauge `snitflade_certificate_expiry_timestamp_seconds{system}`
//! (`snitflade_lifecycle::certificates::record_expiry`); the instance holding the delivery lease also emits
//! a `certificate.expiring` event ("Certifikat udløber snart") when a usable certificate has 30 days or less left,
//! and another at 7 days or less — each once per certificate and threshold, durably: the notice is recorded in the
//! transaction that emits the event (`certificate_expiry_notices`), so neither a restart nor a second instance sends
//! it again. A certificate first seen with 5 days left gets both. Revoked and expired certificates get none.

use serde_json::json;
use snitflade_lifecycle::certificates::{expiry_warnings_in, record_expiry};
use snitflade_store::outbox::NewEvent;
use snitflade_store::{Store, StoreError, access, now_text};

/// The event kind (its Beskedtype is listed in `crate::envelope::BESKEDTYPER`).
pub const KIND: &str = "certificate.expiring";
/// The interface the events are filed under.
pub const INTERFACE: &str = "certificates";
/// Days before expiry an event is sent, largest first.
pub const THRESHOLDS: [i64; 2] = [30, 7];
/// Counts the completed checks that could emit events (the lease holder's).
pub const CHECKS_METRIC: &str = "snitflade_certificate_expiry_checks_total";

/// Sets the gauge (every instance).
pub async fn update_metric(store: &Store) {
    if let Err(e) = record_expiry(store).await {
        tracing::error!(error = %e, "updating the certificate expiry metric failed");
    }
}

/// Emits the events not sent yet (the lease holder only); answers how many were emitted.
pub async fn notify(store: &Store) -> Result<usize, StoreError> {
    let warnings = expiry_warnings_in(store, THRESHOLDS[0] + 1)
        .await
        .map_err(|e| match e {
            snitflade_lifecycle::LifecycleError::Store(e) => e,
            other => StoreError::Corrupt(other.to_string()),
        })?;
    let mut due = Vec::new();
    for w in warnings.into_iter().filter(|w| w.days_left >= 0) {
        for threshold in THRESHOLDS.into_iter().filter(|t| w.days_left <= *t) {
            let payload = json!({
                "fingerprint": w.fingerprint,
                "system": w.system,
                "not_after": w.not_after,
                "days_left": w.days_left,
                "threshold_days": threshold,
                "renewed_by": w.renewed_by,
            });
            due.push((w.fingerprint.clone(), threshold, payload));
        }
    }
    if due.is_empty() {
        metrics::counter!(CHECKS_METRIC).increment(1);
        return Ok(0);
    }
    let emitted = store
        .write(move |tx| {
            let due = due.clone();
            Box::pin(async move {
                let now = now_text();
                let mut emitted = 0;
                for (fingerprint, threshold, payload) in due {
                    if access::record_expiry_notice(tx, &fingerprint, threshold, &now).await? {
                        tx.emit(NewEvent {
                            kind: KIND,
                            interface: INTERFACE,
                            municipality: None,
                            object_id: Some(fingerprint),
                            payload,
                        });
                        emitted += 1;
                    }
                }
                Ok(emitted)
            })
        })
        .await?;
    if emitted > 0 {
        tracing::info!(emitted, "certificate expiry events emitted");
    }
    metrics::counter!(CHECKS_METRIC).increment(1);
    Ok(emitted)
}
