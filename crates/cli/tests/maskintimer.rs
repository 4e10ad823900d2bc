//! The machine-hours service (docs/src/interfaces/maskintimer.md) from the outside, with the demo certificates: the
//! example messages of KMD's machine-hours service description, registration idempotency, both URL forms, the three
//! error types, the once-a-day master-data rule and the WSDL.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use snitflade_bench::{Registration, new_ex_ident, registration_xml};

#[test]
fn the_test_xml_reader_resolves_namespaces_and_entities() {
    let n = parse_xml(
        "<?xml version='1.0'?><!-- c --><a:r xmlns:a='urn:a' xmlns='urn:d'><b x=\"1&amp;2\">t&lt;<c/></b>\
         <a:e><![CDATA[<x>]]></a:e></a:r>",
    )
    .unwrap();
    assert!(n.is(Some("urn:a"), "r"));
    assert!(n.children[0].is(Some("urn:d"), "b"));
    assert_eq!(n.children[0].attrs, vec![("x".to_owned(), "1&2".to_owned())]);
    assert_eq!(n.children[0].text, "t<");
    assert_eq!(n.children[1].text, "<x>");
    assert!(parse_xml("<a><b></a>").is_err());
    assert!(parse_xml("<p:a/>").is_err());
    // Prefixes do not matter to the comparison, namespaces and texts do.
    let a = parse_xml("<x:a xmlns:x='urn:a'><b> 1 </b></x:a>").unwrap();
    let b = parse_xml("<a xmlns='urn:a'><b xmlns=''>1</b></a>").unwrap();
    assert_eq!(a.canonical(), b.canonical());
    let c = parse_xml("<a xmlns='urn:a'><b>1</b></a>").unwrap();
    assert_ne!(a.canonical(), c.canonical());
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The service description's three examples.

#[tokio::test]
async fn the_seed_master_data_request_gets_the_seed_response_with_pernr_00012345() {
    let s = Server::start().await;
    let r = post_soap(&s.maskinregistrering(), &s.ws_url(MASTERDATA), SEED_MASTERDATA_REQUEST).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.content_type.starts_with("text/xml"), "{}", r.content_type);
    let ours = parse_xml(&r.body).expect("the answer is XML");
    let expected = parse_xml(&SEED_MASTERDATA_RESPONSE.replace("<PERNR>00000001</PERNR>", "<PERNR>00012345</PERNR>"))
        .expect("the example is XML");
    assert_eq!(ours.canonical(), expected.canonical(), "answer: {}", r.body);
}

#[tokio::test]
async fn the_seed_unknown_employee_fault_is_answered_exactly() {
    let s = Server::start().await;
    let request = SEED_MASTERDATA_REQUEST.replace(
        "<PERSONAL_ID>12345</PERSONAL_ID>",
        "<PERSONAL_ID>77736333</PERSONAL_ID>",
    );
    assert_ne!(request, SEED_MASTERDATA_REQUEST);
    let r = post_soap(&s.maskinregistrering(), &s.ws_url(MASTERDATA), request).await;
    let fault = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Server");
    assert_eq!(fault.string, "Server Error");
    let ours = parse_xml(&r.body).unwrap();
    let seed = parse_xml(SEED_MASTERDATA_FAULT).unwrap();
    assert_eq!(ours.canonical(), seed.canonical(), "answer: {}", r.body);
    // Spelled out, in case the example file and the comparison ever drift apart.
    let detail = fault.detail.expect("detail");
    let fmt = detail
        .child_ns(Some(MASTERDATA_NS), "CN27_FaultMsg_FMT_OB")
        .expect("CN27_FaultMsg_FMT_OB");
    let standard = fmt.child("standard").expect("standard");
    assert_eq!(standard.child_text("faultText"), Some("Der er opstået en fejl"));
    let d = standard.child("faultDetail").expect("faultDetail");
    assert_eq!(d.child_text("severity"), Some("High"));
    assert_eq!(
        d.child_text("text"),
        Some("Medarbejdernummer 77736333 findes ikke i systemet")
    );
    assert_eq!(d.child_text("url"), Some("Usernull"));
    assert_eq!(d.child_text("id"), Some("01"));

    // Asking again gives the same answer (a refused look-up is no fetch of the day).
    let request = SEED_MASTERDATA_REQUEST.replace(
        "<PERSONAL_ID>12345</PERSONAL_ID>",
        "<PERSONAL_ID>77736333</PERSONAL_ID>",
    );
    let again = post_soap(&s.maskinregistrering(), &s.ws_url(MASTERDATA), request).await;
    assert_eq!(again.body, r.body);
}

#[tokio::test]
async fn the_seed_registration_is_accepted_then_lands_in_the_error_table_as_invalid_data() {
    let s = Server::start().await;
    let r = post_soap(
        &s.maskinregistrering(),
        &s.ws_url(REGISTRATION),
        SEED_REGISTRATION_REQUEST,
    )
    .await;
    r.assert_accepted();
    assert_eq!(r.content_type, "text/xml; charset=utf-8");

    let e = s.admin.error_for("ABCDEABCDE66598040861E0000002008").await;
    assert_eq!(e["error_type"], "invalid_data", "{e}");
    assert_eq!(e["status"], "open");
    assert_eq!(e["interface"], "maskintimer");
    assert_eq!(e["municipality"], "0751");
    assert_eq!(e["system"], "maskinregistrering");
    let message = e["message"].as_str().unwrap();
    for field in ["PLANT", "POSTG_DATE", "ACT_TYPE", "ACT_WORK"] {
        assert!(message.contains(field), "{field} not named in {message:?}");
    }
    assert_eq!(e["payload"]["PERSONAL_ID"], "77736");
    assert_eq!(e["payload"]["EX_IDENT"], "ABCDEABCDE66598040861E0000002008");
    assert_eq!(e["payload"]["WORK_CNTR"], "1000");
    assert!(
        s.admin
            .registrations_for("ABCDEABCDE66598040861E0000002008")
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Registrations: stored once, resends change nothing, both EX_IDENT positions, both URL forms.

fn events_for<'a>(events: &'a [Value], ex_ident: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["payload"].to_string().contains(ex_ident))
        .collect()
}

#[tokio::test]
async fn a_valid_registration_is_stored_once_and_resends_change_nothing() {
    let s = Server::start().await;
    let reg = valid_registration();
    let ex = reg.ex_ident.clone();
    s.register(&reg).await.assert_accepted();

    let rows = s.admin.registrations_for(&ex).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["ex_ident"], ex.as_str());
    assert_eq!(row["municipality"], "0751");
    assert_eq!(row["pernr"], "00012345");
    assert_eq!(row["network"], "000000519827");
    assert_eq!(row["work_cntr"], "70510004");
    assert_eq!(row["system"], "maskinregistrering");
    assert_eq!(row["error_id"], Value::Null);
    let act_work: f64 = row["act_work"].as_str().unwrap().parse().unwrap();
    assert!((act_work - 2.5).abs() < 1e-9, "{row}");

    let events = s.admin.events().await;
    let ours = events_for(&events, &ex);
    assert_eq!(ours.len(), 1, "events: {events:?}");
    assert_eq!(ours[0]["interface"], "maskintimer");
    assert_eq!(ours[0]["municipality"], "0751");
    assert_eq!(ours[0]["payload"]["ex_ident"], ex.as_str());

    // The same message again, then the same EX_IDENT with other (valid and invalid) contents.
    s.register(&reg).await.assert_accepted();
    let mut changed = reg.clone();
    changed.act_work = "7.75".into();
    s.register(&changed).await.assert_accepted();
    let mut invalid = reg.clone();
    invalid.act_work = "0".into();
    invalid.postg_date = "2025-01-01".into();
    s.register(&invalid).await.assert_accepted();

    let rows = s.admin.registrations_for(&ex).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0]["act_work"], row["act_work"],
        "a resend changed the registration"
    );
    assert_eq!(rows[0]["registered_at"], row["registered_at"]);
    assert!(s.admin.errors_for(&ex).await.is_empty(), "a resend made an error entry");
    let events = s.admin.events().await;
    assert_eq!(
        events_for(&events, &ex).len(),
        1,
        "a resend made another event: {events:?}"
    );
}

#[tokio::test]
async fn a_resend_of_a_failed_registration_keeps_exactly_one_error_entry() {
    let s = Server::start().await;
    let mut reg = valid_registration();
    reg.postg_date = "20251345".into();
    s.register(&reg).await.assert_accepted();
    let first = s.admin.error_for(&reg.ex_ident).await;
    assert_eq!(first["error_type"], "invalid_data");

    s.register(&reg).await.assert_accepted();
    // Even a corrected resend is a resend: answered the same, nothing changes.
    let mut fixed = reg.clone();
    fixed.postg_date = valid_registration().postg_date;
    s.register(&fixed).await.assert_accepted();

    let again = s.admin.error_for(&reg.ex_ident).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["status"], "open");
    assert_eq!(again["history"], first["history"]);
    assert!(s.admin.registrations_for(&reg.ex_ident).await.is_empty());
}

#[tokio::test]
async fn ex_ident_is_accepted_at_the_top_level_and_inside_i_confirmation() {
    let s = Server::start().await;
    let top = valid_registration();
    assert!(!top.ex_ident_inside_confirmation);
    let mut inside = valid_registration();
    inside.ex_ident_inside_confirmation = true;
    assert!(registration_xml(&inside).contains(&format!("<ACT_WORK>2.50</ACT_WORK><EX_IDENT>{}", inside.ex_ident)));
    for reg in [&top, &inside] {
        s.register(reg).await.assert_accepted();
        assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);
        assert!(s.admin.errors_for(&reg.ex_ident).await.is_empty());
    }
    // The same EX_IDENT in both places is fine; two different ones are a structure error (a fault, nothing kept).
    let both = valid_registration();
    let xml = registration_xml(&both).replace(
        "</ACT_WORK>",
        &format!("</ACT_WORK><EX_IDENT>{}</EX_IDENT>", both.ex_ident),
    );
    post_soap(&s.maskinregistrering(), &s.ws_url(REGISTRATION), xml)
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&both.ex_ident).await.len(), 1);
    let conflicting = valid_registration();
    let other = new_ex_ident();
    let xml =
        registration_xml(&conflicting).replace("</ACT_WORK>", &format!("</ACT_WORK><EX_IDENT>{other}</EX_IDENT>"));
    let r = post_soap(&s.maskinregistrering(), &s.ws_url(REGISTRATION), xml).await;
    r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    assert!(s.admin.registrations_for(&conflicting.ex_ident).await.is_empty());
    assert!(s.admin.registrations_for(&other).await.is_empty());
}

#[tokio::test]
async fn a_registration_for_a_soroe_employee_is_registered_in_0340() {
    let s = Server::start().await;
    let reg = Registration {
        personal_id: "101".into(),
        network: "600001".into(),
        activity: "0010".into(),
        work_cntr: "70340001".into(),
        plant: "0010".into(),
        act_type: "5120".into(),
        kommunekode: "340".into(),
        ..valid_registration()
    };
    s.register(&reg).await.assert_accepted();
    let rows = s.admin.registrations_for(&reg.ex_ident).await;
    assert_eq!(rows.len(), 1, "errors: {:?}", s.admin.errors_for(&reg.ex_ident).await);
    assert_eq!(rows[0]["municipality"], "0340");
    assert_eq!(rows[0]["pernr"], "00000101");
    assert_eq!(rows[0]["network"], "000000600001");
}

#[tokio::test]
async fn both_url_forms_serve_both_services() {
    let s = Server::start().await;
    let client = s.maskinregistrering();
    let reg = valid_registration();
    post_soap(
        &client,
        &s.sap_pi_url(REGISTRATION, REGISTRATION_NS),
        registration_xml(&reg),
    )
    .await
    .assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);
    let reg2 = valid_registration();
    post_soap(&client, &s.ws_url(REGISTRATION), registration_xml(&reg2))
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg2.ex_ident).await.len(), 1);

    // The SAP PI form with an empty interfaceNamespace, as some clients send it, is accepted too.
    let reg3 = valid_registration();
    let url = s.sap_pi_url(REGISTRATION, REGISTRATION_NS).replace(
        &format!("interfaceNamespace={}", url_encode(REGISTRATION_NS)),
        "interfaceNamespace=",
    );
    post_soap(&client, &url, registration_xml(&reg3))
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg3.ex_ident).await.len(), 1);

    // Master data through the SAP PI form (0340's employee 00000101; 00012345 through /ws/).
    let md = |pernr: &str, kommune: &str| {
        SEED_MASTERDATA_REQUEST
            .replace(
                "<PERSONAL_ID>12345</PERSONAL_ID>",
                &format!("<PERSONAL_ID>{pernr}</PERSONAL_ID>"),
            )
            .replace(
                "<KOMMUNEKODE>751</KOMMUNEKODE>",
                &format!("<KOMMUNEKODE>{kommune}</KOMMUNEKODE>"),
            )
    };
    let r = post_soap(
        &client,
        &s.sap_pi_url(MASTERDATA, MASTERDATA_NS),
        md("00000101", "0340"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let root = parse_xml(&r.body).unwrap();
    let resp = &root.child_ns(Some(SOAP11_NS), "Body").unwrap().children[0];
    assert!(
        resp.is(Some(MASTERDATA_NS), "ZPSA_CN27_MASTERDATA_RESPONSE_MT"),
        "{}",
        r.body
    );
    assert_eq!(resp.child_text("PERNR"), Some("00000101"));
    assert_eq!(
        resp.child("NETWORK_TBL").and_then(|n| n.child_text("NETWORK")),
        Some("000000600001")
    );
    let r = post_soap(&client, &s.ws_url(MASTERDATA), md("12345", "751")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<PERNR>00012345</PERNR>"), "{}", r.body);
}

#[tokio::test]
async fn the_sap_pi_form_refuses_a_wrong_namespace_an_unknown_interface_and_a_mismatched_body() {
    let s = Server::start().await;
    let client = s.maskinregistrering();

    let reg = valid_registration();
    let r = post_soap(
        &client,
        &s.sap_pi_url(REGISTRATION, MASTERDATA_NS),
        registration_xml(&reg),
    )
    .await;
    let f = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    assert!(f.string.contains("interfaceNamespace"), "{}", f.string);

    let r = post_soap(
        &client,
        &s.sap_pi_url("Nonexistent_OS_SI", REGISTRATION_NS),
        registration_xml(&reg),
    )
    .await;
    let f = r.assert_fault(StatusCode::NOT_FOUND, "SOAP:Client");
    assert!(f.string.contains("Nonexistent_OS_SI"), "{}", f.string);

    // The body's root must be the interface's: a registration sent to the master-data interface is refused.
    let r = post_soap(
        &client,
        &s.sap_pi_url(MASTERDATA, MASTERDATA_NS),
        registration_xml(&reg),
    )
    .await;
    let f = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    assert!(f.string.contains("ZPSA_CN27_MASTERDATA_REQUEST_MT"), "{}", f.string);

    // No interface parameter at all.
    let url = format!("https://{}/XISOAPAdapter/MessageServlet?senderParty=", s.proc.services);
    let r = post_soap(&client, &url, registration_xml(&reg)).await;
    let f = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    assert!(f.string.contains("interface"), "{}", f.string);

    // /ws/ with an unknown service, and an unknown path.
    let r = post_soap(&client, &s.ws_url("Nonexistent_OS_SI"), registration_xml(&reg)).await;
    r.assert_fault(StatusCode::NOT_FOUND, "SOAP:Client");
    let r = post_soap(
        &client,
        &format!("https://{}/nowhere", s.proc.services),
        registration_xml(&reg),
    )
    .await;
    r.assert_fault(StatusCode::NOT_FOUND, "SOAP:Client");

    // Nothing of it was kept.
    assert!(s.admin.registrations_for(&reg.ex_ident).await.is_empty());
    assert!(s.admin.errors_for(&reg.ex_ident).await.is_empty());
    // And the same message at the right address is fine.
    s.register(&reg).await.assert_accepted();
}

// ---------------------------------------------------------------------------------------------------------------
// 3. The error types of a registration.

/// A change that makes a valid registration fail.
type Change = Box<dyn Fn(&mut Registration)>;

async fn assert_error(s: &Server, reg: &Registration, error_type: &str, fragment: &str) -> Value {
    let r = s.register(reg).await;
    r.assert_accepted();
    let e = s.admin.error_for(&reg.ex_ident).await;
    assert_eq!(e["error_type"], error_type, "{e}");
    assert_eq!(e["status"], "open", "{e}");
    assert_eq!(e["interface"], "maskintimer", "{e}");
    assert_eq!(e["system"], "maskinregistrering", "{e}");
    let message = e["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{fragment:?} not in {message:?}");
    assert!(
        s.admin.registrations_for(&reg.ex_ident).await.is_empty(),
        "a failing registration was registered: {e}"
    );
    let history = e["history"].as_array().expect("history");
    assert_eq!(history.len(), 1, "{e}");
    assert_eq!(history[0]["action"], "received");
    e
}

#[tokio::test]
async fn invalid_data_goes_to_the_error_table() {
    let s = Server::start().await;
    let cases: Vec<(&str, Change, &str)> = vec![
        ("bad date", Box::new(|r| r.postg_date = "20251345".into()), "POSTG_DATE"),
        (
            "date with dashes",
            Box::new(|r| r.postg_date = "2025-01-31".into()),
            "POSTG_DATE",
        ),
        ("zero hours", Box::new(|r| r.act_work = "0".into()), "ACT_WORK"),
        ("negative hours", Box::new(|r| r.act_work = "-1.00".into()), "ACT_WORK"),
        (
            "too many hours",
            Box::new(|r| r.act_work = "1234567.00".into()),
            "ACT_WORK",
        ),
        ("three decimals", Box::new(|r| r.act_work = "1.255".into()), "ACT_WORK"),
        ("decimal comma", Box::new(|r| r.act_work = "2,50".into()), "ACT_WORK"),
        (
            "lower-case EX_IDENT",
            Box::new(|r| r.ex_ident.make_ascii_lowercase()),
            "EX_IDENT",
        ),
        ("short EX_IDENT", Box::new(|r| r.ex_ident.truncate(31)), "EX_IDENT"),
        (
            "letters in PERSONAL_ID",
            Box::new(|r| r.personal_id = "ABC".into()),
            "PERSONAL_ID",
        ),
        ("PLANT too long", Box::new(|r| r.plant = "00200".into()), "PLANT"),
        (
            "NETWORK too long",
            Box::new(|r| r.network = "0000005198270".into()),
            "NETWORK",
        ),
        ("ACTIVITY empty", Box::new(|r| r.activity = String::new()), "ACTIVITY"),
    ];
    for (what, change, fragment) in cases {
        let mut reg = valid_registration();
        change(&mut reg);
        let e = assert_error(&s, &reg, "invalid_data", fragment).await;
        assert_eq!(e["municipality"], "0751", "{what}: {e}");
        assert_eq!(e["external_id"], reg.ex_ident.as_str(), "{what}");
    }
}

#[tokio::test]
async fn master_data_errors_go_to_the_error_table() {
    let s = Server::start().await;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "unknown network",
            Box::new(|r| r.network = "999999".into()),
            "Netværk 000000999999",
        ),
        (
            "unknown employee",
            Box::new(|r| r.personal_id = "77736333".into()),
            "77736333 findes ikke i kommune 0751",
        ),
        (
            "Sorø's employee in Aarhus",
            Box::new(|r| r.personal_id = "00000101".into()),
            "00000101 findes ikke i kommune 0751",
        ),
        ("unknown activity", Box::new(|r| r.activity = "0999".into()), "0999"),
        (
            "unknown work centre",
            Box::new(|r| r.work_cntr = "70519999".into()),
            "70519999",
        ),
        ("unknown plant", Box::new(|r| r.plant = "0099".into()), "0099"),
        (
            "unknown activity type",
            Box::new(|r| r.act_type = "9999".into()),
            "9999",
        ),
    ];
    for (what, change, fragment) in cases {
        let mut reg = valid_registration();
        change(&mut reg);
        let e = assert_error(&s, &reg, "master_data", fragment).await;
        assert_eq!(e["municipality"], "0751", "{what}: {e}");
    }
    // Aarhus's employee registered for Sorø: unknown there.
    let mut reg = valid_registration();
    reg.kommunekode = "0340".into();
    let e = assert_error(&s, &reg, "master_data", "00012345 findes ikke i kommune 0340").await;
    assert_eq!(e["municipality"], "0340");
}

/// Employee 00012345 has the service description's example master data: one network, one work centre, one activity
/// type. Values taken from another employee's master data (Sorø's) are unknown for 00012345: master-data errors, not
/// dependencies.
#[tokio::test]
async fn with_the_demo_data_every_mismatch_is_a_master_data_error() {
    let s = Server::start().await;
    let changes: [fn(&mut Registration); 4] = [
        |r| r.plant = "0010".into(),
        |r| r.work_cntr = "70340001".into(),
        |r| r.act_type = "5120".into(),
        |r| r.network = "600001".into(),
    ];
    for change in changes {
        let mut reg = valid_registration();
        change(&mut reg);
        assert_error(&s, &reg, "master_data", "findes ikke i medarbejderens stamdata").await;
    }
}

/// A valid registration for Sorø operator 00000101, whose demo master data has two networks, two plants with a
/// machine each, and an activity type per machine.
fn soroe_registration() -> Registration {
    let mut r = valid_registration();
    r.personal_id = "00000101".into();
    r.kommunekode = "0340".into();
    r.network = "000000600001".into();
    r.activity = "0010".into();
    r.work_cntr = "70340001".into();
    r.plant = "0010".into();
    r.act_type = "5120".into();
    r
}

/// Field dependencies: values that each exist in the employee's master data but do not belong together.
#[tokio::test]
async fn field_dependency_errors_from_the_demo_data() {
    let s = Server::start().await;
    // The combination that fits is registered.
    let ok = soroe_registration();
    s.register(&ok).await.assert_accepted();
    assert_eq!(s.admin.registrations_for(&ok.ex_ident).await.len(), 1);

    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|r| r.activity = "0030".into()),
            "Operation 0030 hører ikke til netværk 000000600001",
        ),
        (
            Box::new(|r| r.plant = "0011".into()),
            "Arbejdsplads 70340001 hører ikke til fabrik 0011",
        ),
        (
            Box::new(|r| {
                r.plant = "0011".into();
                r.work_cntr = "70350001".into();
            }),
            "Aktivitetsart 5120 hører ikke til arbejdsplads 70350001",
        ),
    ];
    let mut entries = Vec::new();
    for (change, fragment) in cases {
        let mut reg = soroe_registration();
        change(&mut reg);
        entries.push(assert_error(&s, &reg, "field_dependency", fragment).await);
    }
    // The other machine with its own activity type fits.
    let mut other = soroe_registration();
    other.plant = "0011".into();
    other.work_cntr = "70350001".into();
    other.act_type = "5130".into();
    s.register(&other).await.assert_accepted();
    assert_eq!(s.admin.registrations_for(&other.ex_ident).await.len(), 1);

    // A field-dependency entry corrected by the operator is registered.
    let id = entries[1]["id"].as_str().unwrap();
    let (status, e) = s
        .admin
        .post(
            &format!("/api/v1/errors/{id}/resubmit"),
            Some(json!({"payload": {"PLANT": "0010"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["status"], "resubmitted", "{e}");
    let ex = entries[1]["external_id"].as_str().unwrap();
    let rows = s.admin.registrations_for(ex).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["error_id"], id);
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Master data at most once per day per employee.

fn masterdata_request(personal_id: &str, kommune: &str) -> String {
    SEED_MASTERDATA_REQUEST
        .replace(
            "<PERSONAL_ID>12345</PERSONAL_ID>",
            &format!("<PERSONAL_ID>{personal_id}</PERSONAL_ID>"),
        )
        .replace(
            "<KOMMUNEKODE>751</KOMMUNEKODE>",
            &format!("<KOMMUNEKODE>{kommune}</KOMMUNEKODE>"),
        )
}

#[tokio::test]
async fn master_data_is_refused_the_second_time_the_same_day() {
    let s = Server::start().await;
    let client = s.maskinregistrering();
    let url = s.ws_url(MASTERDATA);
    let first = post_soap(&client, &url, masterdata_request("12345", "751")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);

    // The same employee again, also written differently (padded number and municipality).
    for (pid, k) in [("12345", "751"), ("00012345", "0751")] {
        let r = post_soap(&client, &url, masterdata_request(pid, k)).await;
        let f = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
        let text = f.all_text();
        assert!(text.contains("én gang pr. dag"), "{text}");
        assert!(text.contains("00012345"), "{text}");
        assert!(!r.body.contains("NETWORK_TBL"), "{}", r.body);
    }
    // Another employee is another matter.
    let r = post_soap(&client, &url, masterdata_request("00000102", "0340")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<PERNR>00000102</PERNR>"), "{}", r.body);
}

#[tokio::test]
async fn the_relaxing_config_allows_master_data_more_than_once_a_day() {
    let s = Server::start_relaxed().await;
    let client = s.maskinregistrering();
    for _ in 0..3 {
        let r = post_soap(&client, &s.ws_url(MASTERDATA), SEED_MASTERDATA_REQUEST).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("<PERNR>00012345</PERNR>"), "{}", r.body);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 9. The WSDL.

#[tokio::test]
async fn the_wsdl_points_back_at_the_host_the_client_used() {
    let s = Server::start().await;
    let client = s.maskinregistrering();
    let port = s.proc.services.port();
    for host in ["127.0.0.1", "localhost"] {
        for (service, ns) in [
            (REGISTRATION, "http%3A%2F%2Fkmd.dk%2Fmobile_equipreg%2Fkmd"),
            (MASTERDATA, "http%3A%2F%2Fkmd.dk%2Fmobile_equip_masterdata%2Fkmd"),
        ] {
            let url = format!("https://{host}:{port}/ws/{service}?wsdl");
            let r = read_reply(client.get(&url).send().await.expect("GET wsdl")).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
            assert!(r.content_type.starts_with("text/xml"), "{}", r.content_type);
            let prefix = format!("soap:address location=\"https://{host}:{port}/XISOAPAdapter/MessageServlet?");
            assert!(r.body.contains(&prefix), "{prefix} not in {}", r.body);
            assert!(r.body.contains(&format!("interface={service}&amp;")), "{}", r.body);
            assert!(r.body.contains(&format!("interfaceNamespace={ns}\"")), "{}", r.body);
            let root = parse_xml(&r.body).expect("the WSDL is XML");
            assert!(root.is(Some("http://schemas.xmlsoap.org/wsdl/"), "definitions"));
            assert!(!r.body.contains("{{ADDRESS}}"));
        }
    }
    // The address in the WSDL works.
    let r = read_reply(client.get(s.ws_url(REGISTRATION) + "?wsdl").send().await.unwrap()).await;
    let start = r.body.find("location=\"").unwrap() + "location=\"".len();
    let end = start + r.body[start..].find('"').unwrap();
    let address = r.body[start..end].replace("&amp;", "&");
    let reg = valid_registration();
    post_soap(&client, &address, registration_xml(&reg))
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);

    // Unknown services, and a GET without ?wsdl.
    let r = read_reply(
        client
            .get(s.ws_url("Nonexistent_OS_SI") + "?wsdl")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_fault(StatusCode::NOT_FOUND, "SOAP:Client");
    let r = read_reply(client.get(s.ws_url(REGISTRATION)).send().await.unwrap()).await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_of_one_ex_ident_are_registered_once() {
    let s = Server::start().await;
    for valid in [true, false] {
        let mut reg = valid_registration();
        if !valid {
            reg.act_work = "0".into();
        }
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let client = s.maskinregistrering();
                let url = s.ws_url(REGISTRATION);
                let mut r = reg.clone();
                if valid && i % 2 == 1 {
                    r.act_work = format!("{}.00", i + 1);
                }
                tokio::spawn(async move { post_soap(&client, &url, registration_xml(&r)).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().assert_accepted();
        }
        let rows = s.admin.registrations_for(&reg.ex_ident).await;
        let errors = s.admin.errors_for(&reg.ex_ident).await;
        if valid {
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert!(errors.is_empty(), "{errors:?}");
            let events = s.admin.events().await;
            assert_eq!(events_for(&events, &reg.ex_ident).len(), 1, "{events:?}");
        } else {
            assert!(rows.is_empty(), "{rows:?}");
            assert_eq!(errors.len(), 1, "{errors:?}");
        }
    }
}
