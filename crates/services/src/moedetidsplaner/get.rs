//! `GetWorkSchedule`: an employee's current schedules overlapping a period (open-ended when not given), oldest
//! first, each with its weekly hours and all seven weekdays (days off with 0.00 hours and no times).

use super::SCHEDULES_NS;
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus, decimal_text};
use crate::set_flow::employee_period;
use serde_json::json;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;
use snitflade_store::schedules::StoredSchedule;

const ROOT: &str = "GetWorkScheduleResponse_MT";

fn answer(status: &ReturnStatus, found: &[StoredSchedule]) -> SoapReply {
    SoapReply::ok(sap::response(ROOT, SCHEDULES_NS, |w| {
        status.write(w);
        if found.is_empty() {
            return;
        }
        w.start("WorkSchedule");
        for s in found {
            let sc = &s.schedule;
            w.start("item")
                .leaf("ScheduleId", &s.schedule_id)
                .leaf("PersonnelNumber", &s.pernr.to_string())
                .leaf("StartDate", &sap::date_text(sc.valid_from))
                .leaf("EndDate", &sap::date_text(sc.valid_to))
                .leaf("ScheduleType", &sc.kind)
                .leaf("ScheduleText", &sc.text)
                .leaf("WeeklyHours", &decimal_text(sc.pattern.weekly_hours()))
                .start("Day");
            for (i, d) in sc.pattern.days.iter().enumerate() {
                w.start("item")
                    .leaf("Weekday", &(i + 1).to_string())
                    .leaf("Hours", &decimal_text(d.hours))
                    .leaf_opt("StartTime", d.start.map(sap::time_text).as_deref())
                    .leaf_opt("EndTime", d.end.map(sap::time_text).as_deref())
                    .end();
            }
            w.end().end();
        }
        w.end();
    }))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let parsed = match employee_period(root) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let k = match call.municipality(services, InterfaceId::Moedetidsplaner, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let (pernr, from, to) = match parsed {
        Ok(p) => p,
        Err(text) => return answer(&ReturnStatus::error(text), &[]),
    };
    let data = match read(services, k, pernr).await {
        Err(e) => return store_failed("GetWorkSchedule", &e),
        Ok(Err(text)) => return answer(&ReturnStatus::error(text), &[]),
        Ok(Ok(d)) => d,
    };
    let found: Vec<StoredSchedule> = data
        .stored_schedules
        .into_iter()
        .filter(|s| s.schedule.valid_from <= to && s.schedule.valid_to >= from)
        .collect();
    let detail = json!({"count": found.len()});
    if let Err(reply) = audit_read(
        services,
        call,
        InterfaceId::Moedetidsplaner,
        "schedule.read",
        k,
        Some(pernr),
        detail,
    )
    .await
    {
        return reply;
    }
    let status = if found.is_empty() {
        ReturnStatus::success("Ingen mødetidsplan i perioden; standardugen på 37 timer (mandag-fredag 7,40) gælder")
    } else {
        ReturnStatus::success(format!("{} mødetidsplan(er) fundet", found.len()))
    };
    answer(&status, &found)
}
