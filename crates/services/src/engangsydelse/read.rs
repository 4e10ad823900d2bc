//! `POST /lpe/read-onetime-payments`: an employee's registered one-time payments whose start date lies in the
//! `VirkningFilter` period (either end may be open), `Status` 1 "Data ikke fundet." when there are none. Each
//! read is recorded in the audit trail.

use super::INTERFACE;
use super::answer::{JsonReply, Message};
use super::request::Envelope;
use super::update::store_failed;
use crate::dispatch::Services;
use crate::employee_time::{record_audit, unknown};
use serde_json::json;
use snitflade_access::SystemInfo;
use snitflade_domain::Kommunekode;
use snitflade_store::{hr, onetime};

pub async fn handle(
    services: &Services,
    system: &SystemInfo,
    municipality: Kommunekode,
    env: Envelope,
    now: jiff::Timestamp,
) -> JsonReply {
    let (from, to) = match env.period() {
        Ok(p) => p,
        Err(e) => return JsonReply::refused(400, now, Message::error(now, e.code, e.text)),
    };
    let pool = services.store().pool();
    match hr::employment(pool, municipality, env.pernr).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            let text = unknown(env.pernr, municipality);
            return JsonReply::read(now, &env.employee, &[], &[Message::error(now, 904, text)]);
        }
        Err(e) => return store_failed(now, "reading an employment", &e),
    }
    let payments = match onetime::read(pool, municipality, env.pernr, from, to).await {
        Ok(p) => p,
        Err(e) => return store_failed(now, "reading one-time payments", &e),
    };
    let detail = json!({
        "system_id": system.id,
        "from": from.map(|d| d.to_string()),
        "to": to.map(|d| d.to_string()),
        "count": payments.len(),
    });
    let audited = record_audit(
        services.store(),
        system.name.clone(),
        INTERFACE,
        "onetime_payments.read",
        municipality,
        Some(env.pernr),
        detail,
    )
    .await;
    if let Err(e) = audited {
        return store_failed(now, "auditing a read", &e);
    }
    let messages = if payments.is_empty() {
        vec![Message::info(now, 1, "Data ikke fundet.")]
    } else {
        Vec::new()
    };
    JsonReply::read(now, &env.employee, &payments, &messages)
}
