//! `SetWorkSchedule`: INS a schedule (the overlapping ones are delimited around it: what they said before and
//! after the new period stays, SAP style), MOD one by `ScheduleId` (given fields replace the old; `Day` replaces
//! the whole week; it must not overlap another), DEL one (its predecessor's validity is restored over its period).
//! All in one write with the MTP and FVNV records re-derived, an audit entry and an outbox event per schedule
//! touched (the delimited and restored ones included). A change that makes the registered absences exceed a quota
//! is done but answered "W", naming the quota and the overdraft, with an `absence_quota.overdrawn` event.

use super::{EVENT_CHANGED, EVENT_CREATED, EVENT_DELETED, SCHEDULES_NS};
use crate::dispatch::{Call, Services};
use crate::employee_time::{refusal, unknown};
use crate::overdraw;
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::set_flow::{operation, personnel_number, run_set};
use crate::wire::text_fields;
use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde_json::json;
use snitflade_domain::hr::{OPEN_END, OPEN_START};
use snitflade_domain::schedule::{DayPlan, WEEKDAY_NAMES, WeekPattern, WorkSchedule};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::hr::{self, NewAudit};
use snitflade_store::outbox::NewEvent;
use snitflade_store::schedules::{StoredSchedule, close_schedule, insert_schedule};
use snitflade_store::time_data::TimeData;
use snitflade_store::{BoxFuture, StoreError, Tx, hr_derived};

const FIELDS: &[&str] = &[
    "Operation",
    "PersonnelNumber",
    "ScheduleId",
    "StartDate",
    "EndDate",
    "ScheduleType",
    "ScheduleText",
];
const ROOT: &str = "SetWorkScheduleResponse_MT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Ins,
    Mod,
    Del,
}

/// A checked request: what it says, each field optional as in the message.
#[derive(Debug, Clone)]
struct Change {
    operation: Operation,
    pernr: Pernr,
    schedule_id: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
    kind: Option<String>,
    text: Option<String>,
    week: Option<WeekPattern>,
}

fn answer(status: &ReturnStatus, schedule_id: Option<&str>) -> SoapReply {
    SoapReply::ok(sap::response(ROOT, SCHEDULES_NS, |w| {
        status.write(w);
        w.leaf_opt("ScheduleId", schedule_id);
    }))
}

/// `Day/item`s → a week (weekdays left out are days off). Structure errors are faults, values "E".
fn week(day: &Element) -> Result<Result<WeekPattern, String>, SoapReply> {
    let mut items = Vec::new();
    for item in &day.children {
        if item.ns.is_some() || item.name != "item" {
            return Err(SoapReply::client_fault(format!("Ukendt element {} i Day", item.name)));
        }
        let f = text_fields(item, &["Weekday", "Hours", "StartTime", "EndTime"], &[])
            .map_err(|e| SoapReply::client_fault(e.0))?;
        items.push(f.text);
    }
    Ok((|| {
        let mut days = [DayPlan::OFF; 7];
        let mut seen = [false; 7];
        for f in &items {
            let wd = f
                .get("Weekday")
                .ok_or("Day/item skal have Weekday (1 = mandag … 7 = søndag)")?;
            let n: usize = wd
                .parse()
                .ok()
                .filter(|n| (1..=7).contains(n))
                .ok_or_else(|| format!("Weekday skal være 1-7 (modtaget: {})", sap::clip(wd)))?;
            if std::mem::replace(&mut seen[n - 1], true) {
                return Err(format!("{} er angivet flere gange", WEEKDAY_NAMES[n - 1]));
            }
            let hours = f
                .get("Hours")
                .ok_or_else(|| format!("Hours mangler for {}", WEEKDAY_NAMES[n - 1]))?;
            let hours: Decimal = hours.parse().map_err(|_| {
                format!(
                    "Hours skal være et tal med punktum, fx 7.40 (modtaget: {})",
                    sap::clip(hours)
                )
            })?;
            let time = |name: &str| f.get(name).map(|v| sap::parse_time(name, v)).transpose();
            days[n - 1] = DayPlan {
                hours,
                start: time("StartTime")?,
                end: time("EndTime")?,
            };
        }
        Ok(WeekPattern { days })
    })())
}

fn parse(root: &Element) -> Result<Result<Change, String>, SoapReply> {
    let f = text_fields(root, FIELDS, &["Day"]).map_err(|e| SoapReply::client_fault(e.0))?;
    let week = match f.groups.get("Day") {
        None => None,
        Some(day) => match week(day)? {
            Ok(w) => Some(w),
            Err(text) => return Ok(Err(text)),
        },
    };
    let t = &f.text;
    Ok((|| {
        let operation = match operation(t, &["INS", "MOD", "DEL"])? {
            0 => Operation::Ins,
            1 => Operation::Mod,
            2 => Operation::Del,
            _ => unreachable!("an index into the list"),
        };
        let pernr = personnel_number(t)?;
        let date = |n: &str| t.get(n).map(|v| sap::parse_date(n, v)).transpose();
        let change = Change {
            operation,
            pernr,
            schedule_id: t.get("ScheduleId").cloned(),
            from: date("StartDate")?,
            to: date("EndDate")?,
            kind: t.get("ScheduleType").cloned(),
            text: t.get("ScheduleText").cloned(),
            week,
        };
        match operation {
            Operation::Ins if change.from.is_none() => Err("StartDate skal angives ved INS".to_owned()),
            Operation::Ins if change.week.is_none() => Err("Day skal angive ugens timer ved INS".to_owned()),
            Operation::Mod | Operation::Del if change.schedule_id.is_none() => {
                Err("ScheduleId skal angives ved MOD og DEL".to_owned())
            }
            _ => Ok(change),
        }
    })())
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    run_set(
        services,
        call,
        InterfaceId::Moedetidsplaner,
        "SetWorkSchedule",
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

fn day_before(d: Date) -> Date {
    d.checked_sub(1.day()).unwrap_or(d)
}

fn day_after(d: Date) -> Date {
    d.checked_add(1.day()).unwrap_or(d)
}

fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string().to_uppercase()
}

fn summary(s: &WorkSchedule) -> serde_json::Value {
    json!({
        "valid_from": s.valid_from.to_string(),
        "valid_to": s.valid_to.to_string(),
        "kind": s.kind,
        "weekly_hours": sap::decimal_text(s.pattern.weekly_hours()),
    })
}

/// A schedule's own rules, and a start no earlier than the HR data's first day (1900-01-01).
fn check(s: &WorkSchedule) -> Result<(), String> {
    if s.valid_from < OPEN_START {
        return Err(format!(
            "StartDate må tidligst være {OPEN_START} (modtaget: {})",
            s.valid_from
        ));
    }
    s.validate().map_err(|e| e.0)
}

type Outcome = (ReturnStatus, Option<String>);

/// Checks and writes one change inside the write; the answer (E without writing anything).
async fn apply(
    tx: &mut Tx,
    k: Kommunekode,
    actor: &str,
    system_id: &str,
    c: Change,
) -> snitflade_store::Result<Outcome> {
    let pernr = c.pernr;
    let Some(data) = TimeData::load(tx, k, pernr).await? else {
        return Ok((ReturnStatus::error(unknown(pernr, k)), None));
    };
    if let Some(text) = refusal(&data) {
        return Ok((ReturnStatus::error(text), None));
    }
    let now = snitflade_store::now_text();
    let current = &data.stored_schedules;
    let mut delimited = Vec::new();
    let target = match &c.schedule_id {
        Some(id) if c.operation != Operation::Ins => match current.iter().find(|s| &s.schedule_id == id) {
            Some(t) => Some(t.clone()),
            None => {
                let text = format!("Medarbejderen har ingen mødetidsplan med ScheduleId {}", sap::clip(id));
                return Ok((ReturnStatus::error(text), None));
            }
        },
        _ => None,
    };
    let (schedule_id, before, after) = match c.operation {
        Operation::Del => {
            let t = target.expect("a target");
            close_schedule(tx, &t.id, &now).await?;
            delimited = restore_predecessor(tx, k, pernr, current, &t, actor, &now).await?;
            (t.schedule_id, Some(t.schedule), None)
        }
        Operation::Ins => {
            let new = WorkSchedule {
                valid_from: c.from.expect("checked"),
                valid_to: c.to.unwrap_or(OPEN_END),
                kind: c.kind.clone().unwrap_or_else(|| "DAG".to_owned()),
                text: c.text.clone().unwrap_or_default(),
                pattern: c.week.expect("checked"),
            };
            if let Err(text) = check(&new) {
                return Ok((ReturnStatus::error(text), None));
            }
            delimited = delimit(tx, k, pernr, current, &new, actor, &now).await?;
            let id = new_id();
            insert_schedule(tx, k, pernr, &id, &new, actor, &now).await?;
            (id, None, Some(new))
        }
        Operation::Mod => {
            let t = target.expect("a target");
            let old = &t.schedule;
            let new = WorkSchedule {
                valid_from: c.from.unwrap_or(old.valid_from),
                valid_to: c.to.unwrap_or(old.valid_to),
                kind: c.kind.clone().unwrap_or_else(|| old.kind.clone()),
                text: c.text.clone().unwrap_or_else(|| old.text.clone()),
                pattern: c.week.unwrap_or(old.pattern),
            };
            if let Err(text) = check(&new) {
                return Ok((ReturnStatus::error(text), None));
            }
            if let Some(other) = current.iter().find(|s| {
                s.id != t.id && s.schedule.valid_from <= new.valid_to && s.schedule.valid_to >= new.valid_from
            }) {
                let text = format!(
                    "Perioden overlapper mødetidsplan {} ({}–{}); ret eller slet den først",
                    other.schedule_id, other.schedule.valid_from, other.schedule.valid_to
                );
                return Ok((ReturnStatus::error(text), None));
            }
            close_schedule(tx, &t.id, &now).await?;
            insert_schedule(tx, k, pernr, &t.schedule_id, &new, actor, &now).await?;
            (t.schedule_id, Some(t.schedule), Some(new))
        }
    };
    hr_derived::sync_schedule_records(tx, k, pernr, actor, &now).await?;
    hr_derived::sync_absence_records(tx, k, pernr, actor, &now).await?;
    // What the registered absences cost now, against the quotas.
    let overdrafts = match TimeData::load(tx, k, pernr).await? {
        Some(now) => overdraw::overdrafts(&data.current_quota_input(), &now.current_quota_input()),
        None => Vec::new(),
    };
    let (action, event, verb) = match c.operation {
        Operation::Ins => ("schedule.insert", EVENT_CREATED, "oprettet"),
        Operation::Mod => ("schedule.change", EVENT_CHANGED, "ændret"),
        Operation::Del => ("schedule.delete", EVENT_DELETED, "slettet"),
    };
    let mut detail = json!({
        "system_id": system_id,
        "schedule_id": schedule_id,
        "before": before.as_ref().map(summary),
        "after": after.as_ref().map(summary),
        "overdrawn": overdrafts
            .iter()
            .map(|o| json!({"quota": o.key.describe(), "days": sap::decimal_text(o.days)}))
            .collect::<Vec<_>>(),
    });
    detail[neighbours_key(c.operation)] = delimited.iter().map(Delimited::detail).collect();
    let entry = NewAudit {
        actor,
        interface: InterfaceId::Moedetidsplaner.as_str(),
        action,
        municipality: k,
        pernr: Some(pernr),
        detail,
    };
    hr::insert_audit(tx, &entry, &now).await?;
    let shown = after.as_ref().or(before.as_ref()).expect("a schedule");
    // Made room for (INS): the neighbours' events first; restored (DEL): the deletion first. So a consumer never
    // sees two schedules over one day.
    if c.operation != Operation::Del {
        for d in &delimited {
            tx.emit(schedule_event(d.event, k, pernr, &d.schedule_id, &d.schedule));
        }
    }
    tx.emit(schedule_event(event, k, pernr, &schedule_id, shown));
    if c.operation == Operation::Del {
        for d in &delimited {
            tx.emit(schedule_event(d.event, k, pernr, &d.schedule_id, &d.schedule));
        }
    }
    let cause = json!({"work_schedule": schedule_id, "operation": action});
    for o in &overdrafts {
        tx.emit(overdraw::event(
            InterfaceId::Moedetidsplaner,
            k,
            pernr,
            o,
            cause.clone(),
        ));
    }
    let mut text = format!(
        "Mødetidsplan {verb} ({} timer om ugen, {}–{})",
        sap::decimal_text(shown.pattern.weekly_hours()).replace('.', ","),
        shown.valid_from,
        shown.valid_to
    );
    if c.operation == Operation::Del
        && let Some(r) = delimited.iter().find(|d| d.event == EVENT_CHANGED)
    {
        text.push_str(&format!(
            "; mødetidsplan {} gælder igen til {}",
            r.schedule_id, r.schedule.valid_to
        ));
    }
    if overdrafts.is_empty() {
        Ok((ReturnStatus::success(text), Some(schedule_id)))
    } else {
        text.push_str(". ");
        text.push_str(&overdraw::warning(&overdrafts));
        Ok((ReturnStatus::warning(text), Some(schedule_id)))
    }
}

/// The outbox event of one schedule's creation, change or deletion.
fn schedule_event(kind: &'static str, k: Kommunekode, pernr: Pernr, schedule_id: &str, s: &WorkSchedule) -> NewEvent {
    let mut payload = summary(s);
    payload["pernr"] = pernr.to_string().into();
    payload["schedule_id"] = schedule_id.into();
    NewEvent {
        kind,
        interface: InterfaceId::Moedetidsplaner.as_str(),
        municipality: Some(k.to_string()),
        object_id: Some(pernr.to_string()),
        payload,
    }
}

/// The audit detail's name for the neighbours a change touched: cut to make room (INS) or restored (DEL).
fn neighbours_key(op: Operation) -> &'static str {
    if op == Operation::Del { "restored" } else { "delimited" }
}

/// DEL restores the predecessor's validity, as SAP does for infotype 0007 (time constraint 1): the schedule that
/// ends the day before the deleted one starts (the one an INS of it delimited, typically) continues over the
/// deleted period, to its end; and when the schedule after that period is the same week (the rest of a schedule
/// the INS split), the two are joined again under the predecessor's id. Without a predecessor the period falls
/// back to the standard week. Returns what happened to each, for the outbox.
async fn restore_predecessor(
    tx: &mut Tx,
    k: Kommunekode,
    pernr: Pernr,
    current: &[StoredSchedule],
    deleted: &StoredSchedule,
    actor: &str,
    now: &str,
) -> snitflade_store::Result<Vec<Delimited>> {
    let gone = &deleted.schedule;
    let Some(pred) = current.iter().find(|s| {
        s.id != deleted.id && s.schedule.valid_to < gone.valid_from && day_after(s.schedule.valid_to) == gone.valid_from
    }) else {
        return Ok(Vec::new());
    };
    let same_week = |s: &WorkSchedule| {
        s.kind == pred.schedule.kind && s.text == pred.schedule.text && s.pattern == pred.schedule.pattern
    };
    let rest = current.iter().find(|s| {
        s.id != deleted.id
            && gone.valid_to < s.schedule.valid_from
            && day_after(gone.valid_to) == s.schedule.valid_from
            && same_week(&s.schedule)
    });
    let mut done = Vec::new();
    let mut valid_to = gone.valid_to;
    if let Some(r) = rest {
        close_schedule(tx, &r.id, now).await?;
        valid_to = r.schedule.valid_to;
        done.push(Delimited {
            event: EVENT_DELETED,
            schedule_id: r.schedule_id.clone(),
            schedule: r.schedule.clone(),
        });
    }
    let restored = WorkSchedule {
        valid_to,
        ..pred.schedule.clone()
    };
    close_schedule(tx, &pred.id, now).await?;
    insert_schedule(tx, k, pernr, &pred.schedule_id, &restored, actor, now).await?;
    done.insert(
        0,
        Delimited {
            event: EVENT_CHANGED,
            schedule_id: pred.schedule_id.clone(),
            schedule: restored,
        },
    );
    Ok(done)
}

/// What making room for a new schedule did to an existing one: shortened it (changed), registered its part
/// after the new period under a new id (created), or removed it (deleted, when wholly covered).
struct Delimited {
    event: &'static str,
    schedule_id: String,
    schedule: WorkSchedule,
}

impl Delimited {
    fn detail(&self) -> serde_json::Value {
        let mut v = summary(&self.schedule);
        v["schedule_id"] = self.schedule_id.clone().into();
        v["event"] = self.event.into();
        v
    }
}

/// Makes room for `new`: every current schedule overlapping it is closed, and the parts before and after the new
/// period are registered again (before under the same id, after under a new one unless there is no part
/// before). Returns what happened to each, for the outbox.
async fn delimit(
    tx: &mut Tx,
    k: Kommunekode,
    pernr: Pernr,
    current: &[StoredSchedule],
    new: &WorkSchedule,
    actor: &str,
    now: &str,
) -> snitflade_store::Result<Vec<Delimited>> {
    let mut done = Vec::new();
    for s in current {
        let old = &s.schedule;
        if old.valid_from > new.valid_to || old.valid_to < new.valid_from {
            continue;
        }
        close_schedule(tx, &s.id, now).await?;
        let mut keep_id = Some(s.schedule_id.clone());
        if old.valid_from < new.valid_from {
            let part = WorkSchedule {
                valid_to: day_before(new.valid_from),
                ..old.clone()
            };
            let id = keep_id.take().expect("the id");
            insert_schedule(tx, k, pernr, &id, &part, actor, now).await?;
            done.push(Delimited {
                event: EVENT_CHANGED,
                schedule_id: id,
                schedule: part,
            });
        }
        if old.valid_to > new.valid_to {
            let part = WorkSchedule {
                valid_from: day_after(new.valid_to),
                ..old.clone()
            };
            let (event, id) = match keep_id.take() {
                Some(id) => (EVENT_CHANGED, id),
                None => (EVENT_CREATED, new_id()),
            };
            insert_schedule(tx, k, pernr, &id, &part, actor, now).await?;
            done.push(Delimited {
                event,
                schedule_id: id,
                schedule: part,
            });
        }
        if let Some(id) = keep_id {
            done.push(Delimited {
                event: EVENT_DELETED,
                schedule_id: id,
                schedule: old.clone(),
            });
        }
    }
    Ok(done)
}
