//! `snitflade admin …` against a real `serve --demo`: the demo's orders listed, a vendor registered and linked to
//! `ingen-adgang`, its order created and advanced from the command line, the invoice as CSV, and an error answer
//! on stderr with exit code 1. The Beskedfordeler's administration likewise: a dueslag for `dagtilbud` created,
//! subscribed, an absence's delivery moved to the fejlkø and back, its envelope shown, the dueslag deactivated;
//! a publisher token issued (shown once), listed without its secret and revoked. The rest of the admin API
//! (issue 18): grants, payroll catalogues and employee locks, absence and document types, holiday transfers, the
//! open routes without a token, and the landscape's writes.

mod common;

use common::*;
use serde_json::{Value, json};
use std::process::Output;
use std::time::{Duration, Instant};

/// Runs `snitflade admin ARGS` against `s` (token from its data dir).
fn admin(s: &Server, args: &[&str]) -> Output {
    client(s, "admin", args, None)
}

/// Runs `snitflade TREE ARGS` (`admin` or `landscape`) against `s`, token from its data dir, `stdin` (if any) as
/// standard input.
fn client(s: &Server, tree: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = std::process::Command::new(bin())
        .arg(tree)
        .arg("--admin-url")
        .arg(format!("http://{}", s.proc.admin))
        .arg("--data-dir")
        .arg(s.data_dir())
        .args(["--actor", "cli-test"])
        .args(args)
        .env_remove("SNITFLADE_ADMIN_TOKEN")
        .env_remove("SNITFLADE_ADMIN_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running snitflade");
    let mut input = child.stdin.take().expect("stdin");
    // A command that reads no input may be gone before it is written.
    let _ = input.write_all(stdin.unwrap_or_default());
    drop(input);
    child.wait_with_output().expect("running snitflade")
}

/// The JSON printed by a successful `snitflade admin ARGS`.
fn json(s: &Server, args: &[&str]) -> Value {
    parsed(admin(s, args), args)
}

/// The JSON of a successful run's stdout.
fn parsed(out: Output, args: &[&str]) -> Value {
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"))
}

#[tokio::test]
async fn the_admin_cli_runs_an_order_end_to_end() {
    let s = Server::start().await;
    let orders = json(&s, &["orders", "list", "--municipality", "0340"]);
    assert_eq!(orders.as_array().unwrap().len(), 6, "{orders}");

    let vendor = json(
        &s,
        &[
            "vendors",
            "add",
            "--name",
            "Ingen Adgang ApS",
            "--cvr",
            "84847771",
            "--contact-name",
            "Ida",
            "--contact-phone",
            "+45 12 34 56 78",
            "--contact-email",
            "ida@example.dk",
        ],
    );
    let vendor_id = vendor["id"].as_str().unwrap().to_owned();
    json(&s, &["systems", "set-vendor", "ingen-adgang", "--vendor", &vendor_id]);
    let pem = s.data_dir().join("pki/clients/ingen-adgang.pem");
    let cert = json(
        &s,
        &["systems", "upload-certificate", "ingen-adgang", pem.to_str().unwrap()],
    );
    assert_eq!(cert["cvr"], "84847771");

    // An individual integration: the certificate is clarified as its own step.
    let order = json(
        &s,
        &[
            "orders",
            "create",
            "--municipality",
            "0751",
            "--system",
            "ingen-adgang",
            "--interface",
            "medarbejderoplysninger",
        ],
    );
    assert_eq!(order["kind"], "individual");
    let id = order["id"].as_str().unwrap().to_owned();
    let fp = cert["fingerprint"].as_str().unwrap();
    json(&s, &["orders", "advance", &id, "clarified"]);
    json(
        &s,
        &["orders", "advance", &id, "certificates_clarified", "--certificate", fp],
    );
    for to in ["addendum_signed", "delivery_ordered", "access_set_up", "notified"] {
        let o = json(&s, &["orders", "advance", &id, to]);
        assert_eq!(o["state"], to);
    }
    let shown = json(&s, &["orders", "show", &id]);
    let actors: Vec<&str> = shown["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["actor"].as_str().unwrap())
        .collect();
    // --actor is still accepted and ignored: the steps record the token's principal.
    assert_eq!(actors, ["operator (admin-token)"; 7]);

    let month = jiff::Zoned::now().date().strftime("%Y-%m").to_string();
    let out = admin(&s, &["invoices", "--period", &month, "--municipality", "0751", "--csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("period,municipality,order,system,fee,interface,amount"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{month},0751,{id},ingen-adgang,setup,,18000")),
        "{csv}"
    );

    let log = json(&s, &["audit-admin", "--limit", "500"]);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "operator (admin-token)" && e["action"] == "order.advance")
    );

    // An error answer: the server's text on stderr, exit code 1.
    let out = admin(&s, &["orders", "show", "no-such-order"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("findes ikke"));
}

/// The elements of the JSON array a successful `snitflade admin ARGS` prints.
fn list(s: &Server, args: &[&str]) -> Vec<Value> {
    let v = json(s, args);
    v.as_array()
        .unwrap_or_else(|| panic!("{args:?}: not an array: {v}"))
        .clone()
}

/// The stdout of a successful `snitflade admin ARGS`, as text.
fn stdout(s: &Server, args: &[&str]) -> String {
    let out = admin(s, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_admin_cli_runs_a_dueslag_and_publisher_tokens() {
    let s = Server::start().await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;

    // A dueslag for the demo system `dagtilbud`, read over AMQP (no push endpoint), so deliveries stay pending.
    let d = json(
        &s,
        &[
            "dueslag",
            "create",
            "--name",
            "CLI-modtager",
            "--system",
            "dagtilbud",
            "--max-attempts",
            "4",
        ],
    );
    let id = d["id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{d}");
    assert_eq!(
        (&d["name"], &d["active"], &d["push_url"], &d["max_attempts"]),
        (&json!("CLI-modtager"), &json!(true), &Value::Null, &json!(4)),
        "{d}"
    );
    let all = list(&s, &["dueslag", "list"]);
    assert!(all.iter().any(|x| x["id"] == id.as_str()), "{all:?}");

    let sub = json(
        &s,
        &[
            "dueslag",
            "subscribe",
            &id,
            "--beskedtype",
            "absence.created",
            "--myndighed",
            "0340",
        ],
    );
    assert_eq!(
        sub["filter"],
        json!({"beskedtype": ["absence.created"], "myndighed": ["0340"]}),
        "{sub}"
    );
    let sid = sub["id"].as_str().unwrap().to_owned();
    let subs = list(&s, &["dueslag", "subscriptions", &id]);
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0]["id"], sid.as_str());
    // A filter the CLI refuses is never sent: a usage error, and the dueslag keeps its one subscription.
    let out = admin(
        &s,
        &["dueslag", "subscribe", &id, "--filter", r#"{"myndighed": ["Sorø"]}"#],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(list(&s, &["dueslag", "subscriptions", &id]).len(), 1);

    // An absence in 0340 is routed to the dueslag; its delivery goes to the fejlkø and back.
    s.register_sick_day("00000110", "2026-03-02").await;
    let start = Instant::now();
    let pending = loop {
        let pending = list(&s, &["dueslag", "deliveries", &id, "--state", "pending"]);
        if !pending.is_empty() {
            break pending;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "never routed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(pending.len(), 1, "{pending:?}");
    let seq = pending[0]["seq"].as_i64().unwrap().to_string();
    let moved = json(&s, &["dueslag", "fejlkoe", &id, &seq]);
    assert_eq!(moved["state"], "dead", "{moved}");
    let dead = list(&s, &["dueslag", "deliveries", &id, "--state", "dead"]);
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["seq"].to_string(), seq);
    assert!(list(&s, &["dueslag", "deliveries", &id, "--state", "pending"]).is_empty());
    json(&s, &["dueslag", "requeue", &id, &seq]);
    assert!(list(&s, &["dueslag", "deliveries", &id, "--state", "dead"]).is_empty());
    let after = list(&s, &["dueslag", "deliveries", &id, "--after", &seq]);
    assert!(after.is_empty(), "nothing after the only delivery: {after:?}");

    // The event's envelope is XML (printed as it comes) with the Beskedtype of absence.created.
    let kinds = list(&s, &["beskedtyper"]);
    let absence = kinds
        .iter()
        .find(|k| k["kind"] == "absence.created")
        .unwrap_or_else(|| panic!("{kinds:?}"));
    let beskedtype = absence["beskedtype"].as_str().unwrap();
    let xml = stdout(&s, &["envelope", &seq]);
    assert!(xml.trim_start().starts_with('<'), "{xml}");
    assert!(xml.contains("Haendelsesbesked"), "{xml}");
    assert!(
        between(&xml, "<kuvert:Beskedtype>", "</kuvert:Beskedtype>").is_some_and(|b| b.contains(beskedtype)),
        "{xml}"
    );

    let d = json(&s, &["dueslag", "deactivate", &id]);
    assert_eq!(d["active"], false, "{d}");
    assert_eq!(json(&s, &["dueslag", "show", &id])["active"], false);
    let d = json(
        &s,
        &["dueslag", "change", &id, "--name", "Omdøbt", "--max-attempts", "7"],
    );
    assert_eq!(
        (&d["name"], &d["max_attempts"], &d["active"]),
        (&json!("Omdøbt"), &json!(7), &json!(false))
    );

    // Unsubscribing leaves no subscription.
    let out = admin(&s, &["dueslag", "unsubscribe", &id, &sid]);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(list(&s, &["dueslag", "subscriptions", &id]).is_empty());

    // A publisher token: shown once when issued, never in the list; revoked, it stays listed as revoked.
    let issued = json(&s, &["publisher-tokens", "issue", "dagtilbud", "--valid-days", "2"]);
    let token = issued["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("bf_") && token.len() > 20, "{issued}");
    let token_id = issued["id"].as_str().unwrap().to_owned();
    let listed = stdout(&s, &["publisher-tokens", "list", "dagtilbud"]);
    assert!(!listed.contains(&token), "the secret is listed: {listed}");
    let tokens: Vec<Value> = serde_json::from_str(&listed).unwrap();
    let mine = tokens.iter().find(|t| t["id"] == token_id.as_str()).unwrap();
    assert_eq!((mine.get("token"), &mine["revoked_at"]), (None, &Value::Null), "{mine}");
    assert_eq!(mine["system_name"], "dagtilbud");

    let out = admin(&s, &["publisher-tokens", "revoke", "dagtilbud", &token_id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tokens = list(&s, &["publisher-tokens", "list", "dagtilbud"]);
    let mine = tokens.iter().find(|t| t["id"] == token_id.as_str()).unwrap();
    assert!(mine["revoked_at"].is_string(), "{mine}");
    // Revoked once is revoked: a second revocation is an error answer.
    let out = admin(&s, &["publisher-tokens", "revoke", "dagtilbud", &token_id]);
    assert_eq!(out.status.code(), Some(1));

    // The admin audit log records the principal (not --actor), for the revocation too.
    let log: Vec<(String, String)> = list(&s, &["audit-admin", "--limit", "500"])
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for action in [
        "dueslag.create",
        "dueslag.subscribe",
        "dueslag.change",
        "token.issue",
        "token.revoke",
    ] {
        assert!(
            log.iter()
                .any(|(a, who)| a == action && who == "operator (admin-token)"),
            "{action}: {log:?}"
        );
    }
}

/// Issue 16, item 17: the error-handling table from the command line (it was curl-only): list with the API's
/// filters, show, resubmit with a corrected payload from a file, discard and resolve with a note.
#[tokio::test]
async fn the_error_table_is_operated_from_the_command_line() {
    let s = Server::start().await;
    let mut failed = Vec::new();
    for _ in 0..3 {
        let mut reg = valid_registration();
        reg.postg_date = "20251345".into();
        s.register(&reg).await.assert_accepted();
        failed.push(reg.ex_ident);
    }

    let listed = json(
        &s,
        &["errors", "list", "--status", "open", "--interface", "maskintimer"],
    );
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    let one = json(&s, &["errors", "list", "--external-id", &failed[0]]);
    assert_eq!(one.as_array().unwrap().len(), 1, "{one}");
    let id = one[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        json(&s, &["errors", "list", "--limit", "2"]).as_array().unwrap().len(),
        2
    );
    assert_eq!(
        json(&s, &["errors", "list", "--limit", "2", "--offset", "2"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let shown = json(&s, &["errors", "show", &id]);
    assert_eq!(
        (shown["id"].as_str(), shown["status"].as_str()),
        (Some(id.as_str()), Some("open"))
    );

    // Resubmitted with the date corrected from a file.
    let correction = s.dir.path().join("correction.json");
    let today = valid_registration().postg_date;
    std::fs::write(&correction, json!({ "POSTG_DATE": today }).to_string()).unwrap();
    let after = json(
        &s,
        &["errors", "resubmit", &id, "--payload", correction.to_str().unwrap()],
    );
    assert_eq!(after["status"], "resubmitted", "{after}");
    assert_eq!(s.admin.registrations_for(&failed[0]).await.len(), 1);

    let second = s.admin.error_for(&failed[1]).await["id"].as_str().unwrap().to_owned();
    let discarded = json(&s, &["errors", "discard", &second, "--note", "dublet"]);
    assert_eq!(discarded["status"], "discarded", "{discarded}");
    assert!(
        discarded.to_string().contains("dublet"),
        "the note is kept: {discarded}"
    );
    let third = s.admin.error_for(&failed[2]).await["id"].as_str().unwrap().to_owned();
    let resolved = json(&s, &["errors", "resolve", &third, "--note", "rettet i Opus"]);
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    assert!(resolved.to_string().contains("rettet i Opus"), "{resolved}");
    let by_status = json(&s, &["errors", "list", "--status", "resolved"]);
    assert_eq!(by_status.as_array().unwrap().len(), 1);
    assert_eq!(by_status[0]["id"], third.as_str());
    assert!(
        json(&s, &["errors", "list", "--status", "open"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A closed entry: the server's refusal on stderr, exit code 1.
    let out = admin(&s, &["errors", "resolve", &third]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
    // Every argument explains itself.
    for (sub, texts) in [
        (
            "list",
            &["Only errors in this state", "external id", "Skip this many"][..],
        ),
        ("resubmit", &["The error's id", "corrected payload"][..]),
        ("resolve", &["How it was handled"][..]),
        ("discard", &["Why it is dropped"][..]),
    ] {
        let help = admin(&s, &["errors", sub, "--help"]);
        let text = String::from_utf8_lossy(&help.stdout);
        for t in texts {
            assert!(text.contains(t), "errors {sub} --help lacks {t:?}:\n{text}");
        }
    }
}

/// Writes `value` as a JSON file in the server's temp dir; answers its path.
fn json_file(s: &Server, name: &str, value: &Value) -> String {
    let path = s.dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The stderr of a failed `snitflade admin ARGS` (exit code 1).
fn refused(s: &Server, args: &[&str]) -> String {
    let out = admin(s, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Issue 18: what used to take curl — grants, the payroll catalogue and employee locks, absence and document
/// types, holiday transfers — from the command line, each change seen in what is shown next.
#[tokio::test]
async fn catalogues_locks_grants_and_holiday_transfers_are_operated_from_the_command_line() {
    let s = Server::start().await;

    // Grants: one added (the interface's default level), listed, and refused the second time.
    let before = list(&s, &["grants", "list"]).len();
    let grant = json(
        &s,
        &[
            "grants",
            "add",
            "--system",
            "ingen-adgang",
            "--interface",
            "medarbejderoplysninger",
            "--municipality",
            "751",
            "--valid-from",
            "2026-01-01",
        ],
    );
    assert_eq!(
        (grant["municipality"].as_str(), grant["access"].as_str()),
        (Some("0751"), Some("read")),
        "{grant}"
    );
    assert_eq!(list(&s, &["grants", "list"]).len(), before + 1);
    let again = [
        "grants",
        "add",
        "--system",
        "ingen-adgang",
        "--interface",
        "medarbejderoplysninger",
        "--municipality",
        "0751",
        "--valid-from",
        "2026-01-01",
    ];
    assert!(refused(&s, &again).contains("exists already"));

    // The payroll catalogue: shown, a cost centre added through a file, an invalid one refused whole.
    let mut catalogue = json(&s, &["payroll-catalogue", "show", "340"]);
    assert!(
        catalogue["cost_centres"].to_string().contains("1000000001"),
        "{catalogue}"
    );
    catalogue["cost_centres"]
        .as_array_mut()
        .unwrap()
        .push("3000000001".into());
    let file = json_file(&s, "payroll.json", &catalogue);
    let stored = json(&s, &["payroll-catalogue", "set", "0340", &file]);
    assert_eq!(stored, catalogue);
    assert_eq!(json(&s, &["payroll-catalogue", "show", "0340"]), catalogue);
    catalogue["cost_centres"].as_array_mut().unwrap().push("12".into());
    let file = json_file(&s, "payroll-bad.json", &catalogue);
    assert!(!refused(&s, &["payroll-catalogue", "set", "0340", &file]).is_empty());
    assert!(
        !json(&s, &["payroll-catalogue", "show", "0340"])
            .to_string()
            .contains("\"12\"")
    );

    // Employee locks: the demo's, one added with its reason, lifted, and lifting it again refused.
    let locks = list(&s, &["employee-locks", "list", "0340"]);
    assert!(locks.iter().any(|l| l.to_string().contains("00000127")), "{locks:?}");
    let locked = json(
        &s,
        &["employee-locks", "lock", "0340", "110", "--reason", "Efterregulering"],
    );
    assert_eq!(locked, json!({"pernr": "00000110", "locked": true}));
    let locks = list(&s, &["employee-locks", "list", "0340"]);
    assert!(
        locks.iter().any(|l| l.to_string().contains("Efterregulering")),
        "{locks:?}"
    );
    assert_eq!(
        json(&s, &["employee-locks", "unlock", "0340", "00000110"]),
        json!({"pernr": "00000110", "locked": false})
    );
    assert!(refused(&s, &["employee-locks", "unlock", "0340", "110"]).contains("not locked"));

    // Absence types: TU taken out through standard input.
    let types = list(&s, &["absence-types", "show", "0340"]);
    assert!(types.iter().any(|t| t["code"] == "TU"));
    let without: Vec<Value> = types.into_iter().filter(|t| t["code"] != "TU").collect();
    let out = client(
        &s,
        "admin",
        &["absence-types", "set", "0340", "-"],
        Some(&serde_json::to_vec(&without).unwrap()),
    );
    assert_eq!(parsed(out, &["absence-types", "set"]), Value::Array(without.clone()));
    assert_eq!(list(&s, &["absence-types", "show", "0340"]), without);
    assert!(
        list(&s, &["absence-types", "show", "0751"])
            .iter()
            .any(|t| t["code"] == "TU")
    );

    // Document types: one dropped, the rest kept.
    let types = list(&s, &["document-types", "show", "0340"]);
    assert!(types.len() > 1, "{types:?}");
    let kept = Value::Array(types[1..].to_vec());
    let file = json_file(&s, "document-types.json", &kept);
    assert_eq!(json(&s, &["document-types", "set", "0340", &file]), kept);
    assert_eq!(json(&s, &["document-types", "show", "0340"]), kept);
    let mut bad = kept.clone();
    bad[0]["kle"] = json!("not a KLE number");
    let file = json_file(&s, "document-types-bad.json", &bad);
    assert!(!refused(&s, &["document-types", "set", "0340", &file]).is_empty());

    // Holiday transfers: a hindrance registered, listed with the days it moves, removed.
    let transfer = json(
        &s,
        &[
            "holiday-transfers",
            "add",
            "0340",
            "110",
            "--holiday-year",
            "2025",
            "--reason",
            "hindrance",
            "--days",
            "2.5",
            "--note",
            "sygdom i ferien",
        ],
    );
    let id = transfer["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{transfer}"))
        .to_owned();
    let transfers = list(&s, &["holiday-transfers", "list", "0340", "110"]);
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    assert!(transfers[0].get("moved_days").is_some(), "{transfers:?}");
    assert!(
        refused(
            &s,
            &[
                "holiday-transfers",
                "add",
                "0340",
                "110",
                "--holiday-year",
                "2025",
                "--reason",
                "agreement",
                "--days",
                "1"
            ]
        )
        .contains("agreed_on")
    );
    json(&s, &["holiday-transfers", "remove", "0340", "110", &id]);
    assert!(list(&s, &["holiday-transfers", "list", "0340", "110"]).is_empty());

    // The outbox and the registrations can be read too.
    let events = list(&s, &["events", "--limit", "2"]);
    assert!(events.len() <= 2);
    assert!(events.iter().any(|e| e.to_string().contains("holiday_transfer")) || events.len() == 2);
    list(&s, &["registrations", "--limit", "5"]);
}

/// Issue 18: the open routes answer the CLI without any token, the others still need one; and the landscape's
/// stored records are written and deleted from the command line.
#[tokio::test]
async fn open_routes_need_no_token_and_the_landscape_is_written_from_the_command_line() {
    let s = Server::start().await;
    let no_token = |args: &[&str]| {
        std::process::Command::new(bin())
            .arg("admin")
            .arg("--admin-url")
            .arg(format!("http://{}", s.proc.admin))
            .arg("--data-dir")
            .arg(s.dir.path().join("no-such-dir"))
            .args(args)
            .env_remove("SNITFLADE_ADMIN_TOKEN")
            .output()
            .unwrap()
    };
    for args in [&["health"][..], &["ready"], &["metrics"]] {
        let out = no_token(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = no_token(&["metrics"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("# TYPE snitflade_"));
    let doc = s.dir.path().join("openapi.json");
    let out = no_token(&["openapi", "-o", doc.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&std::fs::read(&doc).unwrap()).unwrap();
    assert!(doc["paths"]["/api/v1/grants"].is_object());
    let out = no_token(&["whoami"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin-token"));

    // The landscape: a local system stored, shown, replaced, and deleted; a relation likewise.
    let landscape = |args: &[&str]| client(&s, "landscape", args, None);
    let system = json!({"id": "lokal-vagtplan", "name": "Lokal vagtplan", "kind": "external"});
    let file = json_file(&s, "system.json", &system);
    let out = landscape(&["systems", "put", "lokal-vagtplan", &file]);
    assert_eq!(parsed(out, &["systems", "put"])["name"], "Lokal vagtplan");
    let shown = parsed(landscape(&["systems", "show", "lokal-vagtplan"]), &["systems", "show"]);
    assert_eq!(shown["id"], "lokal-vagtplan");
    let mut renamed = system.clone();
    renamed["name"] = json!("Vagtplan");
    let file = json_file(&s, "system2.json", &renamed);
    parsed(
        landscape(&["systems", "put", "lokal-vagtplan", &file]),
        &["systems", "put"],
    );
    assert_eq!(
        parsed(landscape(&["systems", "show", "lokal-vagtplan"]), &["show"])["name"],
        "Vagtplan"
    );
    let relations = parsed(landscape(&["relations", "--municipality", "0340"]), &["relations"]);
    let mut relation = relations
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r.get("source").is_none())
        .unwrap_or_else(|| panic!("a stored relation in {relations}"))
        .clone();
    relation["id"] = json!("cli-relation");
    relation["counterpart"] = json!("lokal-vagtplan");
    let file = json_file(&s, "relation.json", &relation);
    parsed(
        landscape(&["relations", "put", "cli-relation", &file]),
        &["relations", "put"],
    );
    let shown = parsed(
        landscape(&["relations", "show", "cli-relation"]),
        &["relations", "show"],
    );
    assert_eq!(shown["counterpart"], "lokal-vagtplan");
    // The system is named by a relation: its deletion is refused until the relation goes.
    let out = landscape(&["systems", "delete", "lokal-vagtplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    for args in [
        &["relations", "delete", "cli-relation"][..],
        &["systems", "delete", "lokal-vagtplan"],
    ] {
        let out = landscape(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(landscape(&["systems", "show", "lokal-vagtplan"]).status.code(), Some(1));
}
