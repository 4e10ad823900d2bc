//! The Beskedfordeler from outside (issue 7): a dueslag with an HTTPS push endpoint and a subscription, an absence
//! registered by `dagtilbud` pushed as `ModtagBeskedInput` over mutual TLS to a local receiver, valid against
//! KOMBIT's reference XSDs; with the receiver down for 30 s every event still arrives, in order, none lost, the
//! retries counted in `AntalLeveranceforsoeg`; a receiver that answers an error sends the message to the fejlkø,
//! from which it is requeued; a receiver hands messages it got back to the fejlkø (flytbeskedtilfejlkoe) as it got
//! them, raw and through zeep built from KOMBIT's WSDL (`zeep/flyt_client.py`). Certificate expiry arrives as events
//! too (30 and 7 days ahead, once each).

mod common;

use common::push::{Answer, Receiver, distinct, facts, wait_for};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CONFIG: &str = "[beskedfordeler]\npoll_ms = 20\nbackoff_base_ms = 100\nbackoff_max_ms = 1000\n";

fn sick_day(pernr: &str, day: &str) -> String {
    format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:SetAbsenceAttendanceRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\"><StartDate>{day}</StartDate>\
         <EndDate>{day}</EndDate><Operation>INS</Operation><PersonnelNumber>{pernr}</PersonnelNumber>\
         <AbsenceAttendanceType>SY</AbsenceAttendanceType></ns0:SetAbsenceAttendanceRequest_MT></SOAP-ENV:Body>\
         </SOAP-ENV:Envelope>"
    )
}

async fn dueslag(s: &Server, port: u16, filter: Value) -> String {
    let body = json!({"name": "Fraværsmodtager", "system": "dagtilbud",
                      "push_url": format!("https://localhost:{port}/modtag"), "max_attempts": 1000});
    s.admin.dueslag(body, filter).await
}

fn reference_xsd() -> PathBuf {
    python::workspace().join("../shared/reference/kombit-beskedfordeler/xsd/AnvendersystemOperationer.xsd")
}

#[tokio::test]
async fn an_absence_is_pushed_in_order_through_an_outage_and_validates_against_the_reference_xsd() {
    let s = Server::start_with_config(CONFIG).await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let dir = s.data_dir();
    let receiver = Receiver::start(&dir, 0, Answer::Ok).await;
    let port = receiver.port;
    let id = dueslag(
        &s,
        port,
        json!({"beskedtype": ["absence.created"], "myndighed": ["0340"]}),
    )
    .await;

    s.register_sick_day("00000110", "2026-03-02").await;
    wait_for("the first push", Duration::from_secs(10), || {
        !receiver.bodies().is_empty()
    })
    .await;
    let first = receiver.stop().await;

    // The receiver is down for 30 s while three more absences are registered.
    for day in ["2026-03-03", "2026-03-04", "2026-03-05"] {
        s.register_sick_day("00000110", day).await;
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    let pending = s
        .admin
        .list(&format!("/api/v1/dueslag/{id}/deliveries?state=pending"))
        .await;
    assert_eq!(pending.len(), 3, "{pending:?}");
    assert!(
        pending[0]["attempts"].as_i64().unwrap() >= 3,
        "retried while down: {pending:?}"
    );

    let receiver = Receiver::start(&dir, port, Answer::Ok).await;
    wait_for("the three held messages", Duration::from_secs(15), || {
        distinct(&receiver.bodies()).len() == 3
    })
    .await;
    let mut all = first.clone();
    all.extend(receiver.stop().await);
    let got = distinct(&all);
    assert_eq!(got.len(), 4, "every event arrives");
    let seqs: Vec<i64> = got.iter().map(|g| g.1).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in distribution order: {seqs:?}");
    assert!(
        got[1].2 > 1,
        "the retries are counted in AntalLeveranceforsoeg: {got:?}"
    );
    let delivered = s
        .admin
        .list(&format!("/api/v1/dueslag/{id}/deliveries?state=delivered"))
        .await;
    assert_eq!(delivered.len(), 4);

    // The bodies are ModtagBeskedInput valid against KOMBIT's XSDs; no CPR number in the filter fields.
    let out = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = all
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let p = out.path().join(format!("besked-{i}.xml"));
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect();
    python::validate_with_xmlschema(&reference_xsd(), &files).unwrap();
    assert!(first[0].contains("<sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:00000110</sd:URNIdentifikator>"));
    assert!(first[0].contains("urn:oio:cvr-nr:29189730"));
    assert!(!first[0].contains("urn:oio:cpr-nr"));

    // The admin API renders the same envelope for the event.
    let seq = got[0].1;
    let (status, _, xml) = s.admin.get_text(&format!("/api/v1/events/{seq}/envelope")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(xml.contains(&got[0].0));
}

#[tokio::test]
async fn failed_messages_go_to_the_fejlkoe_and_are_requeued_from_it() {
    let s = Server::start_with_config(CONFIG).await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let dir = s.data_dir();
    let refusing = Receiver::start(&dir, 0, Answer::Error).await;
    let port = refusing.port;
    let id = dueslag(
        &s,
        port,
        json!({"objekttype": ["fravaer"], "objekthandling": ["oprettet"]}),
    )
    .await;
    let (status, _) = s
        .admin
        .put(&format!("/api/v1/dueslag/{id}"), json!({"max_attempts": 3}))
        .await;
    assert_eq!(status, StatusCode::OK);

    s.register_sick_day("00000111", "2026-03-02").await;
    s.register_sick_day("00000111", "2026-03-03").await;
    let path = format!("/api/v1/dueslag/{id}/deliveries?state=dead");
    let start = Instant::now();
    let dead = loop {
        let dead = s.admin.list(&path).await;
        if dead.len() == 2 {
            break dead;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not in the fejlkø: {dead:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(dead.iter().all(|d| d["attempts"] == 3), "{dead:?}");
    assert_eq!(distinct(&refusing.stop().await).len(), 2);

    // An inactive dueslag receives nothing; once active and requeued, the message arrives.
    let receiver = Receiver::start(&dir, port, Answer::Ok).await;
    let (status, _) = s
        .admin
        .put(&format!("/api/v1/dueslag/{id}"), json!({"active": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let seq = dead[0]["seq"].as_i64().unwrap();
    let (status, body) = s
        .admin
        .post(&format!("/api/v1/dueslag/{id}/deliveries/{seq}/requeue"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.bodies().is_empty(), "nothing while inactive");
    s.admin
        .put(&format!("/api/v1/dueslag/{id}"), json!({"active": true}))
        .await;
    wait_for("the requeued message", Duration::from_secs(10), || {
        !receiver.bodies().is_empty()
    })
    .await;
    let got = distinct(&receiver.stop().await);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, seq);
    let (status, _) = s
        .admin
        .post(&format!("/api/v1/dueslag/{id}/deliveries/{seq}/requeue"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a delivered message is not in the fejlkø"
    );
    let bad = json!({"filter": {"myndighed": ["Sorø"]}});
    let (status, _) = s
        .admin
        .post(&format!("/api/v1/dueslag/{id}/subscriptions"), Some(bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Creates a værdiliste as `dagtilbud` through SF1460_B (`opretvaerdiliste`) holding `values`; its UUID.
async fn vaerdiliste(s: &Server, values: &[&str]) -> String {
    const VL: &str = "urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0";
    const SD: &str = "urn:oio:sagdok:3.0.0";
    let v: String = values.iter().map(|v| format!("<vl:Vaerdi>{v}</vl:Vaerdi>")).collect();
    let body = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <vl:OpretInput xmlns:vl=\"{VL}\" xmlns:sd=\"{SD}\"><vl:AttributListe><vl:Egenskab>\
         <sd:BrugervendtNoegleTekst>Udvalgte</sd:BrugervendtNoegleTekst><vl:Vaerdiliste><vl:Navn>Udvalgte</vl:Navn>{v}\
         </vl:Vaerdiliste><sd:Virkning><sd:AktoerRef><sd:UUIDIdentifikator>00000000-0000-0000-0000-000000000002\
         </sd:UUIDIdentifikator></sd:AktoerRef><sd:AktoerTypeKode>ItSystem</sd:AktoerTypeKode></sd:Virkning>\
         </vl:Egenskab></vl:AttributListe><vl:TilstandListe/><vl:RelationListe/></vl:OpretInput></s:Body></s:Envelope>"
    );
    let url = format!("https://{}/sts-bf-soap/StsbeskedfordelerImpl", s.proc.services);
    let reply = post_soap(&s.client("dagtilbud"), &url, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = &reply.body[reply.body.find("Vaerdiliste>").expect("the list in the answer")..];
    let id = between(after, "UUIDIdentifikator>", "<")
        .expect("its UUID")
        .trim()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{}", reply.body);
    id
}

#[tokio::test]
async fn a_vaerdiliste_limits_delivery_to_the_employees_on_it() {
    let s = Server::start_with_config(CONFIG).await;
    let grant = json!({"system": "dagtilbud", "interface": "beskedfordeler", "municipality": "0340"});
    let (status, body) = s.admin.post("/api/v1/grants", Some(grant)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let list = vaerdiliste(&s, &["urn:oio:kmd:lpe:medarbejder:00000110"]).await;
    let receiver = Receiver::start(&s.data_dir(), 0, Answer::Ok).await;
    dueslag(
        &s,
        receiver.port,
        json!({"beskedtype": ["absence.created"], "vaerdiliste": list}),
    )
    .await;
    s.register_sick_day("00000111", "2026-03-02").await;
    s.register_sick_day("00000110", "2026-03-02").await;
    s.register_sick_day("00000111", "2026-03-03").await;
    wait_for("the listed employee's absence", Duration::from_secs(10), || {
        !receiver.bodies().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bodies = receiver.stop().await;
    assert_eq!(distinct(&bodies).len(), 1, "only the employee on the list");
    assert!(bodies[0].contains("urn:oio:kmd:lpe:medarbejder:00000110"));
}

/// A sick day registered through the services listener at `services`.
async fn register_sick_day_at(data: &Path, services: std::net::SocketAddr, pernr: &str, day: &str) {
    let client = snitflade_bench::mtls_client(data, "dagtilbud").unwrap();
    let url = format!("https://{services}/ws/SetAbsenceAttendance_OS_SI");
    let reply = post_soap(&client, &url, sick_day(pernr, day)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("<StatusType>S</StatusType>"), "{}", reply.body);
}

/// Two instances on one PostgreSQL database (the same data dir: PKI and admin token): only the holder of the
/// delivery lease pushes, so each message reaches the receiver once, whichever instance took the change; when the
/// holder is killed, the other takes over once the lease has run out. Needs `SNITFLADE_TEST_DATABASE_URL`.
#[tokio::test]
async fn two_instances_on_one_database_deliver_each_message_once() {
    let Some(db) = test_postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, format!("{CONFIG}lease_seconds = 3\n")).unwrap();
    let args: [&std::ffi::OsStr; 4] = [
        "--config".as_ref(),
        cfg.as_os_str(),
        "--database-url".as_ref(),
        db.url.as_ref(),
    ];
    let mut first = spawn(&data, &args).await;
    let second = spawn(&data, &args).await;
    let admin = AdminApi::new(&data, second.admin);
    admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let receiver = Receiver::start(&data, 0, Answer::Ok).await;
    let body = json!({"name": "To instanser", "system": "dagtilbud",
                      "push_url": format!("https://localhost:{}/modtag", receiver.port), "max_attempts": 1000});
    admin.dueslag(body, json!({"beskedtype": ["absence.created"]})).await;

    register_sick_day_at(&data, first.services, "00000110", "2026-03-02").await;
    register_sick_day_at(&data, second.services, "00000111", "2026-03-02").await;
    wait_for("both changes", Duration::from_secs(20), || {
        distinct(&receiver.bodies()).len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        receiver.bodies().len(),
        2,
        "each message pushed once, by the lease holder alone"
    );

    // The first instance (the holder: it started first) dies without giving the lease up.
    first.kill9().unwrap();
    register_sick_day_at(&data, second.services, "00000110", "2026-03-03").await;
    wait_for("the survivor's delivery", Duration::from_secs(20), || {
        distinct(&receiver.bodies()).len() == 3
    })
    .await;
    let bodies = receiver.stop().await;
    assert_eq!(bodies.len(), 3, "still once each");
    drop(second);
    db.cleanup().await;
}

/// Issue 16, item 10: a filter field that takes a list takes a single value too — `{"myndighed": "0340"}` creates a
/// subscription (before: 400) stored and matching exactly like `["0340"]`.
#[tokio::test]
async fn a_filter_field_takes_a_single_value_like_a_list_of_it() {
    let s = Server::start_with_config(CONFIG).await;
    let a = &s.admin;
    a.grant("dagtilbud", "beskedfordeler", "0340").await;
    a.grant("maskinregistrering", "beskedfordeler", "0751").await;
    // Dueslag without a push endpoint: their deliveries stay pending, to be looked at.
    let body = |name: &str| json!({"name": name, "system": "dagtilbud"});
    let single = a.dueslag(body("Enkelt værdi"), json!({"myndighed": "0340"})).await;
    let list = a.dueslag(body("Liste"), json!({"myndighed": ["0340"]})).await;
    let aarhus = a
        .dueslag(
            json!({"name": "Aarhus", "system": "maskinregistrering"}),
            json!({"myndighed": "0751", "beskedtype": "maskintimer.registrering.oprettet"}),
        )
        .await;
    let subscription = a.list(&format!("/api/v1/dueslag/{single}/subscriptions")).await;
    assert_eq!(subscription[0]["filter"], json!({"myndighed": ["0340"]}));

    s.register_sick_day("00000110", "2026-03-02").await;
    s.register(&valid_registration()).await.assert_accepted();
    let pending = |id: String| async move {
        a.list(&format!("/api/v1/dueslag/{id}/deliveries?state=pending"))
            .await
            .iter()
            .map(|d| d["seq"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let start = Instant::now();
    while pending(single.clone()).await.is_empty()
        || pending(list.clone()).await.is_empty()
        || pending(aarhus.clone()).await.is_empty()
    {
        assert!(start.elapsed() < Duration::from_secs(15), "never routed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = a.events().await;
    let municipality = |seq: i64| {
        events
            .iter()
            .find(|e| e["seq"] == seq)
            .map(|e| e["municipality"].as_str().unwrap_or_default().to_owned())
            .unwrap()
    };
    // Routing goes in order: with the later 0751 registration routed, every earlier event is.
    let (single, list, aarhus) = (pending(single).await, pending(list).await, pending(aarhus).await);
    assert_eq!(single, list, "a single value routes like the list of it");
    assert!(single.iter().all(|seq| municipality(*seq) == "0340"), "{single:?}");
    assert_eq!(aarhus.len(), 1, "{aarhus:?}");
    assert_eq!(municipality(aarhus[0]), "0751");
}

/// Issue 16, item 17: certificate expiry as a metric and as Beskedfordeler events. Two systems with a 20-day and a
/// 5-day certificate: `/metrics` shows each system's days left; the events are emitted for the 30-day mark of the
/// 20-day certificate and both (30 and 7) of the 5-day one, once each — and no more after a restart. A dueslag of
/// the 5-day system subscribed to the new Beskedtype (`certificate.expiring`) receives its own two (issue 17: a
/// system's certificate is its own business), the other system's is filtered out.
#[tokio::test]
async fn expiring_certificates_are_a_metric_and_events_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, format!("{CONFIG}certificate_check_seconds = 1\n")).unwrap();
    let args: [&std::ffi::OsStr; 2] = ["--config".as_ref(), cfg.as_os_str()];
    let mut server = spawn(&data, &args).await;
    let admin = AdminApi::new(&data, server.admin);
    let receiver = Receiver::start(&data, 0, Answer::Ok).await;
    let kinds = admin.list("/api/v1/beskedtyper").await;
    let kind = kinds
        .iter()
        .find(|k| k["kind"] == "certificate.expiring")
        .expect("the new Beskedtype is listed");
    assert_eq!(kind["navn"], "Certifikat udløber snart");

    let (status, vendor) = admin
        .post(
            "/api/v1/vendors",
            Some(
                json!({"name": "Udløb ApS", "cvr": "84847771", "contact_name": "Ida", "contact_phone": "12345678",
                        "contact_email": "ida@example.dk"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{vendor}");
    let mut fingerprints = Vec::new();
    for system in ["udloeb-20", "udloeb-5"] {
        let (status, body) = admin
            .post("/api/v1/systems", Some(json!({"name": system, "vendor": vendor["id"]})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    admin.grant("udloeb-5", "beskedfordeler", "0340").await;
    let body = json!({"name": "Certifikatovervågning", "system": "udloeb-5",
                      "push_url": format!("https://localhost:{}/modtag", receiver.port), "max_attempts": 1000});
    let watch = admin
        .dueslag(body, json!({"beskedtype": ["certificate.expiring"]}))
        .await;
    for (system, days) in [("udloeb-20", 20), ("udloeb-5", 5)] {
        let (cert, _) = snitflade_server::demo::pki::issue_client_certificate(
            &data.join("pki"),
            system,
            "Udløb ApS",
            "84847771",
            days,
        )
        .unwrap();
        let ca = std::fs::read_to_string(data.join("pki/ca.pem")).unwrap();
        let (status, body) = admin
            .post_bytes(
                &format!("/api/v1/systems/{system}/certificates"),
                "application/x-pem-file",
                format!("{cert}{ca}").into_bytes(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        fingerprints.push(body["fingerprint"].as_str().unwrap().to_owned());
    }

    // The gauge, set when the certificates were uploaded.
    let (_, _, metrics) = admin.get_text("/metrics").await;
    // Whole days from now to the expiry the gauge names.
    let gauge = |system: &str| -> i64 {
        let prefix = format!("snitflade_certificate_expiry_timestamp_seconds{{system=\"{system}\"}} ");
        let at: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no gauge for {system} in\n{metrics}"))
            .parse()
            .unwrap();
        (at as i64 - jiff::Timestamp::now().as_second()).div_euclid(86_400)
    };
    assert!((19..=20).contains(&gauge("udloeb-20")), "{metrics}");
    assert!((4..=5).contains(&gauge("udloeb-5")), "{metrics}");

    wait_for(
        "the 5-day certificate's two expiry events",
        Duration::from_secs(30),
        || distinct(&receiver.bodies()).len() == 2,
    )
    .await;
    let own = format!("urn:snitflade:certifikat:{}", fingerprints[1]);
    assert!(
        receiver.bodies().iter().all(|b| b.contains(&own)),
        "only its own certificate's"
    );
    let filtered = format!("/api/v1/dueslag/{watch}/deliveries?state=filtered");
    assert!(
        wait_until(Duration::from_secs(10), || async {
            admin.list(&filtered).await.len() == 1
        })
        .await,
        "the other system's event is filtered out"
    );
    let why = admin.list(&filtered).await[0]["last_error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(why.starts_with("no grant: "), "{why}");
    let expiry_events = |events: Vec<Value>| -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = events
            .iter()
            .filter(|e| e["kind"] == "certificate.expiring")
            .map(|e| {
                (
                    e["payload"]["fingerprint"].as_str().unwrap().to_owned(),
                    e["payload"]["threshold_days"].as_i64().unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let mut expected = vec![
        (fingerprints[0].clone(), 30),
        (fingerprints[1].clone(), 30),
        (fingerprints[1].clone(), 7),
    ];
    expected.sort();
    assert_eq!(expiry_events(admin.events().await), expected);

    // A restart: the next checks send nothing again.
    signal(server.pid(), "TERM");
    wait_for_exit(&mut server, Duration::from_secs(30))
        .await
        .expect("the server stops");
    let server = spawn(&data, &args).await;
    let admin = AdminApi::new(&data, server.admin);
    let checks = |text: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix("snitflade_certificate_expiry_checks_total "))
            .map_or(0, |v| v.trim().parse().unwrap())
    };
    let checked_twice = wait_until(Duration::from_secs(30), || async {
        checks(&admin.get_text("/metrics").await.2) >= 2
    })
    .await;
    assert!(checked_twice, "the restarted server ran its expiry check twice");
    assert_eq!(expiry_events(admin.events().await), expected, "nothing sent again");
    let bodies = receiver.stop().await;
    assert_eq!(distinct(&bodies).len(), 2);
}

/// `POST /sts-bf-soap/StsbeskedfordelerImpl` as `system`: the `StatusKode` of the answer.
async fn value_list_service(s: &Server, system: &str, body: String) -> String {
    let url = format!("https://{}/sts-bf-soap/StsbeskedfordelerImpl", s.proc.services);
    let reply = post_soap(&s.client(system), &url, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    between(&reply.body, "StatusKode>", "<")
        .unwrap_or_else(|| panic!("no StatusKode: {}", reply.body))
        .to_owned()
}

/// The `Haendelsesbesked` element of a pushed `ModtagBeskedInput`, byte for byte.
fn haendelsesbesked_of(body: &str) -> &str {
    let start = body.find("<kuvert:Haendelsesbesked").expect("a Haendelsesbesked");
    let end = body.rfind("</kuvert:Haendelsesbesked>").expect("its end") + "</kuvert:Haendelsesbesked>".len();
    &body[start..end]
}

/// Issue 16, item 9: a pushed message names its dueslag in `Leverancerute/ErLeveretIHenholdTil` (valid against
/// KOMBIT's XSDs), so that the receiver can send back the message it received with flytbeskedtilfejlkoe — once with
/// the exact bytes it got, once through zeep built from KOMBIT's WSDL — and each lands in the fejlkø although it
/// was delivered.
#[tokio::test]
async fn a_receiver_hands_pushed_messages_back_to_the_fejlkoe_as_it_got_them() {
    let s = Server::start_with_config(CONFIG).await;
    for system in ["dagtilbud", "vikarsystem"] {
        let grant = json!({"system": system, "interface": "beskedfordeler", "municipality": "0340"});
        let (status, body) = s.admin.post("/api/v1/grants", Some(grant)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let receiver = Receiver::start(&s.data_dir(), 0, Answer::Ok).await;
    let id = dueslag(&s, receiver.port, json!({"beskedtype": ["absence.created"]})).await;
    s.register_sick_day("00000110", "2026-03-02").await;
    s.register_sick_day("00000110", "2026-03-03").await;
    wait_for("both pushes", Duration::from_secs(10), || {
        distinct(&receiver.bodies()).len() == 2
    })
    .await;
    let port = receiver.port;
    let bodies = receiver.stop().await;
    let delivered = format!("/api/v1/dueslag/{id}/deliveries?state=delivered");
    assert!(
        wait_until(Duration::from_secs(10), || async {
            s.admin.list(&delivered).await.len() == 2
        })
        .await,
        "both recorded as delivered"
    );
    let route = format!(
        "<kuvert:ErLeveretIHenholdTil><sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator></kuvert:ErLeveretIHenholdTil>"
    );
    let out = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = bodies[..2]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            assert!(b.contains(&route), "the dueslag in the Leverancerute: {b}");
            let p = out.path().join(format!("modtaget-{i}.xml"));
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect();
    python::validate_with_xmlschema(&reference_xsd(), &files).unwrap();
    let dead = |seq: i64| {
        let path = format!("/api/v1/dueslag/{id}/deliveries?state=dead");
        let admin = s.admin.clone();
        async move { admin.list(&path).await.iter().any(|d| d["seq"] == seq) }
    };

    // The exact Haendelsesbesked received, as flytbeskedtilfejlkoe's input.
    let (besked_id, seq, _) = facts(&bodies[0]);
    let flyt = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <bf:FlytBeskedTilFejlkoeInput xmlns:bf=\"urn:oio:sts:beskedfordeler:1.0.0\">{}</bf:FlytBeskedTilFejlkoeInput>\
         </s:Body></s:Envelope>",
        haendelsesbesked_of(&bodies[0])
    );
    assert_eq!(
        value_list_service(&s, "vikarsystem", flyt.clone()).await,
        "43",
        "not its dueslag"
    );
    assert!(!dead(seq).await);
    assert_eq!(value_list_service(&s, "dagtilbud", flyt.clone()).await, "20");
    assert!(dead(seq).await, "{besked_id} in the fejlkø");
    let entry = s
        .admin
        .list(&format!("/api/v1/dueslag/{id}/deliveries?state=dead"))
        .await
        .into_iter()
        .find(|d| d["seq"] == seq)
        .unwrap();
    assert!(
        entry["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("flytbeskedtilfejlkoe"),
        "{entry}"
    );
    // Requeued from the fejlkø, it is delivered again and stays delivered (the request is not applied again).
    let receiver = Receiver::start(&s.data_dir(), port, Answer::Ok).await;
    let (status, body) = s
        .admin
        .post(&format!("/api/v1/dueslag/{id}/deliveries/{seq}/requeue"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_for("the requeued message", Duration::from_secs(10), || {
        !receiver.bodies().is_empty()
    })
    .await;
    assert!(
        wait_until(Duration::from_secs(10), || async {
            s.admin.list(&delivered).await.len() == 2
        })
        .await,
        "delivered again"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!dead(seq).await, "not moved back to the fejlkø");
    receiver.stop().await;

    // The other message, handed back by zeep built from KOMBIT's WSDL.
    let (_, seq, _) = facts(&bodies[1]);
    let script = python::workspace().join("crates/cli/tests/zeep/flyt_client.py");
    let wsdl = python::workspace().join("../shared/reference/kombit-beskedfordeler/wsdl/Beskedfordeler.wsdl");
    let mut cmd = std::process::Command::new(python::zeep_venv());
    cmd.arg(script)
        .args(["--services", &s.proc.services.to_string(), "--data-dir"])
        .arg(s.data_dir())
        .arg("--reference-wsdl")
        .arg(wsdl)
        .args(["--system", "dagtilbud", "--message"])
        .arg(&files[1]);
    let out = tokio::task::spawn_blocking(move || python::run(&mut cmd))
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "{}", python::describe(&out));
    assert!(dead(seq).await, "the message zeep handed back is in the fejlkø");
}

/// A change is pushed as soon as it is stored: the router and pusher are woken by the writer's commit, so with a
/// poll interval of 30 s the message arrives within seconds, not at the next poll.
#[tokio::test]
async fn a_change_is_pushed_when_it_is_stored_not_at_the_next_poll() {
    let s = Server::start_with_config("[beskedfordeler]\npoll_ms = 30000\n").await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let receiver = Receiver::start(&s.data_dir(), 0, Answer::Ok).await;
    dueslag(&s, receiver.port, json!({"beskedtype": ["absence.created"]})).await;
    s.register_sick_day("00000110", "2026-03-02").await;
    wait_for(
        "the push, within 10 s of the change (the poll interval is 30 s)",
        Duration::from_secs(10),
        || !receiver.bodies().is_empty(),
    )
    .await;
    assert!(receiver.bodies()[0].contains("urn:oio:kmd:lpe:medarbejder:00000110"));
}
