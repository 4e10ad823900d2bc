//! The per-municipality absence type catalogue through the admin API, and Opret fravær obeying it: the built-in
//! catalogue until replaced, validation of a new one, and a type taken out refused at once.

mod common;

use common::sick_day;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/municipalities/0340/absence-types";

fn status_type(xml: &str) -> String {
    let node = common::parse_xml(xml).expect("a SOAP answer");
    let body = node.children.iter().find(|c| c.name == "Body").expect("Body");
    let response = &body.children[0];
    let rs = response.child("ReturnStatus").expect("ReturnStatus");
    rs.child_text("StatusType").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_catalogue_is_per_municipality_and_enforced() {
    let server = common::Server::start().await;
    let admin = &server.admin;
    let builtin = admin.list(PATH).await;
    let codes: Vec<&str> = builtin.iter().filter_map(|t| t["code"].as_str()).collect();
    for code in ["FE", "6F", "SO", "OS", "SY", "BA", "TM", "TU"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let os = builtin.iter().find(|t| t["code"] == "OS").unwrap();
    assert_eq!(os["quota"], "care_day");
    assert_eq!(os["attachment"], json!({"kind": "child", "max_age_year": 7}));

    // Refused: lower-case code, duplicates, unknown fields, an unknown municipality; no token.
    let mut bad = builtin.clone();
    bad[0]["code"] = json!("fe");
    assert_eq!(admin.put(PATH, Value::Array(bad)).await.0, StatusCode::BAD_REQUEST);
    let mut twice = builtin.clone();
    twice.push(builtin[0].clone());
    let (status, body) = admin.put(PATH, Value::Array(twice)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut extra = builtin.clone();
    extra[0]["colour"] = json!("red");
    assert_eq!(admin.put(PATH, Value::Array(extra)).await.0, StatusCode::BAD_REQUEST);
    let (status, _) = admin
        .put(
            "/api/v1/municipalities/0999/absence-types",
            Value::Array(builtin.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(admin.get_unauthenticated(PATH).await.0, StatusCode::UNAUTHORIZED);

    // A sick day is accepted under the built-in catalogue …
    let client = server.client("dagtilbud");
    let url = server.ws_url("SetAbsenceAttendance_OS_SI");
    let reply = common::post_soap(&client, &url, sick_day("00000110", "2026-11-24")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(status_type(&reply.body), "S", "{}", reply.body);

    // … and refused with "E" once the municipality's catalogue has no SY.
    let without_sy: Vec<Value> = builtin.iter().filter(|t| t["code"] != "SY").cloned().collect();
    let (status, stored) = admin.put(PATH, Value::Array(without_sy.clone())).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(admin.list(PATH).await, without_sy);
    let reply = common::post_soap(&client, &url, sick_day("00000111", "2026-11-24")).await;
    assert_eq!(status_type(&reply.body), "E", "{}", reply.body);
    assert!(reply.body.contains("SY"), "{}", reply.body);
}
