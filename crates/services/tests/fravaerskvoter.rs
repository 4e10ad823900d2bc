//! Hent fraværskvoter and Mødetidsplaner in process: quotas that match hand-computed values for employees of
//! different ages and children, accrual and usage details, the request rules; schedules created, delimited,
//! changed, deleted, and deciding what an absence costs (FVNV hours, quota hours).

mod common;

use common::{grant, system};
use jiff::civil::date;
use snitflade_domain::absence::Absence;
use snitflade_domain::hr::{Category, Child, Employment, EmploymentStatus};
use snitflade_domain::schedule::AbsencePeriod;
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig, SoapReply, find_service};
use snitflade_soap::{Element, Limits, parse_envelope};
use snitflade_store::hr::{self, RegistrationFilter};
use snitflade_store::{absence, hr_derived};
use tempfile::TempDir;

const QUOTAS: &str = "urn:snitflade:opus:fravaerskvoter:1";
const SCHEDULES: &str = "urn:snitflade:opus:moedetidsplaner:1";

fn k() -> Kommunekode {
    Kommunekode::parse("0340").unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

fn absence(id: &str, code: &str, start: jiff::civil::Date, end: jiff::civil::Date, extra: &str) -> Absence {
    Absence {
        object_id: id.into(),
        type_code: code.into(),
        period: AbsencePeriod {
            start,
            end,
            start_time: None,
            end_time: None,
        },
        additional: extra.into(),
        registered_by: "t".into(),
    }
}

/// 301: born 1965 (61 in 2026: 3 senior days), since 2015, child 01 born 2019 (2 care days in 2026) and 02
/// born 2016 (none); a week's holiday in July 2026, a care day for 01 in March, a 6th-week day in October and a
/// sick day on 24 November. 302: born 1964 (62: 4 senior days). System `d` has both interfaces, `none` nothing.
async fn fixture() -> (TempDir, Services) {
    let (dir, store) = common::store(&[("0340", "Sorø Kommune", "29188629")], &["d", "none"]).await;
    store
        .write(|c| {
            Box::pin(async move {
                for (n, cpr) in [(301, "0106651234"), (302, "0106641234")] {
                    let e = Employment {
                        municipality: k(),
                        pernr: p(n),
                        cpr: Cpr::parse(cpr).unwrap(),
                        ekstraciffer: 0,
                        first_name: "A".into(),
                        last_name: "B".into(),
                        org_unit: None,
                        entry_date: Some(date(2015, 1, 1)),
                        leave_date: None,
                        is_manager: false,
                        status: EmploymentStatus::Active,
                        replaced_by: None,
                    };
                    hr::upsert_employment(c, &e, None).await?;
                }
                for (n, cpr) in [("01", "1410194321"), ("02", "0204161234")] {
                    let child = Child {
                        child_number: n.into(),
                        cpr: Cpr::parse(cpr).unwrap(),
                        first_name: "C".into(),
                        last_name: "B".into(),
                    };
                    hr::insert_child(c, k(), p(301), &child).await?;
                }
                let now = "2026-11-01T00:00:00.000000Z";
                for a in [
                    absence("A", "FE", date(2026, 7, 6), date(2026, 7, 10), ""),
                    absence("B", "OS", date(2026, 3, 2), date(2026, 3, 2), "01"),
                    absence("C", "6F", date(2026, 10, 5), date(2026, 10, 5), ""),
                    absence("D", "SY", date(2026, 11, 24), date(2026, 11, 24), ""),
                ] {
                    absence::insert_absence(c, k(), p(301), &a, now).await?;
                }
                hr_derived::sync_absence_records(c, k(), p(301), "t", now).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("d", InterfaceId::Fravaerskvoter, "0340"),
        grant("d", InterfaceId::Moedetidsplaner, "0340"),
    ];
    (dir, common::services(store, grants, ServicesConfig::default()))
}

async fn call(s: &Services, who: &str, service: &str, ns: &str, body: &str) -> SoapReply {
    let root = service.replace("_OS_SI", "Request_MT");
    let xml = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ns0:{root} xmlns:ns0=\"{ns}\">\
         {body}</ns0:{root}></s:Body></s:Envelope>"
    );
    s.handle(find_service(service).unwrap(), &system(who), None, xml.as_bytes())
        .await
}

fn payload(reply: &SoapReply) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    parse_envelope(reply.body.as_bytes(), &Limits::default())
        .unwrap()
        .payload
}

fn status(e: &Element) -> (String, String) {
    let rs = e.child("ReturnStatus").unwrap();
    (
        rs.child_text("StatusType").unwrap_or_default().to_owned(),
        rs.child_text("MessageText").unwrap_or_default().to_owned(),
    )
}

/// The quota items of an answer, by (pernr, type, child, period start).
fn quotas(e: &Element) -> Vec<(String, String, String, String, Element)> {
    e.child("Quota")
        .map(|q| {
            q.children
                .iter()
                .map(|i| {
                    let t = |n: &str| i.child_text(n).unwrap_or_default().to_owned();
                    (
                        t("PersonnelNumber"),
                        t("QuotaType"),
                        t("ChildNumber"),
                        t("PeriodStartDate"),
                        i.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn field<'a>(
    items: &'a [(String, String, String, String, Element)],
    key: (&str, &str, &str, &str),
    name: &str,
) -> &'a str {
    let item = items
        .iter()
        .find(|i| (i.0.as_str(), i.1.as_str(), i.2.as_str(), i.3.as_str()) == key)
        .unwrap_or_else(|| panic!("{key:?} missing"));
    item.4.child_text(name).unwrap()
}

async fn quotas_of(s: &Services, body: &str) -> (String, Vec<(String, String, String, String, Element)>) {
    let e = payload(&call(s, "d", "GetAbsenceQuotas_OS_SI", QUOTAS, body).await);
    (status(&e).0, quotas(&e))
}

#[tokio::test]
async fn quotas_match_hand_computed_values() {
    let (_dir, s) = fixture().await;
    let (st, q) = quotas_of(
        &s,
        "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>301</PersonnelNumber><PersonnelNumber>302</PersonnelNumber>",
    )
    .await;
    assert_eq!(st, "S");
    let a = "00000301";
    // Holiday 2025/26: 12 × 2.08 = 24.96 earned, 5 used in July → 19.96 left = 147.70 hours at 7.40 a day.
    let fe25 = (a, "FE", "", "2025-09-01");
    assert_eq!(field(&q, fe25, "Accrued"), "24.96");
    assert_eq!(field(&q, fe25, "Used"), "5.00");
    assert_eq!(field(&q, fe25, "UsedHours"), "37.00");
    assert_eq!(field(&q, fe25, "Remaining"), "19.96");
    assert_eq!(field(&q, fe25, "RemainingHours"), "147.70");
    assert_eq!(field(&q, fe25, "DeductionEndDate"), "2026-12-31");
    // Holiday 2026/27 by 22 November: September and October.
    assert_eq!(field(&q, (a, "FE", "", "2026-09-01"), "Accrued"), "4.16");
    assert_eq!(field(&q, (a, "FE", "", "2026-09-01"), "Entitlement"), "24.96");
    // 6th week 2025/26: 5 earned, the October day taken from it.
    assert_eq!(field(&q, (a, "6F", "", "2025-09-01"), "Remaining"), "4.00");
    assert_eq!(field(&q, (a, "6F", "", "2026-09-01"), "Accrued"), "0.83");
    // Care days: child 01 (turns 7 in 2026) 2 − 1; child 02 (10) none.
    assert_eq!(field(&q, (a, "OS", "01", "2026-01-01"), "Remaining"), "1.00");
    assert!(
        !q.iter().any(|i| i.1 == "OS" && i.2 == "02"),
        "no care days for a 10-year-old"
    );
    // Senior days: 3 at 61, 4 at 62.
    assert_eq!(field(&q, (a, "SO", "", "2026-01-01"), "Entitlement"), "3.00");
    assert_eq!(field(&q, ("00000302", "SO", "", "2026-01-01"), "Remaining"), "4.00");
    // The same employee a year earlier: 60 in 2025, 2 senior days.
    let (_, q) = quotas_of(
        &s,
        "<KeyDate>2025-06-01</KeyDate><PersonnelNumber>301</PersonnelNumber>",
    )
    .await;
    assert_eq!(field(&q, (a, "SO", "", "2025-01-01"), "Entitlement"), "2.00");
}

#[tokio::test]
async fn details_and_request_rules() {
    let (_dir, s) = fixture().await;
    let e = payload(
        &call(
            &s,
            "d",
            "GetAbsenceQuotaDetails_OS_SI",
            QUOTAS,
            "<PersonnelNumber>301</PersonnelNumber><KeyDate>2026-11-22</KeyDate><QuotaType>FE</QuotaType>",
        )
        .await,
    );
    assert_eq!(status(&e).0, "S");
    let items = e.child("Quota").unwrap();
    assert!(items.children.iter().all(|i| i.child_text("QuotaType") == Some("FE")));
    let y2025 = &items.children[0];
    let accruals = &y2025.child("Accrual").unwrap().children;
    assert_eq!(accruals.len(), 12);
    let sum: rust_decimal::Decimal = accruals
        .iter()
        .map(|a| a.child_text("Days").unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(sum.to_string(), y2025.child_text("Accrued").unwrap());
    let usage = &y2025.child("Usage").unwrap().children;
    assert_eq!(usage[0].child_text("ObjectId"), Some("A"));
    assert_eq!(usage[0].child_text("Hours"), Some("37.00"));
    for (body, want) in [
        (
            "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>301</PersonnelNumber><PersonnelNumber>999</PersonnelNumber>",
            "findes ikke",
        ),
        (
            "<PersonnelNumber>301</PersonnelNumber><PersonnelNumber>00000301</PersonnelNumber>",
            "flere gange",
        ),
        (
            "<KeyDate>22-11-2026</KeyDate><PersonnelNumber>301</PersonnelNumber>",
            "åååå-mm-dd",
        ),
    ] {
        let e = payload(&call(&s, "d", "GetAbsenceQuotas_OS_SI", QUOTAS, body).await);
        let (st, text) = status(&e);
        assert_eq!(st, "E", "{body}");
        assert!(text.contains(want), "{text}");
        assert!(e.child("Quota").is_none(), "all or nothing");
    }
    let too_many: String = (1..=501)
        .map(|n| format!("<PersonnelNumber>{n}</PersonnelNumber>"))
        .collect();
    let e = payload(&call(&s, "d", "GetAbsenceQuotas_OS_SI", QUOTAS, &too_many).await);
    assert!(status(&e).1.contains("Højst 500"));
    let e = payload(
        &call(
            &s,
            "d",
            "GetAbsenceQuotaDetails_OS_SI",
            QUOTAS,
            "<PersonnelNumber>301</PersonnelNumber><QuotaType>XX</QuotaType>",
        )
        .await,
    );
    assert!(status(&e).1.contains("FE, 6F, OS, SO"));
    let denied = call(
        &s,
        "none",
        "GetAbsenceQuotas_OS_SI",
        QUOTAS,
        "<PersonnelNumber>301</PersonnelNumber>",
    )
    .await;
    assert_eq!(denied.status, 403);
}

fn week(hours: &str, end: &str) -> String {
    (1..=5)
        .map(|d| format!("<item><Weekday>{d}</Weekday><Hours>{hours}</Hours><StartTime>08:00:00</StartTime><EndTime>{end}</EndTime></item>"))
        .collect()
}

async fn set(s: &Services, body: &str) -> (String, String, Option<String>) {
    let e = payload(&call(s, "d", "SetWorkSchedule_OS_SI", SCHEDULES, body).await);
    let (st, text) = status(&e);
    (st, text, e.child_text("ScheduleId").map(str::to_owned))
}

async fn schedules(s: &Services) -> Vec<(String, String, String, String)> {
    let e = payload(
        &call(
            s,
            "d",
            "GetWorkSchedule_OS_SI",
            SCHEDULES,
            "<PersonnelNumber>301</PersonnelNumber>",
        )
        .await,
    );
    assert_eq!(status(&e).0, "S");
    e.child("WorkSchedule")
        .map(|w| {
            w.children
                .iter()
                .map(|i| {
                    assert_eq!(i.child("Day").unwrap().children.len(), 7);
                    let t = |n: &str| i.child_text(n).unwrap_or_default().to_owned();
                    (t("ScheduleId"), t("StartDate"), t("EndDate"), t("WeeklyHours"))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn records(s: &Services, category: Category, field: &str) -> Vec<String> {
    hr::records(s.store().pool(), k(), &[p(301)], &RegistrationFilter::current())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record.category == category)
        .map(|r| r.record.get(field).unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn schedules_decide_what_absences_cost() {
    let (_dir, s) = fixture().await;
    assert!(schedules(&s).await.is_empty());
    let sick = || async { records(&s, Category::FravaerNaervaer, "FravaersNaervaerstimer").await };
    assert!(
        sick().await.contains(&"7.40".to_owned()),
        "standard week before any schedule"
    );

    let body = format!(
        "<Operation>INS</Operation><PersonnelNumber>301</PersonnelNumber><StartDate>2026-11-01</StartDate>\
         <ScheduleType>DEL</ScheduleType><ScheduleText>Deltid</ScheduleText><Day>{}</Day>",
        week("6.00", "14:00:00")
    );
    let (st, text, id) = set(&s, &body).await;
    assert_eq!(st, "S", "{text}");
    let first = id.unwrap();
    assert_eq!(
        schedules(&s).await,
        [(first.clone(), "2026-11-01".into(), "9999-12-31".into(), "30.00".into())]
    );
    // The sick day of 24 November now costs 6 hours; MTP shows 30 hours; the quota hours follow.
    assert!(sick().await.contains(&"6.00".to_owned()), "{:?}", sick().await);
    assert_eq!(records(&s, Category::Moedetidsplan, "Arbejdstid").await, ["30.00"]);
    let (_, q) = quotas_of(
        &s,
        "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>301</PersonnelNumber>",
    )
    .await;
    assert_eq!(
        field(&q, ("00000301", "FE", "", "2025-09-01"), "RemainingHours"),
        "119.76"
    );

    // A new schedule from 2027 delimits the first one.
    let body = format!(
        "<Operation>INS</Operation><PersonnelNumber>301</PersonnelNumber><StartDate>2027-01-01</StartDate><Day>{}</Day>",
        week("7.40", "15:24:00")
    );
    let (st, _, second) = set(&s, &body).await;
    assert_eq!(st, "S");
    let second = second.unwrap();
    let now = schedules(&s).await;
    assert_eq!(now.len(), 2);
    assert_eq!((now[0].0.as_str(), now[0].2.as_str()), (first.as_str(), "2026-12-31"));
    assert_eq!(now[1].0, second);
    // MOD into the other's period is refused; a valid MOD and a DEL go through.
    let (st, text, _) = set(&s, &format!("<Operation>MOD</Operation><PersonnelNumber>301</PersonnelNumber><ScheduleId>{first}</ScheduleId><EndDate>2027-02-01</EndDate>")).await;
    assert_eq!(st, "E");
    assert!(text.contains("overlapper"), "{text}");
    let (st, _, _) = set(&s, &format!("<Operation>MOD</Operation><PersonnelNumber>301</PersonnelNumber><ScheduleId>{first}</ScheduleId><ScheduleText>Deltid ny</ScheduleText>")).await;
    assert_eq!(st, "S");
    let (st, _, _) = set(
        &s,
        &format!("<Operation>DEL</Operation><PersonnelNumber>301</PersonnelNumber><ScheduleId>{second}</ScheduleId>"),
    )
    .await;
    assert_eq!(st, "S");
    assert_eq!(schedules(&s).await.len(), 1);
    // Values the rules refuse.
    for (body, want) in [
        (format!("<Operation>INS</Operation><PersonnelNumber>301</PersonnelNumber><StartDate>2027-01-01</StartDate><Day>{}</Day>", week("25", "15:00:00")), "mellem 0 og 24"),
        ("<Operation>INS</Operation><PersonnelNumber>301</PersonnelNumber><Day/>".to_owned(), "StartDate skal angives"),
        ("<Operation>MOD</Operation><PersonnelNumber>301</PersonnelNumber><ScheduleId>NOPE</ScheduleId>".to_owned(), "ingen mødetidsplan"),
        ("<Operation>DEL</Operation><PersonnelNumber>999</PersonnelNumber><ScheduleId>X</ScheduleId>".to_owned(), "findes ikke"),
        ("<Operation>INS</Operation><PersonnelNumber>301</PersonnelNumber><StartDate>2027-01-01</StartDate><Day><item><Weekday>8</Weekday><Hours>1</Hours></item></Day>".to_owned(), "Weekday skal være 1-7"),
    ] {
        let (st, text, _) = set(&s, &body).await;
        assert_eq!(st, "E", "{body}");
        assert!(text.contains(want), "{text}");
    }
    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "work_schedule.created",
            "work_schedule.created",
            "work_schedule.changed",
            "work_schedule.deleted"
        ]
    );
}
