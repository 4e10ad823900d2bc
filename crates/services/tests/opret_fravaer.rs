//! Opret fravær in process (no HTTP or TLS), on a small fixture of its own: SetAbsenceAttendance INS/MOD/DEL and every
//! rule that answers "E", GetAbsenceAttendanceByPeriod with hours from the schedule, the four lookups, the FVNV
//! records, the outbox event and the audit trail, and the municipality rule
//! (docs/src/interfaces/conventions.md#the-municipality-of-a-call).

mod common;

use common::sap::{payload, status};
use common::schema::check_schema;
use common::{grant, system};
use jiff::civil::{date, time};
use snitflade_domain::absence::Absence;
use snitflade_domain::hr::{Category, Child, Employment, EmploymentStatus, MaternityCase, WorkAccidentCase};
use snitflade_domain::schedule::{AbsencePeriod, DayPlan, WeekPattern, WorkSchedule};
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig, SoapReply, find_service};
use snitflade_soap::{Element, Limits};
use snitflade_store::hr::{self, RegistrationFilter};
use tempfile::TempDir;

const NS: &str = "urn:kmd.dk:LPT:VACAB:external";
/// The order of SetAbsenceAttendanceRequest's fields in the XSD.
const SET_ORDER: &[&str] = &[
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

fn k(s: &str) -> Kommunekode {
    Kommunekode::parse(s).unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

/// 0340: 201 (born 1965, since 2015; children 01 born 2016 and 02 born 2019; maternity case 0001; work
/// accident A-1), 202 (left 2026-06-30), 203 (cancelled, replaced by 204), 204. System `d` has opret-fravaer for
/// 0340, `two` for 0340 and 0751, `none` nothing.
async fn fixture() -> (TempDir, Services) {
    let (dir, store) = common::store(
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
                let e = |n: u32, cpr: &str, leave: Option<jiff::civil::Date>, status| Employment {
                    municipality: k("0340"),
                    pernr: p(n),
                    cpr: Cpr::parse(cpr).unwrap(),
                    ekstraciffer: 0,
                    first_name: "A".into(),
                    last_name: "B".into(),
                    org_unit: None,
                    entry_date: Some(date(2015, 1, 1)),
                    leave_date: leave,
                    is_manager: false,
                    status,
                    replaced_by: (n == 203).then(|| p(204)),
                };
                use EmploymentStatus::*;
                hr::upsert_employment(c, &e(201, "0101651234", None, Active), None).await?;
                hr::upsert_employment(c, &e(202, "0202801234", Some(date(2026, 6, 30)), Left), None).await?;
                hr::upsert_employment(c, &e(203, "0303901234", None, Deleted), None).await?;
                hr::upsert_employment(c, &e(204, "0303901234", None, Active), None).await?;
                for (n, cpr) in [("01", "0204161234"), ("02", "1410194321")] {
                    let child = Child {
                        child_number: n.into(),
                        cpr: Cpr::parse(cpr).unwrap(),
                        first_name: format!("Barn{n}"),
                        last_name: "B".into(),
                    };
                    hr::insert_child(c, k("0340"), p(201), &child).await?;
                }
                let case = MaternityCase {
                    case_key: "0001".into(),
                    maternity_type: "01".into(),
                    maternity_type_text: "Barsel (mor)".into(),
                    valid_start: date(2026, 1, 5),
                    valid_end: date(2026, 12, 4),
                    notification_date: None,
                    expected_delivery: Some(date(2026, 2, 1)),
                    actual_delivery: None,
                    authority_report_date: None,
                };
                hr::insert_maternity_case(c, k("0340"), p(201), &case).await?;
                let accident = WorkAccidentCase {
                    accident_number: "A-1".into(),
                    accident_date: date(2026, 3, 2),
                    start_date: date(2026, 3, 2),
                };
                hr::insert_work_accident_case(c, k("0340"), p(201), &accident).await
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("d", InterfaceId::OpretFravaer, "0340"),
        grant("two", InterfaceId::OpretFravaer, "0340"),
        grant("two", InterfaceId::OpretFravaer, "0751"),
    ];
    (dir, common::services(store, grants, ServicesConfig::default()))
}

fn envelope(root: &str, fields: &[(&str, &str)]) -> String {
    let body: String = fields.iter().map(|(n, v)| format!("<{n}>{v}</{n}>")).collect();
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ns0:{root} xmlns:ns0=\"{NS}\">\
         {body}</ns0:{root}></s:Body></s:Envelope>"
    )
}

async fn call_as(
    s: &Services,
    who: &str,
    kommune: Option<&str>,
    service: &str,
    root: &str,
    fields: &[(&str, &str)],
) -> SoapReply {
    let def = find_service(service).unwrap();
    s.handle(def, &system(who), kommune.map(k), envelope(root, fields).as_bytes())
        .await
}

/// SetAbsenceAttendance as `d`, fields in XSD order; the status.
async fn set(s: &Services, fields: &[(&str, &str)]) -> (String, String) {
    let mut sorted = fields.to_vec();
    sorted.sort_by_key(|(n, _)| SET_ORDER.iter().position(|x| x == n).unwrap_or(99));
    let reply = call_as(
        s,
        "d",
        None,
        "SetAbsenceAttendance_OS_SI",
        "SetAbsenceAttendanceRequest_MT",
        &sorted,
    )
    .await;
    status(&payload(&reply))
}

fn day(pernr: &str, code: &str, start: &str, end: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PersonnelNumber", pernr.to_owned()),
        ("AbsenceAttendanceType", code.to_owned()),
        ("StartDate", start.to_owned()),
        ("EndDate", end.to_owned()),
    ]
}

fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(n, x)| (*n, x.as_str())).collect()
}

/// The absence items of 201 in November 2026: (type, start, end, days, hours).
async fn november(s: &Services) -> Vec<(String, String, String, String, String)> {
    let reply = call_as(
        s,
        "d",
        None,
        "GetAbsenceAttendanceByPeriod_OS_SI",
        "GetAbsenceAttendanceByPeriodRequest_MT",
        &[
            ("StartDate", "2026-11-01"),
            ("EndDate", "2026-11-30"),
            ("PersonnelNumber", "201"),
        ],
    )
    .await;
    let e = payload(&reply);
    assert_eq!(status(&e).0, "S");
    let Some(list) = e.child("AbsenceAttendance") else {
        return Vec::new();
    };
    list.children
        .iter()
        .map(|i| {
            let item = i.child("Item").unwrap();
            let t = |n: &str| item.child_text(n).unwrap().to_owned();
            (
                t("AbsenceAttendanceType"),
                t("StartDate"),
                t("EndDate"),
                t("AbsenceAttendanceDays"),
                t("AbsenceAttendanceHours"),
            )
        })
        .collect()
}

#[tokio::test]
async fn ins_read_mod_del_with_fvnv_event_and_audit() {
    let (_dir, s) = fixture().await;
    let (st, text) = set(&s, &refs(&day("201", "SY", "2026-11-24", "2026-11-24"))).await;
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("S", "Fravær SY 2026-11-24 oprettet (1 dag, 7,40 timer)")
    );
    let object_id = keys(&s, Some("201"), "2026-11-01", "2026-11-30").await[0].2.clone();
    assert_eq!(object_id.len(), 32, "{object_id}");
    assert!(
        object_id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
        "{object_id}"
    );
    assert_eq!(
        november(&s).await,
        [(
            "SY".into(),
            "2026-11-24".into(),
            "2026-11-24".into(),
            "1.00".into(),
            "7.40".into()
        )]
    );
    let fvnv = |s: Services| async move {
        hr::records(s.store().pool(), k("0340"), &[p(201)], &RegistrationFilter::current())
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.record.category == Category::FravaerNaervaer)
            .map(|r| {
                (
                    r.record.valid_to.to_string(),
                    r.record.get("FravaersNaervaerstimer").unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(fvnv(s.clone()).await, [("2026-11-24".to_owned(), "7.40".to_owned())]);

    let mut m = day("201", "SY", "2026-11-24", "2026-11-27");
    m.extend([
        ("Operation", "MOD".to_owned()),
        ("OriginalStartDate", "2026-11-24".into()),
        ("OriginalEndDate", "2026-11-24".into()),
        ("OriginalAbsenceAttendanceType", "SY".into()),
    ]);
    assert_eq!(
        set(&s, &refs(&m)).await.1,
        "Fravær SY 2026-11-24–2026-11-27 ændret (4 dage, 29,60 timer)"
    );
    assert_eq!(november(&s).await[0].3, "4.00");
    assert_eq!(
        keys(&s, Some("201"), "2026-11-01", "2026-11-30").await[0].2,
        object_id,
        "MOD keeps the object id"
    );
    assert_eq!(fvnv(s.clone()).await, [("2026-11-27".to_owned(), "29.60".to_owned())]);

    let mut d = day("201", "SY", "2026-11-24", "2026-11-27");
    d.push(("Operation", "DEL".into()));
    assert_eq!(set(&s, &refs(&d)).await.0, "S");
    assert!(november(&s).await.is_empty());
    assert!(fvnv(s.clone()).await.is_empty());

    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["absence.created", "absence.changed", "absence.deleted"]);
    let created = &events[0];
    assert_eq!(created.interface, "opret-fravaer");
    assert_eq!(created.municipality.as_deref(), Some("0340"));
    assert_eq!(created.object_id.as_deref(), Some("00000201"));
    let pl = &created.payload;
    assert_eq!(
        (&pl["pernr"], &pl["object_id"], &pl["type"], &pl["start"], &pl["end"]),
        (
            &"00000201".into(),
            &object_id.clone().into(),
            &"SY".into(),
            &"2026-11-24".into(),
            &"2026-11-24".into()
        )
    );
    assert_eq!((&pl["days"], &pl["hours"]), (&"1.00".into(), &"7.40".into()));
    assert_eq!(events[1].payload["end"], "2026-11-27");
    assert_eq!(events[2].payload["hours"], "29.60");
    let audit = hr::audit(s.store().pool(), k("0340"), Some(p(201)), 100).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for a in ["absence.insert", "absence.change", "absence.delete", "absence.read"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let change = audit.iter().find(|a| a.action == "absence.change").unwrap();
    assert_eq!(
        (
            change.actor.as_str(),
            change.interface.as_str(),
            change.pernr.as_deref()
        ),
        ("system-d", "opret-fravaer", Some("00000201"))
    );
    let d = &change.detail;
    assert_eq!(d["system_id"], "d");
    assert_eq!(d["object_id"], object_id.as_str());
    assert_eq!(
        (&d["before"]["end"], &d["after"]["end"]),
        (&"2026-11-24".into(), &"2026-11-27".into())
    );
    let delete = audit.iter().find(|a| a.action == "absence.delete").unwrap();
    assert!(delete.detail["after"].is_null(), "{:?}", delete.detail);
    let read = audit.iter().find(|a| a.action == "absence.read").unwrap();
    assert!(read.detail["count"].is_u64(), "{:?}", read.detail);
}

#[tokio::test]
async fn every_rule_answers_e_with_a_danish_text() {
    let (_dir, s) = fixture().await;
    let with = |mut v: Vec<(&'static str, String)>, extra: &[(&'static str, &str)]| {
        v.extend(extra.iter().map(|(n, x)| (*n, (*x).to_owned())));
        v
    };
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (
            day("77736333", "SY", "2026-11-24", "2026-11-24"),
            "findes ikke i kommune 0340",
        ),
        (
            day("203", "SY", "2026-11-24", "2026-11-24"),
            "brug medarbejdernummer 00000204",
        ),
        (
            day("201", "XX", "2026-11-24", "2026-11-24"),
            "findes ikke i kommunens fraværskatalog",
        ),
        (day("201", "SY", "2026-11-24", "2026-11-23"), "ligger før"),
        (day("201", "SY", "24-11-2026", "2026-11-24"), "åååå-mm-dd"),
        (
            with(
                day("201", "SY", "2026-11-24", "2026-11-25"),
                &[("StartTime", "08:00:00")],
            ),
            "kun angives",
        ),
        (
            with(day("201", "SY", "2026-11-24", "2026-11-24"), &[("StartTime", "8:00")]),
            "tt:mm:ss",
        ),
        (day("202", "SY", "2026-07-01", "2026-07-01"), "uden for ansættelsen"),
        (day("201", "OS", "2026-11-24", "2026-11-24"), "kræver barnets nummer"),
        (
            with(
                day("201", "OS", "2026-11-24", "2026-11-24"),
                &[("AdditionalData", "09")],
            ),
            "intet barn nummer 09",
        ),
        (
            with(day("201", "OS", "2026-11-24", "2026-11-24"), &[("AdditionalData", "1")]),
            "2 cifre",
        ),
        (
            with(
                day("201", "OS", "2026-11-24", "2026-11-24"),
                &[("AdditionalData", "01")],
            ),
            "aldersgrænsen",
        ),
        (day("201", "TU", "2026-11-24", "2026-11-24"), "årsagskode"),
        (
            with(
                day("201", "TU", "2026-11-24", "2026-11-24"),
                &[("AdditionalData", "01")],
            ),
            "gælder ikke",
        ),
        (
            with(
                day("201", "BA", "2026-11-24", "2026-11-24"),
                &[("AdditionalData", "9999")],
            ),
            "ingen barselssag",
        ),
        (
            with(
                day("201", "BA", "2026-12-24", "2026-12-24"),
                &[("AdditionalData", "0001")],
            ),
            "inden for barselssag",
        ),
        (day("201", "AS", "2026-11-24", "2026-11-24"), "arbejdsskadens nummer"),
        (
            with(
                day("201", "SY", "2026-11-24", "2026-11-24"),
                &[("AdditionalData", "X-9")],
            ),
            "ingen arbejdsskade",
        ),
        (
            with(
                day("201", "FE", "2026-11-24", "2026-11-24"),
                &[("AdditionalData", "01")],
            ),
            "bruger ikke",
        ),
        (
            with(day("201", "SY", "2026-11-24", "2026-11-24"), &[("Operation", "UPD")]),
            "INS, MOD eller DEL",
        ),
        (
            with(day("201", "SY", "2026-11-24", "2026-11-24"), &[("Operation", "MOD")]),
            "Ved MOD",
        ),
        (
            with(
                day("201", "SY", "2026-11-24", "2026-11-24"),
                &[
                    ("Operation", "MOD"),
                    ("OriginalStartDate", "2026-11-02"),
                    ("OriginalEndDate", "2026-11-02"),
                    ("OriginalAbsenceAttendanceType", "SY"),
                ],
            ),
            "intet fravær SY 2026-11-02 at ændre",
        ),
        (
            with(day("201", "SY", "2026-11-24", "2026-11-24"), &[("Operation", "DEL")]),
            "at slette",
        ),
        (
            vec![
                ("PersonnelNumber", "201".into()),
                ("AbsenceAttendanceType", "SY".into()),
            ],
            "StartDate skal angives",
        ),
    ];
    for (fields, want) in cases {
        let (st, text) = set(&s, &refs(&fields)).await;
        assert_eq!(st, "E", "{fields:?}: {text}");
        assert!(text.contains(want), "{fields:?}: {text:?} lacks {want:?}");
    }
    assert!(november(&s).await.is_empty(), "nothing was registered");
    // Links that fit are accepted and shown.
    let ok = [
        with(
            day("201", "SY", "2026-11-02", "2026-11-02"),
            &[("AdditionalData", "A-1")],
        ),
        with(
            day("201", "TU", "2026-11-03", "2026-11-03"),
            &[("AdditionalData", "11")],
        ),
        with(
            day("201", "BA", "2026-11-04", "2026-11-04"),
            &[("AdditionalData", "0001")],
        ),
    ];
    for fields in &ok {
        let (st, text) = set(&s, &refs(fields)).await;
        assert_eq!(st, "S", "{fields:?}: {text}");
    }
    let reply = call_as(
        &s,
        "d",
        None,
        "GetAbsenceAttendanceByPeriod_OS_SI",
        "GetAbsenceAttendanceByPeriodRequest_MT",
        &[
            ("StartDate", "2026-11-01"),
            ("EndDate", "2026-11-30"),
            ("PersonnelNumber", "201"),
        ],
    )
    .await;
    let body = reply.body;
    for want in [
        "<WorkInjury><Item><AccidentNumber>A-1</AccidentNumber>",
        "<ReasonCode>11</ReasonCode>",
        "<MaternityCaseKey>0001</MaternityCaseKey>",
    ] {
        assert!(body.contains(want), "{want} in {body}");
    }
}

#[tokio::test]
async fn collisions_half_days_and_the_care_day_quota() {
    let (_dir, s) = fixture().await;
    let morning = [
        ("StartDate", "2026-11-25"),
        ("EndDate", "2026-11-25"),
        ("EndTime", "11:42:00"),
        ("PersonnelNumber", "201"),
        ("AbsenceAttendanceType", "FE"),
    ];
    assert_eq!(set(&s, &morning).await.0, "S");
    let afternoon = [
        ("StartDate", "2026-11-25"),
        ("StartTime", "11:42:00"),
        ("EndDate", "2026-11-25"),
        ("PersonnelNumber", "201"),
        ("AbsenceAttendanceType", "SY"),
    ];
    assert_eq!(set(&s, &afternoon).await.0, "S", "two half days do not collide");
    let (st, text) = set(&s, &refs(&day("201", "SY", "2026-11-24", "2026-11-26"))).await;
    assert_eq!(st, "E");
    assert!(text.contains("kolliderer"), "{text}");
    let items = november(&s).await;
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.3 == "0.50" && i.4 == "3.70"), "{items:?}");
    // Care days for child 02 (turns 7 in 2026): two, not three.
    for (d, want) in [("2026-11-02", "S"), ("2026-11-03", "S"), ("2026-11-04", "E")] {
        let mut f = day("201", "OS", d, d);
        f.push(("AdditionalData", "02".into()));
        let (st, text) = set(&s, &refs(&f)).await;
        assert_eq!(st, want, "{d}: {text}");
        if want == "E" {
            assert_eq!(
                text,
                "Ikke flere omsorgsdage tilbage for barn 02 i 2026 (2 dage, 2 brugt)"
            );
        }
    }
}

#[tokio::test]
async fn lookups_answer_from_the_hr_data() {
    let (_dir, s) = fixture().await;
    let ask = |service: &'static str, root: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let s = s.clone();
        async move { payload(&call_as(&s, "d", None, service, root, &fields).await) }
    };
    let children = ask(
        "GetChildren_OS_SI",
        "GetChildrenRequest_MT",
        vec![("PersonnelNumber", "201")],
    )
    .await;
    assert_eq!(status(&children).0, "S");
    let list = children.child("Child").unwrap();
    assert_eq!(list.children.len(), 2);
    assert_eq!(list.children[1].child_text("ChildCPRNumber"), Some("1410194321"));
    let born_by = ask(
        "GetChildren_OS_SI",
        "GetChildrenRequest_MT",
        vec![("PersonnelNumber", "201"), ("StartDate", "2018-01-01")],
    )
    .await;
    assert_eq!(born_by.child("Child").unwrap().children.len(), 1);
    let reasons = ask("GetReasons_OS_SI", "GetReasonsRequest_MT", vec![("leaveType", "TM")]).await;
    assert_eq!(reasons.child("Reason").unwrap().children.len(), 7);
    let all = ask("GetReasons_OS_SI", "GetReasonsRequest_MT", vec![]).await;
    assert_eq!(all.child("Reason").unwrap().children.len(), 11);
    let bad = ask("GetReasons_OS_SI", "GetReasonsRequest_MT", vec![("leaveType", "FE")]).await;
    assert_eq!(status(&bad).0, "E");
    let cases = ask(
        "GetMaternityCases_OS_SI",
        "GetMaternityCasesRequest_MT",
        vec![
            ("StartDate", "2026-06-01"),
            ("EndDate", "2026-06-30"),
            ("PersonnelNumber", "201"),
        ],
    )
    .await;
    let item = &cases.child("MaternityCase").unwrap().children[0];
    let names: Vec<&str> = item.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["PersonnelNumber", "MaternityCaseKey", "ValidEndDate", "ValidStartDate"]
    );
    let none = ask(
        "GetMaternityCases_OS_SI",
        "GetMaternityCasesRequest_MT",
        vec![
            ("StartDate", "2025-01-01"),
            ("EndDate", "2025-12-31"),
            ("PersonnelNumber", "201"),
        ],
    )
    .await;
    assert_eq!(status(&none), ("S".into(), "Ingen data fundet".into()));
    assert!(none.child("MaternityCase").is_none());
    let accidents = ask(
        "GetWorkAccidentCases_OS_SI",
        "GetWorkAccidentCasesRequest_MT",
        vec![("PersonnelNumber", "201")],
    )
    .await;
    assert_eq!(
        accidents.child("AccidentCase").unwrap().children[0].child_text("AccidentNumber"),
        Some("A-1")
    );
    let unknown = ask(
        "GetChildren_OS_SI",
        "GetChildrenRequest_MT",
        vec![("PersonnelNumber", "999")],
    )
    .await;
    assert_eq!(status(&unknown).0, "E");
}

#[tokio::test]
async fn the_municipality_comes_from_the_grant_or_kommune() {
    let (_dir, s) = fixture().await;
    let fields = [
        ("StartDate", "2026-11-24"),
        ("EndDate", "2026-11-24"),
        ("PersonnelNumber", "201"),
        ("AbsenceAttendanceType", "SY"),
    ];
    let go = |who: &'static str, kommune: Option<&'static str>| {
        let s = s.clone();
        async move {
            call_as(
                &s,
                who,
                kommune,
                "SetAbsenceAttendance_OS_SI",
                "SetAbsenceAttendanceRequest_MT",
                &fields,
            )
            .await
        }
    };
    assert_eq!(go("none", None).await.status, 403);
    let ambiguous = go("two", None).await;
    assert_eq!(ambiguous.status, 403);
    assert!(ambiguous.body.contains("0340, 0751"), "{}", ambiguous.body);
    assert_eq!(go("d", Some("0751")).await.status, 403, "d has no grant for 0751");
    let chosen = go("two", Some("0340")).await;
    assert_eq!(status(&payload(&chosen)).0, "S");
    // Structure errors are Client faults, not "E".
    let bad = call_as(
        &s,
        "d",
        None,
        "SetAbsenceAttendance_OS_SI",
        "SetAbsenceAttendanceRequest_MT",
        &[("Unknown", "x")],
    )
    .await;
    assert_eq!(bad.status, 500);
    assert!(bad.body.contains("Ukendt element Unknown"), "{}", bad.body);
}

/// GetAbsenceAttendanceByPeriod as `d`: the answer's payload.
async fn by_period(s: &Services, pernr: Option<&str>, from: &str, to: &str) -> Element {
    let mut fields = vec![("StartDate", from), ("EndDate", to)];
    fields.extend(pernr.map(|p| ("PersonnelNumber", p)));
    let reply = call_as(
        s,
        "d",
        None,
        "GetAbsenceAttendanceByPeriod_OS_SI",
        "GetAbsenceAttendanceByPeriodRequest_MT",
        &fields,
    )
    .await;
    payload(&reply)
}

/// The `Key`s of a period's absences: (PersonnelNumber, AbsenceAttendanceType, ObjectId, RecordNumber, StartDate).
async fn keys(
    s: &Services,
    pernr: Option<&str>,
    from: &str,
    to: &str,
) -> Vec<(String, String, String, String, String)> {
    let e = by_period(s, pernr, from, to).await;
    let Some(list) = e.child("AbsenceAttendance") else {
        return Vec::new();
    };
    list.children
        .iter()
        .map(|i| {
            let key = i.child("Key").unwrap();
            let t = |n: &str| key.child_text(n).unwrap().to_owned();
            (
                t("PersonnelNumber"),
                t("AbsenceAttendanceType"),
                t("ObjectId"),
                t("RecordNumber"),
                t("StartDate"),
            )
        })
        .collect()
}

/// The `Item`s of a period's absences as (AbsenceAttendanceDays, AbsenceAttendanceHours,
/// AbsenceAttendanceCalendarDays).
async fn costs(s: &Services, pernr: &str, from: &str, to: &str) -> Vec<(String, String, String)> {
    let e = by_period(s, Some(pernr), from, to).await;
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));
    e.child("AbsenceAttendance")
        .map(|l| {
            l.children
                .iter()
                .map(|i| {
                    let item = i.child("Item").unwrap();
                    let t = |n: &str| item.child_text(n).unwrap().to_owned();
                    (
                        t("AbsenceAttendanceDays"),
                        t("AbsenceAttendanceHours"),
                        t("AbsenceAttendanceCalendarDays"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn hours_come_from_the_current_schedule_and_holidays_cost_nothing() {
    let (_dir, s) = fixture().await;
    // Monday to Friday with Kristi himmelfartsdag (Thursday 14 May 2026) on the standard 37-hour week.
    let (st, text) = set(&s, &refs(&day("201", "FE", "2026-05-11", "2026-05-15"))).await;
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("S", "Fravær FE 2026-05-11–2026-05-15 oprettet (4 dage, 29,60 timer)")
    );
    assert_eq!(
        costs(&s, "201", "2026-05-01", "2026-05-31").await,
        [("4.00".into(), "29.60".into(), "5".into())]
    );
    // A four-day week (Monday–Thursday, 9.25 hours) from May on: the same absence now costs three days.
    let mut pattern = WeekPattern {
        days: [DayPlan::OFF; 7],
    };
    for d in pattern.days.iter_mut().take(4) {
        *d = DayPlan::from(time(7, 0, 0, 0), "9.25".parse().unwrap());
    }
    let schedule = WorkSchedule {
        valid_from: date(2026, 5, 1),
        valid_to: date(2026, 12, 31),
        kind: "4DAG".into(),
        text: "Firedagesuge".into(),
        pattern,
    };
    s.store()
        .write(move |c| {
            let schedule = schedule.clone();
            Box::pin(async move {
                let now = snitflade_store::now_text();
                snitflade_store::schedules::insert_schedule(c, k("0340"), p(201), "S1", &schedule, "test", &now)
                    .await
                    .map(|_| ())
            })
        })
        .await
        .unwrap();
    assert_eq!(
        costs(&s, "201", "2026-05-01", "2026-05-31").await,
        [("3.00".into(), "27.75".into(), "5".into())]
    );
    // Part of a day on the new schedule: 07:00–11:30 is 4.50 of 9.25 hours.
    let half = [
        ("StartDate", "2026-05-18"),
        ("StartTime", "07:00:00"),
        ("EndDate", "2026-05-18"),
        ("EndTime", "11:30:00"),
        ("PersonnelNumber", "201"),
        ("AbsenceAttendanceType", "SY"),
    ];
    assert_eq!(set(&s, &half).await.0, "S");
    assert_eq!(
        costs(&s, "201", "2026-05-18", "2026-05-18").await,
        [("0.49".into(), "4.50".into(), "1".into())]
    );
    // A whole-day absence on a day off costs nothing but is registered.
    assert_eq!(
        set(&s, &refs(&day("201", "SY", "2026-05-22", "2026-05-22"))).await.0,
        "S"
    );
    assert_eq!(
        costs(&s, "201", "2026-05-22", "2026-05-22").await,
        [("0.00".into(), "0.00".into(), "1".into())]
    );
}

#[tokio::test]
async fn the_municipality_wide_read_numbers_equal_records_and_shows_links() {
    let (_dir, s) = fixture().await;
    let half = |from: &'static str, to: &'static str| {
        [
            ("StartDate", "2026-11-25"),
            ("StartTime", from),
            ("EndDate", "2026-11-25"),
            ("EndTime", to),
            ("PersonnelNumber", "201"),
            ("AbsenceAttendanceType", "SY"),
        ]
    };
    assert_eq!(set(&s, &half("08:00:00", "11:42:00")).await.0, "S");
    assert_eq!(set(&s, &half("11:42:00", "15:24:00")).await.0, "S");
    let mut care = day("201", "OS", "2026-11-02", "2026-11-02");
    care.push(("AdditionalData", "02".into()));
    assert_eq!(set(&s, &refs(&care)).await.0, "S");
    assert_eq!(
        set(&s, &refs(&day("204", "SY", "2026-11-10", "2026-11-11"))).await.0,
        "S"
    );
    assert_eq!(
        set(&s, &refs(&day("204", "SY", "2026-12-10", "2026-12-11"))).await.0,
        "S"
    );

    let all = keys(&s, None, "2026-11-01", "2026-11-30").await;
    let rows: Vec<(&str, &str, &str, &str)> = all
        .iter()
        .map(|(p, t, _, r, d)| (p.as_str(), t.as_str(), r.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("00000201", "OS", "000", "2026-11-02"),
            ("00000201", "SY", "000", "2026-11-25"),
            ("00000201", "SY", "001", "2026-11-25"),
            ("00000204", "SY", "000", "2026-11-10"),
        ]
    );
    let e = by_period(&s, None, "2026-11-01", "2026-11-30").await;
    assert_eq!(status(&e), ("S".into(), "4 fravær fundet 2026-11-01–2026-11-30".into()));
    let items = &e.child("AbsenceAttendance").unwrap().children;
    let comp = items[0].child("Item").unwrap().child("CompLeave").unwrap();
    let comp = comp.child("Item").unwrap();
    assert_eq!(
        (comp.child_text("ChildNumber"), comp.child_text("ChildCPRNumber")),
        (Some("02"), Some("1410194321"))
    );
    let morning = items[1].child("Item").unwrap();
    assert_eq!(
        (morning.child_text("StartTime"), morning.child_text("EndTime")),
        (Some("08:00:00"), Some("11:42:00"))
    );
    let whole = items[3].child("Item").unwrap();
    assert_eq!(
        (whole.child_text("StartTime"), whole.child_text("EndTime")),
        (Some("00:00:00"), Some("00:00:00"))
    );
    for group in ["Maternity", "Reason", "WorkInjury", "CompLeave"] {
        assert!(whole.child(group).is_none(), "no empty {group}");
    }
    // An open end reaches December; an unknown employee and a reversed period are "E" in ReturnStatus/item.
    assert_eq!(keys(&s, Some("204"), "2026-11-01", "9999-12-31").await.len(), 2);
    let unknown = by_period(&s, Some("999"), "2026-11-01", "2026-11-30").await;
    assert_eq!(
        status(&unknown),
        (
            "E".into(),
            "Medarbejdernummer 00000999 findes ikke i kommune 0340".into()
        )
    );
    assert!(unknown.child("AbsenceAttendance").is_none());
    let reversed = by_period(&s, Some("201"), "2026-11-30", "2026-11-01").await;
    assert_eq!(status(&reversed).0, "E");
    let nothing = by_period(&s, Some("201"), "2025-01-01", "2025-12-31").await;
    assert_eq!(
        status(&nothing),
        ("S".into(), "Intet fravær 2025-01-01–2025-12-31".into())
    );
}

#[tokio::test]
async fn mod_and_del_find_the_record_by_its_original_fields() {
    let (_dir, s) = fixture().await;
    for d in ["2026-11-24", "2026-11-26"] {
        assert_eq!(set(&s, &refs(&day("201", "SY", d, d))).await.0, "S");
    }
    let original = |op: &'static str, start: &'static str, end: &'static str| {
        [
            ("Operation", op),
            ("OriginalStartDate", start),
            ("OriginalEndDate", end),
            ("OriginalAbsenceAttendanceType", "SY"),
        ]
    };
    let with = |mut v: Vec<(&'static str, String)>, extra: &[(&'static str, &'static str)]| {
        v.extend(extra.iter().map(|(n, x)| (*n, (*x).to_owned())));
        v
    };
    // MOD checks collisions with the other records, not with the one it changes.
    let (st, text) = set(
        &s,
        &refs(&with(
            day("201", "SY", "2026-11-24", "2026-11-26"),
            &original("MOD", "2026-11-24", "2026-11-24"),
        )),
    )
    .await;
    assert_eq!(st, "E");
    assert!(
        text.contains("kolliderer med det registrerede fravær SY 2026-11-26"),
        "{text}"
    );
    let modified = with(
        day("201", "SY", "2026-11-24", "2026-11-25"),
        &original("MOD", "2026-11-24", "2026-11-24"),
    );
    assert_eq!(set(&s, &refs(&modified)).await.0, "S");
    // The original fields, not the main ones, name the record to delete.
    let (st, text) = set(
        &s,
        &refs(&with(
            day("201", "SY", "2026-11-26", "2026-11-26"),
            &original("DEL", "2026-11-24", "2026-11-25"),
        )),
    )
    .await;
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("S", "Fravær SY 2026-11-24–2026-11-25 slettet (2 dage, 14,80 timer)")
    );
    let left = keys(&s, Some("201"), "2026-11-01", "2026-11-30").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].4, "2026-11-26");
    // A whole-day record matches 00:00:00–00:00:00 as well as no times at all.
    let midnight = with(
        day("201", "SY", "2026-11-26", "2026-11-26"),
        &[("StartTime", "00:00:00"), ("EndTime", "00:00:00"), ("Operation", "DEL")],
    );
    assert_eq!(set(&s, &refs(&midnight)).await.0, "S");
    assert!(keys(&s, Some("201"), "2026-11-01", "2026-11-30").await.is_empty());
    // A half day is named by its times; without them nothing matches.
    let half = [
        ("StartDate", "2026-11-27"),
        ("StartTime", "08:00:00"),
        ("EndDate", "2026-11-27"),
        ("EndTime", "11:42:00"),
        ("PersonnelNumber", "201"),
        ("AbsenceAttendanceType", "SY"),
    ];
    assert_eq!(set(&s, &half).await.0, "S");
    let (st, text) = set(
        &s,
        &refs(&with(
            day("201", "SY", "2026-11-27", "2026-11-27"),
            &[("Operation", "DEL")],
        )),
    )
    .await;
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("E", "Der findes intet fravær SY 2026-11-27 at slette")
    );
    let mut del = half.to_vec();
    del.push(("Operation", "DEL"));
    assert_eq!(set(&s, &del).await.0, "S");
    // Times out of order, and original fields given only in part.
    let (st, text) = set(
        &s,
        &refs(&with(
            day("201", "SY", "2026-11-27", "2026-11-27"),
            &[("StartTime", "12:00:00"), ("EndTime", "08:00:00")],
        )),
    )
    .await;
    assert_eq!(st, "E");
    assert!(
        text.contains("EndTime 08:00:00 skal ligge efter StartTime 12:00:00"),
        "{text}"
    );
    let (st, text) = set(
        &s,
        &refs(&with(
            day("201", "SY", "2026-11-27", "2026-11-27"),
            &[("Operation", "MOD"), ("OriginalStartDate", "2026-11-27")],
        )),
    )
    .await;
    assert_eq!(st, "E");
    assert!(text.contains("skal angives sammen"), "{text}");
}

#[test]
fn the_schema_check_catches_order_and_unknown_elements() {
    let parse = |xml: &str| snitflade_soap::parse_document(xml.as_bytes(), &Limits::default()).unwrap();
    let ok = parse(&format!(
        "<ns0:GetChildrenResponse_MT xmlns:ns0=\"{NS}\"><ReturnStatus><StatusType>S</StatusType></ReturnStatus>\
         <Child><Item><ChildNumber>01</ChildNumber></Item><Item><LastName>B</LastName></Item></Child>\
         </ns0:GetChildrenResponse_MT>"
    ));
    assert_eq!(check_schema("GetChildren_OS_SI", &ok), Ok(()));
    for bad in [
        "<ReturnStatus><MessageText>x</MessageText><StatusType>S</StatusType></ReturnStatus>",
        "<Child/><ReturnStatus/>",
        "<ReturnStatus/><ReturnStatus/>",
        "<ReturnStatus><Other/></ReturnStatus>",
        "<ReturnStatus><StatusType><x/></StatusType></ReturnStatus>",
    ] {
        let e = parse(&format!(
            "<ns0:GetChildrenResponse_MT xmlns:ns0=\"{NS}\">{bad}</ns0:GetChildrenResponse_MT>"
        ));
        assert!(check_schema("GetChildren_OS_SI", &e).is_err(), "{bad}");
    }
}

/// A request: ServiceInterface, root element, fields.
type Request<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn every_answer_follows_its_wsdl_schema() {
    let (_dir, s) = fixture().await;
    let registrations: [&[(&str, &str)]; 5] = [
        &[
            ("StartDate", "2026-11-02"),
            ("EndDate", "2026-11-02"),
            ("AdditionalData", "A-1"),
            ("PersonnelNumber", "201"),
            ("AbsenceAttendanceType", "SY"),
        ],
        &[
            ("StartDate", "2026-11-03"),
            ("EndDate", "2026-11-03"),
            ("AdditionalData", "11"),
            ("PersonnelNumber", "201"),
            ("AbsenceAttendanceType", "TU"),
        ],
        &[
            ("StartDate", "2026-11-04"),
            ("EndDate", "2026-11-04"),
            ("AdditionalData", "0001"),
            ("PersonnelNumber", "201"),
            ("AbsenceAttendanceType", "BA"),
        ],
        &[
            ("StartDate", "2026-11-05"),
            ("EndDate", "2026-11-05"),
            ("AdditionalData", "02"),
            ("PersonnelNumber", "201"),
            ("AbsenceAttendanceType", "OS"),
        ],
        &[
            ("StartDate", "2026-11-06"),
            ("EndDate", "2026-11-06"),
            ("PersonnelNumber", "201"),
            ("AbsenceAttendanceType", "XX"),
        ],
    ];
    let mut calls: Vec<Request> = registrations
        .iter()
        .map(|f| {
            (
                "SetAbsenceAttendance_OS_SI",
                "SetAbsenceAttendanceRequest_MT",
                f.to_vec(),
            )
        })
        .collect();
    let period = (
        "GetAbsenceAttendanceByPeriod_OS_SI",
        "GetAbsenceAttendanceByPeriodRequest_MT",
    );
    calls.extend([
        (
            period.0,
            period.1,
            vec![
                ("VendorUUID", "x"),
                ("StartDate", "2026-11-01"),
                ("EndDate", "2026-11-30"),
                ("PersonnelNumber", "201"),
            ],
        ),
        (
            period.0,
            period.1,
            vec![("StartDate", "2026-11-01"), ("PersonnelNumber", "999")],
        ),
        (
            "GetChildren_OS_SI",
            "GetChildrenRequest_MT",
            vec![("PersonnelNumber", "201")],
        ),
        (
            "GetChildren_OS_SI",
            "GetChildrenRequest_MT",
            vec![("PersonnelNumber", "999")],
        ),
        (
            "GetMaternityCases_OS_SI",
            "GetMaternityCasesRequest_MT",
            vec![("PersonnelNumber", "201")],
        ),
        (
            "GetMaternityCases_OS_SI",
            "GetMaternityCasesRequest_MT",
            vec![("MaternityType", "99"), ("PersonnelNumber", "201")],
        ),
        (
            "GetReasons_OS_SI",
            "GetReasonsRequest_MT",
            vec![("PersonnelNumber", "201"), ("leaveType", "TU")],
        ),
        ("GetReasons_OS_SI", "GetReasonsRequest_MT", vec![("leaveType", "SY")]),
        (
            "GetWorkAccidentCases_OS_SI",
            "GetWorkAccidentCasesRequest_MT",
            vec![("PersonnelNumber", "201")],
        ),
        (
            "GetWorkAccidentCases_OS_SI",
            "GetWorkAccidentCasesRequest_MT",
            vec![("StartDate", "bad"), ("PersonnelNumber", "201")],
        ),
    ]);
    let mut statuses = Vec::new();
    for (service, root, fields) in &calls {
        let e = payload(&call_as(&s, "d", None, service, root, fields).await);
        if let Err(why) = check_schema(service, &e) {
            panic!("{service} {fields:?}: {why}");
        }
        statuses.push(status(&e).0);
    }
    assert_eq!(
        statuses,
        [
            "S", "S", "S", "S", "E", "S", "E", "S", "E", "S", "S", "S", "E", "S", "E"
        ]
    );
    // The period answer carries all four link groups.
    let e = by_period(&s, Some("201"), "2026-11-01", "2026-11-30").await;
    let groups: Vec<&str> = e
        .child("AbsenceAttendance")
        .unwrap()
        .children
        .iter()
        .flat_map(|i| {
            i.child("Item")
                .unwrap()
                .children
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| ["Maternity", "Reason", "WorkInjury", "CompLeave"].contains(n))
        })
        .collect();
    assert_eq!(groups, ["WorkInjury", "Reason", "Maternity", "CompLeave"]);
}

#[tokio::test]
async fn a_read_of_more_than_ten_thousand_absences_asks_to_narrow_it() {
    let (_dir, s) = fixture().await;
    s.store()
        .write(|c| {
            Box::pin(async move {
                let now = snitflade_store::now_text();
                for i in 0..10_001 {
                    let d = date(2026, 1, 1) + jiff::Span::new().days(i % 365);
                    let a = Absence {
                        object_id: format!("{i:032X}"),
                        type_code: "SY".into(),
                        period: AbsencePeriod {
                            start: d,
                            end: d,
                            start_time: None,
                            end_time: None,
                        },
                        additional: String::new(),
                        registered_by: "test".into(),
                    };
                    snitflade_store::absence::insert_absence(c, k("0340"), p(204), &a, &now).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let e = by_period(&s, None, "2026-01-01", "2026-12-31").await;
    let (st, text) = status(&e);
    assert_eq!(st, "E");
    assert!(text.contains("afgræns perioden"), "{text}");
    assert!(e.child("AbsenceAttendance").is_none());
    // A narrower period is answered.
    assert_eq!(keys(&s, Some("204"), "2026-01-01", "2026-01-01").await.len(), 28);
}
