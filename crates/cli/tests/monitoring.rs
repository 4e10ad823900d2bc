//! Monitoring a running server (issue 18): `/metrics` passes `promtool check metrics` and has HELP and TYPE for
//! the families an operator alerts on; the Grafana dashboard in `docs/grafana/` queries only families `/metrics`
//! has; a request's id is in its log lines, its `X-Request-Id` header and its SOAP fault.

mod common;

use common::{MASTERDATA, Server, bin, post_soap, sick_day};
use reqwest::StatusCode;
use serde_json::{Value, json};
use snitflade_bench::ServerProcess;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs `promtool` with `args` and `input` on stdin; panics, saying how to install it, if it cannot be started.
fn promtool(args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "promtool is needed to check /metrics and the PromQL in docs/ and could not be started ({e}): \
                 install Debian's `prometheus` package (apt-get install prometheus), as .ci/run does"
            )
        });
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Asserts that `promtool check rules` accepts `rules` (a rules file, so every expression in it parses).
fn assert_rules_parse(rules: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, rules).unwrap();
    let out = promtool(&["check", "rules", path.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "promtool check rules refuses {what}:\n{}{}\n{rules}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How long the server may take to read its database gauges again (every 15 s).
const GAUGES_REFRESHED: Duration = Duration::from_secs(25);

/// A demo server after a few SOAP calls (accepted, refused, a fault), a failed TLS handshake, and with a dueslag,
/// once its database gauges name the dueslag; the server and `/metrics`.
async fn scraped() -> (Server, String) {
    let s = Server::start().await;
    s.register_sick_day("00000110", "2026-03-02").await;
    let refused = post_soap(&s.client("dagtilbud"), &s.ws_url(MASTERDATA), "<x/>").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let malformed = post_soap(&s.maskinregistrering(), &s.ws_url(MASTERDATA), "not xml").await;
    malformed.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    // Plain HTTP to the TLS port: a failed handshake.
    let mut plain = tokio::net::TcpStream::connect(s.proc.services).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut plain, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let _ = tokio::io::AsyncReadExt::read(&mut plain, &mut [0u8; 64]).await;
    s.admin
        .dueslag(
            json!({"name": "Overvågning", "system": "dagtilbud", "push_url": "https://127.0.0.1:9/modtag",
                   "max_attempts": 3}),
            json!({"beskedtype": ["certificate.expiring"]}),
        )
        .await;
    let deadline = std::time::Instant::now() + GAUGES_REFRESHED;
    loop {
        let text = s.admin.get_text("/metrics").await.2;
        if text.contains("snitflade_dueslag_backlog_messages{") {
            return (s, text);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the dueslag gauges never appeared:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The families `/metrics` declares (`# TYPE name kind`), with their kinds.
fn declared(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .map(|(name, kind)| (name.to_owned(), kind.to_owned()))
        .collect()
}

#[tokio::test]
async fn metrics_pass_promtool_with_help_and_type_for_every_family() {
    let (_s, text) = scraped().await;
    let out = promtool(&["check", "metrics"], &text);
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n--- /metrics ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let families = declared(&text);
    for (name, _) in &families {
        assert!(text.contains(&format!("# HELP {name} ")), "no HELP for {name}");
    }
    let kind_of = |name: &str| {
        families
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| k.as_str())
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
    };
    for (name, kind) in [
        ("snitflade_request_duration_seconds", "histogram"),
        ("snitflade_soap_requests_total", "counter"),
        ("snitflade_access_denied_total", "counter"),
        ("snitflade_tls_handshake_failures_total", "counter"),
        ("snitflade_error_items", "gauge"),
        ("snitflade_outbox_undistributed_events", "gauge"),
        ("snitflade_outbox_oldest_undistributed_age_seconds", "gauge"),
        ("snitflade_dueslag_backlog_messages", "gauge"),
        ("snitflade_dueslag_fejlkoe_messages", "gauge"),
        ("snitflade_dueslag_oldest_pending_age_seconds", "gauge"),
        ("snitflade_delivery_lease_held", "gauge"),
        ("snitflade_db_pool_connections", "gauge"),
        ("snitflade_db_pool_max_connections", "gauge"),
        ("snitflade_certificate_expiry_timestamp_seconds", "gauge"),
        ("snitflade_store_commit_seconds", "histogram"),
        ("snitflade_build_info", "gauge"),
        ("process_cpu_seconds_total", "counter"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_open_fds", "gauge"),
        ("process_start_time_seconds", "gauge"),
    ] {
        assert_eq!(kind_of(name), kind, "{name}");
    }
    // The calls made are in the latency histogram with their outcome.
    for series in [
        r#"snitflade_request_duration_seconds_count{wire="soap",interface="opret-fravaer",operation="SetAbsenceAttendance_OS_SI",status="200",outcome="ok"} 1"#,
        r#"snitflade_request_duration_seconds_count{wire="soap",interface="maskintimer",operation="MobileEquipMasterdata_OS_SI",status="403",outcome="client_error"} 1"#,
        r#"snitflade_access_denied_total{interface="maskintimer",reason="no_interface_grant"} 1"#,
        r#"snitflade_error_items{status="open"} "#,
        r#"snitflade_delivery_lease_held 1"#,
        r#"snitflade_tls_handshake_failures_total{reason="protocol_error"} 1"#,
        r#"snitflade_tls_handshake_failures_total{reason="no_certificate"} 0"#,
        r#"snitflade_dueslag_fejlkoe_messages{dueslag=""#,
    ] {
        assert!(text.contains(series), "no {series} in\n{text}");
    }
    let version = env!("CARGO_PKG_VERSION");
    let build = text
        .lines()
        .find(|l| l.starts_with("snitflade_build_info{"))
        .expect("snitflade_build_info");
    assert!(
        build.contains(&format!("version=\"{version}\"")) && build.ends_with(" 1"),
        "{build}"
    );
    assert!(!build.contains("commit=\"\""), "{build}");
}

/// The metric names a PromQL expression uses: the identifiers of the `snitflade_` and `process_` families, with
/// a histogram's `_bucket`, `_sum` and `_count` series taken as the family.
fn metric_names(expr: &str, histograms: &BTreeSet<String>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = expr;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        let word = &tail[..end];
        let preceded_by_word = rest[..start].ends_with(|c: char| c.is_ascii_alphanumeric());
        if !preceded_by_word && (word.starts_with("snitflade_") || word.starts_with("process_")) {
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| word.strip_suffix(s).filter(|f| histograms.contains(*f)))
                .unwrap_or(word);
            names.insert(family.to_owned());
        }
        rest = &tail[end..];
    }
    names
}

/// Every `expr` in the dashboard's panels (nested rows included).
fn exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr", Value::String(e)) => out.push(e.clone()),
                    _ => exprs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_grafana_dashboard_queries_only_families_metrics_has() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/grafana/snitflade.json");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/grafana/snitflade.json")).expect("JSON");
    assert!(
        dashboard["title"].is_string() && dashboard["panels"].is_array(),
        "not a dashboard"
    );
    let mut queries = Vec::new();
    exprs(&dashboard["panels"], &mut queries);
    assert!(queries.len() >= 10, "{queries:?}");
    // Every query parses (as a recording rule; the dashboard's $job variable as a regex matching all).
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, q) in queries.iter().enumerate() {
        let q = q.replace("$job", ".*");
        rules.push_str(&format!(
            "      - record: dashboard_query_{i}\n        expr: {}\n",
            serde_json::to_string(&q).unwrap()
        ));
    }
    assert_rules_parse(&rules, "a dashboard query");

    let (_s, text) = scraped().await;
    let families = declared(&text);
    let histograms: BTreeSet<String> = families
        .iter()
        .filter(|(_, k)| k == "histogram")
        .map(|(n, _)| n.clone())
        .collect();
    let exposed: BTreeSet<&str> = families.iter().map(|(n, _)| n.as_str()).collect();
    let mut used = BTreeSet::new();
    for q in &queries {
        let names = metric_names(q, &histograms);
        assert!(!names.is_empty(), "a query without a snitflade metric: {q}");
        for name in names {
            assert!(exposed.contains(name.as_str()), "{name} (in {q}) is not on /metrics");
            used.insert(name);
        }
    }
    for family in [
        "snitflade_request_duration_seconds",
        "snitflade_dueslag_backlog_messages",
        "snitflade_certificate_expiry_timestamp_seconds",
        "snitflade_error_items",
    ] {
        assert!(used.contains(family), "the dashboard shows no {family}");
    }
}

#[test]
fn the_alert_rules_in_the_monitoring_chapter_parse() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src/operations/monitoring.md");
    let chapter = std::fs::read_to_string(path).unwrap();
    let start = chapter.find("```yaml\ngroups:").expect("the chapter's alert rules") + "```yaml\n".len();
    let rules = &chapter[start..start + chapter[start..].find("```").unwrap()];
    assert!(rules.matches("- alert:").count() >= 10, "{rules}");
    assert_rules_parse(rules, "the monitoring chapter's alert rules");
}

#[test]
fn metric_names_are_read_from_promql() {
    let histograms = BTreeSet::from(["snitflade_request_duration_seconds".to_owned()]);
    let names = metric_names(
        "histogram_quantile(0.99, sum by (le) (rate(snitflade_request_duration_seconds_bucket{wire=\"soap\"}[5m]))) \
         / on() group_left process_open_fds + xsnitflade_no",
        &histograms,
    );
    assert_eq!(
        names,
        BTreeSet::from([
            "snitflade_request_duration_seconds".to_owned(),
            "process_open_fds".to_owned()
        ])
    );
}

/// A demo server logging JSON at debug for snitflade's own crates.
async fn json_logging_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = ServerProcess::demo_command(&bin(), &data);
    cmd.env("SNITFLADE_LOG_FORMAT", "json")
        .env("SNITFLADE_LOG", "info,snitflade_server=debug,snitflade_services=debug");
    let proc = ServerProcess::spawn_async(cmd).await.expect("the server starts");
    let admin = common::AdminApi::new(&data, proc.admin);
    Server { proc, admin, dir }
}

/// POSTs `body` to `url` with an optional `X-Request-Id`; the reply and the `X-Request-Id` answered.
async fn post_with_id(client: &reqwest::Client, url: &str, id: Option<&str>, body: &str) -> (common::Reply, String) {
    let mut req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(body.to_owned());
    if let Some(id) = id {
        req = req.header("X-Request-Id", id);
    }
    let response = req.send().await.expect("the request");
    let answered = response
        .headers()
        .get("x-request-id")
        .expect("an X-Request-Id header")
        .to_str()
        .unwrap()
        .to_owned();
    (common::read_reply(response).await, answered)
}

/// The request id in a fault's detail.
fn fault_request_id(reply: &common::Reply) -> String {
    let detail = reply.fault().detail.expect("a detail");
    detail
        .child_ns(Some("urn:snitflade:fault"), "requestId")
        .map(|n| n.text.trim().to_owned())
        .unwrap_or_else(|| panic!("no requestId in {}", reply.body))
}

#[tokio::test]
async fn a_request_id_is_in_its_log_lines_its_header_and_its_fault() {
    let s = json_logging_server().await;
    let dagtilbud = s.client("dagtilbud");

    // The caller's id, refused by the access table: in the header, the fault and every line logged for it.
    let (refused, id) = post_with_id(&dagtilbud, &s.ws_url(MASTERDATA), Some("support-case-4711"), "<x/>").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(id, "support-case-4711");
    assert_eq!(fault_request_id(&refused), "support-case-4711");

    // No id, or one that is not a short plain token: a new one, the same in the header and the fault.
    for sent in [None, Some("not a token"), Some(&*"x".repeat(65))] {
        let (r, id) = post_with_id(&dagtilbud, &s.ws_url(MASTERDATA), sent, "<x/>").await;
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{sent:?} gave {id}");
        assert_eq!(fault_request_id(&r), id);
    }

    // An accepted call gets an id too (and no fault).
    let (ok, id) = post_with_id(
        &dagtilbud,
        &s.ws_url("SetAbsenceAttendance_OS_SI"),
        None,
        &sick_day("00000110", "2026-03-03"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    // The log lines of the refused request: the refusal inside the handler and the answer, both with its id.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines: Vec<Value> = s
        .proc
        .output_tail()
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|v| v["span"]["request_id"] == "support-case-4711")
        .collect();
    let messages: Vec<&str> = of_request.iter().filter_map(|v| v["message"].as_str()).collect();
    assert!(messages.contains(&"access refused"), "{messages:?}\n{lines:#?}");
    assert!(messages.contains(&"request answered"), "{messages:?}");
    // Per-request lines are at debug.
    assert!(of_request.iter().all(|v| v["level"] == "DEBUG"), "{of_request:#?}");
}

#[tokio::test]
async fn a_declared_fault_stays_as_its_contract_shows_it_and_the_id_is_in_the_header() {
    let s = Server::start().await;
    let request = common::SEED_MASTERDATA_REQUEST.replace(
        "<PERSONAL_ID>12345</PERSONAL_ID>",
        "<PERSONAL_ID>77736333</PERSONAL_ID>",
    );
    let (r, id) = post_with_id(
        &s.maskinregistrering(),
        &s.ws_url(MASTERDATA),
        Some("cn27-check"),
        &request,
    )
    .await;
    assert_eq!(id, "cn27-check");
    let fault = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Server");
    assert!(!r.body.contains("cn27-check"), "{}", r.body);
    assert!(
        fault
            .detail
            .unwrap()
            .child_ns(Some(common::MASTERDATA_NS), "CN27_FaultMsg_FMT_OB")
            .is_some(),
        "{}",
        r.body
    );
}

#[test]
fn version_names_the_commit_and_the_compiler() {
    let out = Command::new(bin()).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!("snitflade {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.contains(", rustc "), "{text}");
    let short = Command::new(bin()).arg("-V").output().unwrap();
    assert!(String::from_utf8(short.stdout).unwrap().starts_with(&expected));
}
