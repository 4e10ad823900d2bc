//! The mapping of `snitflade admin` command lines to requests: method, path, query and body of each, and the
//! command lines refused before anything is sent.

use super::client::read_token;
use super::orders::STATES;
use super::request::price_list_body;
use super::*;
use reqwest::Method;
use serde_json::{Value, json};
use snitflade_beskedfordeler::filter::Filter;

fn parse(args: &[&str]) -> AdminArgs {
    crate::test_args::parse("admin", args)
}

fn req(args: &[&str]) -> Request {
    let a = parse(args);
    request(&a.command, &a.connection.actor)
}

/// (method, path, query, JSON body or null) of a command line.
fn mapped(args: &[&str]) -> (Method, String, Vec<(&'static str, String)>, Value) {
    let r = req(args);
    let body = match &r.body {
        Body::None => Value::Null,
        Body::Json(v) => v.clone(),
        other => panic!("{args:?}: {other:?}"),
    };
    (r.method.clone(), r.path(), r.query, body)
}

fn q(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[test]
fn reads_map_to_gets() {
    /// Arguments, path, query.
    type Case = (
        &'static [&'static str],
        &'static str,
        &'static [(&'static str, &'static str)],
    );
    let cases: &[Case] = &[
        (&["vendors", "list"], "/api/v1/vendors", &[]),
        (&["vendors", "show", "v1"], "/api/v1/vendors/v1", &[]),
        (&["municipalities", "list"], "/api/v1/municipalities", &[]),
        (&["systems", "list"], "/api/v1/systems", &[]),
        (&["certificates", "list"], "/api/v1/certificates", &[]),
        (&["certificates", "warnings"], "/api/v1/certificates/warnings", &[]),
        (
            &["certificates", "warnings", "--days", "60"],
            "/api/v1/certificates/warnings",
            &[("days", "60")],
        ),
        (&["crls", "list"], "/api/v1/crls", &[]),
        (&["standard-integrations", "list"], "/api/v1/standard-integrations", &[]),
        (&["price-list", "show"], "/api/v1/price-list", &[]),
        (&["orders", "list"], "/api/v1/orders", &[]),
        (
            &[
                "orders",
                "list",
                "--state",
                "access_set_up",
                "--municipality",
                "751",
                "--system",
                "vikar",
            ],
            "/api/v1/orders",
            &[
                ("municipality", "0751"),
                ("system", "vikar"),
                ("state", "access_set_up"),
            ],
        ),
        (&["orders", "show", "o-1"], "/api/v1/orders/o-1", &[]),
        (
            &["invoices", "--period", "2026-03"],
            "/api/v1/invoices",
            &[("period", "2026-03")],
        ),
        (
            &["invoices", "--period", "2026-03", "--municipality", "0340", "--csv"],
            "/api/v1/invoices",
            &[("period", "2026-03"), ("municipality", "0340"), ("format", "csv")],
        ),
        (&["audit"], "/api/v1/audit", &[]),
        (
            &[
                "audit",
                "--municipality",
                "340",
                "--system",
                "vikar",
                "--interface",
                "opret-fravaer",
                "--pernr",
                "12345",
                "--from",
                "2026-01-01",
                "--to",
                "2026-02-01",
                "--limit",
                "5",
            ],
            "/api/v1/audit",
            &[
                ("municipality", "0340"),
                ("system", "vikar"),
                ("interface", "opret-fravaer"),
                ("pernr", "00012345"),
                ("from", "2026-01-01"),
                ("to", "2026-02-01"),
                ("limit", "5"),
            ],
        ),
        (
            &["audit-admin", "--limit", "10", "--object-type", "order"],
            "/api/v1/audit/admin",
            &[("limit", "10"), ("object_type", "order")],
        ),
        (&["dueslag", "list"], "/api/v1/dueslag", &[]),
        (&["dueslag", "show", "d-1"], "/api/v1/dueslag/d-1", &[]),
        (
            &["dueslag", "subscriptions", "d-1"],
            "/api/v1/dueslag/d-1/subscriptions",
            &[],
        ),
        (&["dueslag", "deliveries", "d-1"], "/api/v1/dueslag/d-1/deliveries", &[]),
        (
            &[
                "dueslag",
                "deliveries",
                "d-1",
                "--limit",
                "50",
                "--state",
                "dead",
                "--after",
                "17",
            ],
            "/api/v1/dueslag/d-1/deliveries",
            &[("state", "dead"), ("after", "17"), ("limit", "50")],
        ),
        (&["beskedtyper"], "/api/v1/beskedtyper", &[]),
        (&["envelope", "42"], "/api/v1/events/42/envelope", &[]),
        (&["errors", "list"], "/api/v1/errors", &[]),
        (
            &[
                "errors",
                "list",
                "--status",
                "open",
                "--interface",
                "engangsydelse",
                "--municipality",
                "0340",
                "--external-id",
                "x-1",
                "--limit",
                "5",
                "--offset",
                "10",
            ],
            "/api/v1/errors",
            &[
                ("status", "open"),
                ("interface", "engangsydelse"),
                ("municipality", "0340"),
                ("external_id", "x-1"),
                ("limit", "5"),
                ("offset", "10"),
            ],
        ),
        (&["errors", "show", "e-1"], "/api/v1/errors/e-1", &[]),
        (
            &["publisher-tokens", "list", "dagtilbud"],
            "/api/v1/systems/dagtilbud/publisher-tokens",
            &[],
        ),
        (
            &["publisher-token", "list", "dagtilbud"],
            "/api/v1/systems/dagtilbud/publisher-tokens",
            &[],
        ),
        (&["tokens", "list"], "/api/v1/tokens", &[]),
        (&["whoami"], "/api/v1/whoami", &[]),
    ];
    for (args, path, query) in cases {
        assert_eq!(
            mapped(args),
            (Method::GET, path.to_string(), q(query), Value::Null),
            "{args:?}"
        );
    }
}

#[test]
fn writes_map_to_json_bodies() {
    let vendor = ["--name", "Vikar A/S", "--cvr", "12345678", "--contact-name", "Ann"];
    let vendor = [&vendor[..], &["--contact-phone", "12", "--contact-email", "a@b.dk"]].concat();
    let vendor_body = json!({"name": "Vikar A/S", "cvr": "12345678", "contact_name": "Ann",
        "contact_phone": "12", "contact_email": "a@b.dk"});
    let cases: Vec<(Vec<&str>, Method, &str, Value)> = vec![
        (
            [&["vendors", "add"][..], &vendor].concat(),
            Method::POST,
            "/api/v1/vendors",
            vendor_body.clone(),
        ),
        (
            [&["vendors", "update", "v1"][..], &vendor].concat(),
            Method::PUT,
            "/api/v1/vendors/v1",
            vendor_body,
        ),
        (
            vec!["municipalities", "set", "340", "--name", "Assens", "--cvr", "29189684"],
            Method::PUT,
            "/api/v1/municipalities/0340",
            json!({"name": "Assens", "cvr": "29189684"}),
        ),
        (
            vec!["systems", "add", "vikar", "--vendor", "v1"],
            Method::POST,
            "/api/v1/systems",
            json!({"name": "vikar", "vendor": "v1"}),
        ),
        (
            vec!["systems", "set-vendor", "vikar", "--vendor", "v2"],
            Method::PUT,
            "/api/v1/systems/vikar",
            json!({"vendor": "v2"}),
        ),
        (
            vec!["errors", "resolve", "e-1", "--note", "rettet i Opus"],
            Method::POST,
            "/api/v1/errors/e-1/resolve",
            json!({"note": "rettet i Opus"}),
        ),
        (
            vec!["errors", "discard", "e-1", "--note", "dublet"],
            Method::POST,
            "/api/v1/errors/e-1/discard",
            json!({"note": "dublet"}),
        ),
        (
            vec!["errors", "discard", "e-1"],
            Method::POST,
            "/api/v1/errors/e-1/discard",
            Value::Null,
        ),
        (
            vec!["errors", "resubmit", "e-1"],
            Method::POST,
            "/api/v1/errors/e-1/resubmit",
            Value::Null,
        ),
        (
            vec![
                "systems",
                "urgent-close",
                "vikar",
                "--reason",
                "leak",
                "--municipality",
                "751",
            ],
            Method::POST,
            "/api/v1/systems/vikar/urgent-close",
            json!({"reason": "leak", "municipality": "0751"}),
        ),
        (
            vec![
                "standard-integrations",
                "add",
                "--id",
                "SI-0042",
                "--vendor",
                "v1",
                "--system",
                "vikar",
                "--interface",
                "medarbejderoplysninger",
                "--interface",
                "opret-fravaer,maskintimer",
                "--certificate",
                "ab12",
            ],
            Method::POST,
            "/api/v1/standard-integrations",
            json!({"id": "SI-0042", "vendor": "v1", "system": "vikar",
                "interfaces": ["medarbejderoplysninger", "opret-fravaer", "maskintimer"], "certificate": "ab12"}),
        ),
        (
            vec![
                "orders",
                "create",
                "--municipality",
                "751",
                "--system",
                "vikar",
                "--interface",
                "opret-fravaer",
            ],
            Method::POST,
            "/api/v1/orders",
            json!({"municipality": "0751", "system": "vikar", "interfaces": ["opret-fravaer"], "package": false}),
        ),
        (
            vec![
                "orders",
                "create",
                "--municipality",
                "340",
                "--system",
                "vikar",
                "--interface",
                "medarbejderoplysninger,engangsydelse",
                "--access",
                "medarbejderoplysninger=read-write",
                "--access",
                "engangsydelse=read",
            ],
            Method::POST,
            "/api/v1/orders",
            json!({"municipality": "0340", "system": "vikar",
                "interfaces": ["medarbejderoplysninger", "engangsydelse"], "package": false,
                "access": {"medarbejderoplysninger": "read-write", "engangsydelse": "read"}}),
        ),
        (
            vec![
                "orders",
                "create",
                "--municipality",
                "751",
                "--system",
                "vikar",
                "--package",
                "--standard-integration",
                "SI-0042",
                "--certificate",
                "ab12",
                "--valid-from",
                "2026-04-01",
                "--note",
                "n",
            ],
            Method::POST,
            "/api/v1/orders",
            json!({"municipality": "0751", "system": "vikar", "interfaces": [], "package": true,
                "standard_integration": "SI-0042", "certificate": "ab12", "valid_from": "2026-04-01", "note": "n"}),
        ),
        (
            vec![
                "orders",
                "advance",
                "o-1",
                "clarified",
                "--covered",
                "opret-fravaer",
                "--note",
                "ok",
            ],
            Method::POST,
            "/api/v1/orders/o-1/advance",
            json!({"to": "clarified", "covered_by_contract": ["opret-fravaer"], "note": "ok"}),
        ),
        (
            vec!["orders", "advance", "o-1", "access_set_up", "--certificate", "ab12"],
            Method::POST,
            "/api/v1/orders/o-1/advance",
            json!({"to": "access_set_up", "certificate": "ab12"}),
        ),
        (
            vec!["orders", "cancel", "o-1"],
            Method::POST,
            "/api/v1/orders/o-1/advance",
            json!({"to": "cancelled"}),
        ),
        (
            vec!["orders", "close", "o-1"],
            Method::POST,
            "/api/v1/orders/o-1/close",
            json!({}),
        ),
        (
            vec!["orders", "close", "o-1", "--on", "2026-06-30", "--reason", "ended"],
            Method::POST,
            "/api/v1/orders/o-1/close",
            json!({"on": "2026-06-30", "reason": "ended"}),
        ),
        (
            vec!["dueslag", "create", "--name", "Fravær", "--system", "dagtilbud"],
            Method::POST,
            "/api/v1/dueslag",
            json!({"name": "Fravær", "system": "dagtilbud"}),
        ),
        (
            vec![
                "dueslag",
                "create",
                "--name",
                "Fravær",
                "--system",
                "dagtilbud",
                "--push-url",
                "https://modtager.example/modtag",
                "--inactive",
                "--max-attempts",
                "3",
                "--id",
                "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c",
            ],
            Method::POST,
            "/api/v1/dueslag",
            json!({"name": "Fravær", "system": "dagtilbud", "push_url": "https://modtager.example/modtag",
                "active": false, "max_attempts": 3, "id": "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c"}),
        ),
        (
            vec!["dueslag", "change", "d-1", "--name", "Ny"],
            Method::PUT,
            "/api/v1/dueslag/d-1",
            json!({"name": "Ny"}),
        ),
        (
            vec![
                "dueslag",
                "change",
                "d-1",
                "--active",
                "false",
                "--push-url",
                "",
                "--max-attempts",
                "5",
            ],
            Method::PUT,
            "/api/v1/dueslag/d-1",
            json!({"active": false, "push_url": "", "max_attempts": 5}),
        ),
        (
            vec!["dueslag", "change", "d-1", "--active", "true"],
            Method::PUT,
            "/api/v1/dueslag/d-1",
            json!({"active": true}),
        ),
        (
            vec!["dueslag", "activate", "d-1"],
            Method::PUT,
            "/api/v1/dueslag/d-1",
            json!({"active": true}),
        ),
        (
            vec!["dueslag", "deactivate", "d-1"],
            Method::PUT,
            "/api/v1/dueslag/d-1",
            json!({"active": false}),
        ),
        (
            vec![
                "dueslag",
                "subscribe",
                "d-1",
                "--filter",
                r#"{"beskedtype": ["absence.created"], "myndighed": ["0340"], "kle": "81.03"}"#,
            ],
            Method::POST,
            "/api/v1/dueslag/d-1/subscriptions",
            json!({"filter": {"beskedtype": ["absence.created"], "myndighed": ["0340"], "kle": "81.03"}}),
        ),
        (
            vec!["dueslag", "subscribe", "d-1", "--filter", "{}"],
            Method::POST,
            "/api/v1/dueslag/d-1/subscriptions",
            json!({"filter": {}}),
        ),
        (
            vec!["dueslag", "requeue", "d-1", "17"],
            Method::POST,
            "/api/v1/dueslag/d-1/deliveries/17/requeue",
            Value::Null,
        ),
        (
            vec!["dueslag", "fejlkoe", "d-1", "17"],
            Method::POST,
            "/api/v1/dueslag/d-1/deliveries/17/fejlkoe",
            Value::Null,
        ),
        (
            vec!["dueslag", "unsubscribe", "d-1", "s-1"],
            Method::DELETE,
            "/api/v1/dueslag/d-1/subscriptions/s-1",
            Value::Null,
        ),
        (
            vec!["publisher-tokens", "issue", "dagtilbud"],
            Method::POST,
            "/api/v1/systems/dagtilbud/publisher-tokens",
            json!({}),
        ),
        (
            vec!["publisher-tokens", "issue", "dagtilbud", "--valid-days", "7"],
            Method::POST,
            "/api/v1/systems/dagtilbud/publisher-tokens",
            json!({"valid_days": 7}),
        ),
        (
            vec!["publisher-token", "issue", "dagtilbud", "--valid-seconds", "90"],
            Method::POST,
            "/api/v1/systems/dagtilbud/publisher-tokens",
            json!({"valid_seconds": 90}),
        ),
        (
            vec!["publisher-tokens", "revoke", "dagtilbud", "t-1"],
            Method::DELETE,
            "/api/v1/systems/dagtilbud/publisher-tokens/t-1",
            Value::Null,
        ),
        (
            vec![
                "tokens",
                "create",
                "sorø-løn",
                "--role",
                "municipality",
                "--scope",
                "0340",
            ],
            Method::POST,
            "/api/v1/tokens",
            json!({"name": "sorø-løn", "role": "municipality", "scope": "0340"}),
        ),
        (
            vec!["token", "create", "revisor", "--role", "auditor", "--expires", "30d"],
            Method::POST,
            "/api/v1/tokens",
            json!({"name": "revisor", "role": "auditor", "expires": "30d"}),
        ),
        (
            vec!["tokens", "revoke", "t-1"],
            Method::DELETE,
            "/api/v1/tokens/t-1",
            Value::Null,
        ),
    ];
    for (args, method, path, body) in cases {
        assert_eq!(mapped(&args), (method, path.to_string(), vec![], body), "{args:?}");
    }
}

#[test]
fn the_actor_goes_into_every_write_body_and_may_come_anywhere() {
    let (_, _, _, body) = mapped(&["--actor", "kmd-am", "orders", "cancel", "o-1"]);
    assert_eq!(body, json!({"to": "cancelled", "actor": "kmd-am"}));
    let (_, _, _, body) = mapped(&["orders", "close", "o-1", "--actor", "kmd-am"]);
    assert_eq!(body, json!({"actor": "kmd-am"}));
    let (_, _, _, body) = mapped(&["systems", "add", "s", "--vendor", "v", "--actor", "x"]);
    assert_eq!(body, json!({"name": "s", "vendor": "v", "actor": "x"}));
    // Reads carry no body.
    assert_eq!(mapped(&["--actor", "x", "orders", "list"]).3, Value::Null);
    let (_, _, _, body) = mapped(&["dueslag", "deactivate", "d-1", "--actor", "x"]);
    assert_eq!(body, json!({"active": false, "actor": "x"}));
    let (_, _, _, body) = mapped(&["--actor", "x", "dueslag", "subscribe", "d-1", "--kle", "81"]);
    assert_eq!(body, json!({"filter": {"kle": "81"}, "actor": "x"}));
    let (_, _, _, body) = mapped(&["--actor", "x", "publisher-tokens", "issue", "s"]);
    assert_eq!(body, json!({"actor": "x"}));
    let (_, _, _, body) = mapped(&["--actor", "x", "dueslag", "create", "--name", "n", "--system", "s"]);
    assert_eq!(body, json!({"name": "n", "system": "s", "actor": "x"}));
    // A revocation's actor goes in the query, where the server reads it.
    let (method, path, query, body) = mapped(&["--actor", "x", "publisher-tokens", "revoke", "s", "t-1"]);
    assert_eq!(
        (method, path, query, body),
        (
            Method::DELETE,
            "/api/v1/systems/s/publisher-tokens/t-1".into(),
            q(&[("actor", "x")]),
            Value::Null
        )
    );
}

#[test]
fn a_subscription_filter_is_built_from_the_field_options() {
    let (method, path, _, body) = mapped(&[
        "dueslag",
        "subscribe",
        "d-1",
        "--beskedtype",
        "absence.created",
        "--beskedtype",
        "absence.changed,absence.deleted",
        "--myndighed",
        "0340",
        "--myndighed",
        "urn:oio:cvr-nr:29189730",
        "--objekttype",
        "fravaer",
        "--objekthandling",
        "oprettet,slettet",
        "--kle",
        "81.03",
        "--vaerdiliste",
        "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c",
    ]);
    assert_eq!(
        (method, path.as_str()),
        (Method::POST, "/api/v1/dueslag/d-1/subscriptions")
    );
    assert_eq!(
        body,
        json!({"filter": {
            "beskedtype": ["absence.created", "absence.changed", "absence.deleted"],
            "myndighed": ["0340", "urn:oio:cvr-nr:29189730"],
            "objekttype": ["fravaer"],
            "objekthandling": ["oprettet", "slettet"],
            "kle": "81.03",
            "vaerdiliste": "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c",
        }})
    );
    // Fields not given are left out, not sent empty.
    let (_, _, _, body) = mapped(&["dueslag", "subscribe", "d-1", "--myndighed", "29189730"]);
    assert_eq!(body, json!({"filter": {"myndighed": ["29189730"]}}));
    // What is sent is a filter the server's own parser and checks accept.
    let filter: Filter = serde_json::from_value(body["filter"].clone()).unwrap();
    assert_eq!(filter.validate(), Ok(()));
}

#[test]
fn an_invalid_filter_is_refused_before_anything_is_sent() {
    for (args, says) in [
        (&["--filter", "{"][..], "not a subscription filter"),
        (&["--filter", "[]"], "not a JSON object"),
        (&["--filter", r#"[["absence.created"]]"#], "not a JSON object"),
        (&["--filter", r#"{"beskedtype": 5}"#], "a string or a list of strings"),
        (&["--filter", r#"{"kommune": ["0340"]}"#], "unknown field `kommune`"),
        (&["--filter", r#"{"myndighed": ["Sorø"]}"#], "myndighed: 'Sorø'"),
        (&["--filter", r#"{"vaerdiliste": "x"}"#], "vaerdiliste: 'x'"),
        (&["--myndighed", "Sorø"], "myndighed: 'Sorø'"),
        (&["--kle", "81.x"], "kle: '81.x'"),
        (&["--vaerdiliste", "not-a-uuid"], "vaerdiliste: 'not-a-uuid'"),
        (&["--beskedtype", ""], "beskedtype: ugyldig værdi ''"),
        (&["--filter", "{}", "--kle", "81"], "cannot be used with"),
        (&[], "required arguments were not provided"),
    ] {
        let argv = ["admin", "dueslag", "subscribe", "d-1"]
            .into_iter()
            .chain(args.iter().copied());
        let e = crate::test_args::try_parse::<AdminArgs, _, _>(argv)
            .err()
            .unwrap_or_else(|| panic!("{args:?} parsed"));
        assert_eq!(e.exit_code(), 2, "{args:?}");
        let text = e.to_string();
        assert!(text.contains(says), "{args:?}: {text}");
    }
}

#[test]
fn an_invalid_access_level_is_refused_before_anything_is_sent() {
    for (access, says) in [
        ("medarbejderoplysninger", "is not <interface>=read"),
        ("medarbejderoplysninger=write", "read or read-write"),
        ("nope=read", "unknown interface"),
    ] {
        let argv = [
            "admin",
            "orders",
            "create",
            "--municipality",
            "340",
            "--system",
            "vikar",
            "--interface",
            "medarbejderoplysninger",
            "--access",
            access,
        ];
        let e = crate::test_args::try_parse::<AdminArgs, _, _>(argv)
            .err()
            .unwrap_or_else(|| panic!("{access} parsed"));
        assert_eq!(e.exit_code(), 2, "{access}");
        assert!(e.to_string().contains(says), "{access}: {e}");
    }
}

#[test]
fn uploads_send_the_file_with_its_type() {
    let r = req(&["systems", "upload-certificate", "vikar", "certs/Vikar.ZIP"]);
    assert_eq!(
        (r.method.clone(), r.path()),
        (Method::POST, "/api/v1/systems/vikar/certificates".into())
    );
    assert_eq!(r.body, Body::File("certs/Vikar.ZIP".into(), "application/zip"));
    let r = req(&["systems", "upload-certificate", "vikar", "leaf+chain.pem"]);
    assert_eq!(r.body, Body::File("leaf+chain.pem".into(), "application/x-pem-file"));
    let r = req(&["crls", "upload", "ca.crl"]);
    assert_eq!((r.method.clone(), r.path()), (Method::POST, "/api/v1/crls".into()));
    assert_eq!(r.body, Body::File("ca.crl".into(), "application/pkix-crl"));
    let r = req(&["price-list", "set", "p.json", "--actor", "x"]);
    assert_eq!((r.method.clone(), r.path()), (Method::PUT, "/api/v1/price-list".into()));
    assert_eq!(r.body, Body::PriceList("p.json".into(), Some("x".into())));
}

#[test]
fn a_price_list_file_loses_its_version() {
    let shown = r#"{"startup_fee": {"opret-fravaer": "40000.00"}, "running_fee": {}, "package_running_fee": "1.00",
        "setup_fee_standard": "2.00", "setup_fee_individual": "3.00", "valid_from": "2026-01-01", "version": 3}"#;
    let body = price_list_body(shown, &Some("me".into())).unwrap();
    assert_eq!(body.get("version"), None);
    assert_eq!(body["startup_fee"]["opret-fravaer"], "40000.00");
    assert_eq!(body["actor"], "me");
    assert!(price_list_body(shown, &None).unwrap().get("actor").is_none());
    assert!(price_list_body("[1]", &None).is_err());
    assert!(price_list_body("{", &None).is_err());
}

#[test]
fn urls_encode_segments_and_keep_the_base_path() {
    let r = req(&["systems", "set-vendor", "a b/c?", "--vendor", "v"]);
    assert_eq!(
        r.url("http://127.0.0.1:8080").unwrap().as_str(),
        "http://127.0.0.1:8080/api/v1/systems/a%20b%2Fc%3F"
    );
    let r = req(&["orders", "list", "--system", "a&b=c"]);
    assert_eq!(
        r.url("https://admin.example/snitflade/").unwrap().as_str(),
        "https://admin.example/snitflade/api/v1/orders?system=a%26b%3Dc"
    );
    assert!(r.url("not a url").is_err());
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["orders", "advance", "o-1", "done"][..],
        &["orders", "create", "--municipality", "751", "--system", "s"],
        &[
            "orders",
            "create",
            "--municipality",
            "751",
            "--system",
            "s",
            "--interface",
            "nope",
        ],
        &["orders", "create", "--municipality", "x", "--system", "s", "--package"],
        &["orders", "close", "o-1", "--on", "30-06-2026"],
        &["invoices", "--period", "2026-3"],
        &["invoices", "--period", "2026-13"],
        &["invoices"],
        &["vendors", "add", "--name", "x"],
        &[
            "standard-integrations",
            "add",
            "--id",
            "x",
            "--vendor",
            "v",
            "--system",
            "s",
            "--certificate",
            "f",
        ],
        &["systems", "urgent-close", "s"],
        &["dueslag", "create", "--name", "n"],
        &[
            "dueslag",
            "create",
            "--name",
            "n",
            "--system",
            "s",
            "--max-attempts",
            "-1",
        ],
        &["dueslag", "change", "d-1"],
        &["dueslag", "change", "d-1", "--active", "yes"],
        &["dueslag", "deliveries", "d-1", "--state", "fejlkoe"],
        &["dueslag", "requeue", "d-1", "x"],
        &["dueslag", "unsubscribe", "d-1"],
        &["envelope", "x"],
        &[
            "publisher-tokens",
            "issue",
            "s",
            "--valid-days",
            "1",
            "--valid-seconds",
            "1",
        ],
        &["publisher-tokens", "issue", "s", "--valid-days", "-3"],
        &["publisher-tokens", "revoke", "s"],
    ] {
        let argv = std::iter::once("admin").chain(args.iter().copied());
        let e = crate::test_args::try_parse::<AdminArgs, _, _>(argv)
            .err()
            .unwrap_or_else(|| panic!("{args:?} parsed"));
        assert_eq!(e.exit_code(), 2, "{args:?}");
    }
}

#[test]
fn the_states_are_the_domain_states_in_order() {
    use snitflade_domain::orders::OrderState;
    let states: Vec<OrderState> = STATES
        .iter()
        .map(|s| serde_json::from_value(json!(s)).unwrap())
        .collect();
    for (s, state) in STATES.iter().zip(&states) {
        assert_eq!(state.as_str(), *s);
    }
    assert!(states[..7].windows(2).all(|w| w[0] < w[1]));
    assert_eq!(states[7], OrderState::Cancelled);
}

#[test]
fn the_token_comes_from_the_option_or_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let token = |a: &AdminArgs| read_token(a.connection.token.as_deref(), &a.connection.data_dir);
    assert_eq!(token(&parse(&["--token", "t", "vendors", "list"])).unwrap(), "t");
    let from_dir = parse(&["vendors", "list", "--data-dir", d]);
    assert!(token(&from_dir).is_err());
    std::fs::write(dir.path().join("admin-token"), " s3cret\n").unwrap();
    assert_eq!(token(&from_dir).unwrap(), "s3cret");
    std::fs::write(dir.path().join("admin-token"), "\n").unwrap();
    assert!(token(&from_dir).is_err());
}
