//! `SetAbsenceAttendance`: registers (INS), changes (MOD) or deletes (DEL) one absence. The request's formats
//! are checked first; then, in one write (so nothing can slip in between check and change), the employee, the
//! record MOD/DEL names by its `Original*` fields, and the [`rules`](super::rules). An accepted change also
//! re-derives the employee's FVNV records, is audited and emitted as an outbox event.

use super::rules::{self, Cases, days_phrase, describe};
use super::{EVENT_CHANGED, EVENT_CREATED, EVENT_DELETED, Request, answer};
use crate::dispatch::{Call, Services};
use crate::employee_time::{refusal, store_failed, unknown};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use jiff::civil::{Date, Time};
use serde_json::json;
use snitflade_domain::absence::{Absence, Attachment};
use snitflade_domain::schedule::{AbsencePeriod, cost};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::absence::StoredAbsence;
use snitflade_store::hr::{self, NewAudit};
use snitflade_store::outbox::NewEvent;
use snitflade_store::time_data::TimeData;
use snitflade_store::{Tx, hr_derived};

const FIELDS: &[&str] = &[
    "StartDate",
    "OriginalStartDate",
    "StartTime",
    "OriginalStartTime",
    "EndDate",
    "OriginalEndDate",
    "EndTime",
    "OriginalEndTime",
    "AdditionalData",
    "Operation",
    "PersonnelNumber",
    "AbsenceAttendanceType",
    "OriginalAbsenceAttendanceType",
];

const ROOT: &str = "SetAbsenceAttendanceResponse_MT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Ins,
    Mod,
    Del,
}

/// What identifies an existing absence: type, dates and (when given) times.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    type_code: String,
    start: Date,
    end: Date,
    start_time: Option<Time>,
    end_time: Option<Time>,
}

impl Key {
    fn matches(&self, a: &Absence) -> bool {
        let midnight = |t: Option<Time>| t.filter(|t| *t != Time::midnight());
        let whole = !a.period.is_partial();
        let times = match (self.start_time, self.end_time) {
            (None, None) => whole,
            _ => {
                (a.period.start_time == self.start_time && a.period.end_time == self.end_time)
                    || (whole && midnight(self.start_time).is_none() && midnight(self.end_time).is_none())
            }
        };
        a.type_code == self.type_code && a.period.start == self.start && a.period.end == self.end && times
    }

    fn describe(&self) -> String {
        describe(
            &self.type_code,
            &AbsencePeriod {
                start: self.start,
                end: self.end,
                start_time: self.start_time,
                end_time: self.end_time,
            },
        )
    }
}

/// A checked request.
#[derive(Debug, Clone)]
struct Change {
    operation: Operation,
    pernr: Pernr,
    /// The absence as the request states it (for DEL: the record to delete unless `original` is given).
    new: Absence,
    /// MOD and DEL: the record the `Original*` fields name.
    original: Option<Key>,
}

fn time(req: &Request, name: &str) -> Result<Option<Time>, String> {
    req.get(name).map(|v| sap::parse_time(name, v)).transpose()
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{name} skal angives"))
}

impl Change {
    fn parse(req: &Request, system: &str) -> Result<Self, String> {
        let operation = match req.get("Operation").unwrap_or("INS").to_ascii_uppercase().as_str() {
            "INS" => Operation::Ins,
            "MOD" => Operation::Mod,
            "DEL" => Operation::Del,
            other => {
                return Err(format!(
                    "Operation skal være INS, MOD eller DEL (modtaget: {})",
                    sap::clip(other)
                ));
            }
        };
        let pernr = required(req.pernr()?, "PersonnelNumber")?;
        let type_code = required(req.get("AbsenceAttendanceType"), "AbsenceAttendanceType")?.to_owned();
        let period = AbsencePeriod {
            start: required(req.date("StartDate")?, "StartDate")?,
            end: required(req.date("EndDate")?, "EndDate")?,
            start_time: time(req, "StartTime")?,
            end_time: time(req, "EndTime")?,
        };
        check_period(&period)?;
        let original = match (
            req.get("OriginalAbsenceAttendanceType"),
            req.date("OriginalStartDate")?,
            req.date("OriginalEndDate")?,
        ) {
            (None, None, None)
                if time(req, "OriginalStartTime")?.is_none() && time(req, "OriginalEndTime")?.is_none() =>
            {
                None
            }
            (Some(t), Some(start), Some(end)) => Some(Key {
                type_code: t.to_owned(),
                start,
                end,
                start_time: time(req, "OriginalStartTime")?,
                end_time: time(req, "OriginalEndTime")?,
            }),
            _ => {
                return Err(
                    "OriginalAbsenceAttendanceType, OriginalStartDate og OriginalEndDate skal angives sammen"
                        .to_owned(),
                );
            }
        };
        if operation == Operation::Mod && original.is_none() {
            return Err(
                "Ved MOD skal OriginalAbsenceAttendanceType, OriginalStartDate og OriginalEndDate angive det fravær, \
                 der ændres"
                    .to_owned(),
            );
        }
        Ok(Self {
            operation,
            pernr,
            new: Absence {
                object_id: String::new(),
                type_code,
                period,
                additional: req.get("AdditionalData").unwrap_or_default().to_owned(),
                registered_by: system.to_owned(),
            },
            original,
        })
    }

    /// The record MOD/DEL concerns.
    fn target_key(&self) -> Key {
        self.original.clone().unwrap_or_else(|| Key {
            type_code: self.new.type_code.clone(),
            start: self.new.period.start,
            end: self.new.period.end,
            start_time: self.new.period.start_time,
            end_time: self.new.period.end_time,
        })
    }
}

/// End before start; times only on one day, start before end.
fn check_period(p: &AbsencePeriod) -> Result<(), String> {
    if p.end < p.start {
        return Err(format!("EndDate {} ligger før StartDate {}", p.end, p.start));
    }
    if p.is_partial() {
        if p.start != p.end {
            return Err(
                "StartTime og EndTime kan kun angives på fravær af én dag (halve dage sendes som \
                        én dags fravær)"
                    .to_owned(),
            );
        }
        if let (Some(s), Some(e)) = (p.start_time, p.end_time)
            && e <= s
            && e != Time::midnight()
        {
            return Err(format!(
                "EndTime {} skal ligge efter StartTime {}",
                sap::time_text(e),
                sap::time_text(s)
            ));
        }
    }
    Ok(())
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let req = match Request::read(services, call, root, FIELDS) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let change = match Change::parse(&req, &call.system.name) {
        Ok(c) => c,
        Err(text) => return answer(ROOT, &ReturnStatus::error(text), |_| {}),
    };
    let (kommune, system_id) = (req.municipality, call.system.id.clone());
    let outcome = services
        .store()
        .write(move |tx| {
            let (change, system_id) = (change.clone(), system_id.clone());
            Box::pin(async move { apply(tx, kommune, &system_id, change).await })
        })
        .await;
    match outcome {
        Ok(status) => answer(ROOT, &status, |_| {}),
        Err(e) => store_failed("SetAbsenceAttendance", &e),
    }
}

fn find<'a>(data: &'a TimeData, key: &Key, verb: &str) -> Result<&'a StoredAbsence, String> {
    let found: Vec<&StoredAbsence> = data.absences.iter().filter(|a| key.matches(&a.absence)).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("Der findes intet fravær {} at {verb}", key.describe())),
        _ => Err(format!(
            "Flere fravær passer på {}; angiv OriginalStartTime og OriginalEndTime",
            key.describe()
        )),
    }
}

/// Checks and writes one change inside the write; the answer's status (E without writing anything).
async fn apply(
    tx: &mut Tx,
    kommune: Kommunekode,
    system_id: &str,
    mut change: Change,
) -> snitflade_store::Result<ReturnStatus> {
    let pernr = change.pernr;
    let Some((data, fvnv)) = TimeData::load_for_absence_change(tx, kommune, pernr).await? else {
        return Ok(ReturnStatus::error(unknown(pernr, kommune)));
    };
    if let Some(text) = refusal(&data) {
        return Ok(ReturnStatus::error(text));
    }
    let target = match change.operation {
        Operation::Ins => None,
        Operation::Mod => match find(&data, &change.target_key(), "ændre") {
            Ok(t) => Some(t.clone()),
            Err(text) => return Ok(ReturnStatus::error(text)),
        },
        Operation::Del => match find(&data, &change.target_key(), "slette") {
            Ok(t) => Some(t.clone()),
            Err(text) => return Ok(ReturnStatus::error(text)),
        },
    };
    let now = snitflade_store::now_text();
    let actor = change.new.registered_by.clone();
    if change.operation != Operation::Del {
        // The cases are read only for a type that links to one.
        let links = data.absence_type(&change.new.type_code).map(|t| &t.attachment);
        let cases = Cases {
            maternity: if matches!(links, Some(Attachment::MaternityCase {})) {
                hr::maternity_cases(&mut **tx, kommune, pernr).await?
            } else {
                Vec::new()
            },
            accidents: if matches!(links, Some(Attachment::WorkAccident { .. })) {
                hr::work_accident_cases(&mut **tx, kommune, pernr).await?
            } else {
                Vec::new()
            },
        };
        if let Err(text) = rules::check(&data, &cases, &change.new, target.as_ref()) {
            return Ok(ReturnStatus::error(text));
        }
        change.new.object_id = target.as_ref().map_or_else(
            || uuid::Uuid::now_v7().simple().to_string().to_uppercase(),
            |t| t.absence.object_id.clone(),
        );
    }
    // FVNV from what was read above: the absences as they are after this change.
    let after = data
        .absences
        .iter()
        .filter(|a| target.as_ref().is_none_or(|t| t.id != a.id))
        .map(|a| &a.absence)
        .chain((change.operation != Operation::Del).then_some(&change.new));
    let known = hr_derived::Known {
        schedules: &data.schedules,
        catalogue: &data.catalogue,
        leave: data.employment.leave_date,
        current: &fvnv,
    };
    let close = target.as_ref().map(|t| t.id.as_str());
    let insert = (change.operation != Operation::Del).then_some(&change.new);
    hr_derived::write_absence_change(tx, kommune, pernr, &known, close, insert, after, &actor, &now).await?;

    let written = match change.operation {
        Operation::Del => &target.as_ref().expect("a target").absence,
        _ => &change.new,
    };
    let c = cost(&written.period, &data.schedules);
    let (action, event, verb) = match change.operation {
        Operation::Ins => ("absence.insert", EVENT_CREATED, "oprettet"),
        Operation::Mod => ("absence.change", EVENT_CHANGED, "ændret"),
        Operation::Del => ("absence.delete", EVENT_DELETED, "slettet"),
    };
    let detail = json!({
        "system_id": system_id,
        "object_id": written.object_id,
        "before": target.as_ref().map(|t| summary(&t.absence)),
        "after": (change.operation != Operation::Del).then(|| summary(&change.new)),
    });
    let entry = NewAudit {
        actor: &actor,
        interface: InterfaceId::OpretFravaer.as_str(),
        action,
        municipality: kommune,
        pernr: Some(pernr),
        detail,
    };
    hr::append_audit(tx, &entry, &now);
    let mut payload = summary(written);
    payload["pernr"] = pernr.to_string().into();
    payload["days"] = sap::decimal_text(c.days).into();
    payload["hours"] = sap::decimal_text(c.hours).into();
    tx.emit(NewEvent {
        kind: event,
        interface: InterfaceId::OpretFravaer.as_str(),
        municipality: Some(kommune.to_string()),
        object_id: Some(pernr.to_string()),
        payload,
    });
    Ok(ReturnStatus::success(format!(
        "Fravær {} {verb} ({}, {} timer)",
        describe(&written.type_code, &written.period),
        days_phrase(c.days),
        sap::decimal_text(c.hours).replace('.', ",")
    )))
}

/// An absence as audit details and events show it.
fn summary(a: &Absence) -> serde_json::Value {
    let p = &a.period;
    json!({
        "object_id": a.object_id,
        "type": a.type_code,
        "start": p.start.to_string(),
        "end": p.end.to_string(),
        "start_time": p.start_time.map(sap::time_text),
        "end_time": p.end_time.map(sap::time_text),
        "additional": a.additional,
    })
}
