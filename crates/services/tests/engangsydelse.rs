//! Engangsydelser in process: payments registered all-or-nothing and read back, `Kun_Valider`, the 999-item
//! limit, `OpdateringsID` resends, access by `ClientID`, every documented code produced by a request, and the
//! IND01 import into payments and the error-handling table.

mod common;

use common::{grant, system};
use jiff::civil::date;
use serde_json::{Value, json};
use snitflade_domain::hr::{Employment, EmploymentStatus};
use snitflade_domain::{ErrorStatus, InterfaceId, Kommunekode, Pernr};
use snitflade_services::engangsydelse::{Operation, ind01};
use snitflade_services::{Services, ServicesConfig};
use snitflade_store::errors::{self, ErrorFilter};
use snitflade_store::{hr, outbox, payroll};
use tempfile::TempDir;

fn k() -> Kommunekode {
    Kommunekode::parse("0340").unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

/// 401 (employed since 2015, CPR 010170-1234), 402 (left 31 March 2026), 403 (locked) and 404 (cancelled,
/// replaced by 401) in 0340; 501 in 0751. System `k` has the interface in 0340, `l` in 0340 and 0751, `none`
/// nothing.
async fn fixture() -> (TempDir, Services) {
    let (dir, store) = common::store(
        &[
            ("0340", "Sorø Kommune", "29188629"),
            ("0751", "Aarhus Kommune", "55133018"),
        ],
        &["k", "l", "none"],
    )
    .await;
    store
        .write(|c| {
            Box::pin(async move {
                let people = [
                    ("0340", 401, "0101701234", None, EmploymentStatus::Active, None),
                    (
                        "0340",
                        402,
                        "0202801234",
                        Some(date(2026, 3, 31)),
                        EmploymentStatus::Left,
                        None,
                    ),
                    ("0340", 403, "0303901234", None, EmploymentStatus::Active, None),
                    ("0340", 404, "0101701234", None, EmploymentStatus::Deleted, Some(p(401))),
                    ("0751", 501, "0404851234", None, EmploymentStatus::Active, None),
                ];
                for (m, n, cpr, leave, status, replaced_by) in people {
                    let e = Employment {
                        ekstraciffer: if n == 404 { 1 } else { 0 },
                        leave_date: leave,
                        status,
                        replaced_by,
                        ..common::employment(m, n, cpr)
                    };
                    hr::upsert_employment(c, &e, None).await?;
                }
                payroll::lock(c, k(), p(403), "genberegning", "test").await
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("k", InterfaceId::Engangsydelse, "0340"),
        grant("l", InterfaceId::Engangsydelse, "0340"),
        grant("l", InterfaceId::Engangsydelse, "0751"),
    ];
    (dir, common::services(store, grants, ServicesConfig::default()))
}

async fn call(s: &Services, op: Operation, system_id: &str, body: &Value) -> (u16, Value) {
    let reply = s
        .handle_onetime_payments(op, &system(system_id), body.to_string().as_bytes())
        .await;
    (reply.status, serde_json::from_str(&reply.body).expect("a JSON answer"))
}

fn update(employee: u32, items: Value) -> Value {
    json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": format!("{employee:08}")},
           "Engangsydelser": items})
}

fn canteen(day: &str, amount: &str) -> Value {
    json!({"Startdato": format!("{day}T00:00:00Z"), "Loenart": "6001", "Loebenummer": 1, "Sekvensnummer": 0,
           "Beloeb": amount, "Afsendelses_System": "KANTINE", "Indv_Bemaerkning": "Frokost"})
}

async fn read(s: &Services, employee: u32, filter: Value) -> Value {
    let body = json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": employee.to_string()},
                      "VirkningFilter": filter});
    let (status, answer) = call(s, Operation::Read, "k", &body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The `(Kode, Tekst)` of an answer's messages.
fn messages(answer: &Value) -> Vec<(String, String)> {
    answer["Meddelelse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["Kode"].as_str().unwrap().to_owned(),
                m["Tekst"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn codes(answer: &Value) -> Vec<String> {
    messages(answer).into_iter().map(|(c, _)| c).collect()
}

#[tokio::test]
async fn payments_are_registered_and_read_back() {
    let (_d, s) = fixture().await;
    let items = json!([
        canteen("2026-05-01", "45.50"),
        {"Startdato": "2026-05-04T00:00:00Z", "Loenart": "1100", "Loebenummer": 2, "Sekvensnummer": 0,
         "Antal": "7.25", "Afv_Timeloen": "210.35", "Afv_PSP_Element": "XG-0000000001-00001",
         "Afsendelses_System": "VIKAR", "Indv_Bemaerkning": "x".repeat(45)},
        {"Startdato": "2026-05-31", "Loenart": "6666", "Loebenummer": 3, "Antal": 123.5,
         "Afv_Omkostningssted": "1000000001", "Afsendelses_System": "KOERSEL", "Indv_Bemaerkning": ""},
    ]);
    let mut body = update(401, items);
    body["Header"]["OpdateringsID"] = "0123456789ABCDEF0123456789ABCDEF".into();
    let (status, answer) = call(&s, Operation::Update, "k", &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Header"]["Status"], "0");
    assert_eq!(answer["Header"]["OpdateringsID"], "0123456789ABCDEF0123456789ABCDEF");
    assert_eq!(answer["Medarbejder"]["Medarbejdernummer"], "00000401");
    assert_eq!(
        messages(&answer),
        [("0".to_owned(), "3 engangsydelse(r) er registreret".to_owned())]
    );
    assert_eq!(answer["Meddelelse"][0]["Type"], "S");

    let all = read(&s, 401, json!({})).await;
    assert_eq!(all["Header"]["Status"], "0");
    let got = all["Engangsydelser"].as_array().unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["Startdato"], "2026-05-01T00:00:00Z");
    assert_eq!(
        (&got[0]["Loenart"], &got[0]["Beloeb"], &got[0]["Antal"]),
        (&json!("6001"), &json!("45.50"), &json!("0.00"))
    );
    assert_eq!(got[0]["Indv_Bemaerkning_1"], "Frokost");
    assert_eq!(
        (&got[1]["Antal"], &got[1]["Afv_Timeloen"]),
        (&json!("7.25"), &json!("210.35"))
    );
    assert_eq!(got[1]["Afv_PSP_Element"], "XG-0000000001-00001");
    assert_eq!(got[1]["Indv_Bemaerkning_1"].as_str().unwrap().len(), 40);
    assert_eq!(got[1]["Indv_Bemaerkning_2"], "xxxxx");
    assert_eq!(
        (&got[2]["Antal"], &got[2]["Afv_Omkostningssted"]),
        (&json!("123.50"), &json!("1000000001"))
    );
    assert_eq!(got[2]["Loebenummer"], 3);
    assert!(got.iter().all(|g| g["Objekt_id"].as_str().unwrap().len() == 36));

    // The filter is by start date: from 2026-05-03T22:00:00Z (Copenhagen midnight) the first day is 4 May.
    let may4 = read(
        &s,
        401,
        json!({"FraDatoTid": "2026-05-03T22:00:00Z", "TilDatoTid": "2026-05-30T00:00:00Z"}),
    )
    .await;
    assert_eq!(may4["Engangsydelser"].as_array().unwrap().len(), 1);
    assert_eq!(may4["Engangsydelser"][0]["Loenart"], "1100");
    let none = read(&s, 401, json!({"FraDatoTid": "2027-01-01T00:00:00Z"})).await;
    assert_eq!(none["Header"]["Status"], "1");
    assert_eq!(messages(&none), [("1".to_owned(), "Data ikke fundet.".to_owned())]);

    let events = outbox::after(s.store().pool(), 0, 100).await.unwrap();
    let registered: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "onetime_payment.registered")
        .collect();
    assert_eq!(registered.len(), 3);
    assert_eq!(registered[0].object_id.as_deref(), Some("00000401"));
    assert_eq!(registered[0].payload["amount"], "45.50");
    let audit = hr::audit(s.store().pool(), k(), Some(p(401)), 100).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"onetime_payments.register") && actions.contains(&"onetime_payments.read"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn kun_valider_saves_nothing() {
    let (_d, s) = fixture().await;
    let mut body = update(401, json!([canteen("2026-05-01", "45.50")]));
    body["Header"]["Kun_Valider"] = "1".into();
    let (status, answer) = call(&s, Operation::Update, "k", &body).await;
    assert_eq!((status, &answer["Header"]["Status"]), (200, &json!("0")), "{answer}");
    assert!(messages(&answer)[0].1.contains("intet er gemt"), "{answer}");
    assert_eq!(read(&s, 401, json!({})).await["Header"]["Status"], "1");
    assert!(outbox::after(s.store().pool(), 0, 10).await.unwrap().is_empty());
    // An invalid request is still checked in full.
    let mut bad = update(401, json!([canteen("2026-05-01", "1,5")]));
    bad["Header"]["Kun_Valider"] = "1".into();
    let (_, answer) = call(&s, Operation::Update, "k", &bad).await;
    assert_eq!(
        (codes(&answer), &answer["Header"]["Status"]),
        (vec!["923".to_owned()], &json!("2"))
    );
}

#[tokio::test]
async fn at_most_999_items() {
    let (_d, s) = fixture().await;
    let items = |n: usize| -> Value {
        (0..n)
            .map(|i| {
                let mut c = canteen("2026-06-01", "10");
                c["Sekvensnummer"] = i.min(999).into();
                c["Startdato"] = format!("2026-06-{:02}T00:00:00Z", 1 + i / 999).into();
                c
            })
            .collect()
    };
    let (status, answer) = call(&s, Operation::Update, "k", &update(401, items(1000))).await;
    assert_eq!(status, 400);
    assert_eq!(
        messages(&answer),
        [(
            "905".to_owned(),
            "Højst 999 engangsydelser pr. kald (modtaget 1000)".to_owned()
        )]
    );
    assert_eq!(read(&s, 401, json!({})).await["Header"]["Status"], "1");
    let (status, answer) = call(&s, Operation::Update, "k", &update(401, items(999))).await;
    assert_eq!((status, &answer["Header"]["Status"]), (200, &json!("0")), "{answer}");
    assert_eq!(
        read(&s, 401, json!({})).await["Engangsydelser"]
            .as_array()
            .unwrap()
            .len(),
        999
    );
}

#[tokio::test]
async fn a_resent_opdateringsid_registers_nothing_new() {
    let (_d, s) = fixture().await;
    let mut body = update(401, json!([canteen("2026-05-01", "45.50")]));
    body["Header"]["OpdateringsID"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
    let (_, first) = call(&s, Operation::Update, "k", &body).await;
    assert_eq!(first["Header"]["Status"], "0");
    // The same request again (keys in another order) gets the very same answer, and nothing more is registered.
    let reordered: Value = serde_json::from_str(&body.to_string()).unwrap();
    let (status, again) = call(&s, Operation::Update, "k", &reordered).await;
    assert_eq!((status, &again), (200, &first));
    assert_eq!(
        read(&s, 401, json!({})).await["Engangsydelser"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The same id with other content, or from another system, is refused.
    let mut other = update(401, json!([canteen("2026-05-02", "45.50")]));
    other["Header"]["OpdateringsID"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
    let (_, refused) = call(&s, Operation::Update, "k", &other).await;
    assert_eq!(codes(&refused), ["907"]);
    let (_, refused) = call(&s, Operation::Update, "l", &body).await;
    assert_eq!(codes(&refused), ["907"]);
    // Without an id, the same payment again is a duplicate of the registered one.
    let mut plain = body.clone();
    plain["Header"].as_object_mut().unwrap().remove("OpdateringsID");
    let (_, dup) = call(&s, Operation::Update, "k", &plain).await;
    assert_eq!(codes(&dup), ["928"]);
    assert_eq!(
        read(&s, 401, json!({})).await["Engangsydelser"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A refused request does not use up its id: corrected, it registers.
    let mut fixed = update(401, json!([canteen("2026-05-03", "bad")]));
    fixed["Header"]["OpdateringsID"] = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB".into();
    assert_eq!(codes(&call(&s, Operation::Update, "k", &fixed).await.1), ["923"]);
    fixed["Engangsydelser"][0]["Beloeb"] = "12".into();
    assert_eq!(
        call(&s, Operation::Update, "k", &fixed).await.1["Header"]["Status"],
        "0"
    );
}

#[tokio::test]
async fn access_follows_the_client_id() {
    let (_d, s) = fixture().await;
    let body = update(401, json!([canteen("2026-05-01", "1")]));
    let (status, answer) = call(&s, Operation::Update, "none", &body).await;
    assert_eq!(status, 403);
    assert!(messages(&answer)[0].1.contains("har ikke adgang"), "{answer}");
    let mut aarhus = update(501, json!([canteen("2026-05-01", "1")]));
    aarhus["Header"]["ClientID"] = "751".into();
    assert_eq!(call(&s, Operation::Update, "k", &aarhus).await.0, 403);
    assert_eq!(call(&s, Operation::Read, "k", &aarhus).await.0, 403);
    let (status, answer) = call(&s, Operation::Update, "l", &aarhus).await;
    assert_eq!((status, &answer["Header"]["Status"]), (200, &json!("0")), "{answer}");
    // 501 is Aarhus's: in Sorø it does not exist.
    let mut wrong = aarhus.clone();
    wrong["Header"]["ClientID"] = "340".into();
    let (_, answer) = call(&s, Operation::Update, "l", &wrong).await;
    assert_eq!(
        messages(&answer),
        [(
            "904".to_owned(),
            "Medarbejdernummer 00000501 findes ikke i kommune 0340".to_owned()
        )]
    );
}

/// The texts of a one-item request's refusal.
async fn refusal(s: &Services, employee: u32, item: Value) -> Vec<(String, String)> {
    let (status, answer) = call(s, Operation::Update, "k", &update(employee, json!([item]))).await;
    assert_eq!((status, &answer["Header"]["Status"]), (200, &json!("2")), "{answer}");
    messages(&answer)
}

#[tokio::test]
async fn every_item_code_can_be_produced() {
    let (_d, s) = fixture().await;
    let with = |changes: Value| {
        let mut c = canteen("2026-05-01", "10");
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let cases = [
        (
            401,
            json!({"Afv_Omkostningssted": "9999999999"}),
            "119",
            "Engangsydelse Nr. 001: Angiv gyldigt omkostningssted",
        ),
        (403, json!({}), "138", "Engangsydelse Nr. 001: Medarbejderen er låst"),
        (
            401,
            json!({"Afv_PSP_Element": "XG-0000000009-00001"}),
            "151",
            "Engangsydelse Nr. 001: PSP element XG-0000000009-00001 er ikke gyldigt",
        ),
        (
            401,
            json!({"Afv_PSP_Element": "XG-0000000001-00001", "Afv_Omkostningssted": "1000000001"}),
            "167",
            "Engangsydelse Nr. 001: Der kan ikke angives både",
        ),
        (401, json!({"Loenart": "4711"}), "920", "Lønart 4711 findes ikke"),
        (
            401,
            json!({"Loenart": "2010"}),
            "921",
            "kan ikke indberettes som engangsydelse",
        ),
        (
            401,
            json!({"Beloeb": null}),
            "922",
            "Lønart 6001 opgøres i beløb: angiv Beloeb",
        ),
        (
            401,
            json!({"Beloeb": "0"}),
            "923",
            "Beloeb er ikke gyldig: må ikke være 0",
        ),
        (
            401,
            json!({"Startdato": "31-05-2026"}),
            "924",
            "Startdato mangler eller er ikke en gyldig dato",
        ),
        (
            402,
            json!({"Startdato": "2026-04-01T00:00:00Z"}),
            "925",
            "Medarbejderen er ikke ansat den 2026-04-01",
        ),
        (
            401,
            json!({"Loebenummer": -1}),
            "926",
            "Loebenummer mangler eller er ikke et gyldigt tal",
        ),
        (
            401,
            json!({"Indv_Bemaerkning": "x".repeat(81)}),
            "929",
            "Indv_Bemaerkning må højst være 80 tegn",
        ),
        (
            401,
            json!({"Antal": "2"}),
            "930",
            "Antal kan ikke angives for lønart 6001",
        ),
        (401, json!({"Loenart": null}), "931", "Loenart skal angives"),
        (
            401,
            json!({"Afsendelses_System": "A\u{7}B"}),
            "932",
            "Afsendelses_System indeholder ugyldige tegn",
        ),
    ];
    for (employee, changes, code, text) in cases {
        let got = refusal(&s, employee, with(changes.clone())).await;
        assert!(
            got.iter().any(|(c, t)| c == code && t.contains(text)),
            "{changes}: {got:?}"
        );
        assert!(
            got.iter().all(|(_, t)| t.starts_with("Engangsydelse Nr. 001: ")),
            "{got:?}"
        );
    }
    // 927 and 928: the same key twice in one request, and a key registered before.
    let (_, answer) = call(
        &s,
        Operation::Update,
        "k",
        &update(401, json!([with(json!({})), with(json!({}))])),
    )
    .await;
    assert_eq!(
        messages(&answer),
        [(
            "927".to_owned(),
            "Engangsydelse Nr. 002: Lønart 6001 den 2026-05-01 med sekvensnummer 0 findes to gange i anmodningen"
                .to_owned()
        )]
    );
    assert_eq!(
        call(&s, Operation::Update, "k", &update(401, json!([with(json!({}))])))
            .await
            .1["Header"]["Status"],
        "0"
    );
    let got = refusal(&s, 401, with(json!({}))).await;
    assert_eq!(got[0].0, "928");
    // A cancelled number names its replacement (904).
    let (_, answer) = call(&s, Operation::Update, "k", &update(404, json!([with(json!({}))]))).await;
    assert_eq!(
        messages(&answer),
        [(
            "904".to_owned(),
            "Medarbejdernummer 00000404 er slettet; brug medarbejdernummer 00000401".to_owned()
        )]
    );
}

#[tokio::test]
async fn all_or_nothing() {
    let (_d, s) = fixture().await;
    let items = json!([
        canteen("2026-05-01", "10"),
        canteen("2026-05-02", "10"),
        canteen("2026-05-03", "1.234")
    ]);
    let (_, answer) = call(&s, Operation::Update, "k", &update(401, items)).await;
    assert_eq!(
        messages(&answer),
        [(
            "923".to_owned(),
            "Engangsydelse Nr. 003: Beloeb er ikke gyldig: højst 2 decimaler".to_owned()
        )]
    );
    assert_eq!(read(&s, 401, json!({})).await["Header"]["Status"], "1");
}

#[tokio::test]
async fn every_request_code_can_be_produced() {
    let (_d, s) = fixture().await;
    let raw = |body: &[u8]| {
        let s = s.clone();
        let body = body.to_vec();
        async move {
            let r = s.handle_onetime_payments(Operation::Update, &system("k"), &body).await;
            let v: Value = serde_json::from_str(&r.body).unwrap();
            (r.status, v["Meddelelse"][0]["Kode"].as_str().unwrap().to_owned())
        }
    };
    assert_eq!(raw(b"{\"Header\":").await, (400, "900".into()));
    let good = update(401, json!([canteen("2026-05-01", "1")]));
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut b = good.clone();
        f(&mut b);
        b
    };
    let cases: [(Value, u16, &str); 7] = [
        (mutate(&|b| b["Header"]["ClientID"] = "X".into()), 400, "901"),
        (mutate(&|b| b["Header"]["OpdateringsID"] = "123".into()), 400, "902"),
        (mutate(&|b| b["Medarbejder"] = json!({})), 400, "903"),
        (mutate(&|b| b["Engangsydelser"] = json!([])), 400, "905"),
        (mutate(&|b| b["Header"]["Kun_Valider"] = "ja".into()), 400, "906"),
        (
            mutate(&|b| b["Medarbejder"]["Medarbejdernummer"] = "77736333".into()),
            200,
            "904",
        ),
        (mutate(&|b| b["Header"]["ClientID"] = "101".into()), 403, "403"),
    ];
    for (body, status, code) in cases {
        assert_eq!(
            raw(body.to_string().as_bytes()).await,
            (status, code.to_owned()),
            "{body}"
        );
    }
    // A read knows `Header`, `Medarbejder` and `VirkningFilter` (not `Engangsydelser`: 909).
    let mut read_body = good.clone();
    read_body.as_object_mut().unwrap().remove("Engangsydelser");
    let mut bad_filter = read_body.clone();
    bad_filter["VirkningFilter"] = json!({"FraDatoTid": "i går"});
    let r = s
        .handle_onetime_payments(Operation::Read, &system("k"), bad_filter.to_string().as_bytes())
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("\"908\""), "{}", r.body);
    let (status, answer) = call(&s, Operation::Read, "k", &good).await;
    assert_eq!((status, codes(&answer)), (400, vec!["909".to_owned()]), "{answer}");
    let mut unknown = read_body.clone();
    unknown["Medarbejder"]["Medarbejdernummer"] = "77736333".into();
    let (_, answer) = call(&s, Operation::Read, "k", &unknown).await;
    assert_eq!(
        (codes(&answer), &answer["Header"]["Status"]),
        (vec!["904".to_owned()], &json!("1"))
    );
}

/// An IND01 record for 401 (CPR 010170-1234, ekstraciffer 0).
fn ind01_line(wage: &str, qty: &str, account: &str, day: &str) -> String {
    format!("DA60340101017012340{wage}{qty}0000000{account:>13}{day}")
}

#[tokio::test]
async fn ind01_registers_good_lines_and_files_bad_ones() {
    let (_d, s) = fixture().await;
    let file = [
        "026 Sorø Kommune".to_owned(),
        ind01_line("6666", "012350", "1000000001", "310126"),
        ind01_line("6666", "012350", "1000000001", "310126"),
        ind01_line("6001", "004550", "", "280226"),
        ind01_line("6666", "001000", "9999999999", "310126"),
        "DA6 broken".to_owned(),
        ind01_line("6666", "001000", "", "310126").replacen("0340", "0751", 1),
        ind01_line("6666", "001000", "", "310126").replacen("0101701234", "0505051234", 1),
    ]
    .join("\r\n");
    let summary = ind01::import(s.store(), k(), "IND01.txt", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (summary.records, summary.registered, summary.already_imported),
        (7, 3, 0)
    );
    let lines: Vec<usize> = summary.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [5, 6, 7, 8]);
    assert!(
        summary.errors[0]
            .message
            .starts_with("Linje 5: Angiv gyldigt omkostningssted (kode 119)"),
        "{:?}",
        summary.errors
    );
    // The two identical mileage lines are two payments: sequence numbers 0 and 1.
    let got = read(&s, 401, json!({})).await;
    let got = got["Engangsydelser"].as_array().unwrap();
    assert_eq!(got.len(), 3);
    // In date order: January's two mileage lines (lines 2 and 3), then February's canteen line.
    assert_eq!(
        (&got[0]["Loenart"], &got[0]["Sekvensnummer"], &got[0]["Antal"]),
        (&json!("6666"), &json!(0), &json!("123.50"))
    );
    assert_eq!(
        (&got[1]["Sekvensnummer"], &got[1]["Loebenummer"]),
        (&json!(1), &json!(3))
    );
    assert_eq!(
        (&got[2]["Loenart"], &got[2]["Beloeb"]),
        (&json!("6001"), &json!("45.50"))
    );

    let filter = ErrorFilter {
        interface: Some("engangsydelse".into()),
        limit: 100,
        ..Default::default()
    };
    let open = errors::list(s.store().pool(), &filter).await.unwrap();
    assert_eq!(open.len(), 4);
    assert!(
        open.iter()
            .all(|e| e.system == "IND01" && e.external_id.as_deref().unwrap().starts_with("IND01.txt:"))
    );
    assert!(
        open.iter()
            .any(|e| e.external_id.as_deref() == Some("IND01.txt:8") && e.message.contains("Ingen ansættelse"))
    );

    // Again: nothing new, no new errors.
    let again = ind01::import(s.store(), k(), "IND01-igen.txt", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (again.registered, again.already_imported, again.errors.len()),
        (0, 7, 0)
    );
    assert_eq!(errors::list(s.store().pool(), &filter).await.unwrap().len(), 4);
    assert_eq!(
        read(&s, 401, json!({})).await["Engangsydelser"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // An operator corrects line 5's account and resubmits it.
    let line5 = open
        .iter()
        .find(|e| e.external_id.as_deref() == Some("IND01.txt:5"))
        .unwrap();
    let corrected = json!({"line": ind01_line("6666", "001000", "1000000002", "310126")});
    let item = s.resubmit_error(&line5.id, Some(corrected), "operatør").await.unwrap();
    assert_eq!(item.status, ErrorStatus::Resubmitted);
    assert_eq!(
        read(&s, 401, json!({})).await["Engangsydelser"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // A correction that is still wrong keeps the entry open with the new reason.
    let line6 = open
        .iter()
        .find(|e| e.external_id.as_deref() == Some("IND01.txt:6"))
        .unwrap();
    let item = s
        .resubmit_error(&line6.id, Some(json!({"line": "DA6 still broken"})), "operatør")
        .await
        .unwrap();
    assert_eq!(item.status, ErrorStatus::Open);
    assert!(item.history.last().unwrap().action == "resubmitted_failed");

    let bad_header = ind01::import(
        s.store(),
        k(),
        "x",
        ind01_line("6666", "001000", "", "310126").as_bytes(),
    )
    .await;
    assert!(bad_header.is_err());
}
