//! The admin API: the bearer token, the OpenAPI document, and operating the error-handling table (resubmit with
//! a correction, discard, resolve, and the conflicts of a closed entry).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use snitflade_bench::{Registration, registration_xml};

// ---------------------------------------------------------------------------------------------------------------
// 10. Authentication and the OpenAPI document.

#[tokio::test]
async fn the_api_needs_the_bearer_token_while_health_and_metrics_are_open() {
    let s = Server::start().await;
    for path in [
        "/api/v1/errors",
        "/api/v1/errors/00000000-0000-0000-0000-000000000000",
        "/api/v1/maskintimer/registrations",
        "/api/v1/events",
        "/api/v1/systems",
        "/api/v1/grants",
        "/api/v1/municipalities",
        "/api/v1/whoami",
    ] {
        let (status, body) = s.admin.get_unauthenticated(path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} without a token: {body}");
        let wrong_token = format!("{}x", s.admin.token);
        for authorization in [
            "Bearer wrong".to_owned(),
            format!("Bearer {wrong_token}"),
            format!("Bearer {}", &s.admin.token[..s.admin.token.len() - 1]),
            format!("Basic {}", s.admin.token),
            s.admin.token.clone(),
            "Bearer ".to_owned(),
        ] {
            let (status, body) = s.admin.get_with_authorization(path, &authorization).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{path} with {authorization:?}: {body}"
            );
        }
        let (status, body) = s.admin.get(path).await;
        let expected = if path.starts_with("/api/v1/errors/") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{path} with the token: {body}");
    }
    // Writes are protected too, and a refused write changes nothing.
    s.register(&Registration {
        postg_date: "x".into(),
        ..valid_registration()
    })
    .await
    .assert_accepted();
    let entry = &s.admin.list("/api/v1/errors").await[0];
    let id = entry["id"].as_str().unwrap();
    for action in ["resubmit", "discard", "resolve"] {
        let url = format!("{}/api/v1/errors/{id}/{action}", s.admin.base);
        let client = s.maskinregistrering();
        let response = client.post(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{action}");
        let response = client.post(&url).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{action}");
    }
    assert_eq!(s.admin.get_ok(&format!("/api/v1/errors/{id}")).await["status"], "open");

    s.assert_healthy().await;
    let (status, metrics) = s.admin.get_unauthenticated("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().expect("Prometheus text");
    assert!(metrics.contains("# TYPE snitflade_"), "{metrics}");
    assert!(
        metrics.contains("snitflade_maskintimer_registrations_total{outcome=\"error\"} 1"),
        "{metrics}"
    );
}

/// Issue 18: the OpenAPI document describes and discloses nothing, so it is open — without a token, and whatever
/// token comes with it — while the paths beside it still need one.
#[tokio::test]
async fn the_openapi_document_is_open_and_describes_the_api() {
    let s = Server::start().await;
    let (status, doc) = s.admin.get_unauthenticated("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (status, with_wrong) = s
        .admin
        .get_with_authorization("/api/v1/openapi.json", "Bearer wrong")
        .await;
    assert_eq!((status, &with_wrong), (StatusCode::OK, &doc));
    assert_eq!(s.admin.get_ok("/api/v1/openapi.json").await, doc);
    assert_eq!(
        doc["paths"]["/api/v1/openapi.json"]["get"]["security"],
        json!([]),
        "documented as open"
    );
    for beside in ["/api/v1/openapi.json/x", "/api/v1/openapi.jsonx", "/api/v1/openapi"] {
        let (status, body) = s.admin.get_unauthenticated(beside).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{beside}: {body}");
    }
    assert!(
        doc.get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with('3')),
        "{doc}"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/errors",
        "/api/v1/errors/{id}/resubmit",
        "/api/v1/errors/{id}/discard",
        "/api/v1/errors/{id}/resolve",
        "/api/v1/maskintimer/registrations",
        "/api/v1/events",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path} not documented");
    }
}

/// The OpenAPI document describes every route and its answers (docs/src/admin.md). The API answers 400 to a resubmit,
/// discard or resolve with a body it cannot use; the document lists only 200, 404 and 409 for them.
#[tokio::test]
async fn the_openapi_document_lists_every_answer_the_api_gives() {
    let s = Server::start().await;
    let mut reg = valid_registration();
    reg.act_work = "0".into();
    s.register(&reg).await.assert_accepted();
    let id = s.admin.error_for(&reg.ex_ident).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = s.admin.get_ok("/api/v1/openapi.json").await;
    let mut undocumented = Vec::new();
    for action in ["resubmit", "discard", "resolve"] {
        let path = format!("/api/v1/errors/{{id}}/{action}");
        let (status, body) = s
            .admin
            .post(&format!("/api/v1/errors/{id}/{action}"), Some(json!(["not an object"])))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{action}: {body}");
        let responses = &doc["paths"][&path]["post"]["responses"];
        if responses.get("400").is_none() {
            undocumented.push(format!("POST {path} → 400"));
        }
    }
    assert!(
        undocumented.is_empty(),
        "answers missing from openapi.json: {undocumented:#?}"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Operating the error-handling table.

async fn failing(s: &Server, change: impl FnOnce(&mut Registration)) -> (Registration, Value) {
    let mut reg = valid_registration();
    change(&mut reg);
    s.register(&reg).await.assert_accepted();
    let e = s.admin.error_for(&reg.ex_ident).await;
    (reg, e)
}

fn history(e: &Value) -> &Vec<Value> {
    e["history"].as_array().expect("history")
}

async fn act(s: &Server, id: &str, action: &str, body: Option<Value>) -> (StatusCode, Value) {
    s.admin.post(&format!("/api/v1/errors/{id}/{action}"), body).await
}

#[tokio::test]
async fn a_corrected_resubmit_is_registered_and_the_entry_closed() {
    let s = Server::start().await;
    let (reg, e) = failing(&s, |r| r.postg_date = "20251345".into()).await;
    assert_eq!(e["error_type"], "invalid_data");
    let id = e["id"].as_str().unwrap();

    let today = valid_registration().postg_date;
    let (status, after) = act(&s, id, "resubmit", Some(json!({"payload": {"POSTG_DATE": today}}))).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["id"], id);
    assert_eq!(after["status"], "resubmitted", "{after}");
    assert_eq!(after["payload"]["POSTG_DATE"], today.as_str());
    assert_eq!(after["payload"]["EX_IDENT"], reg.ex_ident.as_str());
    assert_eq!(history(&after).len(), 2, "{after}");
    assert_eq!(history(&after)[1]["action"], "resubmitted_registered");
    assert_ne!(after["updated_at"], e["updated_at"]);
    assert_eq!(after["received_at"], e["received_at"]);

    let rows = s.admin.registrations_for(&reg.ex_ident).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["error_id"], id);
    assert_eq!(rows[0]["postg_date"].as_str().unwrap().replace('-', ""), today);
    let events = s.admin.events().await;
    assert_eq!(
        events
            .iter()
            .filter(|ev| ev["payload"]["ex_ident"] == reg.ex_ident.as_str())
            .count(),
        1,
        "{events:?}"
    );
    assert_eq!(s.admin.get_ok(&format!("/api/v1/errors/{id}")).await, after);

    // A closed entry cannot be acted on again.
    for action in ["resubmit", "discard", "resolve"] {
        let (status, body) = act(&s, id, action, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {body}");
    }
    let (status, _) = act(&s, id, "resubmit", Some(json!({"payload": {"ACT_WORK": "1.00"}}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s.admin.get_ok(&format!("/api/v1/errors/{id}")).await, after);

    // The client's resend of the original message changes nothing either.
    s.register(&reg).await.assert_accepted();
    assert_eq!(s.admin.errors_for(&reg.ex_ident).await.len(), 1);
    assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);
}

#[tokio::test]
async fn a_still_wrong_resubmit_stays_open_with_a_longer_history() {
    let s = Server::start().await;
    let (_, e) = failing(&s, |r| r.act_work = "0".into()).await;
    let id = e["id"].as_str().unwrap();

    let (status, after) = act(&s, id, "resubmit", Some(json!({"payload": {"ACT_WORK": "-1"}}))).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "open");
    assert_eq!(after["error_type"], "invalid_data");
    assert!(after["message"].as_str().unwrap().contains("'-1'"), "{after}");
    assert_eq!(history(&after).len(), 2);
    assert_eq!(history(&after)[1]["action"], "resubmitted_failed");
    assert_eq!(after["payload"]["ACT_WORK"], "-1");

    // Now wrong in another way: the employee does not exist.
    let (status, after) = act(
        &s,
        id,
        "resubmit",
        Some(json!({"payload": {"ACT_WORK": "1.50", "PERSONAL_ID": "77736333"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "open");
    assert_eq!(after["error_type"], "master_data", "{after}");
    assert_eq!(history(&after).len(), 3);

    // null removes a field.
    let (status, after) = act(
        &s,
        id,
        "resubmit",
        Some(json!({"payload": {"PERSONAL_ID": "00012345", "PLANT": null}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "open");
    assert_eq!(after["error_type"], "invalid_data");
    assert!(after["payload"].get("PLANT").is_none(), "{after}");
    assert!(after["message"].as_str().unwrap().contains("PLANT"), "{after}");
    assert_eq!(history(&after).len(), 4);

    // A resubmit without a body re-runs the validation on the payload as it is.
    let (status, after) = act(&s, id, "resubmit", None).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "open");
    assert_eq!(history(&after).len(), 5);

    // Then it is fixed.
    let (status, after) = act(&s, id, "resubmit", Some(json!({"payload": {"PLANT": "0020"}}))).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "resubmitted", "{after}");
    assert_eq!(history(&after).len(), 6);
    assert_eq!(
        s.admin
            .registrations_for(e["external_id"].as_str().unwrap())
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_seed_registration_can_be_corrected_into_a_registration() {
    let s = Server::start().await;
    post_soap(
        &s.maskinregistrering(),
        &s.ws_url(REGISTRATION),
        SEED_REGISTRATION_REQUEST,
    )
    .await
    .assert_accepted();
    let ex = "ABCDEABCDE66598040861E0000002008";
    let e = s.admin.error_for(ex).await;
    let id = e["id"].as_str().unwrap();
    let today = valid_registration().postg_date;
    // Filling in the empty fields leaves the unknown employee 77736 and work centre 1000 of the service description's
    // example.
    let (status, after) = act(
        &s,
        id,
        "resubmit",
        Some(json!({"payload": {"PLANT": "0020", "POSTG_DATE": today, "ACT_TYPE": "5117", "ACT_WORK": "3.25"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "open");
    assert_eq!(after["error_type"], "master_data", "{after}");
    assert!(after["message"].as_str().unwrap().contains("00077736"), "{after}");
    let (status, after) = act(
        &s,
        id,
        "resubmit",
        Some(json!({"payload": {"PERSONAL_ID": "12345", "WORK_CNTR": "70510004"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "resubmitted", "{after}");
    let rows = s.admin.registrations_for(ex).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["pernr"], "00012345");
    assert_eq!(rows[0]["network"], "000000519827");
    assert_eq!(rows[0]["error_id"], id);
}

#[tokio::test]
async fn discard_and_resolve_close_an_entry_for_good() {
    let s = Server::start().await;
    let (reg, discarded) = failing(&s, |r| r.act_work = "1234567.00".into()).await;
    let (_, resolved) = failing(&s, |r| r.network = "999999".into()).await;
    let (d, r) = (discarded["id"].as_str().unwrap(), resolved["id"].as_str().unwrap());

    let (status, after) = act(&s, d, "discard", Some(json!({"note": "dobbeltregistrering"}))).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "discarded");
    assert_eq!(history(&after).len(), 2);
    assert_eq!(history(&after)[1]["action"], "discarded");
    assert_eq!(history(&after)[1]["message"], "dobbeltregistrering");
    assert_eq!(after["payload"], discarded["payload"]);

    let (status, after) = act(&s, r, "resolve", None).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "resolved");
    assert_eq!(history(&after)[1]["action"], "resolved");

    for id in [d, r] {
        for action in ["resubmit", "discard", "resolve"] {
            let (status, body) = act(&s, id, action, None).await;
            assert_eq!(status, StatusCode::CONFLICT, "{action} on {id}: {body}");
        }
    }
    // Nothing was registered, and the client's resend does not reopen anything.
    assert!(s.admin.registrations_for(&reg.ex_ident).await.is_empty());
    s.register(&reg).await.assert_accepted();
    let all = s.admin.errors_for(&reg.ex_ident).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["status"], "discarded");

    // Filters.
    let by_status = |status: &'static str| {
        let admin = s.admin.clone();
        async move { admin.list(&format!("/api/v1/errors?status={status}")).await }
    };
    assert_eq!(by_status("discarded").await.len(), 1);
    assert_eq!(by_status("resolved").await.len(), 1);
    assert_eq!(by_status("open").await.len(), 0);
    assert_eq!(by_status("resubmitted").await.len(), 0);
    let (status, _) = s.admin.get("/api/v1/errors?status=bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(s.admin.list("/api/v1/errors?interface=maskintimer").await.len(), 2);
    assert_eq!(s.admin.list("/api/v1/errors?interface=engangsydelse").await.len(), 0);
    assert_eq!(s.admin.list("/api/v1/errors?municipality=0751").await.len(), 2);
    assert_eq!(s.admin.list("/api/v1/errors?municipality=0340").await.len(), 0);
}

#[tokio::test]
async fn unknown_entries_are_404_and_unusable_bodies_400() {
    let s = Server::start().await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    for action in ["resubmit", "discard", "resolve"] {
        let (status, body) = act(&s, unknown, action, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}: {body}");
    }
    let (status, _) = s.admin.get(&format!("/api/v1/errors/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, e) = failing(&s, |r| r.act_work = "0".into()).await;
    let id = e["id"].as_str().unwrap();
    for body in [
        json!({"payload": {"NOT_A_FIELD": "1"}}),
        json!({"payload": {"ACT_WORK": 2.5}}),
        json!({"payload": "ACT_WORK=2.50"}),
        json!([1, 2]),
    ] {
        let (status, answer) = act(&s, id, "resubmit", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    let url = format!("{}/api/v1/errors/{id}/resubmit", s.admin.base);
    let response = s
        .maskinregistrering()
        .post(&url)
        .bearer_auth(&s.admin.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // The entry is untouched.
    assert_eq!(s.admin.get_ok(&format!("/api/v1/errors/{id}")).await, e);
}

#[tokio::test]
async fn a_corrected_ex_ident_is_registered_under_the_new_key() {
    let s = Server::start().await;
    let (reg, e) = failing(&s, |r| r.ex_ident.make_ascii_lowercase()).await;
    assert_eq!(e["error_type"], "invalid_data");
    let id = e["id"].as_str().unwrap();
    let upper = reg.ex_ident.to_ascii_uppercase();

    // Correcting it to an EX_IDENT that is already registered is a conflict.
    let taken = valid_registration();
    s.register(&taken).await.assert_accepted();
    let (status, body) = act(
        &s,
        id,
        "resubmit",
        Some(json!({"payload": {"EX_IDENT": taken.ex_ident}})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let now = s.admin.get_ok(&format!("/api/v1/errors/{id}")).await;
    assert_eq!(now["status"], "open");
    assert_eq!(
        s.admin.registrations_for(&taken.ex_ident).await[0]["error_id"],
        Value::Null
    );

    let (status, after) = act(&s, id, "resubmit", Some(json!({"payload": {"EX_IDENT": upper}}))).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "resubmitted", "{after}");
    let rows = s.admin.registrations_for(&upper).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["error_id"], id);

    // The client resending the original (lower-case) message, or the corrected one, changes nothing.
    s.register(&reg).await.assert_accepted();
    let corrected = Registration {
        ex_ident: upper.clone(),
        ..reg.clone()
    };
    s.register(&corrected).await.assert_accepted();
    assert_eq!(s.admin.list("/api/v1/errors").await.len(), 1);
    assert_eq!(s.admin.registrations_for(&upper).await.len(), 1);
}

#[tokio::test]
async fn registrations_can_be_paged_by_ex_ident() {
    let s = Server::start().await;
    let mut all = Vec::new();
    for _ in 0..5 {
        let reg = valid_registration();
        s.register(&reg).await.assert_accepted();
        all.push(reg.ex_ident);
    }
    all.sort();
    let mut seen = Vec::new();
    let mut after = String::new();
    for _ in 0..10 {
        let page = s
            .admin
            .list(&format!("/api/v1/maskintimer/registrations?limit=2&after={after}"))
            .await;
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        for r in &page {
            seen.push(r["ex_ident"].as_str().unwrap().to_owned());
        }
        after = seen.last().unwrap().clone();
    }
    assert_eq!(seen, all);
    assert_eq!(s.bench_admin().registrations_all().await.unwrap(), all);
    assert!(
        s.admin
            .registrations_for(&snitflade_bench::new_ex_ident())
            .await
            .is_empty()
    );
    // The registration message the bench crate sends is the one these tests use.
    assert!(registration_xml(&valid_registration()).contains("<KOMMUNEKODE>0751</KOMMUNEKODE>"));
}

// ---------------------------------------------------------------------------------------------------------------
// Issue 16, items 6 and 8: strict JSON bodies and JSON errors everywhere.

/// The answer to a raw admin request: status, `Content-Type` and the JSON body (panics if it is not JSON).
async fn raw(
    s: &Server,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, Value) {
    let client = snitflade_bench::trust_only_client_config(&s.data_dir()).and_then(snitflade_bench::client_from_config);
    let response = client
        .expect("client")
        .request(method.clone(), format!("{}{path}", s.admin.base))
        .bearer_auth(&s.admin.token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    let json =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {status} {text}"));
    (status, content_type, json)
}

/// Asserts a 400 whose JSON names the unknown key `key` at `path`.
fn assert_unknown_key(what: &str, status: StatusCode, body: &Value, key: &str, path: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
    let text = body["error"].as_str().unwrap_or_default();
    assert!(text.contains(&format!("unknown field `{key}`")), "{what}: {body}");
    assert_eq!(body["path"], path, "{what}: {body}");
}

#[tokio::test]
async fn unknown_keys_in_admin_bodies_are_400_naming_key_and_path_and_nothing_changes() {
    let s = Server::start().await;
    let a = &s.admin;

    let vendors = a.list("/api/v1/vendors").await.len();
    let vendor = json!({"name": "Leverandør A/S", "cvr": "29189730", "contact_name": "Ida",
                        "contact_phone": "+45 12 34 56 78", "contact_email": "ida@example.dk", "contcat": "x"});
    let (status, body) = a.post("/api/v1/vendors", Some(vendor)).await;
    assert_unknown_key("vendor", status, &body, "contcat", "contcat");
    assert_eq!(a.list("/api/v1/vendors").await.len(), vendors);

    // Nested: a subscription filter, a wage type of the payroll catalogue, an absence type's attachment.
    let (status, d) = a
        .post(
            "/api/v1/dueslag",
            Some(json!({"name": "Strict", "system": "dagtilbud"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let subscriptions = format!("/api/v1/dueslag/{}/subscriptions", d["id"].as_str().unwrap());
    let (status, body) = a
        .post(&subscriptions, Some(json!({"filter": {"myndighd": ["0340"]}})))
        .await;
    assert_unknown_key("filter", status, &body, "myndighd", "filter.myndighd");
    assert!(a.list(&subscriptions).await.is_empty());

    let catalogue_path = "/api/v1/municipalities/0340/payroll-catalogue";
    let catalogue = a.get_ok(catalogue_path).await;
    let mut changed = catalogue.clone();
    changed["wage_types"][1]["unti"] = "hours".into();
    let (status, body) = a.put(catalogue_path, changed).await;
    assert_unknown_key("catalogue", status, &body, "unti", "wage_types[1].unti");
    assert_eq!(a.get_ok(catalogue_path).await, catalogue);

    let absence_path = "/api/v1/municipalities/0340/absence-types";
    let types = a.get_ok(absence_path).await;
    let mut changed = types.clone();
    let none = changed
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .position(|t| t["attachment"]["kind"] == "none")
        .expect("a type without attachment");
    changed[none]["attachment"]["max_age_year"] = 12.into();
    let (status, body) = a.put(absence_path, changed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("unknown field `max_age_year`"),
        "{body}"
    );
    assert_eq!(a.get_ok(absence_path).await, types);

    // The price list's fields and its own (valid_from, actor) together: a key of neither is unknown.
    let mut prices = a.get_ok("/api/v1/price-list").await;
    let version = prices["version"].clone();
    let list = prices.as_object_mut().unwrap();
    list.remove("version");
    list.insert("setup_fee_standardd".into(), "1".into());
    let (status, body) = a.put("/api/v1/price-list", Value::Object(list.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("setup_fee_standardd"),
        "{body}"
    );
    assert_eq!(a.get_ok("/api/v1/price-list").await["version"], version);

    // A discard knows only `note`.
    let (_, e) = failing(&s, |r| r.act_work = "0".into()).await;
    let id = e["id"].as_str().unwrap();
    let (status, body) = act(&s, id, "discard", Some(json!({"note": "dublet", "reason": "dublet"}))).await;
    assert_unknown_key("discard", status, &body, "reason", "reason");
    assert_eq!(a.get_ok(&format!("/api/v1/errors/{id}")).await["status"], "open");
}

#[tokio::test]
async fn null_counts_as_absent_in_admin_bodies() {
    let s = Server::start().await;
    let all = s.admin.list("/api/v1/municipalities").await;
    let aarhus = all.iter().find(|m| m["code"] == "0751").expect("0751");
    let customer = json!({"name": aarhus["name"], "cvr": aarhus["cvr"], "contact_name": null, "contact_email": null,
                          "actor": null});
    let (status, body) = s.admin.put("/api/v1/municipalities/0751", customer).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .admin
        .post(
            "/api/v1/dueslag",
            Some(json!({"name": "Null", "system": "dagtilbud", "push_url": null, "id": null})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["push_url"], Value::Null);
}

#[tokio::test]
async fn every_admin_error_answers_json() {
    let s = Server::start().await;
    let json_error = |what: &str, status: StatusCode, expected: StatusCode, content_type: &str, body: &Value| {
        assert_eq!(status, expected, "{what}: {body}");
        assert!(content_type.starts_with("application/json"), "{what}: {content_type}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {body}");
    };
    use reqwest::Method;
    // A certificate upload over 1 MiB.
    let (status, ct, body) = raw(
        &s,
        Method::POST,
        "/api/v1/systems/kantine/certificates",
        "application/x-pem-file",
        vec![b'A'; (1 << 20) + 1],
    )
    .await;
    json_error("upload over 1 MiB", status, StatusCode::PAYLOAD_TOO_LARGE, &ct, &body);
    let (status, ct, body) = raw(&s, Method::POST, "/api/v1/vendors", "text/plain", b"name=x".to_vec()).await;
    json_error("not JSON", status, StatusCode::UNSUPPORTED_MEDIA_TYPE, &ct, &body);
    let (status, ct, body) = raw(
        &s,
        Method::POST,
        "/api/v1/vendors",
        "application/json",
        b"{\"name\":".to_vec(),
    )
    .await;
    json_error("malformed JSON", status, StatusCode::BAD_REQUEST, &ct, &body);
    let (status, ct, body) = raw(&s, Method::DELETE, "/api/v1/vendors", "application/json", Vec::new()).await;
    json_error("wrong method", status, StatusCode::METHOD_NOT_ALLOWED, &ct, &body);
    let (status, ct, body) = raw(&s, Method::GET, "/api/v1/no-such-thing", "application/json", Vec::new()).await;
    json_error("unknown path", status, StatusCode::NOT_FOUND, &ct, &body);
    let (status, ct, body) = raw(
        &s,
        Method::POST,
        "/api/v1/dueslag/x/deliveries/not-a-number/requeue",
        "application/json",
        Vec::new(),
    )
    .await;
    json_error("path parameter", status, StatusCode::BAD_REQUEST, &ct, &body);
    let (status, ct, body) = raw(
        &s,
        Method::GET,
        "/api/v1/events?limit=many",
        "application/json",
        Vec::new(),
    )
    .await;
    json_error("query parameter", status, StatusCode::BAD_REQUEST, &ct, &body);
    s.assert_healthy().await;
}

#[tokio::test]
async fn error_counts_follow_the_list_and_its_scope() {
    let s = Server::start().await;
    for _ in 0..2 {
        s.register(&Registration {
            postg_date: "x".into(),
            ..valid_registration()
        })
        .await
        .assert_accepted();
    }
    let counts = s.admin.get_ok("/api/v1/errors/counts?status=open").await;
    assert_eq!(
        counts,
        json!([{"municipality": "0751", "interface": "maskintimer", "status": "open", "entries": 2}])
    );
    assert_eq!(s.admin.get_ok("/api/v1/errors/counts?status=resolved").await, json!([]));
    let (status, _) = s.admin.get("/api/v1/errors/counts?status=unknown").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A municipality counts its own entries only, and may not ask for another's.
    let (_, token) = s
        .admin
        .post(
            "/api/v1/tokens",
            Some(json!({"name": "sorø", "role": "municipality", "scope": "0340"})),
        )
        .await;
    let soroe = s.admin.as_token(token["secret"].as_str().unwrap());
    assert_eq!(soroe.get_ok("/api/v1/errors/counts").await, json!([]));
    let (status, _) = soroe.get("/api/v1/errors/counts?municipality=0751").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
