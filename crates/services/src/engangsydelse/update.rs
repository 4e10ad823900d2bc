//! `POST /lpe/update-onetime-payments`: every payment of the request is checked — its fields, the
//! municipality's catalogue, the employment and its lock, and the keys already registered — and either all are
//! registered in one transaction or none is, with one `Meddelelse` per problem ("Engangsydelse Nr. 001: …",
//! numbered by position in the request). `Kun_Valider: "1"` stops after the checks. A request with an
//! `OpdateringsID` that was registered before gets the first answer again and registers nothing.

use super::answer::{JsonReply, Message, STATUS_OK, STATUS_REFUSED};
use super::request::{self, Envelope};
use super::{EVENT_REGISTERED, INTERFACE, MAX_ITEMS};
use crate::dispatch::Services;
use crate::employee_time::{cancelled, unknown};
use serde_json::{Value, json};
use snitflade_access::SystemInfo;
use snitflade_domain::onetime::{self, OneTimePayment, PaymentKey, Problem};
use snitflade_domain::payroll::value_text;
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::hr::{self, NewAudit};
use snitflade_store::idempotency::{self, Answered};
use snitflade_store::onetime::{self as stored, Registration};
use snitflade_store::outbox::NewEvent;
use snitflade_store::{StoreError, payroll};
use std::collections::HashSet;
use std::sync::Arc;

/// A failure of the store: logged, answered with HTTP 500 naming nothing.
pub(super) fn store_failed(now: jiff::Timestamp, what: &str, e: &StoreError) -> JsonReply {
    crate::reply::log_store_failure(what, e);
    JsonReply::refused(500, now, Message::error(now, 999, "Intern fejl; prøv igen senere"))
}

pub async fn handle(
    services: &Services,
    system: &SystemInfo,
    municipality: Kommunekode,
    env: Envelope,
    now: jiff::Timestamp,
) -> JsonReply {
    let items = match env.items(MAX_ITEMS) {
        Ok(items) => items,
        Err(e) => return JsonReply::refused(400, now, Message::error(now, e.code, e.text)),
    };
    let refused = |code: u16, text: String| {
        JsonReply::update(
            now,
            env.update_id.as_deref(),
            STATUS_REFUSED,
            &env.employee,
            &[Message::error(now, code, text)],
        )
    };
    let fingerprint = fingerprint(municipality, &env, items);
    let pool = services.store().pool();
    if let (Some(id), false) = (&env.update_id, env.validate_only) {
        match idempotency::answered(pool, INTERFACE.as_str(), id).await {
            Ok(Some(first)) => return resend(first, system, &fingerprint, id, refused),
            Ok(None) => {}
            Err(e) => return store_failed(now, "reading an OpdateringsID", &e),
        }
    }
    let employment = match hr::employment(pool, municipality, env.pernr).await {
        Ok(Some(e)) => e.employment,
        Ok(None) => return refused(904, unknown(env.pernr, municipality)),
        Err(e) => return store_failed(now, "reading an employment", &e),
    };
    if let Some(text) = cancelled(&employment) {
        return refused(904, text);
    }
    let (catalogue, locked) = match tokio::try_join!(
        payroll::catalogue(pool, municipality),
        payroll::is_locked(pool, municipality, env.pernr)
    ) {
        Ok(v) => v,
        Err(e) => return store_failed(now, "reading the payroll catalogue", &e),
    };
    let context = onetime::Employment {
        entry_date: employment.entry_date,
        leave_date: employment.leave_date,
        locked,
    };
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    let mut payments: Vec<OneTimePayment> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match request::payment(item, &system.name) {
            Ok(p) => {
                problems.extend(onetime::check(&catalogue, &context, &p).into_iter().map(|x| (i, x)));
                payments.push(p);
            }
            Err(list) => problems.extend(list.into_iter().map(|x| (i, x))),
        }
    }
    if problems.is_empty() {
        let mut seen = HashSet::new();
        for (i, p) in payments.iter().enumerate() {
            if !seen.insert(p.key()) {
                problems.push((i, Problem::Duplicate(p.key())));
            }
        }
        match stored::registered_keys(pool, municipality, env.pernr, &payments).await {
            Ok(found) => problems.extend(exists(&payments, &found)),
            Err(e) => return store_failed(now, "reading registered payments", &e),
        }
    }
    if !problems.is_empty() {
        // The same request sent twice at once: the payments this one found may be its twin's, committed with the
        // OpdateringsID since the look-up above. Then the twin's answer is this one's too.
        let found_registered = problems.iter().any(|(_, p)| matches!(p, Problem::Exists(_)));
        if let (Some(id), false, true) = (&env.update_id, env.validate_only, found_registered) {
            match idempotency::answered(pool, INTERFACE.as_str(), id).await {
                Ok(Some(first)) => return resend(first, system, &fingerprint, id, refused),
                Ok(None) => {}
                Err(e) => return store_failed(now, "reading an OpdateringsID", &e),
            }
        }
        return item_problems(now, &env, problems);
    }
    let count = payments.len();
    if env.validate_only {
        let text = format!("{count} engangsydelse(r) er valideret uden fejl; intet er gemt (Kun_Valider)");
        return JsonReply::update(
            now,
            env.update_id.as_deref(),
            STATUS_OK,
            &env.employee,
            &[Message::success(now, text)],
        );
    }
    let text = format!("{count} engangsydelse(r) er registreret");
    let answer = JsonReply::update(
        now,
        env.update_id.as_deref(),
        STATUS_OK,
        &env.employee,
        &[Message::success(now, text)],
    );
    let work = Arc::new(Work {
        municipality,
        pernr: env.pernr,
        system_id: system.id.clone(),
        actor: system.name.clone(),
        update_id: env.update_id.clone(),
        outcome: format!("registered:{fingerprint}"),
        response: answer.body.clone(),
        payments,
    });
    let written = services
        .store()
        .write(move |tx| {
            let w = work.clone();
            Box::pin(async move { register(tx, &w).await })
        })
        .await;
    match written {
        Ok(Written::Registered) => answer,
        Ok(Written::Resend(first)) => resend(
            first,
            system,
            &fingerprint,
            env.update_id.as_deref().unwrap_or(""),
            refused,
        ),
        Ok(Written::Exists(found)) => item_problems(now, &env, found),
        Err(e) => store_failed(now, "registering one-time payments", &e),
    }
}

/// What the write found and did.
enum Written {
    Registered,
    /// The OpdateringsID was taken meanwhile.
    Resend(Answered),
    /// Payments with these keys were registered meanwhile.
    Exists(Vec<(usize, Problem)>),
}

/// Everything the write needs (it may run twice).
struct Work {
    municipality: Kommunekode,
    pernr: Pernr,
    system_id: String,
    actor: String,
    update_id: Option<String>,
    outcome: String,
    response: String,
    payments: Vec<OneTimePayment>,
}

async fn register(tx: &mut snitflade_store::Tx, w: &Work) -> Result<Written, StoreError> {
    // Writes are serialised, so what is read here stays true until this write commits.
    if let Some(id) = &w.update_id
        && let Some(first) = idempotency::answered(&mut **tx, INTERFACE.as_str(), id).await?
    {
        return Ok(Written::Resend(first));
    }
    let found = exists(
        &w.payments,
        &stored::registered_keys(&mut **tx, w.municipality, w.pernr, &w.payments).await?,
    );
    if !found.is_empty() {
        return Ok(Written::Exists(found));
    }
    if let Some(id) = &w.update_id {
        idempotency::claim(tx, INTERFACE.as_str(), id, &w.system_id, &w.outcome, Some(&w.response)).await?;
    }
    let now = snitflade_store::now_text();
    let registration = Registration {
        municipality: w.municipality,
        pernr: w.pernr,
        system_id: &w.system_id,
        source: "api",
        update_id: w.update_id.as_deref(),
        now: &now,
    };
    let ids = stored::insert(tx, registration, &w.payments).await?;
    let audit = NewAudit {
        actor: &w.actor,
        interface: INTERFACE.as_str(),
        action: "onetime_payments.register",
        municipality: w.municipality,
        pernr: Some(w.pernr),
        detail: json!({"system_id": w.system_id, "update_id": w.update_id, "count": ids.len()}),
    };
    hr::insert_audit(tx, &audit, &now).await?;
    for (id, p) in ids.iter().zip(&w.payments) {
        tx.emit(event(w.municipality, w.pernr, id, p, "api"));
    }
    Ok(Written::Registered)
}

/// The outbox event of one registered payment.
pub(super) fn event(municipality: Kommunekode, pernr: Pernr, id: &str, p: &OneTimePayment, source: &str) -> NewEvent {
    NewEvent {
        kind: EVENT_REGISTERED,
        interface: INTERFACE.as_str(),
        municipality: Some(municipality.to_string()),
        object_id: Some(pernr.to_string()),
        payload: json!({
            "pernr": pernr.to_string(),
            "objekt_id": id,
            "wage_type": p.wage_type,
            "start_date": p.start_date.to_string(),
            "seq": p.seq,
            "amount": p.amount.map(value_text),
            "quantity": p.quantity.map(value_text),
            "source": source,
        }),
    }
}

/// The payments whose keys are registered already, by position.
fn exists(payments: &[OneTimePayment], registered: &HashSet<PaymentKey>) -> Vec<(usize, Problem)> {
    payments
        .iter()
        .enumerate()
        .filter(|(_, p)| registered.contains(&p.key()))
        .map(|(i, p)| (i, Problem::Exists(p.key())))
        .collect()
}

/// The refusal listing every problem, "Engangsydelse Nr. NNN: …" by position in the request.
fn item_problems(now: jiff::Timestamp, env: &Envelope, mut problems: Vec<(usize, Problem)>) -> JsonReply {
    problems.sort_by_key(|(i, _)| *i);
    let messages: Vec<Message> = problems
        .iter()
        .map(|(i, p)| Message::error(now, p.code(), format!("Engangsydelse Nr. {:03}: {}", i + 1, p.text())))
        .collect();
    JsonReply::update(now, env.update_id.as_deref(), STATUS_REFUSED, &env.employee, &messages)
}

/// The answer to an OpdateringsID seen before: the first answer if it is the same request from the same
/// system, a refusal otherwise.
fn resend(
    first: Answered,
    system: &SystemInfo,
    fingerprint: &str,
    id: &str,
    refused: impl Fn(u16, String) -> JsonReply,
) -> JsonReply {
    let same = first.system_id == system.id && first.outcome == format!("registered:{fingerprint}");
    match first.response {
        Some(body) if same => {
            metrics::counter!("snitflade_idempotent_resends_total", "interface" => INTERFACE.as_str()).increment(1);
            JsonReply { status: 200, body }
        }
        _ => refused(
            907,
            format!("OpdateringsID {id} er allerede brugt til en anden opdatering; intet er registreret"),
        ),
    }
}

/// What identifies a request's content: the municipality, the employee and the items, as parsed JSON (so
/// whitespace and key order do not matter).
fn fingerprint(municipality: Kommunekode, env: &Envelope, items: &[Value]) -> String {
    let canonical = json!({"m": municipality.to_string(), "p": env.pernr.to_string(), "i": items}).to_string();
    hex::encode(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_layout_but_not_content() {
        let parse = |s: &str| Envelope::parse(s.as_bytes(), super::super::Operation::Update).unwrap();
        let k = Kommunekode::parse("0340").unwrap();
        let a = parse(
            r#"{"Header":{"ClientID":"340"},"Medarbejder":{"Medarbejdernummer":"110"},"Engangsydelser":[{"Loenart":"6001","Beloeb":"1"}]}"#,
        );
        let b = parse(
            r#"{ "Engangsydelser": [ {"Beloeb":"1", "Loenart":"6001"} ], "Medarbejder":{"Medarbejdernummer":"00000110"},"Header":{"ClientID":"0340"}}"#,
        );
        let c = parse(
            r#"{"Header":{"ClientID":"340"},"Medarbejder":{"Medarbejdernummer":"110"},"Engangsydelser":[{"Loenart":"6001","Beloeb":"2"}]}"#,
        );
        let f = |e: &Envelope| fingerprint(k, e, e.items(999).unwrap());
        assert_eq!(f(&a), f(&b));
        assert_ne!(f(&a), f(&c));
    }
}
