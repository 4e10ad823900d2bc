//! Opret fravær in process (no HTTP or TLS), on a small fixture of its own: SetAbsenceAttendance INS/MOD/DEL
//! and every rule that answers "E", GetAbsenceAttendanceByPeriod with hours from the schedule, the four lookups,
//! the FVNV records, the outbox event and the audit trail, and the municipality rule of CONTRACT §5.

mod common;

use common::{grant, system};
use jiff::civil::date;
use snitflade_domain::hr::{Category, Child, Employment, EmploymentStatus, MaternityCase, WorkAccidentCase};
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig, SoapReply, find_service};
use snitflade_soap::{Element, Limits, parse_envelope};
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

/// The answer's payload element (HTTP 200 required).
fn payload(reply: &SoapReply) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    parse_envelope(reply.body.as_bytes(), &Limits::default())
        .unwrap()
        .payload
}

/// `(StatusType, MessageText)` of either ReturnStatus form.
fn status(e: &Element) -> (String, String) {
    let rs = e.child("ReturnStatus").expect("ReturnStatus");
    let rs = rs.child("item").unwrap_or(rs);
    (
        rs.child_text("StatusType").unwrap_or_default().to_owned(),
        rs.child_text("MessageText").unwrap_or_default().to_owned(),
    )
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
    assert_eq!(st, "S", "{text}");
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
    assert_eq!(set(&s, &refs(&m)).await.0, "S");
    assert_eq!(november(&s).await[0].3, "4.00");
    assert_eq!(fvnv(s.clone()).await, [("2026-11-27".to_owned(), "29.60".to_owned())]);

    let mut d = day("201", "SY", "2026-11-24", "2026-11-27");
    d.push(("Operation", "DEL".into()));
    assert_eq!(set(&s, &refs(&d)).await.0, "S");
    assert!(november(&s).await.is_empty());
    assert!(fvnv(s.clone()).await.is_empty());

    let events = snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["absence.created", "absence.changed", "absence.deleted"]);
    let audit = hr::audit(s.store().pool(), k("0340"), Some(p(201)), 100).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for a in ["absence.insert", "absence.change", "absence.delete", "absence.read"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
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
            assert!(text.contains("omsorgsdage for barn 02"), "{text}");
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
