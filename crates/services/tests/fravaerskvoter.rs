//! Hent fraværskvoter in process: quotas that match hand-computed values for employees of different ages and
//! children, accrual and usage details, the request rules, the audit trail and the municipality of a call.

mod common;

use common::sap::{payload, status};
use common::{grant, system};
use jiff::civil::date;
use rust_decimal::Decimal;
use snitflade_domain::absence::Absence;
use snitflade_domain::hr::{Child, Employment, EmploymentStatus};
use snitflade_domain::quotas::{HolidayTransfer, HolidayYear, TransferReason};
use snitflade_domain::schedule::AbsencePeriod;
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig, SoapReply, find_service};
use snitflade_soap::Element;
use snitflade_store::holiday_transfers::{self, StoredTransfer};
use snitflade_store::testing::TestDb;
use snitflade_store::{absence, hr, hr_derived};
use tempfile::TempDir;

const QUOTAS: &str = "urn:snitflade:opus:fravaerskvoter:1";

fn k(code: &str) -> Kommunekode {
    Kommunekode::parse(code).unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|_| panic!("{s:?} is no decimal"))
}

fn employment(municipality: &str, n: u32, cpr: &str) -> Employment {
    Employment {
        municipality: k(municipality),
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
    }
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

/// In 0340: 301 born 1965 (61 in 2026: 3 senior days), employed since 2015, child 01 born 2019 (turns 7 in
/// 2026: 2 care days) and 02 born 2016 (10: none); a week's holiday in July 2026, a care day for 01 in March,
/// a 6th-week day in October and a sick day on 24 November. 302 born 1964 (62: 4 senior days), nothing
/// registered. 303 cancelled (replaced by 302). In 0751: 501. System `d` has the interface in 0340, `two` in
/// 0340 and 0751, `none` nothing.
async fn fixture() -> (TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let s = fixture_at(&snitflade_store::db::sqlite_url_in(dir.path())).await;
    (dir, s)
}

/// [`fixture`] on the empty database at `url`.
async fn fixture_at(url: &str) -> Services {
    let store = common::store_at(
        url,
        &[
            ("0340", "Sorø Kommune", "29188629"),
            ("0751", "Aarhus Kommune", "55133018"),
        ],
        &["d", "two", "none"],
    )
    .await;
    store
        .write(|c| {
            Box::pin(async move {
                let mut cancelled = employment("0340", 303, "0106641235");
                cancelled.status = EmploymentStatus::Deleted;
                cancelled.replaced_by = Some(p(302));
                for e in [
                    employment("0340", 301, "0106651234"),
                    employment("0340", 302, "0106641234"),
                    cancelled,
                    employment("0751", 501, "0107701234"),
                ] {
                    hr::upsert_employment(c, &e, None).await?;
                }
                for (n, cpr) in [("01", "1410194321"), ("02", "0204164321")] {
                    let child = Child {
                        child_number: n.into(),
                        cpr: Cpr::parse(cpr).unwrap(),
                        first_name: "C".into(),
                        last_name: "B".into(),
                    };
                    hr::insert_child(c, k("0340"), p(301), &child).await?;
                }
                let now = "2026-11-01T00:00:00.000000Z";
                for a in [
                    absence("A", "FE", date(2026, 7, 6), date(2026, 7, 10), ""),
                    absence("B", "OS", date(2026, 3, 2), date(2026, 3, 2), "01"),
                    absence("C", "6F", date(2026, 10, 5), date(2026, 10, 5), ""),
                    absence("D", "SY", date(2026, 11, 24), date(2026, 11, 24), ""),
                ] {
                    absence::insert_absence(c, k("0340"), p(301), &a, now).await?;
                }
                hr_derived::sync_absence_records(c, k("0340"), p(301), "t", now).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("d", InterfaceId::Fravaerskvoter, "0340"),
        grant("two", InterfaceId::Fravaerskvoter, "0340"),
        grant("two", InterfaceId::Fravaerskvoter, "0751"),
    ];
    common::services(store, grants, ServicesConfig::default())
}

async fn call_in(s: &Services, who: &str, kommune: Option<&str>, service: &str, body: &str) -> SoapReply {
    let root = service.replace("_OS_SI", "Request_MT");
    let xml = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ns0:{root} xmlns:ns0=\"{QUOTAS}\">\
         {body}</ns0:{root}></s:Body></s:Envelope>"
    );
    s.handle(
        find_service(service).unwrap(),
        &system(who),
        kommune.map(k),
        xml.as_bytes(),
    )
    .await
}

async fn call(s: &Services, service: &str, body: &str) -> SoapReply {
    call_in(s, "d", None, service, body).await
}

/// A quota item of an answer, found by (pernr, type, child, period start).
type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

struct Quotas(Vec<Element>);

impl Quotas {
    fn of(e: &Element) -> Self {
        Self(e.child("Quota").map(|q| q.children.clone()).unwrap_or_default())
    }

    fn find(&self, key: Key) -> Option<&Element> {
        self.0.iter().find(|i| {
            let t = |n: &str| i.child_text(n).unwrap_or_default();
            (
                t("PersonnelNumber"),
                t("QuotaType"),
                t("ChildNumber"),
                t("PeriodStartDate"),
            ) == key
        })
    }

    fn get(&self, key: Key, name: &str) -> &str {
        self.find(key)
            .unwrap_or_else(|| panic!("{key:?} missing"))
            .child_text(name)
            .unwrap_or_else(|| panic!("{key:?} has no {name}"))
    }
}

async fn quotas_of(s: &Services, body: &str) -> (String, Quotas) {
    let e = payload(&call(s, "GetAbsenceQuotas_OS_SI", body).await);
    (status(&e).0, Quotas::of(&e))
}

const A: &str = "00000301";

#[tokio::test]
async fn quotas_match_hand_computed_values() {
    let (_dir, s) = fixture().await;
    let e = payload(
        &call(
            &s,
            "GetAbsenceQuotas_OS_SI",
            "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>301</PersonnelNumber><PersonnelNumber>302</PersonnelNumber>",
        )
        .await,
    );
    assert_eq!(
        status(&e),
        ("S".into(), "Kvoter for 2 medarbejdere pr. 2026-11-22".into())
    );
    let q = Quotas::of(&e);
    // Holiday 2025/26: 12 × 2.08 = 24.96 earned, rounded up to 25 once the year is over; 5 used in July (5 × 7.40
    // hours under the standard week) → 20 left = 148.00 hours at 7.40 a day.
    let fe25 = (A, "FE", "", "2025-09-01");
    assert_eq!(q.get(fe25, "QuotaTypeText"), "Ferie");
    assert_eq!(q.get(fe25, "Entitlement"), "25.00");
    assert_eq!(q.get(fe25, "Accrued"), "25.00");
    assert_eq!(q.get(fe25, "Used"), "5.00");
    assert_eq!(q.get(fe25, "UsedHours"), "37.00");
    assert_eq!(q.get(fe25, "Remaining"), "20.00");
    assert_eq!(q.get(fe25, "RemainingHours"), "148.00");
    assert_eq!(q.get(fe25, "PeriodEndDate"), "2026-08-31");
    assert_eq!(q.get(fe25, "DeductionStartDate"), "2025-09-01");
    assert_eq!(q.get(fe25, "DeductionEndDate"), "2026-12-31");
    assert_eq!(q.get(fe25, "Unit"), "DAG");
    // Holiday 2026/27 by 22 November: September and October, 2 × 2.08.
    let fe26 = (A, "FE", "", "2026-09-01");
    assert_eq!(q.get(fe26, "Accrued"), "4.16");
    assert_eq!(q.get(fe26, "Entitlement"), "25.00");
    assert_eq!(q.get(fe26, "Used"), "0.00");
    // 6th week 2025/26: 5 earned, the October day (7.40 hours) taken from it; 2026/27: 2 × 5/12 = 0.83.
    let sixth = (A, "6F", "", "2025-09-01");
    assert_eq!(q.get(sixth, "Used"), "1.00");
    assert_eq!(q.get(sixth, "UsedHours"), "7.40");
    assert_eq!(q.get(sixth, "Remaining"), "4.00");
    assert_eq!(q.get(sixth, "RemainingHours"), "29.60");
    assert_eq!(q.get((A, "6F", "", "2026-09-01"), "Accrued"), "0.83");
    // Care days: child 01 (turns 7 in 2026) 2 − the March day; child 02 (10) none.
    let care = (A, "OS", "01", "2026-01-01");
    assert_eq!(q.get(care, "Entitlement"), "2.00");
    assert_eq!(q.get(care, "Used"), "1.00");
    assert_eq!(q.get(care, "Remaining"), "1.00");
    assert_eq!(q.get(care, "PeriodEndDate"), "2026-12-31");
    assert!(
        !q.0.iter().any(|i| i.child_text("ChildNumber") == Some("02")),
        "no care days for a 10-year-old"
    );
    // Only care days name a child.
    assert!(
        q.0.iter()
            .all(|i| i.child("ChildNumber").is_some() == (i.child_text("QuotaType") == Some("OS")))
    );
    // Senior days: 3 at 61, 4 at 62; 302 has no children, so no care days.
    assert_eq!(q.get((A, "SO", "", "2026-01-01"), "Entitlement"), "3.00");
    let senior = ("00000302", "SO", "", "2026-01-01");
    assert_eq!(q.get(senior, "Entitlement"), "4.00");
    assert_eq!(q.get(senior, "Remaining"), "4.00");
    assert_eq!(q.get(senior, "RemainingHours"), "29.60");
    assert!(q.find(("00000302", "OS", "01", "2026-01-01")).is_none());
    // The same employee a year earlier: 60 in 2025, 2 senior days; the 2024/25 holiday year has earned
    // September to May by 1 June, 9 × 2.08.
    let (_, q) = quotas_of(
        &s,
        "<KeyDate>2025-06-01</KeyDate><PersonnelNumber>301</PersonnelNumber>",
    )
    .await;
    assert_eq!(q.get((A, "SO", "", "2025-01-01"), "Entitlement"), "2.00");
    assert_eq!(q.get((A, "FE", "", "2024-09-01"), "Accrued"), "18.72");
    assert_eq!(q.get((A, "FE", "", "2024-09-01"), "Entitlement"), "25.00");
    assert!(q.find((A, "FE", "", "2025-09-01")).is_none(), "not earning yet");
    // In 2027 child 01 turns 8: no more care days.
    let (_, q) = quotas_of(
        &s,
        "<KeyDate>2027-03-01</KeyDate><PersonnelNumber>301</PersonnelNumber>",
    )
    .await;
    assert!(q.find((A, "OS", "01", "2027-01-01")).is_none());
    assert_eq!(q.get((A, "SO", "", "2027-01-01"), "Entitlement"), "4.00");
}

/// Registered holiday transfers (Ferieloven §§ 21-22) move into the next holiday year's quota on the day after
/// the holding period, as much as the act allows of what is left: an accrual line, and more to take.
#[tokio::test]
async fn transfers_move_into_the_next_holiday_year_on_every_engine() {
    for db in TestDb::all().await {
        let s = fixture_at(&db.url).await;
        transfers_move(&s).await;
        db.cleanup().await;
    }
}

async fn transfers_move(s: &Services) {
    // 302 took nothing of 2024/25 (25 days): an agreement on 8 days moves the 5 beyond 4 weeks; a hindrance
    // on 3 days moves 3 of the first 4 weeks' 20.
    s.store()
        .write(|c| {
            Box::pin(async move {
                for (i, reason, days, agreed_on) in [
                    ("t1", TransferReason::Agreement, "8", Some(date(2025, 12, 1))),
                    ("t2", TransferReason::Hindrance, "3", None),
                ] {
                    let t = StoredTransfer {
                        id: i.into(),
                        pernr: p(302),
                        transfer: HolidayTransfer {
                            from: HolidayYear { start: 2024 },
                            reason,
                            days: dec(days),
                        },
                        agreed_on,
                        note: String::new(),
                        registered_at: "2025-12-01T00:00:00.000000Z".into(),
                        registered_by: "t".into(),
                    };
                    holiday_transfers::insert(c, k("0340"), &t).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let details =
        |key: &str| format!("<PersonnelNumber>302</PersonnelNumber><KeyDate>{key}</KeyDate><QuotaType>FE</QuotaType>");
    let item = |e: &Element, start: &str| {
        e.child("Quota")
            .unwrap()
            .children
            .iter()
            .find(|i| i.child_text("PeriodStartDate") == Some(start))
            .unwrap_or_else(|| panic!("{start}"))
            .clone()
    };
    // Before the end of 2024/25's holding period nothing has moved, but 2025/26's entitlement counts the 8 days.
    let e = payload(&call(s, "GetAbsenceQuotaDetails_OS_SI", &details("2025-12-31")).await);
    let fe25 = item(&e, "2025-09-01");
    assert_eq!(
        (fe25.child_text("Entitlement"), fe25.child_text("Accrued")),
        (Some("33.00"), Some("8.32"))
    );
    assert_eq!(item(&e, "2024-09-01").child_text("Remaining"), Some("25.00"));
    // From 1 January 2026: 8.32 earned + 8 transferred, with a line per transfer.
    let e = payload(&call(s, "GetAbsenceQuotaDetails_OS_SI", &details("2026-01-01")).await);
    let fe25 = item(&e, "2025-09-01");
    assert_eq!(fe25.child_text("Accrued"), Some("16.32"));
    assert_eq!(fe25.child_text("RemainingHours"), Some("120.77"));
    let lines: Vec<[String; 3]> = fe25
        .child("Accrual")
        .unwrap()
        .children
        .iter()
        .filter(|l| l.child_text("Date") == Some("2026-01-01"))
        .map(|l| ["Date", "Days", "Text"].map(|n| l.child_text(n).unwrap().to_owned()))
        .collect();
    assert_eq!(
        lines,
        [
            [
                "2026-01-01",
                "5.00",
                "Overført fra ferieåret 2024/25 (aftale om overførsel, ferielovens § 21)"
            ]
            .map(String::from),
            [
                "2026-01-01",
                "3.00",
                "Overført fra ferieåret 2024/25 (feriehindring, ferielovens § 22)"
            ]
            .map(String::from),
        ]
    );
}

#[tokio::test]
async fn details_show_accruals_and_usage() {
    let (_dir, s) = fixture().await;
    let e = payload(
        &call(
            &s,
            "GetAbsenceQuotaDetails_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><KeyDate>2026-11-22</KeyDate>",
        )
        .await,
    );
    assert_eq!(status(&e).0, "S");
    let items = &e.child("Quota").unwrap().children;
    assert!(!items.is_empty());
    for item in items {
        assert!(
            item.child("PersonnelNumber").is_none(),
            "one employee: no number per item"
        );
        // The accrual lines add up to Accrued, for every quota.
        let sum: Decimal = item
            .child("Accrual")
            .map(|a| a.children.iter().map(|l| dec(l.child_text("Days").unwrap())).sum())
            .unwrap_or_default();
        assert_eq!(sum, dec(item.child_text("Accrued").unwrap()), "{item:?}");
        // The usage lines add up to Used and UsedHours.
        let usage = item.child("Usage").map(|u| u.children.clone()).unwrap_or_default();
        let days: Decimal = usage.iter().map(|l| dec(l.child_text("Days").unwrap())).sum();
        let hours: Decimal = usage.iter().map(|l| dec(l.child_text("Hours").unwrap())).sum();
        assert_eq!(days, dec(item.child_text("Used").unwrap()));
        assert_eq!(hours, dec(item.child_text("UsedHours").unwrap()));
    }
    let by = |kind: &str, start: &str| {
        items
            .iter()
            .find(|i| i.child_text("QuotaType") == Some(kind) && i.child_text("PeriodStartDate") == Some(start))
            .unwrap_or_else(|| panic!("{kind} {start} missing"))
    };
    let usage_of = |item: &Element| -> Vec<[String; 6]> {
        item.child("Usage")
            .unwrap()
            .children
            .iter()
            .map(|l| {
                [
                    "ObjectId",
                    "AbsenceAttendanceType",
                    "StartDate",
                    "EndDate",
                    "Days",
                    "Hours",
                ]
                .map(|n| l.child_text(n).unwrap().to_owned())
            })
            .collect()
    };
    let fe = by("FE", "2025-09-01");
    // Twelve months of 2.08 and the rounding up to 25 on the last one.
    let accruals = &fe.child("Accrual").unwrap().children;
    assert_eq!(accruals.len(), 13);
    let last = ["Date", "Days", "Text"].map(|n| accruals[12].child_text(n).unwrap().to_owned());
    assert_eq!(
        last,
        ["2026-08-31", "0.04", "Afrundet op til hele feriedage: 25 dage i alt"].map(String::from)
    );
    assert_eq!(
        usage_of(fe),
        [["A", "FE", "2026-07-06", "2026-07-10", "5.00", "37.00"].map(String::from)]
    );
    assert_eq!(
        usage_of(by("6F", "2025-09-01")),
        [["C", "6F", "2026-10-05", "2026-10-05", "1.00", "7.40"].map(String::from)]
    );
    assert_eq!(
        usage_of(by("OS", "2026-01-01")),
        [["B", "OS", "2026-03-02", "2026-03-02", "1.00", "7.40"].map(String::from)]
    );
    // Nothing used of the new holiday year yet; the sick day uses no quota.
    assert!(by("FE", "2026-09-01").child("Usage").is_none());
    assert!(
        items
            .iter()
            .filter_map(|i| i.child("Usage"))
            .flat_map(|u| &u.children)
            .all(|l| l.child_text("AbsenceAttendanceType") != Some("SY"))
    );

    // The QuotaType filter.
    let e = payload(
        &call(
            &s,
            "GetAbsenceQuotaDetails_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><KeyDate>2026-11-22</KeyDate><QuotaType>6F</QuotaType>",
        )
        .await,
    );
    let kinds: Vec<&str> = e
        .child("Quota")
        .unwrap()
        .children
        .iter()
        .map(|i| i.child_text("QuotaType").unwrap())
        .collect();
    assert_eq!(kinds, ["6F", "6F"]);
}

#[tokio::test]
async fn request_rules() {
    let (_dir, s) = fixture().await;
    for (service, body, want) in [
        (
            "GetAbsenceQuotas_OS_SI",
            "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>301</PersonnelNumber><PersonnelNumber>999</PersonnelNumber>",
            "Medarbejdernummer 00000999 findes ikke i kommune 0340",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><PersonnelNumber>303</PersonnelNumber>",
            "slettet; brug medarbejdernummer 00000302",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><PersonnelNumber>00000301</PersonnelNumber>",
            "flere gange",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<KeyDate>22-11-2026</KeyDate><PersonnelNumber>301</PersonnelNumber>",
            "åååå-mm-dd",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<KeyDate>9999-12-31</KeyDate><PersonnelNumber>301</PersonnelNumber>",
            "KeyDate skal ligge mellem 1900-01-01 og 9998-12-31",
        ),
        (
            "GetAbsenceQuotaDetails_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><KeyDate>1899-12-31</KeyDate>",
            "KeyDate skal ligge mellem",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<PersonnelNumber>12345678901</PersonnelNumber>",
            "højst 8 cifre",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<KeyDate>2026-11-22</KeyDate>",
            "PersonnelNumber skal angives",
        ),
        (
            "GetAbsenceQuotaDetails_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><QuotaType>XX</QuotaType>",
            "FE, 6F, OS, SO",
        ),
        (
            "GetAbsenceQuotaDetails_OS_SI",
            "<PersonnelNumber>999</PersonnelNumber>",
            "findes ikke",
        ),
        (
            "GetAbsenceQuotaDetails_OS_SI",
            "<KeyDate>2026-11-22</KeyDate>",
            "PersonnelNumber skal angives",
        ),
    ] {
        let e = payload(&call(&s, service, body).await);
        let (st, text) = status(&e);
        assert_eq!(st, "E", "{body}");
        assert!(text.contains(want), "{body}: {text}");
        assert!(e.child("Quota").is_none(), "all or nothing: {body}");
    }
    let too_many: String = (1..=501)
        .map(|n| format!("<PersonnelNumber>{n}</PersonnelNumber>"))
        .collect();
    let e = payload(&call(&s, "GetAbsenceQuotas_OS_SI", &too_many).await);
    assert!(status(&e).1.contains("Højst 500"), "{:?}", status(&e));
    // The first and last key dates.
    for day in ["1900-01-01", "9998-12-31"] {
        let body = format!("<KeyDate>{day}</KeyDate><PersonnelNumber>301</PersonnelNumber>");
        let e = payload(&call(&s, "GetAbsenceQuotas_OS_SI", &body).await);
        assert_eq!(status(&e).0, "S", "{day}: {:?}", status(&e));
    }
    // Without KeyDate: today (Copenhagen).
    let e = payload(&call(&s, "GetAbsenceQuotas_OS_SI", "<PersonnelNumber>302</PersonnelNumber>").await);
    let today = jiff::Zoned::now().in_tz("Europe/Copenhagen").unwrap().date();
    assert_eq!(status(&e).1, format!("Kvoter for 1 medarbejder pr. {today}"));
    // Structure errors are Client faults.
    for (service, body) in [
        (
            "GetAbsenceQuotas_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><Foo>1</Foo>",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<KeyDate>2026-11-22</KeyDate><KeyDate>2026-11-23</KeyDate><PersonnelNumber>301</PersonnelNumber>",
        ),
        (
            "GetAbsenceQuotas_OS_SI",
            "<PersonnelNumber><x>301</x></PersonnelNumber>",
        ),
        (
            "GetAbsenceQuotaDetails_OS_SI",
            "<PersonnelNumber>301</PersonnelNumber><PersonnelNumber>302</PersonnelNumber>",
        ),
    ] {
        let reply = call(&s, service, body).await;
        assert_eq!(reply.status, 500, "{body}");
        assert!(reply.body.contains("Client"), "{}", reply.body);
    }
}

#[tokio::test]
async fn reads_are_audited() {
    let (_dir, s) = fixture().await;
    let audit = async |pernr: Option<Pernr>| {
        hr::audit(s.store().pool(), k("0340"), pernr, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.interface == "fravaerskvoter")
            .collect::<Vec<_>>()
    };
    // A refused read leaves no trace of data returned.
    call(&s, "GetAbsenceQuotas_OS_SI", "<PersonnelNumber>999</PersonnelNumber>").await;
    assert!(audit(None).await.is_empty());
    call(
        &s,
        "GetAbsenceQuotas_OS_SI",
        "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>301</PersonnelNumber><PersonnelNumber>302</PersonnelNumber>",
    )
    .await;
    call(
        &s,
        "GetAbsenceQuotaDetails_OS_SI",
        "<PersonnelNumber>301</PersonnelNumber>",
    )
    .await;
    let all = audit(None).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|a| a.action == "quota.read" && a.actor == "system-d"));
    let many = all.iter().find(|a| a.pernr.is_none()).unwrap();
    assert_eq!(many.detail["pernrs"], serde_json::json!(["00000301", "00000302"]));
    assert_eq!(many.detail["key_date"], "2026-11-22");
    let one = audit(Some(p(301))).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].detail["details"], true);
}

#[tokio::test]
async fn the_municipality_of_a_call() {
    let (_dir, s) = fixture().await;
    let body = "<KeyDate>2026-11-22</KeyDate><PersonnelNumber>501</PersonnelNumber>";
    // No grant at all, and a grant for two municipalities without saying which: 403.
    for who in ["none", "two"] {
        let reply = call_in(&s, who, None, "GetAbsenceQuotas_OS_SI", body).await;
        assert_eq!(reply.status, 403, "{who}: {}", reply.body);
        assert!(reply.body.contains("Client"));
    }
    // `d` may not choose 0751.
    let reply = call_in(&s, "d", Some("0751"), "GetAbsenceQuotas_OS_SI", body).await;
    assert_eq!(reply.status, 403);
    // `two` chooses: 501 is in 0751, not in 0340.
    let e = payload(&call_in(&s, "two", Some("0751"), "GetAbsenceQuotas_OS_SI", body).await);
    assert_eq!(status(&e).0, "S");
    assert_eq!(
        Quotas::of(&e).get(("00000501", "FE", "", "2025-09-01"), "Accrued"),
        "25.00"
    );
    let e = payload(&call_in(&s, "two", Some("0340"), "GetAbsenceQuotas_OS_SI", body).await);
    assert!(status(&e).1.contains("findes ikke i kommune 0340"), "{:?}", status(&e));
}
