//! What the absence, quota and schedule services share about the employee a call concerns: reading its time
//! data (refusing an unknown or cancelled number with a Danish text), auditing reads and changes of it, and the
//! answer to a storage failure.

use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_domain::hr::{Employment, EmploymentStatus};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_store::StoreError;
use snitflade_store::hr::{NewAudit, insert_audit};
use snitflade_store::time_data::TimeData;

pub use crate::reply::store_failed;

/// The text for a number the municipality does not have.
pub fn unknown(pernr: Pernr, municipality: Kommunekode) -> String {
    format!("Medarbejdernummer {pernr} findes ikke i kommune {municipality}")
}

/// Why an employment cannot be used, if it is cancelled.
pub fn refusal(data: &TimeData) -> Option<String> {
    cancelled(&data.employment)
}

/// The text for a cancelled employment (naming its replacement), `None` for one that may be used.
pub fn cancelled(e: &Employment) -> Option<String> {
    (e.status == EmploymentStatus::Deleted).then(|| match e.replaced_by {
        Some(new) => format!("Medarbejdernummer {} er slettet; brug medarbejdernummer {new}", e.pernr),
        None => format!("Medarbejdernummer {} er slettet", e.pernr),
    })
}

/// An employee's time data from the read pool: `Ok(Err(text))` for an unknown or cancelled number.
pub async fn read(
    services: &Services,
    municipality: Kommunekode,
    pernr: Pernr,
) -> Result<Result<TimeData, String>, StoreError> {
    Ok(
        match TimeData::read(services.store().pool(), municipality, pernr).await? {
            None => Err(unknown(pernr, municipality)),
            Some(d) => match refusal(&d) {
                Some(text) => Err(text),
                None => Ok(d),
            },
        },
    )
}

/// Writes one audit entry (committed before the caller answers).
pub async fn record_audit(
    store: &snitflade_store::Store,
    actor: String,
    interface: InterfaceId,
    action: &'static str,
    municipality: Kommunekode,
    pernr: Option<Pernr>,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    store
        .write(move |tx| {
            let (actor, detail) = (actor.clone(), detail.clone());
            Box::pin(async move {
                let entry = NewAudit {
                    actor: &actor,
                    interface: interface.as_str(),
                    action,
                    municipality,
                    pernr,
                    detail,
                };
                insert_audit(tx, &entry, &snitflade_store::now_text()).await
            })
        })
        .await
}

/// Records a read of employee data by the calling system in the audit trail; the reply to give if that fails.
pub async fn audit_read(
    services: &Services,
    call: &Call<'_>,
    interface: InterfaceId,
    action: &'static str,
    municipality: Kommunekode,
    pernr: Option<Pernr>,
    mut detail: serde_json::Value,
) -> Result<(), SoapReply> {
    detail["system_id"] = call.system.id.clone().into();
    record_audit(
        services.store(),
        call.system.name.clone(),
        interface,
        action,
        municipality,
        pernr,
        detail,
    )
    .await
    .map_err(|e| store_failed("auditing a read", &e))
}
