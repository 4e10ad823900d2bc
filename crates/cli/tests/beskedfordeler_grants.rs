//! The Beskedfordeler behind grants (issue 17), from outside: a push dueslag of `dagtilbud` subscribed to
//! everything (`{}`) receives nothing while the system lacks the `beskedfordeler` grant — its deliveries say
//! `filtered` and `no grant: …`; once an order gives it the grant for 0340 it receives 0340's absences (and its own
//! `access.granted`) but none of 0751's (neither the absences it may register there nor the machine hours); after an
//! urgent closing for 0340 the message it had not yet received is filtered instead of delivered, and nothing more
//! arrives.

mod common;

use common::push::{Answer, Receiver, distinct, facts};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CONFIG: &str = "[beskedfordeler]\npoll_ms = 20\nbackoff_base_ms = 100\nbackoff_max_ms = 500\n";

/// `dagtilbud` registers a sick day of `pernr` in `kommune` (it holds opret-fravaer in two municipalities here, so
/// it names the one).
async fn sick_day(s: &Server, kommune: &str, pernr: &str, day: &str) {
    let body = format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:SetAbsenceAttendanceRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\"><StartDate>{day}</StartDate>\
         <EndDate>{day}</EndDate><Operation>INS</Operation><PersonnelNumber>{pernr}</PersonnelNumber>\
         <AbsenceAttendanceType>SY</AbsenceAttendanceType></ns0:SetAbsenceAttendanceRequest_MT></SOAP-ENV:Body>\
         </SOAP-ENV:Envelope>"
    );
    let url = format!("{}?kommune={kommune}", s.ws_url("SetAbsenceAttendance_OS_SI"));
    let reply = post_soap(&s.client("dagtilbud"), &url, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("<StatusType>S</StatusType>"), "{}", reply.body);
}

/// The sequence number of the newest event of `kind` in `municipality`.
async fn newest(a: &AdminApi, kind: &str, municipality: &str) -> i64 {
    a.events()
        .await
        .iter()
        .filter(|e| e["kind"] == kind && e["municipality"] == municipality)
        .filter_map(|e| e["seq"].as_i64())
        .max()
        .unwrap_or_else(|| panic!("no {kind} event in {municipality}"))
}

/// The delivery of event `seq` to dueslag `id`, once the router has recorded one.
async fn delivery(a: &AdminApi, id: &str, seq: i64) -> Value {
    let path = format!("/api/v1/dueslag/{id}/deliveries?after={}&limit=1", seq - 1);
    let start = Instant::now();
    loop {
        if let Some(d) = a.list(&path).await.into_iter().find(|d| d["seq"] == seq) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "event {seq} never routed to the dueslag"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the delivery of event `seq` is in `state`; the delivery.
async fn in_state(a: &AdminApi, id: &str, seq: i64, state: &str) -> Value {
    let start = Instant::now();
    loop {
        let d = delivery(a, id, seq).await;
        if d["state"] == state {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "event {seq} is not {state}: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts that a delivery is filtered for want of a grant, the reason containing `names`.
fn assert_no_grant(d: &Value, names: &str) {
    assert_eq!(d["state"], "filtered", "{d}");
    let why = d["last_error"].as_str().unwrap_or_default();
    assert!(why.starts_with("no grant: ") && why.contains(names), "{d}");
}

/// Gives `system` the `beskedfordeler` interface for `municipality` the way the access lifecycle does: an order
/// walked from proposal to `access_set_up`.
async fn order_the_bus(a: &AdminApi, system: &str, municipality: &str) {
    let order = json!({"municipality": municipality, "system": system, "interfaces": ["beskedfordeler"]});
    let (status, o) = a.post("/api/v1/orders", Some(order)).await;
    assert_eq!(status, StatusCode::CREATED, "{o}");
    let id = o["id"].as_str().unwrap().to_owned();
    let systems = a.list("/api/v1/systems").await;
    let fingerprint = systems.iter().find(|s| s["name"] == system).unwrap()["certificates"][0].clone();
    for step in [
        json!({"to": "clarified"}),
        json!({"to": "certificates_clarified", "certificate": fingerprint}),
        json!({"to": "addendum_signed"}),
        json!({"to": "delivery_ordered"}),
        json!({"to": "access_set_up"}),
    ] {
        let (status, body) = a.post(&format!("/api/v1/orders/{id}/advance"), Some(step)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn a_dueslag_receives_only_what_its_systems_grants_let_it_see() {
    let s = Server::start_with_config(CONFIG).await;
    let a = &s.admin;
    // dagtilbud may register absences in 0751 too (but gets no bus there).
    a.grant("dagtilbud", "opret-fravaer", "0751").await;
    let receiver = Receiver::start(&s.data_dir(), 0, Answer::Ok).await;
    let port = receiver.port;
    let body = json!({"name": "Alt", "system": "dagtilbud", "push_url": format!("https://localhost:{port}/modtag"),
                      "max_attempts": 1000});
    let id = a.dueslag(body, json!({})).await;

    // No beskedfordeler grant: nothing is delivered, and the deliveries say why.
    sick_day(&s, "0340", "00000110", "2026-03-02").await;
    let absence = newest(a, "absence.created", "0340").await;
    s.register(&valid_registration()).await.assert_accepted();
    let hours = newest(a, "maskintimer.registrering.oprettet", "0751").await;
    assert_no_grant(&delivery(a, &id, absence).await, "'beskedfordeler' for kommune 0340");
    assert_no_grant(&delivery(a, &id, hours).await, "for kommune 0751");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.bodies().is_empty(), "nothing pushed without the grant");

    // The bus for 0340, ordered: 0340's absences arrive, none of 0751's.
    order_the_bus(a, "dagtilbud", "0340").await;
    sick_day(&s, "0340", "00000110", "2026-03-09").await;
    let granted = newest(a, "absence.created", "0340").await;
    sick_day(&s, "0751", "00012345", "2026-03-09").await;
    let aarhus = newest(a, "absence.created", "0751").await;
    s.register(&valid_registration()).await.assert_accepted();
    let hours = newest(a, "maskintimer.registrering.oprettet", "0751").await;
    in_state(a, &id, granted, "delivered").await;
    assert_no_grant(&delivery(a, &id, aarhus).await, "'beskedfordeler' for kommune 0751");
    assert_no_grant(&delivery(a, &id, hours).await, "for kommune 0751");
    tokio::time::sleep(Duration::from_millis(500)).await;
    // (kind, municipality) of what arrived: the absence, and the system's own access event of the order.
    let mut got: Vec<(String, String)> = distinct(&receiver.bodies())
        .iter()
        .map(|(id, _, _)| {
            let body = receiver.bodies().into_iter().find(|b| b.contains(id.as_str())).unwrap();
            let art = between(&body, "<h:Art>", "<").unwrap().to_owned();
            (art, between(&body, "<h:Kommune>", "<").unwrap().to_owned())
        })
        .collect();
    got.sort();
    let expected = [("absence.created", "0340"), ("access.granted", "0340")].map(|(k, m)| (k.into(), m.into()));
    assert_eq!(got, expected, "only 0340's, after the grant");

    // Urgent closing for 0340 while a message waits (the receiver is down): it is filtered, never delivered.
    receiver.stop().await;
    sick_day(&s, "0340", "00000111", "2026-03-10").await;
    let waiting = newest(a, "absence.created", "0340").await;
    let pending = in_state(a, &id, waiting, "pending").await;
    let retried = wait_until(Duration::from_secs(10), || async {
        delivery(a, &id, waiting).await["attempts"].as_i64().unwrap_or(0) >= 1
    })
    .await;
    assert!(retried, "{pending}");
    let (status, closed) = a
        .post(
            "/api/v1/systems/dagtilbud/urgent-close",
            Some(json!({"reason": "Sikkerhedsbrud", "municipality": "0340"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let receiver = Receiver::start(&s.data_dir(), port, Answer::Ok).await;
    assert_no_grant(&in_state(a, &id, waiting, "filtered").await, "'beskedfordeler'");
    // A change in 0340 after the closing is not delivered either.
    let transfer = json!({"holiday_year": 2024, "reason": "agreement", "days": "10", "agreed_on": "2025-11-15"});
    let (status, body) = a
        .post(
            "/api/v1/municipalities/0340/employees/00000110/holiday-transfers",
            Some(transfer),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let after = newest(a, "holiday_transfer.registered", "0340").await;
    assert_no_grant(&delivery(a, &id, after).await, "'beskedfordeler' for kommune 0340");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let late = receiver.stop().await;
    assert!(
        late.is_empty(),
        "nothing after the urgent closing: {:?}",
        late.iter().map(|b| facts(b)).collect::<Vec<_>>()
    );
}
