//! Parties, roles and credentials from outside (issue 17): the real demo server, called over HTTP and through the
//! CLI as a client would — named API tokens (shown once, stored as a hash, listed with their last use, revoked and
//! expired ones refused at once), `whoami`, and every admin route limited to the principal's role and scope: a
//! municipality sees only its own orders, errors, invoices and audit rows, a vendor only its systems, the auditor
//! only the audit logs; out-of-scope reads and writes are refused and change nothing; each order step is refused to
//! the wrong party; the admin token file stays the operator's break-glass credential.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A token for `role` (`scope` optional) made with `by`; its id and secret.
async fn token(by: &AdminApi, name: &str, role: &str, scope: Option<&str>, expires: Option<&str>) -> (String, String) {
    let (status, t) = by
        .post(
            "/api/v1/tokens",
            Some(json!({"name": name, "role": role, "scope": scope, "expires": expires})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    (
        t["id"].as_str().unwrap().to_owned(),
        t["secret"].as_str().unwrap().to_owned(),
    )
}

/// The admin API as a new token of `role`.
async fn acting_as(admin: &AdminApi, name: &str, role: &str, scope: Option<&str>) -> AdminApi {
    let (_, secret) = token(admin, name, role, scope, None).await;
    admin.as_token(&secret)
}

/// Asserts a 401 in the admin API's JSON error shape, with the `Bearer` challenge; the error text.
fn assert_unauthorized(status: StatusCode, body: &Value) -> String {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    body["error"].as_str().expect("a JSON error").to_owned()
}

#[tokio::test]
async fn tokens_are_shown_once_stored_as_a_hash_and_refused_once_revoked_or_expired() {
    let s = Server::start().await;
    let a = &s.admin;

    // The admin token file is the operator's break-glass credential.
    let me = a.get_ok("/api/v1/whoami").await;
    assert_eq!(me["principal"], "operator");
    assert_eq!(me["credential"]["kind"], "admin_token");

    let (status, created) = a
        .post(
            "/api/v1/tokens",
            Some(json!({"name": "sorø-løn", "role": "municipality", "scope": "340", "expires": "1h"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("snf_") && secret.len() > 40, "{secret}");
    assert_eq!(created["principal"], "municipality:0340");
    assert_eq!(created["created_by"], "operator (admin-token)");
    assert!(created["last_used_at"].is_null());

    let m = a.as_token(&secret);
    let me = m.get_ok("/api/v1/whoami").await;
    assert_eq!(
        (me["principal"].as_str(), me["role"].as_str(), me["scope"].as_str()),
        (Some("municipality:0340"), Some("municipality"), Some("0340"))
    );
    assert_eq!(me["credential"]["name"], "sorø-løn");
    assert_eq!(me["actor"], "municipality:0340 (token sorø-løn)");

    // Listed with its last use, never with its secret; nor is the secret anywhere in the data dir.
    let listed = a.list("/api/v1/tokens").await;
    let row = listed.iter().find(|t| t["id"] == id.as_str()).expect("listed");
    assert!(row["last_used_at"].is_string(), "{row}");
    assert!(row.get("secret").is_none());
    assert!(!listed.iter().any(|t| t.to_string().contains(&secret)));
    for entry in walk(&s.data_dir()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the secret is stored in {}",
            entry.display()
        );
    }

    // Missing, unknown and malformed tokens: 401 in the same JSON shape as every error.
    let (status, body) = a.get_unauthenticated("/api/v1/whoami").await;
    assert_unauthorized(status, &body);
    let (status, body) = a
        .get_with_authorization("/api/v1/whoami", &format!("Bearer {secret}x"))
        .await;
    assert_unauthorized(status, &body);
    let (status, body) = a.get_with_authorization("/api/v1/nowhere", "Bearer nope").await;
    assert_unauthorized(status, &body);
    // Health and metrics stay open.
    assert_eq!(a.get_unauthenticated("/healthz").await.0, StatusCode::OK);
    assert_eq!(a.get_unauthenticated("/metrics").await.0, StatusCode::OK);

    // Revoked: refused on the very next request.
    let (status, _) = a.delete(&format!("/api/v1/tokens/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = m.get("/api/v1/whoami").await;
    assert!(assert_unauthorized(status, &body).contains("revoked"), "{body}");
    let listed = a.list("/api/v1/tokens").await;
    let row = listed.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert!(row["revoked_at"].is_string());
    let log = a.list("/api/v1/audit/admin?object_type=api_token").await;
    assert!(
        log.iter()
            .any(|e| e["action"] == "api_token.revoke" && e["object_id"] == id.as_str())
    );
    assert!(
        log.iter()
            .any(|e| e["action"] == "api_token.create" && e["actor"] == "operator (admin-token)")
    );
    assert!(log.iter().all(|e| !e.to_string().contains(&secret)));

    // Expired: refused once its time has come.
    let (_, short) = token(a, "kort", "auditor", None, Some("2s")).await;
    let auditor = a.as_token(&short);
    assert_eq!(auditor.get("/api/v1/whoami").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (status, body) = auditor.get("/api/v1/whoami").await;
    assert!(assert_unauthorized(status, &body).contains("expired"), "{body}");

    // Nobody creates a token in the past or of an unknown role or scope.
    for bad in [
        json!({"name": "x", "role": "auditor", "expires": "2020-01-01T00:00:00Z"}),
        json!({"name": "x", "role": "kunde"}),
        json!({"name": "x", "role": "municipality", "scope": "0999"}),
        json!({"name": "x", "role": "vendor", "scope": "no-such-vendor"}),
        json!({"name": "x", "role": "operator", "scope": "0340"}),
        json!({"name": "", "role": "auditor"}),
    ] {
        let (status, body) = a.post("/api/v1/tokens", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_municipality_or_vendor_makes_tokens_only_for_itself() {
    let s = Server::start().await;
    let a = &s.admin;
    let (m_id, m_secret) = token(a, "sorø", "municipality", Some("0340"), Some("1h")).await;
    let m = a.as_token(&m_secret);
    let (other_id, _) = token(a, "aarhus", "municipality", Some("0751"), None).await;

    // Its own scope by default, never another's or a wider role; not beyond its own expiry.
    let (status, own) = m
        .post(
            "/api/v1/tokens",
            Some(json!({"name": "sorø-2", "role": "municipality"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    assert_eq!(own["principal"], "municipality:0340");
    assert!(own["created_by"].as_str().unwrap().starts_with("municipality:0340"));
    let own_expiry: jiff::Timestamp = own["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(own_expiry <= jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3600));
    for (bad, why) in [
        (
            json!({"name": "x", "role": "municipality", "scope": "0751"}),
            "another municipality",
        ),
        (json!({"name": "x", "role": "operator"}), "a wider role"),
        (json!({"name": "x", "role": "auditor"}), "another role"),
        (
            json!({"name": "x", "role": "municipality", "expires": "never"}),
            "outliving it",
        ),
    ] {
        let (status, body) = m.post("/api/v1/tokens", Some(bad)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{why}: {body}");
        assert!(body["error"].is_string());
    }
    // It lists and revokes its own scope's tokens only; another's does not exist for it.
    let listed = m.list("/api/v1/tokens").await;
    assert!(
        listed.iter().all(|t| t["principal"] == "municipality:0340"),
        "{listed:?}"
    );
    assert!(listed.iter().any(|t| t["id"] == m_id.as_str()));
    let (status, _) = m.delete(&format!("/api/v1/tokens/{other_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let still = a.list("/api/v1/tokens").await;
    assert!(
        still
            .iter()
            .any(|t| t["id"] == other_id.as_str() && t["revoked_at"].is_null())
    );

    // The auditor makes none.
    let auditor = acting_as(a, "revisor", "auditor", None).await;
    let (status, _) = auditor
        .post("/api/v1/tokens", Some(json!({"name": "x", "role": "auditor"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Data in both municipalities: an error entry each (machine hours with a bad date, by `maskinregistrering`),
/// reads of personal data in each (a Laes in 0340, machine-hours master data in 0751), an accepted registration in
/// 0751. Answers the two error ids (0340, 0751).
async fn data_in_both(s: &Server) -> (String, String) {
    let mut ids = Vec::new();
    for m in ["0340", "0751"] {
        let reg = snitflade_bench::Registration {
            postg_date: "x".into(),
            kommunekode: m.into(),
            ..valid_registration()
        };
        s.register(&reg).await.assert_accepted();
        let entry = s.admin.error_for(&reg.ex_ident).await;
        assert_eq!(entry["municipality"], m, "{entry}");
        ids.push(entry["id"].as_str().unwrap().to_owned());
    }
    s.register(&valid_registration()).await.assert_accepted();
    let laes = post_soap(
        &s.client("vikarsystem"),
        &s.ws_url("Employee_Provide_Out"),
        laes_envelope("00000101"),
    )
    .await;
    assert_eq!(laes.status, StatusCode::OK, "{}", laes.body);
    let master = post_soap(&s.maskinregistrering(), &s.ws_url(MASTERDATA), SEED_MASTERDATA_REQUEST).await;
    assert_eq!(master.status, StatusCode::OK, "{}", master.body);
    (ids.remove(0), ids.remove(0))
}

/// The municipalities of a list's rows (field `field`), sorted and without repeats.
fn municipalities_of(rows: &[Value], field: &str) -> Vec<String> {
    let mut m: Vec<String> = rows
        .iter()
        .filter_map(|r| r[field].as_str().map(str::to_owned))
        .collect();
    m.sort();
    m.dedup();
    m
}

/// What an out-of-scope write must leave as it was: everything the operator sees of the lists touched.
async fn snapshot(a: &AdminApi) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for path in [
        "/api/v1/errors",
        "/api/v1/orders",
        "/api/v1/grants",
        "/api/v1/vendors",
        "/api/v1/systems",
        "/api/v1/municipalities",
        "/api/v1/municipalities/0751/absence-types",
        "/api/v1/municipalities/0751/employee-locks",
        "/api/v1/price-list",
        "/api/v1/dueslag",
        "/api/v1/standard-integrations",
        "/api/v1/tokens",
        "/api/v1/landscape/relations",
        "/api/v1/audit/admin?limit=10000",
        "/api/v1/events?limit=10000",
    ] {
        let mut v = a.get_ok(path).await;
        // Using a token is no change (its last use is kept for the operator's information).
        if let Value::Array(rows) = &mut v {
            for r in rows.iter_mut().filter_map(Value::as_object_mut) {
                r.remove("last_used_at");
            }
        }
        out.push((path, v));
    }
    out
}

/// Asserts that nothing of `before` changed, naming the list that did. The admin audit log may have grown by
/// records of refused attempts (a 4xx status), never by a change.
async fn assert_unchanged(a: &AdminApi, before: &[(&'static str, Value)]) {
    for ((path, was), (_, is)) in before.iter().zip(snapshot(a).await) {
        if path.starts_with("/api/v1/audit/admin") {
            let old = was.as_array().unwrap();
            for entry in is.as_array().unwrap().iter().filter(|e| !old.contains(e)) {
                let status = entry["detail"]["status"].as_u64().unwrap_or(0);
                assert!((400..500).contains(&status), "a change was logged: {entry}");
            }
            continue;
        }
        assert!(*was == is, "{path} changed:\nbefore {was}\nafter  {is}");
    }
}

#[tokio::test]
async fn a_municipality_sees_and_changes_only_its_own() {
    let s = Server::start().await;
    let a = &s.admin;
    let (err_0340, err_0751) = data_in_both(&s).await;
    let m = acting_as(a, "sorø", "municipality", Some("0340")).await;
    let period = jiff::Zoned::now().date().strftime("%Y-%m").to_string();

    // The operator sees both municipalities; the municipality its own only.
    for (path, field) in [
        ("/api/v1/errors", "municipality"),
        ("/api/v1/orders", "municipality"),
        ("/api/v1/grants", "municipality"),
        ("/api/v1/audit?limit=10000", "municipality"),
        ("/api/v1/municipalities", "code"),
    ] {
        assert_eq!(
            municipalities_of(&a.list(path).await, field),
            ["0340", "0751"],
            "{path}"
        );
        assert_eq!(municipalities_of(&m.list(path).await, field), ["0340"], "{path}");
    }
    // The accepted machine hours are 0751's.
    assert!(!a.list("/api/v1/maskintimer/registrations").await.is_empty());
    assert!(m.list("/api/v1/maskintimer/registrations").await.is_empty());
    let invoices = |v: &Value| municipalities_of(v["municipalities"].as_array().unwrap(), "municipality");
    let path = format!("/api/v1/invoices?period={period}");
    assert_eq!(invoices(&a.get_ok(&path).await), ["0340", "0751"]);
    assert_eq!(invoices(&m.get_ok(&path).await), ["0340"]);
    // Its part of the landscape: its relations.
    let relations = m.list("/api/v1/landscape/relations").await;
    assert!(!relations.is_empty());
    assert_eq!(municipalities_of(&relations, "municipality"), ["0340"]);

    // Asking for another municipality is refused (it knows 0751 exists); another's entry does not exist for it.
    for path in [
        "/api/v1/errors?municipality=0751".to_owned(),
        "/api/v1/orders?municipality=0751".to_owned(),
        "/api/v1/audit?municipality=0751".to_owned(),
        format!("/api/v1/invoices?period={period}&municipality=0751"),
        "/api/v1/municipalities/0751/absence-types".to_owned(),
        "/api/v1/municipalities/0751/payroll-catalogue".to_owned(),
        "/api/v1/landscape?municipality=0751".to_owned(),
    ] {
        let (status, body) = m.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(
        m.get(&format!("/api/v1/errors/{err_0751}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        m.get_ok(&format!("/api/v1/errors/{err_0340}")).await["id"],
        err_0340.as_str()
    );
    let order_0751 = a.list("/api/v1/orders?municipality=0751").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        m.get(&format!("/api/v1/orders/{order_0751}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Routes of other roles: 403 naming the roles.
    for path in [
        "/api/v1/events",
        "/api/v1/audit/admin",
        "/api/v1/crls",
        "/api/v1/certificates",
    ] {
        let (status, body) = m.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body["roles"].as_array().is_some_and(|r| r.contains(&json!("operator"))));
    }

    // Out-of-scope writes are refused, and nothing changes.
    let before = snapshot(a).await;
    let refused: Vec<(reqwest::Method, String, Option<Value>, StatusCode)> = vec![
        (
            reqwest::Method::POST,
            format!("/api/v1/errors/{err_0751}/discard"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/errors/{err_0751}/resubmit"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/orders/{order_0751}/close"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/orders".into(),
            Some(json!({"municipality": "0751", "system": "kantine", "interfaces": ["engangsydelse"]})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/municipalities/0751/absence-types".into(),
            Some(json!([])),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/municipalities/0751/employee-locks/00012345".into(),
            Some(json!({"reason": "x"})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/municipalities/0751".into(),
            Some(json!({"name": "Aarhus", "cvr": "55133018"})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/grants".into(),
            Some(json!({"system": "kantine", "interface": "engangsydelse", "municipality": "0340"})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/vendors".into(),
            Some(
                json!({"name": "x", "cvr": "12972997", "contact_name": "x", "contact_phone": "1",
                        "contact_email": "a@b.dk"}),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/systems/kantine/urgent-close".into(),
            Some(json!({"reason": "x"})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/price-list".into(),
            Some(json!({})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/dueslag".into(),
            Some(json!({"name": "x", "system": "dagtilbud"})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/landscape/relations/r-aarhus".into(),
            Some(
                json!({"id": "r-aarhus", "municipality": "0751", "system": "kantine", "counterpart": "loen",
                        "direction": "to", "dependency": "weak"}),
            ),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (method, path, body, expected) in refused {
        let (status, answer) = send(&m, method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        assert!(answer["error"].is_string(), "{method} {path}: {answer}");
    }
    assert_unchanged(a, &before).await;

    // In scope it works, recorded as its own: a discard of its own error entry.
    let (status, done) = m
        .post(
            &format!("/api/v1/errors/{err_0340}/discard"),
            Some(json!({"note": "dublet"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let last = done["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "municipality:0340 (token sorø)", "{last}");

    // The same through the CLI with --token: its own orders only.
    let (_, secret) = token(a, "sorø-cli", "municipality", Some("0340"), None).await;
    let out = std::process::Command::new(bin())
        .args([
            "admin",
            "--admin-url",
            &format!("http://{}", s.proc.admin),
            "--token",
            &secret,
        ])
        .args(["orders", "list"])
        .env_remove("SNITFLADE_ADMIN_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(municipalities_of(&listed, "municipality"), ["0340"]);
}

/// Sends `method path` with an optional JSON body.
async fn send(api: &AdminApi, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    match method.as_str() {
        "GET" => api.get(path).await,
        "POST" => api.post(path, body).await,
        "PUT" => api.put(path, body.unwrap_or(Value::Null)).await,
        "DELETE" => api.delete(path).await,
        other => panic!("no {other} here"),
    }
}

/// The vendor id of a demo system.
async fn vendor_of(a: &AdminApi, system: &str) -> String {
    a.list("/api/v1/systems")
        .await
        .into_iter()
        .find(|x| x["name"] == system)
        .and_then(|x| x["vendor_id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{system} has a vendor"))
}

fn names(rows: &[Value], field: &str) -> Vec<String> {
    let mut n: Vec<String> = rows
        .iter()
        .map(|r| r[field].as_str().unwrap_or_default().to_owned())
        .collect();
    n.sort();
    n.dedup();
    n
}

#[tokio::test]
async fn a_vendor_sees_and_changes_only_its_own_systems() {
    let s = Server::start().await;
    let a = &s.admin;
    let (err_0340, _) = data_in_both(&s).await;
    let machines = vendor_of(a, "maskinregistrering").await;
    let daycare = vendor_of(a, "dagtilbud").await;
    let m = acting_as(a, "maskiner", "vendor", Some(&machines)).await;
    let d = acting_as(a, "dagtilbud", "vendor", Some(&daycare)).await;
    let box_id = a
        .dueslag(json!({"name": "dagtilbuds dueslag", "system": "dagtilbud"}), json!({}))
        .await;

    // Its own systems, their certificates, grants, orders, errors, registrations and dueslag only.
    assert_eq!(names(&m.list("/api/v1/systems").await, "name"), ["maskinregistrering"]);
    assert_eq!(
        names(&m.list("/api/v1/certificates").await, "system"),
        ["maskinregistrering"]
    );
    assert_eq!(
        names(&m.list("/api/v1/vendors").await, "id"),
        std::slice::from_ref(&machines)
    );
    let grants = m.list("/api/v1/grants").await;
    assert!(!grants.is_empty());
    assert_eq!(names(&m.list("/api/v1/orders").await, "system"), ["maskinregistrering"]);
    assert_eq!(names(&m.list("/api/v1/errors").await, "system"), ["maskinregistrering"]);
    assert_eq!(
        names(&m.list("/api/v1/maskintimer/registrations").await, "system"),
        ["maskinregistrering"]
    );
    assert!(m.list("/api/v1/dueslag").await.is_empty());
    assert_eq!(
        names(&d.list("/api/v1/dueslag").await, "id"),
        std::slice::from_ref(&box_id)
    );
    assert!(
        d.list("/api/v1/errors").await.is_empty(),
        "dagtilbud sent no failing message"
    );
    assert!(d.list("/api/v1/maskintimer/registrations").await.is_empty());
    // `maskinregistrering`'s vendor, which sent the failing registration, sees its own entry; another vendor does not.
    assert_eq!(
        d.get(&format!("/api/v1/errors/{err_0340}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        m.get_ok(&format!("/api/v1/errors/{err_0340}")).await["id"],
        err_0340.as_str()
    );

    // Another vendor's things do not exist for it; other roles' routes are refused; nothing changes.
    let before = snapshot(a).await;
    let refused: Vec<(reqwest::Method, String, Option<Value>, StatusCode)> = vec![
        (
            reqwest::Method::GET,
            format!("/api/v1/dueslag/{box_id}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/dueslag/{box_id}"),
            Some(json!({"active": false})),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/dueslag/{box_id}/subscriptions"),
            Some(json!({"filter": {}})),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/dueslag".into(),
            Some(json!({"name": "x", "system": "dagtilbud"})),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/systems/dagtilbud/publisher-tokens".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/systems/dagtilbud/publisher-tokens".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/vendors/{daycare}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/vendors/{daycare}"),
            Some(
                json!({"name": "x", "cvr": "44125242", "contact_name": "x", "contact_phone": "1",
                        "contact_email": "a@b.dk"}),
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/orders".into(),
            Some(json!({"municipality": "0340", "system": "dagtilbud", "interfaces": ["opret-fravaer"]})),
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/systems".into(),
            Some(json!({"name": "fremmed", "vendor": daycare})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/systems/dagtilbud/certificates".into(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/audit".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/invoices?period=2026-01".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/events".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/landscape".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/grants".into(),
            Some(json!({"system": "maskinregistrering", "interface": "opret-fravaer", "municipality": "0340"})),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/municipalities/0340/absence-types".into(),
            Some(json!([])),
            StatusCode::FORBIDDEN,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"name": "x", "role": "vendor", "scope": daycare})),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (method, path, body, expected) in refused {
        let (status, answer) = send(&m, method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        assert!(answer["error"].is_string(), "{method} {path}: {answer}");
    }
    assert_unchanged(a, &before).await;

    // Its own: a publisher token for its system, recorded as the vendor's.
    let (status, issued) = m
        .post("/api/v1/systems/maskinregistrering/publisher-tokens", None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let log = a.list("/api/v1/audit/admin?limit=20").await;
    assert!(
        log.iter()
            .any(|e| e["action"] == "token.issue"
                && e["actor"] == "vendor:".to_owned() + &machines + " (token maskiner)"),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_auditor_reads_the_audit_logs_and_changes_nothing() {
    let s = Server::start().await;
    let a = &s.admin;
    data_in_both(&s).await;
    let auditor = acting_as(a, "revision", "auditor", None).await;
    assert_eq!(
        municipalities_of(&auditor.list("/api/v1/audit?limit=10000").await, "municipality"),
        ["0340", "0751"]
    );
    assert!(!auditor.list("/api/v1/audit/admin").await.is_empty());
    assert_eq!(auditor.get_ok("/api/v1/whoami").await["principal"], "auditor");

    // Every other operation of the API is refused by its role, whatever the body: 403 naming the roles, and
    // nothing changes. The same sweep for a municipality and a vendor over the operations not theirs.
    let doc = a.get_ok("/api/v1/openapi.json").await;
    let vendor = vendor_of(a, "dagtilbud").await;
    let m = acting_as(a, "sorø", "municipality", Some("0340")).await;
    let v = acting_as(a, "dagtilbud", "vendor", Some(&vendor)).await;
    let before = snapshot(a).await;
    let mut swept = 0;
    for (who, api) in [("auditor", &auditor), ("municipality", &m), ("vendor", &v)] {
        for (path, ops) in doc["paths"].as_object().unwrap() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for (method, op) in ops.as_object().unwrap() {
                let Some(roles) = op["x-roles"].as_array() else {
                    continue;
                };
                if roles.contains(&json!(who)) {
                    continue;
                }
                let concrete = path
                    .replace("{code}", "0340")
                    .replace("{pernr}", "00000101")
                    .replace("{name}", "dagtilbud")
                    .replace(['{', '}'], "");
                let method: reqwest::Method = method.to_uppercase().parse().unwrap();
                let (status, body) = send(api, method.clone(), &concrete, Some(json!({}))).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {method} {concrete}: {body}");
                assert!(body["roles"].is_array(), "{who}: {method} {concrete}: {body}");
                swept += 1;
            }
        }
    }
    assert!(swept > 100, "{swept} refusals");
    assert_unchanged(a, &before).await;
}

/// An order's state and number of steps, as the operator sees it.
async fn progress(a: &AdminApi, id: &str) -> (String, usize) {
    let o = a.get_ok(&format!("/api/v1/orders/{id}")).await;
    (
        o["state"].as_str().unwrap().to_owned(),
        o["steps"].as_array().unwrap().len(),
    )
}

/// Takes step `to` of order `id` as `api`; the status and answer.
async fn step(api: &AdminApi, id: &str, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/v1/orders/{id}/advance"), Some(body)).await
}

/// Asserts that `api` may not take `to` (403 with a reason naming whose step it is) and that the order is as it
/// was.
async fn refused_step(a: &AdminApi, api: &AdminApi, id: &str, to: &str, who: &str) {
    let before = progress(a, id).await;
    let (status, body) = step(api, id, json!({"to": to})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{who} took {to}: {body}");
    assert!(body["error"].as_str().unwrap().contains(to), "{body}");
    assert_eq!(progress(a, id).await, before, "{who}'s refused {to} changed the order");
}

#[tokio::test]
async fn each_order_step_belongs_to_its_party() {
    let s = Server::start().await;
    let a = &s.admin;
    let canteen = vendor_of(a, "kantine").await;
    let v = acting_as(a, "kantinedata", "vendor", Some(&canteen)).await;
    let other_vendor = acting_as(a, "løn", "vendor", Some(&vendor_of(a, "loen").await)).await;
    let aarhus = acting_as(a, "aarhus", "municipality", Some("0751")).await;
    let soroe = acting_as(a, "sorø", "municipality", Some("0340")).await;

    // The municipality orders for itself (a standard integration: the vendor's agreed certificate).
    let (status, order) = aarhus
        .post(
            "/api/v1/orders",
            Some(
                json!({"municipality": "0751", "system": "kantine", "interfaces": ["engangsydelse"],
                        "standard_integration": "SI-kantine", "actor": "fritekst"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["steps"][0]["actor"], "municipality:0751 (token aarhus)");
    // Parties to the order see it; nobody else does.
    assert_eq!(v.get_ok(&format!("/api/v1/orders/{id}")).await["id"], id.as_str());
    for outsider in [&soroe, &other_vendor] {
        assert_eq!(
            outsider.get(&format!("/api/v1/orders/{id}")).await.0,
            StatusCode::NOT_FOUND
        );
        let (status, _) = step(outsider, &id, json!({"to": "clarified"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            !outsider
                .list("/api/v1/orders")
                .await
                .iter()
                .any(|o| o["id"] == id.as_str())
        );
    }

    // clarified: the operator's.
    refused_step(a, &aarhus, &id, "clarified", "the municipality").await;
    refused_step(a, &v, &id, "clarified", "the vendor").await;
    let (status, body) = step(a, &id, json!({"to": "clarified"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The vendor may withdraw only what is merely proposed.
    refused_step(a, &v, &id, "cancelled", "the vendor").await;
    // addendum_signed: the municipality's (the data controller's instruction).
    refused_step(a, &v, &id, "addendum_signed", "the vendor").await;
    let (status, body) = step(&aarhus, &id, json!({"to": "addendum_signed"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // delivery_ordered, access_set_up, notified: the operator's.
    for to in ["delivery_ordered", "access_set_up", "notified"] {
        refused_step(a, &aarhus, &id, to, "the municipality").await;
        refused_step(a, &v, &id, to, "the vendor").await;
        let (status, body) = step(a, &id, json!({"to": to})).await;
        assert_eq!(status, StatusCode::OK, "{to}: {body}");
    }
    let done = a.get_ok(&format!("/api/v1/orders/{id}")).await;
    let actors: Vec<&str> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        [
            "municipality:0751 (token aarhus)",
            "operator (admin-token)",
            "municipality:0751 (token aarhus)",
            "operator (admin-token)",
            "operator (admin-token)",
            "operator (admin-token)",
        ]
    );
    let log = a.list("/api/v1/audit/admin?object_type=order&limit=1000").await;
    assert!(log.iter().any(|e| e["object_id"] == id.as_str()
        && e["action"] == "order.advance"
        && e["actor"] == "municipality:0751 (token aarhus)"));
    assert!(
        !log.iter().any(|e| e.to_string().contains("fritekst")),
        "the free-text actor is ignored"
    );

    // Closing: the municipality's (normally) — not the vendor's; urgent closing the operator's alone.
    let (status, body) = v.post(&format!("/api/v1/orders/{id}/close"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = aarhus
        .post("/api/v1/systems/kantine/urgent-close", Some(json!({"reason": "brud"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(a.get_ok(&format!("/api/v1/orders/{id}")).await["closed"].is_null());
    let (status, closed) = aarhus.post(&format!("/api/v1/orders/{id}/close"), None).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["closed"]["actor"], "municipality:0751 (token aarhus)");

    // An individual integration: the vendor proposes and clarifies the certificates, not the municipality.
    let certificate = v.list("/api/v1/certificates").await[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, ind) = v
        .post(
            "/api/v1/orders",
            Some(json!({"municipality": "0751", "system": "kantine", "interfaces": ["engangsydelse"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ind}");
    assert_eq!(ind["kind"], "individual");
    let ind = ind["id"].as_str().unwrap().to_owned();
    assert_eq!(step(a, &ind, json!({"to": "clarified"})).await.0, StatusCode::OK);
    refused_step(a, &aarhus, &ind, "certificates_clarified", "the municipality").await;
    let (status, body) = step(
        &v,
        &ind,
        json!({"to": "certificates_clarified", "certificate": certificate}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Cancelling after the proposal: the municipality's, not the vendor's.
    refused_step(a, &v, &ind, "cancelled", "the vendor").await;
    let (status, body) = step(&aarhus, &ind, json!({"to": "cancelled"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The vendor withdraws its own proposal while it is only proposed.
    let (status, proposal) = v
        .post(
            "/api/v1/orders",
            Some(
                json!({"municipality": "0340", "system": "kantine", "interfaces": ["engangsydelse"],
                        "package": false}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{proposal}");
    let pid = proposal["id"].as_str().unwrap();
    assert_eq!(step(&v, pid, json!({"to": "cancelled"})).await.0, StatusCode::OK);
    assert_eq!(progress(a, pid).await.0, "cancelled");
}
