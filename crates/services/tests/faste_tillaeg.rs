//! Faste tillæg in process: supplements registered, changed, ended, deleted and read; every rule with its
//! code; cut at the leave date; an audit entry and an outbox event per change; answers valid against the
//! published WSDLs.

mod common;

use common::grant;
use common::sap::{call_as, payload, status};
use common::schema::check_schema;
use jiff::civil::date;
use snitflade_domain::hr::{Employment, EmploymentStatus};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig};
use snitflade_soap::Element;
use snitflade_store::testing::TestDb;
use snitflade_store::{hr, outbox, payroll};
use tempfile::TempDir;

const NS: &str = "urn:snitflade:opus:faste-tillaeg:1";
const SET: &str = "SetFixedSupplement_OS_SI";
const GET: &str = "GetFixedSupplements_OS_SI";

fn k() -> Kommunekode {
    Kommunekode::parse("0340").unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

/// 401 (since 2015), 402 (left 30 June 2026), 403 (locked) in 0340. System `l` has the interface in 0340 and
/// 0751, `k` in 0340 only, `none` nothing.
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
        &["l", "k", "none"],
    )
    .await;
    store
        .write(|c| {
            Box::pin(async move {
                for (n, leave) in [(401, None), (402, Some(date(2026, 6, 30))), (403, None)] {
                    let e = Employment {
                        leave_date: leave,
                        status: if leave.is_some() {
                            EmploymentStatus::Left
                        } else {
                            EmploymentStatus::Active
                        },
                        ..common::employment("0340", n, "0101701234")
                    };
                    hr::upsert_employment(c, &e, None).await?;
                }
                payroll::lock(c, k(), p(403), "genberegning", "test").await
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("l", InterfaceId::FasteTillaeg, "0340"),
        grant("l", InterfaceId::FasteTillaeg, "0751"),
        grant("k", InterfaceId::FasteTillaeg, "0340"),
    ];
    common::services(store, grants, ServicesConfig::default())
}

/// A SetFixedSupplement as `k` (0340 only): (StatusType, MessageText, SupplementId), the answer checked
/// against the WSDL.
async fn set(s: &Services, body: &str) -> (String, String, Option<String>) {
    let e = payload(&call_as(s, "k", None, SET, NS, body).await);
    check_schema(SET, &e).unwrap();
    let (st, text) = status(&e);
    (st, text, e.child_text("SupplementId").map(str::to_owned))
}

async fn set_ok(s: &Services, body: &str) -> String {
    let (st, text, id) = set(s, body).await;
    assert_eq!(st, "S", "{text}");
    id.expect("a SupplementId")
}

async fn set_err(s: &Services, body: &str) -> String {
    let (st, text, id) = set(s, body).await;
    assert_eq!((st.as_str(), id), ("E", None), "{text}");
    text
}

async fn get(s: &Services, body: &str) -> Element {
    let e = payload(&call_as(s, "k", None, GET, NS, body).await);
    check_schema(GET, &e).unwrap();
    e
}

/// The items of a GetFixedSupplements answer.
fn items(e: &Element) -> Vec<&Element> {
    e.child("FixedSupplement")
        .map(|f| f.children_named("item").collect())
        .unwrap_or_default()
}

const FUNCTION: &str = "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><WageType>2010</WageType>\
    <Amount>1250</Amount><StartDate>2026-01-01</StartDate><Text>Funktionstillæg, teamleder</Text>";

#[tokio::test]
async fn register_change_end_delete_and_read() {
    let (_d, s) = fixture().await;
    let id = set_ok(&s, FUNCTION).await;
    let on_call = set_ok(
        &s,
        "<Operation>INS</Operation><PersonnelNumber>401</PersonnelNumber><WageType>2030</WageType>\
         <Quantity>4</Quantity><Frequency>M</Frequency><StartDate>2026-02-01</StartDate><EndDate>2026-12-31</EndDate>\
         <PspElement>XG-0000000001-00001</PspElement>",
    )
    .await;
    let e = get(&s, "<PersonnelNumber>401</PersonnelNumber>").await;
    assert_eq!(status(&e), ("S".into(), "2 fast(e) tillæg fundet".into()));
    let got = items(&e);
    assert_eq!(got.len(), 2);
    let first = got[0];
    assert_eq!(first.child_text("SupplementId"), Some(id.as_str()));
    assert_eq!(first.child_text("WageTypeText"), Some("Funktionstillæg"));
    assert_eq!(first.child_text("Unit"), Some("beløb"));
    assert_eq!(first.child_text("Amount"), Some("1250.00"));
    assert_eq!(first.child_text("Frequency"), Some("M"));
    assert_eq!(first.child_text("EndDate"), Some("9999-12-31"));
    assert_eq!(first.child_text("Text"), Some("Funktionstillæg, teamleder"));
    assert_eq!(got[1].child_text("Quantity"), Some("4.00"));
    assert_eq!(got[1].child_text("PspElement"), Some("XG-0000000001-00001"));

    // MOD: a new amount; the rest stays.
    let changed = set_ok(
        &s,
        &format!("<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>{id}</SupplementId><Amount>1500.50</Amount>"),
    )
    .await;
    assert_eq!(changed, id);
    // END on 30 June; a period read after that no longer shows it.
    let (st, text, _) = set(
        &s,
        &format!("<Operation>END</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>{id}</SupplementId><EndDate>2026-06-30</EndDate>"),
    )
    .await;
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("S", "Fast tillæg afsluttet (lønart 2010, 2026-01-01–2026-06-30)")
    );
    let july = get(
        &s,
        "<PersonnelNumber>401</PersonnelNumber><StartDate>2026-07-01</StartDate>",
    )
    .await;
    assert_eq!(items(&july).len(), 1);
    let all = get(&s, "<PersonnelNumber>401</PersonnelNumber>").await;
    let ended = items(&all)
        .into_iter()
        .find(|i| i.child_text("SupplementId") == Some(id.as_str()))
        .unwrap();
    assert_eq!(
        (ended.child_text("Amount"), ended.child_text("EndDate")),
        (Some("1500.50"), Some("2026-06-30"))
    );
    // Now a new function supplement may start on 1 July.
    set_ok(&s, &FUNCTION.replace("2026-01-01", "2026-07-01")).await;
    // DEL
    set_ok(
        &s,
        &format!(
            "<Operation>DEL</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>{on_call}</SupplementId>"
        ),
    )
    .await;
    assert_eq!(items(&get(&s, "<PersonnelNumber>401</PersonnelNumber>").await).len(), 2);

    let events = outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "fixed_supplement.created",
            "fixed_supplement.created",
            "fixed_supplement.changed",
            "fixed_supplement.ended",
            "fixed_supplement.created",
            "fixed_supplement.deleted"
        ]
    );
    assert_eq!(events[2].payload["amount"], "1500.50");
    let audit = hr::audit(s.store().pool(), k(), Some(p(401)), 100).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "fixed_supplement.read"));
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action.starts_with("fixed_supplement.") && a.action != "fixed_supplement.read")
            .count(),
        6
    );
}

/// A MOD with a StartDate inside the supplement's period is effective-dated (SAP style): the values before the
/// date stay, as a supplement of their own up to the day before; the SupplementId goes on with the new values.
#[tokio::test]
async fn a_change_from_a_date_keeps_the_history_on_every_engine() {
    for db in TestDb::all().await {
        let s = fixture_at(&db.url).await;
        change_from_a_date(&s).await;
        db.cleanup().await;
    }
}

/// (SupplementId, Amount, StartDate, EndDate) of each item of a GetFixedSupplements answer.
fn periods(e: &Element) -> Vec<[String; 4]> {
    items(e)
        .iter()
        .map(|i| ["SupplementId", "Amount", "StartDate", "EndDate"].map(|n| i.child_text(n).unwrap_or("").to_owned()))
        .collect()
}

fn period(id: &str, amount: &str, from: &str, to: &str) -> [String; 4] {
    [id, amount, from, to].map(str::to_owned)
}

async fn change_from_a_date(s: &Services) {
    let id = set_ok(s, FUNCTION).await;
    let modify = |rest: &str| {
        format!(
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>{id}</SupplementId>{rest}"
        )
    };
    // From 1 April 1500 kr.: January–March keep 1250 kr.
    let (st, text, answered) = set(s, &modify("<Amount>1500</Amount><StartDate>2026-04-01</StartDate>")).await;
    assert_eq!((st.as_str(), answered.as_deref()), ("S", Some(id.as_str())), "{text}");
    let all = get(s, "<PersonnelNumber>401</PersonnelNumber>").await;
    let got = periods(&all);
    assert_eq!(got.len(), 2, "{got:?}");
    let history = got[0][0].clone();
    assert_ne!(history, id);
    assert_eq!(
        got,
        [
            period(&history, "1250.00", "2026-01-01", "2026-03-31"),
            period(&id, "1500.00", "2026-04-01", "9999-12-31"),
        ]
    );
    assert_eq!(
        text,
        format!(
            "Fast tillæg ændret (lønart 2010, 2026-04-01–9999-12-31); de hidtidige værdier gælder \
             2026-01-01–2026-03-31 som tillæg {history}"
        )
    );
    assert_eq!(items(&all)[0].child_text("Text"), Some("Funktionstillæg, teamleder"));
    // A period read of February shows the old amount only.
    let february = get(
        s,
        "<PersonnelNumber>401</PersonnelNumber><StartDate>2026-02-01</StartDate><EndDate>2026-02-28</EndDate>",
    )
    .await;
    assert_eq!(
        periods(&february),
        [period(&history, "1250.00", "2026-01-01", "2026-03-31")]
    );

    // A MOD without StartDate (or with the start itself) corrects the supplement from its start; the history stays.
    set_ok(s, &modify("<Amount>1600</Amount>")).await;
    set_ok(s, &modify("<Amount>1700</Amount><StartDate>2026-04-01</StartDate>")).await;
    assert_eq!(
        periods(&get(s, "<PersonnelNumber>401</PersonnelNumber>").await),
        [
            period(&history, "1250.00", "2026-01-01", "2026-03-31"),
            period(&id, "1700.00", "2026-04-01", "9999-12-31"),
        ]
    );
    // A change from a date that changes no value, or from after the end, is refused; nothing changes.
    let text = set_err(s, &modify("<StartDate>2026-07-01</StartDate>")).await;
    assert!(text.contains("ændrer ingen værdier"), "{text}");
    set_ok(
        s,
        &format!("<Operation>END</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>{id}</SupplementId><EndDate>2026-12-31</EndDate>"),
    )
    .await;
    let text = set_err(s, &modify("<Amount>1800</Amount><StartDate>2027-01-01</StartDate>")).await;
    assert!(text.contains("ligger efter tillæggets slutdato 2026-12-31"), "{text}");
    // The history is a supplement like any other: it keeps its period against a new one of the wage type.
    let text = set_err(s, &FUNCTION.replace("2026-01-01", "2026-03-01")).await;
    assert!(text.contains("(kode 934)") && text.contains(&history), "{text}");

    // The outbox: the supplement, its history (naming what it is the history of), the change from April.
    let events = outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let seen: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .take(3)
        .map(|e| {
            let f = |n: &str| e.payload[n].as_str().unwrap_or("");
            (e.kind.as_str(), f("supplement_id"), f("amount"), f("valid_from"))
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("fixed_supplement.created", id.as_str(), "1250.00", "2026-01-01"),
            ("fixed_supplement.created", history.as_str(), "1250.00", "2026-01-01"),
            ("fixed_supplement.changed", id.as_str(), "1500.00", "2026-04-01"),
        ]
    );
    assert_eq!(events[1].payload["valid_to"], "2026-03-31");
    assert_eq!(events[1].payload["history_of"], id.as_str());
    let audit = hr::audit(s.store().pool(), k(), Some(p(401)), 100).await.unwrap();
    let change = audit
        .iter()
        .rev()
        .find(|a| a.action == "fixed_supplement.changed")
        .unwrap();
    assert_eq!(change.detail["history"]["supplement_id"], history.as_str());
    assert_eq!(change.detail["before"]["valid_from"], "2026-01-01");
    assert_eq!(change.detail["after"]["valid_from"], "2026-04-01");
}

#[tokio::test]
async fn every_rule_has_its_code() {
    let (_d, s) = fixture().await;
    let cases = [
        (
            FUNCTION.replace("2010", "6001"),
            "kan ikke registreres som fast tillæg (kode 933)",
        ),
        (
            FUNCTION.replace("2010", "4711"),
            "findes ikke i kommunens lønartskatalog (kode 920)",
        ),
        (
            FUNCTION.replace("<Amount>1250</Amount>", ""),
            "Lønart 2010 opgøres i beløb: angiv Amount (kode 922)",
        ),
        (
            FUNCTION.replace("<Amount>1250</Amount>", "<Amount>1250</Amount><Quantity>2</Quantity>"),
            "Quantity kan ikke angives for lønart 2010, der opgøres i beløb (kode 930)",
        ),
        (
            FUNCTION.replace("2026-01-01", "2014-12-31"),
            "ikke ansat den 2014-12-31 (kode 925)",
        ),
        (
            FUNCTION.replace("<StartDate>", "<EndDate>2025-12-31</EndDate><StartDate>"),
            "Slutdato 2025-12-31 ligger før startdato 2026-01-01 (kode 935)",
        ),
        (
            FUNCTION.replace("<Text>", "<CostCenter>9999999999</CostCenter><Text>"),
            "Angiv gyldigt omkostningssted (kode 119)",
        ),
        (
            FUNCTION.replace("<Text>", "<PspElement>XG-0000000009-00001</PspElement><Text>"),
            "PSP element XG-0000000009-00001 er ikke gyldigt (kode 151)",
        ),
        (
            FUNCTION.replace(
                "<Text>",
                "<CostCenter>1000000001</CostCenter><PspElement>XG-0000000001-00001</PspElement><Text>",
            ),
            "(kode 167)",
        ),
        (
            FUNCTION.replace("<PersonnelNumber>401", "<PersonnelNumber>403"),
            "Medarbejderen er låst (kode 138)",
        ),
        (
            FUNCTION.replace("Funktionstillæg, teamleder", &"x".repeat(41)),
            "Text må højst være 40 tegn (kode 929)",
        ),
        (
            FUNCTION.replace("<PersonnelNumber>401", "<PersonnelNumber>77736333"),
            "Medarbejdernummer 77736333 findes ikke i kommune 0340",
        ),
        (
            FUNCTION.replace("<Amount>1250</Amount>", "<Amount>12,50</Amount>"),
            "Amount er ikke gyldig",
        ),
        (
            FUNCTION.replace("<WageType>2010", "<WageType>20"),
            "WageType skal være 4 cifre",
        ),
        (
            FUNCTION.replace("<Operation>INS", "<Frequency>W</Frequency><Operation>INS"),
            "Frequency skal være M eller Y",
        ),
        (
            FUNCTION.replace("INS", "UPD"),
            "Operation skal være INS, MOD, END eller DEL",
        ),
        (
            "<Operation>END</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>X</SupplementId>".into(),
            "EndDate skal angives ved END",
        ),
        (
            "<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><Amount>1</Amount>".into(),
            "SupplementId skal angives",
        ),
        (
            "<Operation>DEL</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>NOPE</SupplementId>".into(),
            "Fast tillæg NOPE findes ikke",
        ),
    ];
    for (body, want) in cases {
        let text = set_err(&s, &body).await;
        assert!(text.contains(want), "{body}: {text}");
    }
    // 934: the same wage type twice over the same time; a change of the wage type is refused.
    let id = set_ok(&s, FUNCTION).await;
    let text = set_err(&s, &FUNCTION.replace("2026-01-01", "2027-01-01")).await;
    assert!(
        text.contains(&format!("overlapper fast tillæg {id}")) && text.contains("(kode 934)"),
        "{text}"
    );
    let text = set_err(
        &s,
        &format!("<Operation>MOD</Operation><PersonnelNumber>401</PersonnelNumber><SupplementId>{id}</SupplementId><WageType>2020</WageType>"),
    )
    .await;
    assert!(text.contains("Lønarten kan ikke ændres"), "{text}");
    assert_eq!(outbox::after(s.store().pool(), 0, 100).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_supplement_ends_with_the_employment() {
    let (_d, s) = fixture().await;
    let (st, text, _) = set(&s, &FUNCTION.replace("<PersonnelNumber>401", "<PersonnelNumber>402")).await;
    assert_eq!(st, "S");
    assert!(
        text.ends_with("slutdatoen er sat til fratrædelsesdatoen 2026-06-30"),
        "{text}"
    );
    let e = get(&s, "<PersonnelNumber>402</PersonnelNumber>").await;
    assert_eq!(items(&e)[0].child_text("EndDate"), Some("2026-06-30"));
    let text = set_err(
        &s,
        &FUNCTION
            .replace("<PersonnelNumber>401", "<PersonnelNumber>402")
            .replace("2026-01-01", "2026-07-01"),
    )
    .await;
    assert!(text.contains("(kode 925)"), "{text}");
}

#[tokio::test]
async fn access_and_reads() {
    let (_d, s) = fixture().await;
    let reply = call_as(&s, "none", None, SET, NS, FUNCTION).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    // `l` has two municipalities: it must say which.
    let reply = call_as(&s, "l", None, GET, NS, "<PersonnelNumber>401</PersonnelNumber>").await;
    assert_eq!(reply.status, 403);
    assert!(
        reply.body.contains("kommune=&lt;kode&gt;") || reply.body.contains("kommune="),
        "{}",
        reply.body
    );
    let e = payload(&call_as(&s, "l", Some("0340"), GET, NS, "<PersonnelNumber>401</PersonnelNumber>").await);
    assert_eq!(status(&e), ("S".into(), "Ingen faste tillæg i perioden".into()));
    let e = get(
        &s,
        "<PersonnelNumber>401</PersonnelNumber><StartDate>2026-02-01</StartDate><EndDate>2026-01-01</EndDate>",
    )
    .await;
    assert_eq!(status(&e).0, "E");
    let e = get(&s, "<PersonnelNumber>77736333</PersonnelNumber>").await;
    assert_eq!(
        status(&e),
        (
            "E".into(),
            "Medarbejdernummer 77736333 findes ikke i kommune 0340".into()
        )
    );
}
