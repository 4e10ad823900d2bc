//! `GetAbsenceAttendanceByPeriod`: the current absences touching a period, of one employee or of the whole
//! municipality, each with days, hours and calendar days computed now from the employee's work schedules (so a
//! schedule change shows at once) and the child, maternity case, reason or work accident it is linked to.

use super::{Request, VACAB_NS};
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use jiff::civil::{Date, date};
use serde_json::json;
use snitflade_domain::absence::{AbsenceType, Attachment, REASONS};
use snitflade_domain::hr::{Child, MaternityCase, OPEN_END, WorkAccidentCase};
use snitflade_domain::schedule::{Schedules, cost};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::{Element, XmlWriter};
use snitflade_store::StoreError;
use snitflade_store::absence::{StoredAbsence, absences_in, catalogue};
use snitflade_store::{hr, schedules};
use std::collections::{BTreeSet, HashMap};

const FIELDS: &[&str] = &["VendorUUID", "StartDate", "EndDate", "PersonnelNumber"];
const ROOT: &str = "GetAbsenceAttendanceByPeriodResponse_MT";
/// Most absences in one answer.
pub const MAX_RECORDS: usize = 10_000;

/// The employee data the linked groups of an answer need, loaded for the employees that have such links.
#[derive(Default)]
struct Links {
    children: HashMap<Pernr, Vec<Child>>,
    maternity: HashMap<Pernr, Vec<MaternityCase>>,
    accidents: HashMap<Pernr, Vec<WorkAccidentCase>>,
}

fn answer(status: &ReturnStatus, rest: impl FnOnce(&mut XmlWriter)) -> SoapReply {
    SoapReply::ok(sap::response(ROOT, VACAB_NS, |w| {
        w.start("ReturnStatus").start("item");
        status.write_fields(w);
        w.end().end();
        rest(w);
    }))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let req = match Request::read(services, call, root, FIELDS) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let parsed = (|| {
        let from = req.date("StartDate")?.unwrap_or(date(call.day.year(), 1, 1));
        let to = req.date("EndDate")?.unwrap_or(OPEN_END);
        if to < from {
            return Err(format!("EndDate {to} ligger før StartDate {from}"));
        }
        Ok((from, to, req.pernr()?))
    })();
    let (from, to, pernr) = match parsed {
        Ok(p) => p,
        Err(text) => return answer(&ReturnStatus::error(text), |_| {}),
    };
    let k = req.municipality;
    match collect(services, k, from, to, pernr).await {
        Err(e) => store_failed("GetAbsenceAttendanceByPeriod", &e),
        Ok(Err(text)) => answer(&ReturnStatus::error(text), |_| {}),
        Ok(Ok(found)) => {
            let detail = json!({"from": from.to_string(), "to": to.to_string(), "count": found.absences.len()});
            if let Err(reply) = audit_read(
                services,
                call,
                InterfaceId::OpretFravaer,
                "absence.read",
                k,
                pernr,
                detail,
            )
            .await
            {
                return reply;
            }
            let text = match found.absences.len() {
                0 => format!("Intet fravær {from}–{to}"),
                n => format!("{n} fravær fundet {from}–{to}"),
            };
            answer(&ReturnStatus::success(text), |w| found.write(w))
        }
    }
}

/// What an answer holds.
struct Found {
    absences: Vec<StoredAbsence>,
    schedules: HashMap<Pernr, Schedules>,
    catalogue: Vec<AbsenceType>,
    links: Links,
}

async fn collect(
    services: &Services,
    k: Kommunekode,
    from: Date,
    to: Date,
    pernr: Option<Pernr>,
) -> Result<Result<Found, String>, StoreError> {
    let pool = services.store().pool();
    if let Some(p) = pernr
        && let Err(text) = read(services, k, p).await?
    {
        return Ok(Err(text));
    }
    let only = pernr.map(|p| vec![p]);
    let absences = absences_in(pool, k, only.as_deref(), from, to, MAX_RECORDS + 1).await?;
    if absences.len() > MAX_RECORDS {
        return Ok(Err(format!(
            "Perioden har flere end {MAX_RECORDS} fravær; afgræns perioden eller angiv PersonnelNumber"
        )));
    }
    let catalogue = catalogue(pool, k).await?;
    let employees: Vec<Pernr> = absences
        .iter()
        .map(|a| a.pernr)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut by_employee: HashMap<Pernr, Vec<_>> = HashMap::new();
    for s in schedules::schedules_of(pool, k, &employees).await? {
        by_employee.entry(s.pernr).or_default().push(s.schedule);
    }
    let schedules = employees
        .iter()
        .map(|p| (*p, Schedules::new(by_employee.remove(p).unwrap_or_default())))
        .collect();
    let mut links = Links::default();
    for a in &absences {
        let Some(ty) = catalogue.iter().find(|t| t.code == a.absence.type_code) else {
            continue;
        };
        if a.absence.additional.is_empty() {
            continue;
        }
        let p = a.pernr;
        match ty.attachment {
            Attachment::Child { .. } if !links.children.contains_key(&p) => {
                links.children.insert(p, hr::children(pool, k, p).await?);
            }
            Attachment::MaternityCase {} if !links.maternity.contains_key(&p) => {
                links.maternity.insert(p, hr::maternity_cases(pool, k, p).await?);
            }
            Attachment::WorkAccident { .. } if !links.accidents.contains_key(&p) => {
                links.accidents.insert(p, hr::work_accident_cases(pool, k, p).await?);
            }
            _ => {}
        }
    }
    Ok(Ok(Found {
        absences,
        schedules,
        catalogue,
        links,
    }))
}

impl Found {
    fn write(&self, w: &mut XmlWriter) {
        if self.absences.is_empty() {
            return;
        }
        w.start("AbsenceAttendance");
        let mut seen: HashMap<(Pernr, &str, Date, Date), u32> = HashMap::new();
        for stored in &self.absences {
            let a = &stored.absence;
            let p = &a.period;
            let n = seen
                .entry((stored.pernr, a.type_code.as_str(), p.start, p.end))
                .or_insert(0);
            let record = format!("{:03}", *n);
            *n += 1;
            let pernr = stored.pernr.to_string();
            let c = cost(p, &self.schedules[&stored.pernr]);
            let ty = self.catalogue.iter().find(|t| t.code == a.type_code);
            w.start("item").start("Key");
            w.leaf("PersonnelNumber", &pernr)
                .leaf("AbsenceAttendanceType", &a.type_code)
                .leaf("ObjectId", &a.object_id)
                .leaf("LockIndicator", "")
                .leaf("EndDate", &sap::date_text(p.end))
                .leaf("StartDate", &sap::date_text(p.start))
                .leaf("RecordNumber", &record);
            w.end().start("Item");
            let midnight = sap::time_text(jiff::civil::Time::midnight());
            w.leaf("PersonnelNumber", &pernr)
                .leaf("StartDate", &sap::date_text(p.start))
                .leaf("EndDate", &sap::date_text(p.end))
                .leaf(
                    "StartTime",
                    &p.start_time.map_or_else(|| midnight.clone(), sap::time_text),
                )
                .leaf("EndTime", &p.end_time.map_or_else(|| midnight.clone(), sap::time_text))
                .leaf("AbsenceAttendanceType", &a.type_code)
                .leaf(
                    "AbsenceAttendanceTypeText",
                    ty.map_or(a.type_code.as_str(), |t| t.text.as_str()),
                )
                .leaf("AbsenceAttendanceDays", &sap::decimal_text(c.days))
                .leaf("AbsenceAttendanceHours", &sap::decimal_text(c.hours))
                .leaf("AbsenceAttendanceCalendarDays", &c.calendar_days.to_string());
            if let Some(ty) = ty {
                self.write_links(w, stored, ty);
            }
            w.end().end(); // Item, item
        }
        w.end();
    }

    /// Maternity, Reason, WorkInjury, CompLeave — whichever the type links to, in the XSD's order.
    fn write_links(&self, w: &mut XmlWriter, stored: &StoredAbsence, ty: &AbsenceType) {
        let extra = stored.absence.additional.as_str();
        if extra.is_empty() {
            return;
        }
        let p = stored.pernr;
        let date_opt = |d: Option<Date>| d.map(sap::date_text).unwrap_or_default();
        match ty.attachment {
            Attachment::MaternityCase {} => {
                if let Some(c) = self
                    .links
                    .maternity
                    .get(&p)
                    .and_then(|v| v.iter().find(|c| c.case_key == extra))
                {
                    w.start("Maternity").start("Item");
                    w.leaf("MaternityCaseKey", &c.case_key)
                        .leaf("StartDate", &sap::date_text(c.valid_start))
                        .leaf("EndDate", &sap::date_text(c.valid_end))
                        .leaf("NotificationDate", &date_opt(c.notification_date))
                        .leaf("ExpectedDeliveryDate", &date_opt(c.expected_delivery))
                        .leaf("ActualDeliveryDate", &date_opt(c.actual_delivery))
                        .leaf("AuthorityReportDate", &date_opt(c.authority_report_date))
                        .leaf("MaternityType", &c.maternity_type)
                        .leaf("MaternityTypeText", &c.maternity_type_text);
                    w.end().end();
                }
            }
            Attachment::Reason { .. } => {
                if let Some(r) = REASONS.iter().find(|r| r.code == extra) {
                    w.start("Reason").start("Item");
                    w.leaf("ReasonCode", r.code).leaf("ReasonCodeText", r.text);
                    w.end().end();
                }
            }
            Attachment::WorkAccident { .. } => {
                if let Some(c) = self
                    .links
                    .accidents
                    .get(&p)
                    .and_then(|v| v.iter().find(|c| c.accident_number == extra))
                {
                    w.start("WorkInjury").start("Item");
                    w.leaf("AccidentNumber", &c.accident_number)
                        .leaf("AccidentDate", &sap::date_text(c.accident_date));
                    w.end().end();
                }
            }
            Attachment::Child { .. } => {
                if let Some(c) = self
                    .links
                    .children
                    .get(&p)
                    .and_then(|v| v.iter().find(|c| c.child_number == extra))
                {
                    w.start("CompLeave").start("Item");
                    w.leaf("ChildNumber", &c.child_number)
                        .leaf("ChildCPRNumber", c.cpr.expose());
                    w.end().end();
                }
            }
            Attachment::None {} => {}
        }
    }
}
