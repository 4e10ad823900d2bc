//! Mødetidsplaner in process: schedules created, delimited around a new one, changed, deleted and read; the
//! request rules; and the schedule deciding what an absence costs (FVNV hours, MTP weekly hours, quota hours),
//! with an audit entry and an outbox event per change.

mod common;

use common::grant;
use common::sap::{call_as, payload, status};
use common::schema::check_schema;
use jiff::civil::date;
use snitflade_domain::absence::Absence;
use snitflade_domain::hr::{Category, Employment, EmploymentStatus};
use snitflade_domain::schedule::AbsencePeriod;
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig};
use snitflade_soap::Element;
use snitflade_store::hr::{self, RegistrationFilter};
use snitflade_store::testing::TestDb;
use snitflade_store::{absence, hr_derived};
use tempfile::TempDir;

const SCHEDULES: &str = "urn:snitflade:opus:moedetidsplaner:1";
const QUOTAS: &str = "urn:snitflade:opus:fravaerskvoter:1";

fn k() -> Kommunekode {
    Kommunekode::parse("0340").unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

/// 401 in 0340, employed since 2015, with a week's holiday in July 2026 (A) and a sick day on Tuesday
/// 24 November 2026 (D), registered under the standard week. System `d` has both interfaces in 0340, `none`
/// nothing.
async fn fixture() -> (TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let s = fixture_at(&snitflade_store::db::sqlite_url_in(dir.path())).await;
    (dir, s)
}

/// [`fixture`] on the empty database at `url`; `d` may also register absences (Opret fravær).
async fn fixture_at(url: &str) -> Services {
    let store = common::store_at(url, &[("0340", "Sorø Kommune", "29188629")], &["d", "none"]).await;
    store
        .write(|c| {
            Box::pin(async move {
                let e = Employment {
                    municipality: k(),
                    pernr: p(401),
                    cpr: Cpr::parse("0101701234").unwrap(),
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
                let now = "2026-11-01T00:00:00.000000Z";
                for (id, code, start, end) in [
                    ("A", "FE", date(2026, 7, 6), date(2026, 7, 10)),
                    ("D", "SY", date(2026, 11, 24), date(2026, 11, 24)),
                ] {
                    let a = Absence {
                        object_id: id.into(),
                        type_code: code.into(),
                        period: AbsencePeriod {
                            start,
                            end,
                            start_time: None,
                            end_time: None,
                        },
                        additional: String::new(),
                        registered_by: "t".into(),
                    };
                    absence::insert_absence(c, k(), p(401), &a, now).await?;
                }
                hr_derived::sync_absence_records(c, k(), p(401), "t", now).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("d", InterfaceId::Fravaerskvoter, "0340"),
        grant("d", InterfaceId::Moedetidsplaner, "0340"),
        grant("d", InterfaceId::OpretFravaer, "0340"),
    ];
    common::services(store, grants, ServicesConfig::default())
}

/// Monday–Friday `hours` a day from 08:00 to `end`.
fn week(hours: &str, end: &str) -> String {
    (1..=5)
        .map(|d| {
            format!(
                "<item><Weekday>{d}</Weekday><Hours>{hours}</Hours><StartTime>08:00:00</StartTime>\
                 <EndTime>{end}</EndTime></item>"
            )
        })
        .collect()
}

fn ins(from: &str, to: Option<&str>, days: &str) -> String {
    let to = to.map(|t| format!("<EndDate>{t}</EndDate>")).unwrap_or_default();
    format!(
        "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><StartDate>{from}</StartDate>{to}\
         <Day>{days}</Day>"
    )
}

/// A SetWorkSchedule call: (StatusType, MessageText, ScheduleId).
async fn set(s: &Services, body: &str) -> (String, String, Option<String>) {
    let e = payload(&call_as(s, "d", None, "SetWorkSchedule_OS_SI", SCHEDULES, body).await);
    let (st, text) = status(&e);
    (st, text, e.child_text("ScheduleId").map(str::to_owned))
}

/// INS/MOD/DEL that must succeed: the schedule id.
async fn set_ok(s: &Services, body: &str) -> String {
    let (st, text, id) = set(s, body).await;
    assert_eq!(st, "S", "{body}: {text}");
    id.unwrap()
}

/// The GetWorkSchedule answer for 401 in a period.
async fn get(s: &Services, period: &str) -> Element {
    let body = format!("<PersonnelNumber>401</PersonnelNumber>{period}");
    let e = payload(&call_as(s, "d", None, "GetWorkSchedule_OS_SI", SCHEDULES, &body).await);
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));
    e
}

/// 401's schedules as (ScheduleId, StartDate, EndDate, WeeklyHours).
async fn schedules(s: &Services) -> Vec<(String, String, String, String)> {
    schedules_of(s, 401).await
}

/// `pernr`'s schedules as (ScheduleId, StartDate, EndDate, WeeklyHours).
async fn schedules_of(s: &Services, pernr: u32) -> Vec<(String, String, String, String)> {
    let body = format!("<PersonnelNumber>{pernr}</PersonnelNumber>");
    let e = payload(&call_as(s, "d", None, "GetWorkSchedule_OS_SI", SCHEDULES, &body).await);
    e.child("WorkSchedule")
        .map(|w| {
            w.children
                .iter()
                .map(|i| {
                    let t = |n: &str| i.child_text(n).unwrap_or_default().to_owned();
                    (t("ScheduleId"), t("StartDate"), t("EndDate"), t("WeeklyHours"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn row(id: &str, from: &str, to: &str, hours: &str) -> (String, String, String, String) {
    (id.into(), from.into(), to.into(), hours.into())
}

/// 401's current records of `category`: (`key` field, `value` field).
async fn records(s: &Services, category: Category, key: &str, value: &str) -> Vec<(String, String)> {
    hr::records(s.store().pool(), k(), &[p(401)], &RegistrationFilter::current())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record.category == category)
        .map(|r| {
            let f = |n: &str| r.record.get(n).unwrap_or_default().to_owned();
            (f(key), f(value))
        })
        .collect()
}

async fn absence_hours(s: &Services) -> Vec<(String, String)> {
    let mut r = records(
        s,
        Category::FravaerNaervaer,
        "FravaersNaervaersart",
        "FravaersNaervaerstimer",
    )
    .await;
    r.sort();
    r
}

/// UsedHours and RemainingHours of 401's holiday 2025/26 as of 22 November 2026.
async fn holiday_hours(s: &Services) -> (String, String) {
    let body = "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>401</PersonnelNumber>";
    let e = payload(&call_as(s, "d", None, "GetAbsenceQuotas_OS_SI", QUOTAS, body).await);
    let item = e
        .child("Quota")
        .unwrap()
        .children
        .iter()
        .find(|i| i.child_text("QuotaType") == Some("FE") && i.child_text("PeriodStartDate") == Some("2025-09-01"))
        .unwrap()
        .clone();
    let t = |n: &str| item.child_text(n).unwrap().to_owned();
    (t("UsedHours"), t("RemainingHours"))
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|&(a, b)| (a.into(), b.into())).collect()
}

#[tokio::test]
async fn a_schedule_changes_what_absences_cost() {
    let (_dir, s) = fixture().await;
    // The standard week: 7.40 a day.
    assert_eq!(absence_hours(&s).await, pairs(&[("FE", "37.00"), ("SY", "7.40")]));
    assert_eq!(holiday_hours(&s).await, ("37.00".into(), "148.00".into()));
    assert!(
        records(&s, Category::Moedetidsplan, "Arbejdstid", "Arbejdstid")
            .await
            .is_empty()
    );

    // 30 hours from 1 June 2026: the week's holiday now costs 30 hours and the sick day 6; MTP says 30; the
    // holiday quota's hours follow (20 days left × 6.00).
    let id = set_ok(&s, &ins("2026-06-01", None, &week("6.00", "14:00:00"))).await;
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{id}");
    assert_eq!(absence_hours(&s).await, pairs(&[("FE", "30.00"), ("SY", "6.00")]));
    assert_eq!(
        records(&s, Category::Moedetidsplan, "Arbejdstid", "Arbejdstidstype").await,
        pairs(&[("30.00", "DAG")])
    );
    assert_eq!(holiday_hours(&s).await, ("30.00".into(), "120.00".into()));

    // Deleting it brings the standard week back.
    set_ok(
        &s,
        &format!("<Operation>DEL</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{id}</ScheduleId>"),
    )
    .await;
    assert_eq!(absence_hours(&s).await, pairs(&[("FE", "37.00"), ("SY", "7.40")]));
    assert!(
        records(&s, Category::Moedetidsplan, "Arbejdstid", "Arbejdstid")
            .await
            .is_empty()
    );
    assert_eq!(holiday_hours(&s).await, ("37.00".into(), "148.00".into()));
}

#[tokio::test]
async fn insert_delimits_change_and_delete() {
    let (_dir, s) = fixture().await;
    // No schedule: the standard week applies.
    let e = get(&s, "").await;
    assert!(e.child("WorkSchedule").is_none());
    assert!(status(&e).1.contains("37 timer"), "{:?}", status(&e));

    let first = set_ok(
        &s,
        &format!(
            "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><StartDate>2026-01-01</StartDate>\
             <ScheduleType>DEL</ScheduleType><ScheduleText>Deltid</ScheduleText><Day>{}</Day>",
            week("6.00", "14:00:00")
        ),
    )
    .await;
    assert_eq!(schedules(&s).await, [row(&first, "2026-01-01", "9999-12-31", "30.00")]);
    // The answer: every field, all seven weekdays with days off at 0.00 and no times.
    let e = get(&s, "").await;
    let item = &e.child("WorkSchedule").unwrap().children[0];
    assert_eq!(item.child_text("PersonnelNumber"), Some("00000401"));
    assert_eq!(item.child_text("ScheduleType"), Some("DEL"));
    assert_eq!(item.child_text("ScheduleText"), Some("Deltid"));
    let days: Vec<[Option<&str>; 4]> = item
        .child("Day")
        .unwrap()
        .children
        .iter()
        .map(|d| ["Weekday", "Hours", "StartTime", "EndTime"].map(|n| d.child_text(n)))
        .collect();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0], [Some("1"), Some("6.00"), Some("08:00:00"), Some("14:00:00")]);
    assert_eq!(days[6], [Some("7"), Some("0.00"), None, None]);

    // A new schedule inside the first one's period: the first keeps its id before it, the part after gets a
    // new id, with the first one's week.
    let second = set_ok(&s, &ins("2027-01-01", Some("2027-03-31"), &week("7.40", "15:24:00"))).await;
    let now = schedules(&s).await;
    assert_eq!(now.len(), 3, "{now:?}");
    let third = now[2].0.clone();
    assert_eq!(
        now,
        [
            row(&first, "2026-01-01", "2026-12-31", "30.00"),
            row(&second, "2027-01-01", "2027-03-31", "37.00"),
            row(&third, "2027-04-01", "9999-12-31", "30.00"),
        ]
    );
    assert!(third != first && third != second);
    // The MTP records follow the three periods.
    let mut mtp = records(&s, Category::Moedetidsplan, "Arbejdstid", "Arbejdstidstype").await;
    mtp.sort();
    assert_eq!(mtp, pairs(&[("30.00", "DEL"), ("30.00", "DEL"), ("37.00", "DAG")]));
    // A period filter: only the schedules overlapping it.
    let e = get(&s, "<StartDate>2027-02-01</StartDate><EndDate>2027-04-01</EndDate>").await;
    let ids: Vec<&str> = e
        .child("WorkSchedule")
        .unwrap()
        .children
        .iter()
        .map(|i| i.child_text("ScheduleId").unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), third.as_str()]);
    // Before any schedule: none, and the standard week.
    let e = get(&s, "<EndDate>2025-12-31</EndDate>").await;
    assert!(e.child("WorkSchedule").is_none());

    // A new schedule covering the second one exactly replaces it.
    let fourth = set_ok(&s, &ins("2027-01-01", Some("2027-03-31"), &week("4.00", "12:00:00"))).await;
    let ids: Vec<String> = schedules(&s).await.into_iter().map(|r| r.0).collect();
    assert_eq!(ids, [first.clone(), fourth.clone(), third.clone()]);

    // MOD into another's period is refused, naming it; nothing changes.
    let (st, text, _) = set(
        &s,
        &format!(
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{first}</ScheduleId>\
             <EndDate>2027-02-01</EndDate>"
        ),
    )
    .await;
    assert_eq!(st, "E");
    assert!(text.contains("overlapper") && text.contains(&fourth), "{text}");
    assert_eq!(schedules(&s).await[0], row(&first, "2026-01-01", "2026-12-31", "30.00"));
    // MOD: a new text keeps the rest; a Day replaces the whole week (only Monday left).
    let modded = set_ok(
        &s,
        &format!(
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{first}</ScheduleId>\
             <ScheduleText>Deltid ny</ScheduleText><Day><item><Weekday>1</Weekday><Hours>10</Hours></item></Day>"
        ),
    )
    .await;
    assert_eq!(modded, first);
    let e = get(&s, "<EndDate>2026-12-31</EndDate>").await;
    let item = &e.child("WorkSchedule").unwrap().children[0];
    assert_eq!(item.child_text("ScheduleText"), Some("Deltid ny"));
    assert_eq!(item.child_text("ScheduleType"), Some("DEL"));
    assert_eq!(item.child_text("StartDate"), Some("2026-01-01"));
    assert_eq!(item.child_text("WeeklyHours"), Some("10.00"));
    // MOD of the dates within the free room.
    set_ok(
        &s,
        &format!(
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{first}</ScheduleId>\
             <StartDate>2026-03-01</StartDate>"
        ),
    )
    .await;
    assert_eq!(schedules(&s).await[0], row(&first, "2026-03-01", "2026-12-31", "10.00"));

    // DEL, and DEL again.
    let del =
        format!("<Operation>DEL</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{fourth}</ScheduleId>");
    assert_eq!(set_ok(&s, &del).await, fourth);
    let ids: Vec<String> = schedules(&s).await.into_iter().map(|r| r.0).collect();
    assert_eq!(ids, [first.clone(), third.clone()]);
    let (st, text, _) = set(&s, &del).await;
    assert_eq!(st, "E");
    assert!(text.contains("ingen mødetidsplan med ScheduleId"), "{text}");

    // Every change is in the outbox, the schedules delimited by an INS included, and in the audit trail.
    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let seen: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .map(|e| {
            let f = |n: &str| e.payload[n].as_str().unwrap();
            (e.kind.as_str(), f("schedule_id"), f("valid_from"), f("valid_to"))
        })
        .collect();
    let (created, changed, deleted) = (
        "work_schedule.created",
        "work_schedule.changed",
        "work_schedule.deleted",
    );
    assert_eq!(
        seen,
        [
            (created, first.as_str(), "2026-01-01", "9999-12-31"),
            (changed, first.as_str(), "2026-01-01", "2026-12-31"),
            (created, third.as_str(), "2027-04-01", "9999-12-31"),
            (created, second.as_str(), "2027-01-01", "2027-03-31"),
            (deleted, second.as_str(), "2027-01-01", "2027-03-31"),
            (created, fourth.as_str(), "2027-01-01", "2027-03-31"),
            (changed, first.as_str(), "2026-01-01", "2026-12-31"),
            (changed, first.as_str(), "2026-03-01", "2026-12-31"),
            (deleted, fourth.as_str(), "2027-01-01", "2027-03-31"),
            // The DEL restored its predecessor over its period.
            (changed, first.as_str(), "2026-03-01", "2027-03-31"),
        ]
    );
    let e = &events[3];
    assert_eq!(e.interface, "moedetidsplaner");
    assert_eq!(e.municipality.as_deref(), Some("0340"));
    assert_eq!(e.object_id.as_deref(), Some("00000401"));
    assert_eq!(e.payload["pernr"], "00000401");
    assert_eq!(e.payload["weekly_hours"], "37.00");
    assert_eq!(events[2].payload["weekly_hours"], "30.00");
    assert_eq!(events[6].payload["weekly_hours"], "10.00");
    let audit = hr::audit(s.store().pool(), k(), Some(p(401)), 100).await.unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .filter(|a| a.interface == "moedetidsplaner" && a.action != "schedule.read")
        .map(|a| a.action.as_str())
        .collect();
    // Newest first.
    assert_eq!(
        actions,
        [
            "schedule.delete",
            "schedule.change",
            "schedule.change",
            "schedule.insert",
            "schedule.insert",
            "schedule.insert"
        ]
    );
    let change = audit.iter().find(|a| a.action == "schedule.change").unwrap();
    assert_eq!(change.detail["before"]["valid_from"], "2026-01-01");
    assert_eq!(change.detail["after"]["valid_from"], "2026-03-01");
    assert!(
        audit
            .iter()
            .any(|a| a.action == "schedule.read" && a.actor == "system-d")
    );
}

#[tokio::test]
async fn request_rules() {
    let (_dir, s) = fixture().await;
    let existing = set_ok(&s, &ins("2026-01-01", None, &week("7.40", "15:24:00"))).await;
    let day = |inner: &str| ins("2027-01-01", None, inner);
    let item = |wd: &str, hours: &str| format!("<item><Weekday>{wd}</Weekday><Hours>{hours}</Hours></item>");
    for (body, want) in [
        (day(&week("25", "15:00:00")), "mellem 0 og 24"),
        (day(&item("1", "-1")), "mellem 0 og 24"),
        (day(&item("1", "7.405")), "højst to decimaler"),
        (day(&item("1", "7,40")), "Hours skal være et tal"),
        (
            day(&format!("{}{}", item("2", "7"), item("2", "7"))),
            "tirsdag er angivet flere gange",
        ),
        (day(&item("8", "1")), "Weekday skal være 1-7"),
        (day(&item("0", "1")), "Weekday skal være 1-7"),
        (
            day("<item><Weekday>1</Weekday><Hours>7</Hours><StartTime>08:00:00</StartTime></item>"),
            "både starttid og sluttid",
        ),
        (
            day(
                "<item><Weekday>1</Weekday><Hours>7</Hours><StartTime>08:00:00</StartTime><EndTime>14:00:00</EndTime></item>",
            ),
            "kan ikke ligge mellem",
        ),
        (
            day(
                "<item><Weekday>1</Weekday><Hours>7</Hours><StartTime>8:00</StartTime><EndTime>15:00:00</EndTime></item>",
            ),
            "tt:mm:ss",
        ),
        (
            ins("2027-01-01", Some("2026-12-31"), &item("1", "7")),
            "ligger før startdato",
        ),
        (ins("2027-13-01", None, &item("1", "7")), "åååå-mm-dd"),
        (
            ins("1899-12-31", None, &item("1", "7")),
            "StartDate må tidligst være 1900-01-01",
        ),
        (
            "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><Day/>".into(),
            "StartDate skal angives",
        ),
        (
            "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><StartDate>2027-01-01</StartDate>".into(),
            "Day skal angive",
        ),
        (
            format!(
                "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><StartDate>2027-01-01</StartDate>\
                 <ScheduleType>LANGT</ScheduleType><Day>{}</Day>",
                item("1", "7")
            ),
            "1-4 tegn",
        ),
        (
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>NOPE</ScheduleId>".into(),
            "ingen mødetidsplan med ScheduleId NOPE",
        ),
        (
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber>".into(),
            "ScheduleId skal angives",
        ),
        (
            format!(
                "<Operation>DEL</Operation><PersonnelNumber>999</PersonnelNumber><ScheduleId>{existing}</ScheduleId>"
            ),
            "Medarbejdernummer 00000999 findes ikke i kommune 0340",
        ),
        (
            "<Operation>UPD</Operation><PersonnelNumber>401</PersonnelNumber>".into(),
            "INS, MOD eller DEL",
        ),
        (
            "<Operation>INS</Operation><StartDate>2027-01-01</StartDate>".into(),
            "PersonnelNumber skal angives",
        ),
    ] {
        let (st, text, id) = set(&s, &body).await;
        assert_eq!(st, "E", "{body}: {text}");
        assert!(text.contains(want), "{body}: {text}");
        assert!(id.is_none());
    }
    // Nothing of the refused requests changed anything.
    assert_eq!(
        schedules(&s).await,
        [row(&existing, "2026-01-01", "9999-12-31", "37.00")]
    );
    assert_eq!(
        snitflade_store::outbox::after(s.store().pool(), 0, 100)
            .await
            .unwrap()
            .len(),
        1
    );
    // The calendar's edges are no problem.
    for (from, to) in [("1900-01-01", "1900-12-31"), ("9999-12-31", "9999-12-31")] {
        set_ok(&s, &ins(from, Some(to), &item("3", "5"))).await;
    }
    let ends: Vec<(String, String)> = schedules(&s).await.into_iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(
        ends,
        pairs(&[
            ("1900-01-01", "1900-12-31"),
            ("2026-01-01", "9999-12-30"),
            ("9999-12-31", "9999-12-31")
        ])
    );
    for id in schedules(&s)
        .await
        .into_iter()
        .map(|r| r.0)
        .filter(|id| *id != existing)
    {
        let del =
            format!("<Operation>DEL</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{id}</ScheduleId>");
        set_ok(&s, &del).await;
    }
    set_ok(
        &s,
        &format!(
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{existing}</ScheduleId>\
             <EndDate>9999-12-31</EndDate>"
        ),
    )
    .await;
    assert_eq!(
        schedules(&s).await,
        [row(&existing, "2026-01-01", "9999-12-31", "37.00")]
    );
    // GetWorkSchedule's rules.
    for (body, want) in [
        ("<PersonnelNumber>999</PersonnelNumber>", "findes ikke"),
        (
            "<PersonnelNumber>401</PersonnelNumber><StartDate>2027-01-02</StartDate><EndDate>2027-01-01</EndDate>",
            "ligger før StartDate",
        ),
        (
            "<PersonnelNumber>401</PersonnelNumber><StartDate>01-01-2027</StartDate>",
            "åååå-mm-dd",
        ),
    ] {
        let e = payload(&call_as(&s, "d", None, "GetWorkSchedule_OS_SI", SCHEDULES, body).await);
        let (st, text) = status(&e);
        assert_eq!(st, "E", "{body}");
        assert!(text.contains(want), "{body}: {text}");
        assert!(e.child("WorkSchedule").is_none());
    }
    // Structure errors are Client faults.
    for (service, body) in [
        (
            "SetWorkSchedule_OS_SI",
            format!("{}<Foo/>", ins("2027-01-01", None, &item("1", "7"))),
        ),
        (
            "SetWorkSchedule_OS_SI",
            ins(
                "2027-01-01",
                None,
                "<item><Weekday>1</Weekday><Hours>7</Hours><Pause>1</Pause></item>",
            ),
        ),
        ("SetWorkSchedule_OS_SI", ins("2027-01-01", None, "<dag/>")),
        (
            "GetWorkSchedule_OS_SI",
            "<PersonnelNumber>401</PersonnelNumber><PersonnelNumber>402</PersonnelNumber>".into(),
        ),
    ] {
        let reply = call_as(&s, "d", None, service, SCHEDULES, &body).await;
        assert_eq!(reply.status, 500, "{body}");
        assert!(reply.body.contains("Client"), "{}", reply.body);
    }
    // No grant: 403.
    for service in ["SetWorkSchedule_OS_SI", "GetWorkSchedule_OS_SI"] {
        let reply = call_as(
            &s,
            "none",
            None,
            service,
            SCHEDULES,
            "<PersonnelNumber>401</PersonnelNumber>",
        )
        .await;
        assert_eq!(reply.status, 403, "{service}");
    }
}

#[tokio::test]
async fn insert_over_the_start_or_all_of_schedules() {
    let (_dir, s) = fixture().await;
    let a = set_ok(&s, &ins("2026-06-01", None, &week("6.00", "14:00:00"))).await;
    // Over A's start: A keeps its id for what is left after the new period.
    let b = set_ok(&s, &ins("2026-01-01", Some("2026-12-31"), &week("7.40", "15:24:00"))).await;
    assert_eq!(
        schedules(&s).await,
        [
            row(&b, "2026-01-01", "2026-12-31", "37.00"),
            row(&a, "2027-01-01", "9999-12-31", "30.00")
        ]
    );
    // Over both: both are gone.
    let c = set_ok(&s, &ins("2025-01-01", None, &week("5.00", "13:00:00"))).await;
    assert_eq!(schedules(&s).await, [row(&c, "2025-01-01", "9999-12-31", "25.00")]);
    assert_eq!(absence_hours(&s).await, pairs(&[("FE", "25.00"), ("SY", "5.00")]));
    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.payload["schedule_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("work_schedule.created", a.as_str()),
            ("work_schedule.changed", a.as_str()),
            ("work_schedule.created", b.as_str()),
            ("work_schedule.deleted", b.as_str()),
            ("work_schedule.deleted", a.as_str()),
            ("work_schedule.created", c.as_str()),
        ]
    );
    assert_eq!(events[1].payload["valid_from"], "2027-01-01");
}

/// `ins`/`del` bodies for employee `pernr`.
fn ins_for(pernr: u32, from: &str, to: Option<&str>, days: &str) -> String {
    ins(from, to, days).replace(
        "<PersonnelNumber>401</PersonnelNumber>",
        &format!("<PersonnelNumber>{pernr}</PersonnelNumber>"),
    )
}

fn del_for(pernr: u32, id: &str) -> String {
    format!("<Operation>DEL</Operation><PersonnelNumber>{pernr}</PersonnelNumber><ScheduleId>{id}</ScheduleId>")
}

/// Registers a whole-day absence through Opret fravær: (StatusType, MessageText).
async fn absence(s: &Services, pernr: u32, code: &str, start: &str, end: &str) -> (String, String) {
    let body = format!(
        "<StartDate>{start}</StartDate><EndDate>{end}</EndDate><Operation>INS</Operation>\
         <PersonnelNumber>{pernr}</PersonnelNumber><AbsenceAttendanceType>{code}</AbsenceAttendanceType>"
    );
    status(&payload(
        &call_as(
            s,
            "d",
            None,
            "SetAbsenceAttendance_OS_SI",
            "urn:kmd.dk:LPT:VACAB:external",
            &body,
        )
        .await,
    ))
}

/// DEL restores the predecessor's validity (SAP infotype 0007, time constraint 1): a part-timer's 32-hour
/// schedule cut by an INS runs on again when the INS is deleted, and absence costs 6.40 hours a day again, not
/// the standard week's 7.40. In the middle of a schedule, the DEL joins the two parts again.
#[tokio::test]
async fn deleting_a_schedule_restores_its_predecessor_on_every_engine() {
    for db in TestDb::all().await {
        let s = fixture_at(&db.url).await;
        restores_the_predecessor(&s).await;
        db.cleanup().await;
    }
}

async fn restores_the_predecessor(s: &Services) {
    let part = set_ok(s, &ins("2026-01-01", None, &week("6.40", "14:24:00"))).await;
    let full = set_ok(s, &ins("2026-12-01", None, &week("7.40", "15:24:00"))).await;
    assert_eq!(
        schedules(s).await,
        [
            row(&part, "2026-01-01", "2026-11-30", "32.00"),
            row(&full, "2026-12-01", "9999-12-31", "37.00")
        ]
    );
    let (st, text, id) = set(s, &del_for(401, &full)).await;
    assert_eq!((st.as_str(), id.as_deref()), ("S", Some(full.as_str())), "{text}");
    assert!(
        text.ends_with(&format!("mødetidsplan {part} gælder igen til 9999-12-31")),
        "{text}"
    );
    assert_eq!(schedules(s).await, [row(&part, "2026-01-01", "9999-12-31", "32.00")]);
    // A sick day in December costs the part-timer's 6.40 hours, as before the INS.
    let (st, text) = absence(s, 401, "SY", "2026-12-07", "2026-12-07").await;
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("S", "Fravær SY 2026-12-07 oprettet (1 dag, 6,40 timer)")
    );
    assert_eq!(
        absence_hours(s).await,
        pairs(&[("FE", "32.00"), ("SY", "6.40"), ("SY", "6.40")])
    );

    // An INS inside the schedule splits it; deleting it (not the latest schedule) joins the parts again.
    let middle = set_ok(s, &ins("2027-01-01", Some("2027-03-31"), &week("7.40", "15:24:00"))).await;
    let now = schedules(s).await;
    assert_eq!(now.len(), 3, "{now:?}");
    let rest = now[2].0.clone();
    set_ok(s, &del_for(401, &middle)).await;
    assert_eq!(schedules(s).await, [row(&part, "2026-01-01", "9999-12-31", "32.00")]);
    // The first schedule has no predecessor: its period falls back to the standard week.
    set_ok(s, &del_for(401, &part)).await;
    assert!(schedules(s).await.is_empty());
    assert_eq!(
        absence_hours(s).await,
        pairs(&[("FE", "37.00"), ("SY", "7.40"), ("SY", "7.40")])
    );

    // The outbox: each DEL's deletion first, then the restored predecessor (and the joined rest).
    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .filter(|e| e.kind.starts_with("work_schedule."))
        .map(|e| {
            (
                e.kind.as_str(),
                e.payload["schedule_id"].as_str().unwrap(),
                e.payload["valid_to"].as_str().unwrap(),
            )
        })
        .collect();
    let (created, changed, deleted) = (
        "work_schedule.created",
        "work_schedule.changed",
        "work_schedule.deleted",
    );
    assert_eq!(
        seen,
        [
            (created, part.as_str(), "9999-12-31"),
            (changed, part.as_str(), "2026-11-30"),
            (created, full.as_str(), "9999-12-31"),
            (deleted, full.as_str(), "9999-12-31"),
            (changed, part.as_str(), "9999-12-31"),
            (changed, part.as_str(), "2026-12-31"),
            (created, rest.as_str(), "9999-12-31"),
            (created, middle.as_str(), "2027-03-31"),
            (deleted, middle.as_str(), "2027-03-31"),
            (changed, part.as_str(), "9999-12-31"),
            (deleted, rest.as_str(), "9999-12-31"),
            (deleted, part.as_str(), "9999-12-31"),
        ]
    );
    let audit = hr::audit(s.store().pool(), k(), Some(p(401)), 100).await.unwrap();
    let del = audit.iter().find(|a| a.action == "schedule.delete").unwrap();
    assert_eq!(
        del.detail["restored"].as_array().map(Vec::len),
        Some(0),
        "the last DEL restored nothing"
    );
}

/// A schedule change that makes the registered absences exceed a quota is done, but answered "W" with the quota
/// and the overdraft, and emitted as `absence_quota.overdrawn`.
#[tokio::test]
async fn a_schedule_that_overdraws_a_quota_is_a_warning_on_every_engine() {
    for db in TestDb::all().await {
        let s = fixture_at(&db.url).await;
        overdraw_warning(&s).await;
        db.cleanup().await;
    }
}

async fn overdraw_warning(s: &Services) {
    // 402 started on 1 September 2026: by 16 November, September and October have earned 4.16 holiday days.
    s.store()
        .write(|c| {
            Box::pin(async move {
                let e = Employment {
                    entry_date: Some(date(2026, 9, 1)),
                    ..common::employment("0340", 402, "0202801234")
                };
                hr::upsert_employment(c, &e, None).await
            })
        })
        .await
        .unwrap();
    let four_days = (1..=4)
        .map(|d| {
            format!(
                "<item><Weekday>{d}</Weekday><Hours>7.40</Hours><StartTime>08:00:00</StartTime>\
                 <EndTime>15:24:00</EndTime></item>"
            )
        })
        .collect::<String>();
    let short = set_ok(s, &ins_for(402, "2026-09-01", None, &four_days)).await;
    // A week's holiday costs 4 days in a Monday–Thursday week: within the 4.16 days.
    let (st, text) = absence(s, 402, "FE", "2026-11-16", "2026-11-20").await;
    assert_eq!(st, "S", "{text}");
    // Five days a week from November: the week now costs 5 days, 0.84 more than earned. Done, with a warning.
    let (st, text, id) = set(s, &ins_for(402, "2026-11-01", None, &week("7.40", "15:24:00"))).await;
    assert_eq!(st, "W", "{text}");
    assert!(
        text.ends_with(
            "Advarsel: det registrerede fravær overskrider nu ferie 2026/27 med 0,84 dag; ret fraværet eller kvoten"
        ),
        "{text}"
    );
    assert!(
        text.starts_with("Mødetidsplan oprettet (37,00 timer om ugen, 2026-11-01–9999-12-31). Advarsel"),
        "{text}"
    );
    let five = id.expect("the ScheduleId of a W answer");
    let details = "<PersonnelNumber>402</PersonnelNumber><KeyDate>2026-11-22</KeyDate><QuotaType>FE</QuotaType>";
    let e = payload(&call_as(s, "d", None, "GetAbsenceQuotaDetails_OS_SI", QUOTAS, details).await);
    let quota = e.child("Quota").unwrap().children_named("item").next().unwrap().clone();
    assert_eq!(
        (quota.child_text("Used"), quota.child_text("Remaining")),
        (Some("5.00"), Some("-0.84"))
    );
    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let over: Vec<&snitflade_store::outbox::Event> =
        events.iter().filter(|e| e.kind == "absence_quota.overdrawn").collect();
    assert_eq!(over.len(), 1, "{events:?}");
    let o = &over[0];
    assert_eq!(
        (o.interface.as_str(), o.municipality.as_deref(), o.object_id.as_deref()),
        ("moedetidsplaner", Some("0340"), Some("00000402"))
    );
    assert_eq!(o.payload["quota_type"], "FE");
    assert_eq!(o.payload["period_start"], "2026-09-01");
    assert_eq!(o.payload["overdrawn_days"], "0.84");
    assert_eq!(o.payload["overdrawn_days_before"], "0.00");
    assert_eq!(o.payload["cause"]["work_schedule"], five.as_str());
    // A change that overdraws nothing more is plain S: deleting the five-day week restores the four-day one.
    let (st, text, _) = set(s, &del_for(402, &five)).await;
    assert_eq!(st, "S", "{text}");
    assert_eq!(schedules_of(s, 402).await[0].0, short);
    // The answers follow the WSDL (StatusType is a string: W is allowed).
    let e = payload(
        &call_as(
            s,
            "d",
            None,
            "SetWorkSchedule_OS_SI",
            SCHEDULES,
            &ins_for(402, "2026-11-01", None, &week("7.40", "15:24:00")),
        )
        .await,
    );
    assert_eq!(status(&e).0, "W");
    check_schema("SetWorkSchedule_OS_SI", &e).unwrap();
}

/// Every answer of both interfaces — S with items, S without, E — follows its WSDL's schema.
#[tokio::test]
async fn every_answer_follows_its_wsdl_schema() {
    let (_dir, s) = fixture().await;
    let id = set_ok(&s, &ins("2026-06-01", None, &week("6.00", "14:00:00"))).await;
    let quotas = "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>401</PersonnelNumber>";
    let calls: Vec<(&str, &str, String)> = vec![
        ("GetAbsenceQuotas_OS_SI", QUOTAS, quotas.into()),
        (
            "GetAbsenceQuotas_OS_SI",
            QUOTAS,
            "<PersonnelNumber>999</PersonnelNumber>".into(),
        ),
        ("GetAbsenceQuotaDetails_OS_SI", QUOTAS, quotas.into()),
        (
            "GetAbsenceQuotaDetails_OS_SI",
            QUOTAS,
            "<PersonnelNumber>x</PersonnelNumber>".into(),
        ),
        (
            "GetWorkSchedule_OS_SI",
            SCHEDULES,
            "<PersonnelNumber>401</PersonnelNumber>".into(),
        ),
        (
            "GetWorkSchedule_OS_SI",
            SCHEDULES,
            "<PersonnelNumber>401</PersonnelNumber><EndDate>2025-01-01</EndDate>".into(),
        ),
        (
            "GetWorkSchedule_OS_SI",
            SCHEDULES,
            "<PersonnelNumber>999</PersonnelNumber>".into(),
        ),
        (
            "SetWorkSchedule_OS_SI",
            SCHEDULES,
            format!(
                "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>{id}</ScheduleId>\
                 <ScheduleText>Ny</ScheduleText>"
            ),
        ),
        (
            "SetWorkSchedule_OS_SI",
            SCHEDULES,
            "<Operation>DEL</Operation><PersonnelNumber>401</PersonnelNumber><ScheduleId>X</ScheduleId>".into(),
        ),
    ];
    let mut seen = Vec::new();
    for (service, ns, body) in &calls {
        let e = payload(&call_as(&s, "d", None, service, ns, body).await);
        if let Err(why) = check_schema(service, &e) {
            panic!("{service} {body}: {why}");
        }
        seen.push(status(&e).0);
    }
    assert_eq!(seen, ["S", "E", "S", "E", "S", "S", "E", "S", "E"]);
    // The check itself notices an element out of order.
    let mut e = payload(&call_as(&s, "d", None, "GetAbsenceQuotaDetails_OS_SI", QUOTAS, quotas).await);
    let item = &mut e.children[1].children[0];
    assert!(item.child("Accrual").is_some());
    item.children.swap(0, 1);
    assert!(check_schema("GetAbsenceQuotaDetails_OS_SI", &e).is_err());
}
