//! `MobileEquipRegistration_OS_SI`: a registration of machine hours (§7.1.2 of KMD's machine-hours service description;
//! docs/src/interfaces/maskintimer.md).
//!
//! Once the message is well-formed and its structure right it is committed and answered with the empty SOAP body KMD's
//! service description specifies; validation then decides whether it is registered or goes to the error-handling table.
//! EX_IDENT makes a resend harmless: it is answered as the first was and changes nothing.

use crate::dispatch::{Call, Services};
use crate::error_handling::{AdminError, resubmitted_entry};
use crate::reply::{SoapReply, store_failed};
use crate::wire::{StructureError, text_fields};
use serde_json::json;
use snitflade_access::SystemInfo;
use snitflade_domain::maskintimer::{RawRegistration, Registration, Rejection, validate};
use snitflade_domain::{ErrorStatus, InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::errors::{ErrorItem, NewError};
use snitflade_store::outbox::NewEvent;
use snitflade_store::{StoreError, Tx, errors, idempotency, maskintimer};

const INTERFACE: &str = "maskintimer";
const CONFIRMATION_FIELDS: &[&str] = &[
    "ACTIVITY",
    "WORK_CNTR",
    "PLANT",
    "POSTG_DATE",
    "ACT_TYPE",
    "ACT_WORK",
    "EX_IDENT",
];
/// Top-level fields: the WSDL's, plus the confirmation fields in the flat form of the service description's field
/// table.
const TOP_FIELDS: &[&str] = &[
    "PERSONAL_ID",
    "DEVICE_TYPE",
    "NETWORK",
    "EX_IDENT",
    "KOMMUNEKODE",
    "ACTIVITY",
    "WORK_CNTR",
    "PLANT",
    "POSTG_DATE",
    "ACT_TYPE",
    "ACT_WORK",
];

/// Reads `ZPSA_CN27_DATA_MT` into its raw fields. A field may stand at the top level (the service description's field
/// table) or inside `I_CONFIRMATION` (its example message), not in both with different values.
pub fn parse_registration(root: &Element) -> Result<RawRegistration, StructureError> {
    let fields = text_fields(root, TOP_FIELDS, &["I_CONFIRMATION"])?;
    let top = fields.text;
    let conf = match fields.groups.get("I_CONFIRMATION") {
        Some(c) => text_fields(c, CONFIRMATION_FIELDS, &[])?.text,
        None => Default::default(),
    };
    let pick = |name: &str| -> Result<Option<String>, StructureError> {
        match (top.get(name), conf.get(name)) {
            (Some(a), Some(b)) if a != b => Err(StructureError(format!(
                "{name} står både i ZPSA_CN27_DATA_MT og i I_CONFIRMATION med forskellige værdier"
            ))),
            (a, b) => Ok(a.or(b).cloned()),
        }
    };
    Ok(RawRegistration {
        personal_id: pick("PERSONAL_ID")?,
        device_type: pick("DEVICE_TYPE")?,
        network: pick("NETWORK")?,
        ex_ident: pick("EX_IDENT")?,
        activity: pick("ACTIVITY")?,
        work_cntr: pick("WORK_CNTR")?,
        plant: pick("PLANT")?,
        postg_date: pick("POSTG_DATE")?,
        act_type: pick("ACT_TYPE")?,
        act_work: pick("ACT_WORK")?,
        kommunekode: pick("KOMMUNEKODE")?,
    })
}

/// Validates against the employee's master data in `kommune`.
async fn verdict(
    services: &Services,
    raw: &RawRegistration,
    kommune: Kommunekode,
) -> Result<Result<Registration, Rejection>, StoreError> {
    let master = match raw.personal_id.as_deref().map(Pernr::parse) {
        Some(Ok(pernr)) => services.master_data(kommune, pernr).await?,
        _ => None,
    };
    Ok(validate(raw, kommune, master.as_deref()))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let raw = match parse_registration(root) {
        Ok(r) => r,
        Err(e) => return SoapReply::client_fault(e.0),
    };
    let named = match raw.kommunekode.as_deref().map(Kommunekode::parse).transpose() {
        Ok(k) => k,
        Err(e) => return SoapReply::client_fault(e.to_string()),
    };
    let kommune = match call.municipality(services, InterfaceId::Maskintimer, named) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let verdict = match verdict(services, &raw, kommune).await {
        Ok(v) => v,
        Err(e) => return store_failed("master data look-up", &e),
    };
    let system = call.system.clone();
    let received_at = call.received_at.clone();
    // Independent of other writes: the EX_IDENT's unique key is its only conflict (see `Store::write_independent`).
    let outcome = services
        .store()
        .write_independent(move |c| {
            Box::pin(commit(
                c,
                raw.clone(),
                kommune,
                verdict.clone(),
                system.clone(),
                received_at.clone(),
            ))
        })
        .await;
    match outcome {
        Ok(outcome) => {
            metrics::counter!("snitflade_maskintimer_registrations_total", "outcome" => outcome).increment(1);
            tracing::debug!(system = %call.system.name, municipality = %kommune, outcome, "machine-hours registration");
            SoapReply::accepted()
        }
        Err(StoreError::Conflict(m)) => SoapReply::client_fault(m),
        Err(e) => store_failed("committing a registration", &e),
    }
}

/// The write of one received registration: claim the EX_IDENT, then store it or put it in the error table.
async fn commit(
    c: &mut Tx,
    raw: RawRegistration,
    kommune: Kommunekode,
    verdict: Result<Registration, Rejection>,
    system: SystemInfo,
    received_at: String,
) -> Result<&'static str, StoreError> {
    let system_id = &system.id;
    let outcome = if verdict.is_ok() { "registered" } else { "error" };
    if let Some(key) = &raw.ex_ident
        && let Some(first) = idempotency::claim_in(c, INTERFACE, key, system_id, outcome, None).await?
    {
        // A resend by the same system is answered as the first was; the same EX_IDENT from another system is
        // not that system's resend, and silently dropping its registration would lose data.
        if first.system_id != *system_id {
            return Err(StoreError::Conflict(format!(
                "EX_IDENT {key} er allerede brugt af et andet system"
            )));
        }
        return Ok("duplicate");
    }
    match verdict {
        Ok(reg) => {
            maskintimer::append_registration(c, &reg, system_id, &received_at);
            let audit = snitflade_store::hr::NewAudit {
                actor: &system.name,
                interface: INTERFACE,
                action: "registrering",
                municipality: reg.kommune,
                pernr: Some(reg.pernr),
                detail: json!({ "ex_ident": reg.ex_ident.to_string(), "system_id": system_id }),
            };
            snitflade_store::hr::append_audit(c, &audit, &received_at);
            registered_event(c, &reg);
        }
        Err(rejection) => {
            let payload = serde_json::to_value(&raw).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            errors::insert(
                c,
                NewError {
                    interface: INTERFACE,
                    municipality: Some(&kommune.to_string()),
                    system_id,
                    actor: &system.name,
                    external_id: raw.ex_ident.as_deref(),
                    error_type: rejection.error_type,
                    message: &rejection.message(),
                    payload: &payload,
                },
            )
            .await?;
        }
    }
    Ok(outcome)
}

fn registered_event(c: &mut Tx, reg: &Registration) {
    c.emit(NewEvent {
        kind: "maskintimer.registrering.oprettet",
        interface: INTERFACE,
        municipality: Some(reg.kommune.to_string()),
        object_id: Some(reg.pernr.to_string()),
        payload: json!(reg),
    });
}

/// Re-runs validation on a corrected payload of an error-table entry and records the result: registered (the
/// entry becomes `resubmitted`) or still failing (the entry stays `open` with the new reason; history kept).
pub async fn revalidate(
    services: &Services,
    item: ErrorItem,
    payload: serde_json::Value,
    actor: String,
) -> Result<ErrorItem, AdminError> {
    let raw: RawRegistration = serde_json::from_value(payload.clone())
        .map_err(|e| AdminError::BadRequest(format!("payload passer ikke til en maskintimeregistrering: {e}")))?;
    let kommune = item
        .municipality
        .as_deref()
        .and_then(|k| Kommunekode::parse(k).ok())
        .ok_or_else(|| AdminError::BadRequest("fejlen har ingen kommune".into()))?;
    let verdict = verdict(services, &raw, kommune).await?;
    let id = item.id.clone();
    let original_key = item.external_id.clone();
    services
        .store()
        .write(move |c| {
            let (id, original_key, verdict) = (id.clone(), original_key.clone(), verdict.clone());
            let (payload, actor) = (payload.clone(), actor.clone());
            Box::pin(async move {
                let current = errors::get(&mut **c, &id).await?;
                if current.status != ErrorStatus::Open {
                    return Err(StoreError::Conflict(format!("fejlen har status {}", current.status)));
                }
                let system_id = errors::system_id_of(c, &id).await?;
                match &verdict {
                    Ok(reg) => {
                        if let Some(key) = original_key.as_deref().filter(|k| *k != reg.ex_ident.as_str()) {
                            idempotency::set_outcome(c, INTERFACE, key, "resubmitted").await?;
                        }
                        if idempotency::claim(c, INTERFACE, reg.ex_ident.as_str(), &system_id, "registered", None)
                            .await?
                            .is_some()
                            && original_key.as_deref() != Some(reg.ex_ident.as_str())
                        {
                            return Err(StoreError::Conflict(format!(
                                "EX_IDENT {} er allerede brugt af en anden besked",
                                reg.ex_ident
                            )));
                        }
                        idempotency::set_outcome(c, INTERFACE, reg.ex_ident.as_str(), "registered").await?;
                        maskintimer::insert_registration(c, reg, &system_id, &current.received_at, Some(&id)).await?;
                        registered_event(c, reg);
                        let entry = resubmitted_entry(&actor, None, &payload);
                        errors::update(c, &current, ErrorStatus::Resubmitted, entry, None, Some(&payload)).await?;
                    }
                    Err(rejection) => {
                        let entry = resubmitted_entry(&actor, Some(rejection), &payload);
                        let reason = Some((rejection.error_type, rejection.message()));
                        let reason = reason.as_ref().map(|(t, m)| (*t, m.as_str()));
                        errors::update(c, &current, ErrorStatus::Open, entry, reason, Some(&payload)).await?;
                    }
                }
                errors::get(&mut **c, &id).await
            })
        })
        .await
        .map_err(AdminError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_soap::{Limits, parse_envelope};

    fn root(xml: &str) -> Element {
        parse_envelope(xml.as_bytes(), &Limits::default()).unwrap().payload
    }

    #[test]
    fn reads_the_seed_example() {
        let seed = include_str!("../../../../../shared/reference/seed-004/registration-request.xml");
        let raw = parse_registration(&root(seed)).unwrap();
        assert_eq!(raw.ex_ident.as_deref(), Some("ABCDEABCDE66598040861E0000002008"));
        assert_eq!(raw.personal_id.as_deref(), Some("77736"));
        assert_eq!(raw.work_cntr.as_deref(), Some("1000"));
        assert_eq!(raw.plant, None);
        assert_eq!(raw.kommunekode.as_deref(), Some("751"));
    }

    #[test]
    fn ex_ident_at_top_level_and_conflicts() {
        let env = |body: &str| {
            format!(
                "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/' xmlns:k='{}'><s:Body>\
                 <k:ZPSA_CN27_DATA_MT>{body}</k:ZPSA_CN27_DATA_MT></s:Body></s:Envelope>",
                super::super::REGISTRATION_NS
            )
        };
        let raw = parse_registration(&root(&env(
            "<EX_IDENT>AB</EX_IDENT><I_CONFIRMATION><ACTIVITY>1</ACTIVITY></I_CONFIRMATION>",
        )))
        .unwrap();
        assert_eq!(raw.ex_ident.as_deref(), Some("AB"));
        assert_eq!(raw.activity.as_deref(), Some("1"));
        let e = parse_registration(&root(&env(
            "<EX_IDENT>AB</EX_IDENT><I_CONFIRMATION><EX_IDENT>CD</EX_IDENT></I_CONFIRMATION>",
        )))
        .unwrap_err();
        assert!(e.0.contains("både"), "{e}");
        assert!(parse_registration(&root(&env("<FOO>1</FOO>"))).is_err());
        assert!(parse_registration(&root(&env("<I_CONFIRMATION/><I_CONFIRMATION/>"))).is_err());
    }
}
