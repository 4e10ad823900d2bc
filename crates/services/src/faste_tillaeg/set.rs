//! `SetFixedSupplement`: INS a supplement, MOD one by `SupplementId` (the fields given replace the old ones; the
//! wage type stays; with a `StartDate` inside its period the change holds from that date and the values before it
//! stay as history, SAP's effective dating), END one (it holds until `EndDate`), DEL one. Each change is checked against the catalogue,
//! the employment and its lock, and the employee's other supplements of that wage type (no overlap); it is
//! written in one transaction with an audit entry and an outbox event. A supplement never runs past the
//! employment's leave date: such an end is cut to it.

use super::{EVENT_CHANGED, EVENT_CREATED, EVENT_DELETED, EVENT_ENDED, SUPPLEMENTS_NS};
use crate::dispatch::{Call, Services};
use crate::employee_time::{cancelled, unknown};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::set_flow::{operation, personnel_number, run_set};
use crate::wire::text_fields;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use snitflade_domain::fixed::{self, FixedSupplement, Frequency};
use snitflade_domain::hr::OPEN_END;
use snitflade_domain::payroll::{parse_value, value_text};
use snitflade_domain::payroll_rules::{Employment, Problem};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::fixed_supplements::{self as stored, StoredSupplement};
use snitflade_store::hr::{self, NewAudit};
use snitflade_store::outbox::NewEvent;
use snitflade_store::{BoxFuture, StoreError, Tx, payroll};

const FIELDS: &[&str] = &[
    "Operation",
    "PersonnelNumber",
    "SupplementId",
    "WageType",
    "Amount",
    "Quantity",
    "Frequency",
    "StartDate",
    "EndDate",
    "CostCenter",
    "PspElement",
    "Text",
];
const ROOT: &str = "SetFixedSupplementResponse_MT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Ins,
    Mod,
    End,
    Del,
}

/// A request with its fields parsed, each optional as in the message.
#[derive(Debug, Clone)]
struct Change {
    operation: Operation,
    pernr: Pernr,
    supplement_id: Option<String>,
    wage_type: Option<String>,
    amount: Option<Decimal>,
    quantity: Option<Decimal>,
    frequency: Option<Frequency>,
    from: Option<Date>,
    to: Option<Date>,
    cost_centre: Option<String>,
    psp_element: Option<String>,
    text: Option<String>,
}

fn answer(status: &ReturnStatus, supplement_id: Option<&str>) -> SoapReply {
    SoapReply::ok(sap::response(ROOT, SUPPLEMENTS_NS, |w| {
        status.write(w);
        w.leaf_opt("SupplementId", supplement_id);
    }))
}

/// The problems as one `MessageText`: each with its code.
pub(super) fn problems_text(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{} (kode {})", p.text(), p.code()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn parse(root: &Element) -> Result<Result<Change, String>, SoapReply> {
    let f = text_fields(root, FIELDS, &[]).map_err(|e| SoapReply::client_fault(e.0))?;
    let t = &f.text;
    Ok((|| {
        let operation = match operation(t, &["INS", "MOD", "END", "DEL"])? {
            0 => Operation::Ins,
            1 => Operation::Mod,
            2 => Operation::End,
            3 => Operation::Del,
            _ => unreachable!("an index into the list"),
        };
        let pernr = personnel_number(t)?;
        let date = |n: &str| t.get(n).map(|v| sap::parse_date(n, v)).transpose();
        let value = |n: &str| {
            t.get(n)
                .map(|v| parse_value(v).map_err(|e| format!("{n} er ikke gyldig: {e} (modtaget: {})", sap::clip(v))))
                .transpose()
        };
        let wage_type = t.get("WageType").cloned();
        if let Some(w) = &wage_type
            && !(w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!("WageType skal være 4 cifre (modtaget: {})", sap::clip(w)));
        }
        let frequency = t
            .get("Frequency")
            .map(|v| {
                Frequency::parse(v).ok_or_else(|| format!("Frequency skal være M eller Y (modtaget: {})", sap::clip(v)))
            })
            .transpose()?;
        let change = Change {
            operation,
            pernr,
            supplement_id: t.get("SupplementId").cloned(),
            wage_type,
            amount: value("Amount")?,
            quantity: value("Quantity")?,
            frequency,
            from: date("StartDate")?,
            to: date("EndDate")?,
            cost_centre: t.get("CostCenter").cloned(),
            psp_element: t.get("PspElement").cloned(),
            text: t.get("Text").cloned(),
        };
        match operation {
            Operation::Ins if change.wage_type.is_none() => Err("WageType skal angives ved INS".to_owned()),
            Operation::Ins if change.from.is_none() => Err("StartDate skal angives ved INS".to_owned()),
            Operation::End if change.to.is_none() => Err("EndDate skal angives ved END".to_owned()),
            Operation::Mod | Operation::End | Operation::Del if change.supplement_id.is_none() => {
                Err("SupplementId skal angives ved MOD, END og DEL".to_owned())
            }
            _ => Ok(change),
        }
    })())
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    run_set(
        services,
        call,
        InterfaceId::FasteTillaeg,
        "SetFixedSupplement",
        parse(root),
        answer,
        apply_boxed,
    )
    .await
}

fn apply_boxed(
    tx: &mut Tx,
    k: Kommunekode,
    actor: String,
    system_id: String,
    change: Change,
) -> BoxFuture<'_, Result<(ReturnStatus, Option<String>), StoreError>> {
    Box::pin(async move { apply(tx, k, &actor, &system_id, change).await })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string().to_uppercase()
}

/// A supplement as events and the audit trail show it.
pub(super) fn summary(s: &FixedSupplement) -> Value {
    json!({
        "wage_type": s.wage_type,
        "amount": s.amount.map(value_text),
        "quantity": s.quantity.map(value_text),
        "frequency": s.frequency.code(),
        "valid_from": s.valid_from.to_string(),
        "valid_to": s.valid_to.to_string(),
        "cost_centre": s.cost_centre,
        "psp_element": s.psp_element,
    })
}

/// The supplement a MOD or END makes of `old`.
fn changed(old: &FixedSupplement, c: &Change) -> Result<FixedSupplement, String> {
    if let Some(w) = c.wage_type.as_ref().filter(|w| **w != old.wage_type) {
        return Err(format!(
            "Lønarten kan ikke ændres ({} til {w}); afslut tillægget og opret et nyt",
            old.wage_type
        ));
    }
    if c.operation == Operation::End {
        return Ok(FixedSupplement {
            valid_to: c.to.expect("checked in parse"),
            ..old.clone()
        });
    }
    let (amount, quantity) = if c.amount.is_some() || c.quantity.is_some() {
        (c.amount, c.quantity)
    } else {
        (old.amount, old.quantity)
    };
    // An empty-valued booking field is not possible in SAP PI style messages, so a new booking replaces both.
    let (cost_centre, psp_element) = if c.cost_centre.is_some() || c.psp_element.is_some() {
        (c.cost_centre.clone(), c.psp_element.clone())
    } else {
        (old.cost_centre.clone(), old.psp_element.clone())
    };
    Ok(FixedSupplement {
        wage_type: old.wage_type.clone(),
        amount,
        quantity,
        frequency: c.frequency.unwrap_or(old.frequency),
        valid_from: c.from.unwrap_or(old.valid_from),
        valid_to: c.to.unwrap_or(old.valid_to),
        cost_centre,
        psp_element,
        text: c.text.clone().unwrap_or_else(|| old.text.clone()),
    })
}

/// The change inside the write: `(status, supplement id)`. A refusal changes nothing.
async fn apply(
    tx: &mut Tx,
    k: Kommunekode,
    actor: &str,
    system_id: &str,
    c: Change,
) -> Result<(ReturnStatus, Option<String>), StoreError> {
    let refuse = |text: String| Ok((ReturnStatus::error(text), None));
    let Some(employment) = hr::employment(&mut **tx, k, c.pernr).await? else {
        return refuse(unknown(c.pernr, k));
    };
    let employment = employment.employment;
    if let Some(text) = cancelled(&employment) {
        return refuse(text);
    }
    let current = stored::current(&mut **tx, k, c.pernr).await?;
    let target = match &c.supplement_id {
        None => None,
        Some(id) => match current.iter().find(|s| s.supplement_id == *id) {
            Some(s) => Some(s.clone()),
            None => {
                return refuse(format!(
                    "Fast tillæg {} findes ikke for medarbejder {}",
                    sap::clip(id),
                    c.pernr
                ));
            }
        },
    };
    let now = snitflade_store::now_text();
    // MOD from a date inside the supplement's period: the values before it are kept as history.
    let mut history = None;
    let (event, verb, before, after, supplement_id) = match (c.operation, target) {
        (Operation::Del, Some(t)) => {
            stored::close(tx, &t.id, &now).await?;
            (EVENT_DELETED, "slettet", Some(t.supplement), None, t.supplement_id)
        }
        (Operation::Ins, _) => {
            let new = FixedSupplement {
                wage_type: c.wage_type.clone().expect("checked in parse"),
                amount: c.amount,
                quantity: c.quantity,
                frequency: c.frequency.unwrap_or(Frequency::Monthly),
                valid_from: c.from.expect("checked in parse"),
                valid_to: c.to.unwrap_or(OPEN_END),
                cost_centre: c.cost_centre.clone(),
                psp_element: c.psp_element.clone(),
                text: c.text.clone().unwrap_or_default(),
            };
            (EVENT_CREATED, "oprettet", None, Some(new), new_id())
        }
        (op, Some(t)) => {
            let new = match changed(&t.supplement, &c) {
                Ok(n) => n,
                Err(text) => return refuse(text),
            };
            if op == Operation::Mod {
                match from_a_date(&t.supplement, &new, c.from) {
                    Ok(h) => history = h,
                    Err(text) => return refuse(text),
                }
            }
            let event = if op == Operation::End {
                EVENT_ENDED
            } else {
                EVENT_CHANGED
            };
            let verb = if op == Operation::End { "afsluttet" } else { "ændret" };
            (event, verb, Some(t.supplement), Some(new), t.supplement_id)
        }
        (_, None) => unreachable!("MOD, END and DEL name a supplement (checked in parse)"),
    };
    let mut cut = None;
    let mut history_id = None;
    let after = match after {
        None => None,
        Some(mut new) => {
            if let Some(leave) = employment
                .leave_date
                .filter(|l| new.valid_to > *l && new.valid_from <= *l)
            {
                new.valid_to = leave;
                cut = Some(leave);
            }
            let context = Employment {
                entry_date: employment.entry_date,
                leave_date: employment.leave_date,
                locked: payroll::is_locked(&mut **tx, k, c.pernr).await?,
            };
            let catalogue = payroll::catalogue(&mut **tx, k).await?;
            let others = others(&current, &supplement_id);
            let problems = fixed::check(&catalogue, &context, &new, &others);
            if !problems.is_empty() {
                return refuse(problems_text(&problems));
            }
            if let Some(t) = current.iter().find(|s| s.supplement_id == supplement_id) {
                stored::close(tx, &t.id, &now).await?;
            }
            if let Some(h) = &history {
                let id = new_id();
                stored::insert(tx, k, c.pernr, &id, h, actor, &now).await?;
                history_id = Some(id);
            }
            stored::insert(tx, k, c.pernr, &supplement_id, &new, actor, &now).await?;
            Some(new)
        }
    };
    let entry = NewAudit {
        actor,
        interface: InterfaceId::FasteTillaeg.as_str(),
        action: event,
        municipality: k,
        pernr: Some(c.pernr),
        detail: json!({
            "system_id": system_id,
            "supplement_id": supplement_id,
            "before": before.as_ref().map(summary),
            "after": after.as_ref().map(summary),
            "history": history_id.as_ref().zip(history.as_ref()).map(|(id, h)| {
                let mut v = summary(h);
                v["supplement_id"] = id.clone().into();
                v
            }),
        }),
    };
    hr::insert_audit(tx, &entry, &now).await?;
    if let (Some(id), Some(h)) = (&history_id, &history) {
        let mut payload = summary(h);
        payload["pernr"] = c.pernr.to_string().into();
        payload["supplement_id"] = id.clone().into();
        payload["history_of"] = supplement_id.clone().into();
        tx.emit(NewEvent {
            kind: EVENT_CREATED,
            interface: InterfaceId::FasteTillaeg.as_str(),
            municipality: Some(k.to_string()),
            object_id: Some(c.pernr.to_string()),
            payload,
        });
    }
    let shown = after.as_ref().or(before.as_ref()).expect("a supplement");
    let mut payload = summary(shown);
    payload["pernr"] = c.pernr.to_string().into();
    payload["supplement_id"] = supplement_id.clone().into();
    tx.emit(NewEvent {
        kind: event,
        interface: InterfaceId::FasteTillaeg.as_str(),
        municipality: Some(k.to_string()),
        object_id: Some(c.pernr.to_string()),
        payload,
    });
    let mut text = format!(
        "Fast tillæg {verb} (lønart {}, {}–{})",
        shown.wage_type, shown.valid_from, shown.valid_to
    );
    if let (Some(id), Some(h)) = (&history_id, &history) {
        text.push_str(&format!(
            "; de hidtidige værdier gælder {}–{} som tillæg {id}",
            h.valid_from, h.valid_to
        ));
    }
    if let Some(leave) = cut {
        text.push_str(&format!("; slutdatoen er sat til fratrædelsesdatoen {leave}"));
    }
    Ok((ReturnStatus::success(text), Some(supplement_id)))
}

/// Whether a MOD is a change from a date (SAP's effective dating): a `StartDate` after the supplement's start and
/// within its period. Then the old values stay as history up to the day before — `Some(history)` — and the new
/// ones hold from the date. A `StartDate` on or before the start corrects the whole supplement (`None`); one
/// after its end, or a change from a date that changes no value, is refused.
fn from_a_date(
    old: &FixedSupplement,
    new: &FixedSupplement,
    from: Option<Date>,
) -> Result<Option<FixedSupplement>, String> {
    let Some(from) = from.filter(|d| *d > old.valid_from) else {
        return Ok(None);
    };
    if from > old.valid_to {
        return Err(format!(
            "StartDate {from} ligger efter tillæggets slutdato {}; opret et nyt tillæg (INS)",
            old.valid_to
        ));
    }
    let same_values = FixedSupplement {
        valid_from: new.valid_from,
        valid_to: new.valid_to,
        ..old.clone()
    } == *new;
    if same_values {
        return Err(format!(
            "MOD fra {from} ændrer ingen værdier; en ny startdato sættes med DEL og INS"
        ));
    }
    let day_before = from.yesterday().map_err(|_| format!("StartDate {from} er ugyldig"))?;
    Ok(Some(FixedSupplement {
        valid_to: day_before,
        ..old.clone()
    }))
}

/// The employee's other current supplements, for the overlap rule.
fn others(current: &[StoredSupplement], except: &str) -> Vec<(String, FixedSupplement)> {
    current
        .iter()
        .filter(|s| s.supplement_id != except)
        .map(|s| (s.supplement_id.clone(), s.supplement.clone()))
        .collect()
}
