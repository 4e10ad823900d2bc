//! Access levels (`read`, `read-write`) from outside: the demo's grants keep every operation
//! (docs/src/getting-started.md#the-demo-systems), the admin API shows and checks the levels of grants and orders, and
//! a Set of Opret fravær with a `read` grant is refused with the service's 403 fault — before its message is read —
//! while the reads work and nothing is written. (Ret and the Engangsydelser update are tested beside their services.)

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_demo_grants_keep_every_operation_and_the_admin_api_shows_and_checks_levels() {
    let s = Server::start().await;
    let grants = s.admin.list("/api/v1/grants").await;
    assert!(!grants.is_empty());
    for g in &grants {
        // Fravaerskvoter only reads; every other demo grant may do all its interface does, as before levels.
        let expected = if g["interface"] == "fravaerskvoter" {
            "read"
        } else {
            "read-write"
        };
        assert_eq!(g["access"], expected, "{g}");
    }
    for o in s.admin.list("/api/v1/orders").await {
        let interfaces = o["interfaces"].as_array().unwrap();
        let access = o["access"].as_object().unwrap_or_else(|| panic!("{o}"));
        assert_eq!(access.len(), interfaces.len(), "{o}");
        for i in interfaces {
            let level = &access[i.as_str().unwrap()];
            assert_eq!(*level, if i == "fravaerskvoter" { "read" } else { "read-write" }, "{o}");
        }
    }

    // A level the interface cannot have, or no level at all, is refused.
    for (interface, access, says) in [
        ("fravaerskvoter", json!("read-write"), "altid read"),
        ("medarbejderoplysninger", json!("write"), "access"),
    ] {
        let g = json!({"system": "ingen-adgang", "interface": interface, "municipality": "0340", "access": access});
        let (status, body) = s.admin.post("/api/v1/grants", Some(g)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains(says), "{body}");
    }
    let order = json!({"municipality": "0340", "system": "vikarsystem", "interfaces": ["engangsydelse"],
        "access": {"medarbejderoplysninger": "read-write"}});
    let (status, body) = s.admin.post("/api/v1/orders", Some(order)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("ikke omfatter"), "{body}");
    assert_eq!(s.admin.list("/api/v1/grants").await, grants, "nothing was made");
}

/// A GetReasons request (every reason code): a read of Opret fravær.
const GET_REASONS: &str = "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\">\
    <SOAP-ENV:Body><ns0:GetReasonsRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\"/></SOAP-ENV:Body>\
    </SOAP-ENV:Envelope>";

fn absences_created(events: &[Value]) -> usize {
    events.iter().filter(|e| e["kind"] == "absence.created").count()
}

#[tokio::test]
async fn a_set_with_a_read_grant_is_refused_and_writes_nothing() {
    let s = Server::start().await;
    let grant = |access: &str, valid_from: &str| {
        json!({"system": "ingen-adgang", "interface": "opret-fravaer", "municipality": "0340",
               "access": access, "valid_from": valid_from})
    };
    let (status, made) = s.admin.post("/api/v1/grants", Some(grant("read", "2020-01-01"))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["access"], "read");
    let client = s.client("ingen-adgang");

    // The reads work with `read`.
    let reply = post_soap(&client, &s.ws_url("GetReasons_OS_SI"), GET_REASONS).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("GetReasonsResponse_MT"), "{}", reply.body);

    let before = absences_created(&s.admin.events().await);
    let set = s.ws_url("SetAbsenceAttendance_OS_SI");
    for body in [sick_day("00000110", "2026-11-24"), "not even XML".to_owned()] {
        let reply = post_soap(&client, &set, body).await;
        let text = reply.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client").all_text();
        assert!(
            text.contains("kun læseadgang (read) til snitfladen 'opret-fravaer'")
                && text.contains("SetAbsenceAttendance ændrer data og kræver adgangsniveauet read-write"),
            "{}",
            reply.body
        );
    }
    assert_eq!(absences_created(&s.admin.events().await), before, "nothing registered");

    // With read-write (a second grant, from today) the same message registers the absence.
    let today = jiff::Zoned::now().date().to_string();
    let (status, made) = s.admin.post("/api/v1/grants", Some(grant("read-write", &today))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let reply = post_soap(&client, &set, sick_day("00000110", "2026-11-24")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("<StatusType>S</StatusType>"), "{}", reply.body);
    assert_eq!(absences_created(&s.admin.events().await), before + 1);
}
