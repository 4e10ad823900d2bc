//! The Beskedfordeler over RabbitMQ, from outside (issue 7): `serve --demo --amqp-url` with a pull dueslag. An
//! absence registered by `dagtilbud` lands in the dueslag's queue (named by its system and UUID) as a
//! `Haendelsesbesked` valid against KOMBIT's `Beskedkuvert.xsd`, and is delivered again when not acked. A system publishing to
//! `AFSEND_BESKED_EXCHANGE` with direct reply-to gets `StatusKode` 20 and its message reaches a subscribed dueslag
//! (once, however often it is resent); an expired token gets 41, other refusals 43 or 40.
//!
//! And RabbitMQ going away and coming back (issue 16): behind a TCP proxy the test cuts and restores, `/readyz`
//! reports it disconnected and then connected again, and an absence registered meanwhile reaches the queue after.
//!
//! Needs RabbitMQ: `SNITFLADE_TEST_AMQP_URL` (set by `.ci/run`). The checks of SF1460 share one server, and the
//! tests take turns (`amqp_lock`), because all servers on one broker read the same inbound queue.

mod common;

use common::proxy::{Proxy, authority, redirect};
use common::*;
use futures_lite::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CONFIG: &str = "[beskedfordeler]\npoll_ms = 20\nbackoff_base_ms = 100\nbackoff_max_ms = 1000\n";
const KUVERT: &str = "urn:oio:besked:kuvert:1.0";
const SAGDOK: &str = "urn:oio:sagdok:3.0.0";

/// A pull dueslag (no push endpoint) of `dagtilbud` with one subscription; (its UUID, its queue).
async fn pull_dueslag(s: &Server, filter: Value) -> (String, String) {
    let id = s
        .admin
        .dueslag(json!({"name": "Pull", "system": "dagtilbud"}), filter)
        .await;
    let queue = s.admin.get_ok(&format!("/api/v1/dueslag/{id}")).await["amqp_queue"]
        .as_str()
        .expect("a pull dueslag names its queue")
        .to_owned();
    (id, queue)
}

/// The next message in `queue` (not acked), waiting up to `limit` for it (and for the queue to be declared).
async fn next_message(
    conn: &Connection,
    queue: &str,
    limit: Duration,
) -> Option<(Channel, lapin::message::BasicGetMessage)> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let channel = conn.create_channel().await.unwrap();
        // A passive declare fails (and closes the channel) until snitflade has declared the queue.
        let exists = channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .is_ok();
        if exists
            && let Some(m) = channel
                .basic_get(queue.into(), BasicGetOptions { no_ack: false })
                .await
                .unwrap()
        {
            return Some((channel, m));
        }
        let _ = channel.close(200, "".into()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

fn text(data: &[u8]) -> String {
    String::from_utf8(data.to_vec()).unwrap()
}

/// A published `Haendelsesbesked` with its own Beskedtype, about an employee in the municipality with CVR `cvr`.
fn published(besked_id: &str, beskedtype: &str, cvr: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <k:Haendelsesbesked xmlns:k=\"{KUVERT}\" xmlns:sd=\"{SAGDOK}\">\
         <k:BeskedId><sd:UUIDIdentifikator>{besked_id}</sd:UUIDIdentifikator></k:BeskedId>\
         <k:BeskedVersion>1.0</k:BeskedVersion><k:Beskedkuvert><k:Filtreringsdata>\
         <k:Beskedtype><sd:UUIDIdentifikator>{beskedtype}</sd:UUIDIdentifikator></k:Beskedtype>\
         <k:ObjektRegistrering>\
         <k:ObjektAnsvarligMyndighed><sd:URNIdentifikator>urn:oio:cvr-nr:{cvr}</sd:URNIdentifikator></k:ObjektAnsvarligMyndighed>\
         <k:ObjektId><sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:00000110</sd:URNIdentifikator></k:ObjektId>\
         <k:ObjektType><sd:UUIDIdentifikator>6f5f6d4e-4b6a-4c1b-9a59-2c1f0e7a0001</sd:UUIDIdentifikator></k:ObjektType>\
         <k:ObjektHandling><sd:UUIDIdentifikator>6f5f6d4e-4b6a-4c1b-9a59-2c1f0e7a0002</sd:UUIDIdentifikator></k:ObjektHandling>\
         <k:OpgaveEmne><sd:URNIdentifikator>urn:oio:kle:81.03.00</sd:URNIdentifikator></k:OpgaveEmne>\
         </k:ObjektRegistrering></k:Filtreringsdata></k:Beskedkuvert>\
         <k:Beskeddata><v:Vagtplan xmlns:v=\"urn:example:vagtplan\">Vagt 2026-03-02</v:Vagtplan></k:Beskeddata>\
         </k:Haendelsesbesked>"
    )
}

/// A publisher over SF1460_C: direct reply-to on its own channel.
struct Publisher {
    channel: Channel,
    replies: lapin::Consumer,
}

impl Publisher {
    async fn new(conn: &Connection) -> Publisher {
        let channel = conn.create_channel().await.unwrap();
        let replies = channel
            .basic_consume(
                "amq.rabbitmq.reply-to".into(),
                "publisher".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        Publisher { channel, replies }
    }

    /// Publishes `body` with `token` and answers the reply's `StatusKode` and text (checking the correlation id).
    async fn publish(&mut self, body: &str, token: Option<&str>, message_id: &str) -> (i64, String) {
        let correlation = uuid::Uuid::new_v4().to_string();
        let mut headers = FieldTable::default();
        if let Some(t) = token {
            headers.insert("token".into(), AMQPValue::LongString(t.into()));
        }
        self.channel
            .basic_publish(
                "AFSEND_BESKED_EXCHANGE".into(),
                "".into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                body.as_bytes(),
                BasicProperties::default()
                    .with_reply_to("amq.rabbitmq.reply-to".into())
                    .with_correlation_id(correlation.as_str().into())
                    .with_message_id(message_id.into())
                    .with_headers(headers),
            )
            .await
            .unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(15), self.replies.next())
            .await
            .expect("a reply within 15 s")
            .expect("the reply consumer is open")
            .unwrap();
        assert_eq!(
            reply.properties.correlation_id().as_ref().map(|c| c.as_str()),
            Some(correlation.as_str()),
            "the reply carries the request's correlation id"
        );
        let xml = text(&reply.data);
        assert!(xml.contains("StandardRetur"), "{xml}");
        let kode = between(&xml, "StatusKode>", "<").unwrap().trim().parse().unwrap();
        let fejl = between(&xml, "FejlbeskedTekst>", "<").unwrap_or_default().to_owned();
        (kode, fejl)
    }
}

/// In turn with the other RabbitMQ tests (the lock is held while the first part lives): `serve --demo` reading the
/// RabbitMQ of `SNITFLADE_TEST_AMQP_URL`, and a connection of the test's own to it.
async fn amqp_server() -> Option<(std::fs::File, Server, Connection)> {
    amqp_server_with("").await
}

/// [`amqp_server`] with more `[beskedfordeler]` settings.
async fn amqp_server_with(beskedfordeler: &str) -> Option<(std::fs::File, Server, Connection)> {
    amqp_server_configured(&format!("{CONFIG}{beskedfordeler}")).await
}

/// [`amqp_server`] with the config file `config`.
async fn amqp_server_configured(config: &str) -> Option<(std::fs::File, Server, Connection)> {
    let Some(url) = test_amqp_url() else {
        eprintln!("SNITFLADE_TEST_AMQP_URL is not set: the RabbitMQ test needs it (.ci/run sets it)");
        return None;
    };
    let turn = amqp_lock().await;
    let url = url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config).unwrap();
    let data = dir.path().join("data");
    let proc = spawn(
        &data,
        &[
            "--config".as_ref(),
            cfg.as_os_str(),
            "--amqp-url".as_ref(),
            url.as_ref(),
        ],
    )
    .await;
    let admin = AdminApi::new(&data, proc.admin);
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("RabbitMQ at SNITFLADE_TEST_AMQP_URL");
    Some((turn, Server { proc, admin, dir }, conn))
}

async fn issue_token(s: &Server, system: &str, body: Value) -> String {
    let (status, t) = s
        .admin
        .post(&format!("/api/v1/systems/{system}/publisher-tokens"), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    t["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn pull_with_redelivery_and_publish_with_direct_reply_to() {
    let Some((_turn, s, conn)) = amqp_server().await else {
        return;
    };

    // SF1460_D: an absence lands in the pull dueslag's queue (dagtilbud holds the bus for 0340).
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let (absences_id, absences) = pull_dueslag(&s, json!({"beskedtype": ["absence.created"]})).await;
    assert!(
        absences.starts_with("snitflade.dueslag.") && absences.ends_with(&absences_id),
        "{absences}"
    );
    s.register_sick_day("00000110", "2026-03-02").await;
    let (first_channel, first) = next_message(&conn, &absences, Duration::from_secs(20))
        .await
        .expect("the absence in the dueslag's queue");
    let body = text(&first.delivery.data);
    assert!(body.contains("urn:oio:kmd:lpe:medarbejder:00000110"), "{body}");
    assert!(!first.delivery.redelivered);
    assert_eq!(first.delivery.properties.delivery_mode(), &Some(2), "persistent");
    let besked_id = first.delivery.properties.message_id().as_ref().unwrap().to_string();
    assert!(body.contains(&besked_id), "message_id is the BeskedId");
    // The dueslag in its Leverancerute, so that the reader can hand the message back (flytbeskedtilfejlkoe).
    let route = format!(
        "<kuvert:ErLeveretIHenholdTil><sd:UUIDIdentifikator>{absences_id}</sd:UUIDIdentifikator>\
         </kuvert:ErLeveretIHenholdTil>"
    );
    assert!(body.contains(&route), "{body}");
    let file = s.dir.path().join("pulled.xml");
    std::fs::write(&file, &body).unwrap();
    let xsd = python::workspace().join("../shared/reference/kombit-beskedfordeler/xsd/Beskedkuvert.xsd");
    python::validate_with_xmlschema(&xsd, &[file]).expect("the pulled message is a valid Haendelsesbesked");

    // Not acked: closing the channel puts it back, and the next reader gets it again, marked redelivered.
    first_channel.close(200, "no ack".into()).await.unwrap();
    let (channel, again) = next_message(&conn, &absences, Duration::from_secs(10))
        .await
        .expect("redelivered without an ack");
    assert!(again.delivery.redelivered);
    assert_eq!(text(&again.delivery.data), body);
    again.delivery.ack(BasicAckOptions::default()).await.unwrap();
    assert!(
        channel
            .basic_get(absences.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .unwrap()
            .is_none(),
        "acked: gone from the queue"
    );

    // SF1460_C: dagtilbud publishes its own message type for Sorø (CVR 29189730).
    let beskedtype = uuid::Uuid::new_v4().to_string();
    let (_, received) = pull_dueslag(&s, json!({"beskedtype": [beskedtype]})).await;
    let token = issue_token(&s, "dagtilbud", json!({"valid_days": 1})).await;
    let mut publisher = Publisher::new(&conn).await;
    let id = uuid::Uuid::new_v4().to_string();
    let message = published(&id, &beskedtype, "29189730");
    assert_eq!(
        publisher.publish(&message, Some(&token), &id).await,
        (20, String::new())
    );
    let (ch, m) = next_message(&conn, &received, Duration::from_secs(20))
        .await
        .expect("the published message reaches the subscribed dueslag");
    let delivered = text(&m.delivery.data);
    assert!(
        delivered.contains(&id) && delivered.contains("Vagt 2026-03-02"),
        "{delivered}"
    );
    assert_eq!(m.delivery.properties.message_id().as_ref().unwrap().as_str(), id);
    m.delivery.ack(BasicAckOptions::default()).await.unwrap();
    ch.close(200, "".into()).await.unwrap();

    // A resend (no reply seen, same BeskedId) is answered 20 but kept once.
    assert_eq!(publisher.publish(&message, Some(&token), &id).await.0, 20);
    assert!(
        next_message(&conn, &received, Duration::from_secs(2)).await.is_none(),
        "a resend is not delivered twice"
    );

    // Refusals: expired token 41; unknown token, no token, a municipality without a grant 43; no envelope 40.
    let (status, refused) = s
        .admin
        .post_bytes(
            "/api/v1/systems/dagtilbud/publisher-tokens",
            "text/plain",
            b"valid_days=3".to_vec(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "a body that is not the JSON object: {refused}"
    );
    let short = issue_token(&s, "dagtilbud", json!({"valid_seconds": 1})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let fresh = || uuid::Uuid::new_v4().to_string();
    let other = fresh();
    assert_eq!(
        publisher
            .publish(&published(&other, &beskedtype, "29189730"), Some(&short), &other)
            .await
            .0,
        41
    );
    assert_eq!(
        publisher
            .publish(&published(&other, &beskedtype, "29189730"), Some("bf_nope"), &other)
            .await
            .0,
        43
    );
    assert_eq!(
        publisher
            .publish(&published(&other, &beskedtype, "29189730"), None, &other)
            .await
            .0,
        43
    );
    let (kode, why) = publisher
        .publish(&published(&other, &beskedtype, "55133018"), Some(&token), &other)
        .await;
    assert_eq!(kode, 43, "Aarhus is not granted: {why}");
    assert!(why.contains("0751"), "{why}");
    let (kode, why) = publisher.publish("<ikke-en-besked/>", Some(&token), &other).await;
    assert_eq!(kode, 40, "{why}");
    // snitflade's own Beskedtyper cannot be forged by a publisher.
    let own = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:snitflade:beskedtype:absence.created").to_string();
    let (kode, why) = publisher
        .publish(&published(&other, &own, "29189730"), Some(&token), &other)
        .await;
    assert_eq!(kode, 40, "{why}");
    assert!(why.contains(&own), "{why}");
    assert!(
        next_message(&conn, &received, Duration::from_secs(1)).await.is_none(),
        "nothing refused was delivered"
    );

    // Tokens are listed without their secret, and a revoked one is refused.
    let listed = s.admin.list("/api/v1/systems/dagtilbud/publisher-tokens").await;
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| t.get("token").is_none()), "{listed:?}");
    let live = listed
        .iter()
        .max_by_key(|t| t["expires_at"].as_str().unwrap().to_owned())
        .unwrap();
    let (status, _) = s
        .admin
        .delete(&format!(
            "/api/v1/systems/dagtilbud/publisher-tokens/{}",
            live["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let id2 = fresh();
    assert_eq!(
        publisher
            .publish(&published(&id2, &beskedtype, "29189730"), Some(&token), &id2)
            .await
            .0,
        43
    );
}

/// SF1460_C with a token from snitflade's STS (Adgangsstyring) in the `token` header instead of a publisher token:
/// a JWT for the Beskedfordeler's entityID, got over mutual TLS, is accepted for its own municipality (20, and the
/// message reaches the dueslag); for another municipality's message it is refused (43) naming its CVR; an expired
/// one gets 41, a badly signed or another service's one 43 naming the check.
#[tokio::test]
async fn publish_with_a_token_from_the_sts() {
    let Some((_turn, s, conn)) = amqp_server().await else {
        return;
    };
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0751").await;
    let beskedtype = uuid::Uuid::new_v4().to_string();
    let (_, received) = pull_dueslag(&s, json!({"beskedtype": [beskedtype]})).await;
    let token = s
        .sts_token(
            "dagtilbud",
            "http://entityid.kombit.dk/service/bfo_modtag/2",
            "29189730",
        )
        .await;

    let mut publisher = Publisher::new(&conn).await;
    let fresh = || uuid::Uuid::new_v4().to_string();
    let id = fresh();
    assert_eq!(
        publisher
            .publish(&published(&id, &beskedtype, "29189730"), Some(&token), &id)
            .await,
        (20, String::new())
    );
    let (ch, m) = next_message(&conn, &received, Duration::from_secs(20))
        .await
        .expect("the message published with an STS token reaches the dueslag");
    assert!(text(&m.delivery.data).contains(&id));
    m.delivery.ack(BasicAckOptions::default()).await.unwrap();
    ch.close(200, "".into()).await.unwrap();

    // dagtilbud holds Aarhus's bus too, but this token is for Sorø.
    let other = fresh();
    let (kode, why) = publisher
        .publish(&published(&other, &beskedtype, "55133018"), Some(&token), &other)
        .await;
    assert_eq!(kode, 43, "{why}");
    assert!(why.contains("CVR 29189730"), "{why}");

    let fingerprint = s
        .admin
        .list("/api/v1/certificates")
        .await
        .iter()
        .find(|c| c["system"] == "dagtilbud")
        .and_then(|c| c["fingerprint"].as_str().map(str::to_owned))
        .unwrap();
    for (flaw, kode, reason) in [
        ("expired", 41, "udløbet"),
        ("bad_signature", 43, "ikke signeret af en STS"),
        ("wrong_audience", 43, "en anden service"),
    ] {
        let (status, body) = s
            .admin
            .post(
                "/api/v1/systems/dagtilbud/test-token",
                Some(json!({"certificate_sha256": fingerprint, "cvr": "29189730", "flaw": flaw})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let flawed = body["access_token"].as_str().unwrap();
        let (got, why) = publisher
            .publish(&published(&other, &beskedtype, "29189730"), Some(flawed), &other)
            .await;
        assert_eq!(got, kode, "{flaw}: {why}");
        assert!(why.contains(reason), "{flaw}: {why}");
    }
    assert!(
        next_message(&conn, &received, Duration::from_secs(1)).await.is_none(),
        "nothing refused was delivered"
    );
    let (_, _, metrics) = s.admin.get_text("/metrics").await;
    assert!(
        metrics.contains("snitflade_sts_refused_total{check=\"expired\",at=\"publish\"} 1"),
        "{metrics}"
    );
}

/// Quorum queues (issue 22): with `amqp_queue_type = "quorum"` the dueslag's queue is a quorum queue (RabbitMQ's
/// management API says so) with a delivery limit; a message its reader hands back more often than the limit leaves
/// the queue for the dueslag's error queue `<queue>.fejl` (which its own broker login may read), so a poison message
/// no longer blocks the ones behind it. The queues the test made are deleted at its end.
#[tokio::test]
async fn quorum_queues_move_a_poison_message_to_the_error_queue() {
    let inbound = format!("snitflade.test-quorum-{}", uuid::Uuid::new_v4());
    let settings =
        format!("amqp_queue_type = \"quorum\"\namqp_delivery_limit = 2\namqp_inbound_queue = \"{inbound}\"\n");
    let Some((_turn, s, conn)) = amqp_server_with(&settings).await else {
        return;
    };
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let (_, queue) = pull_dueslag(&s, json!({"beskedtype": ["absence.created"]})).await;
    s.register_sick_day("00000110", "2026-03-04").await;
    let (channel, first) = next_message(&conn, &queue, Duration::from_secs(20))
        .await
        .expect("the absence in the dueslag's quorum queue");
    let besked_id = first.delivery.properties.message_id().as_ref().unwrap().to_string();

    let management = snitflade_bench::client_without_certificate(&s.data_dir()).unwrap();
    for (name, limit) in [(queue.clone(), Some(2)), (format!("{queue}.fejl"), None)] {
        let info: Value = management
            .get(format!("http://127.0.0.1:15672/api/queues/%2F/{name}"))
            .basic_auth("guest", Some("guest"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["type"], "quorum", "{name}: {info}");
        assert_eq!(info["arguments"]["x-delivery-limit"].as_i64(), limit, "{name}: {info}");
    }

    // Handed back again and again: after the limit it is no longer delivered from the queue …
    first
        .delivery
        .nack(BasicNackOptions {
            requeue: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut handed_back = 1;
    // A return reaches the queue through its Raft log: a queue found empty is asked again for a while.
    let mut empty_since: Option<Instant> = None;
    loop {
        match channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .unwrap()
        {
            Some(m) => {
                empty_since = None;
                assert_eq!(m.delivery.properties.message_id().as_ref().unwrap().as_str(), besked_id);
                m.delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                handed_back += 1;
                assert!(handed_back <= 3, "still delivered after {handed_back} returns");
            }
            None if empty_since.is_some_and(|t| t.elapsed() > Duration::from_secs(3)) => break,
            None => {
                empty_since.get_or_insert_with(Instant::now);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_eq!(
        handed_back, 3,
        "delivered once and twice more (the limit), then no more"
    );
    // … but waits in the error queue.
    let (_dead_channel, dead) = next_message(&conn, &format!("{queue}.fejl"), Duration::from_secs(10))
        .await
        .expect("the poison message in the error queue");
    assert_eq!(
        dead.delivery.properties.message_id().as_ref().unwrap().as_str(),
        besked_id
    );
    dead.delivery.ack(BasicAckOptions::default()).await.unwrap();

    let cleanup = conn.create_channel().await.unwrap();
    for name in [
        queue.clone(),
        format!("{queue}.fejl"),
        inbound.clone(),
        format!("{inbound}.fejl"),
    ] {
        cleanup
            .queue_delete(name.as_str().into(), lapin::options::QueueDeleteOptions::default())
            .await
            .unwrap();
    }
}

/// RabbitMQ behind a proxy that is cut and restored: while it is away `/readyz` answers 503 naming RabbitMQ as
/// disconnected (the database is fine); once it is back 200 again, and an absence registered meanwhile reaches the
/// pull dueslag's queue.
#[tokio::test]
async fn rabbitmq_comes_back_and_so_does_delivery() {
    let Some(url) = test_amqp_url() else {
        eprintln!("SNITFLADE_TEST_AMQP_URL is not set: the RabbitMQ test needs it (.ci/run sets it)");
        return;
    };
    let _turn = amqp_lock().await;
    let proxy = Proxy::start(&authority(&url, 5672)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let data = dir.path().join("data");
    let proxied = redirect(&url, proxy.addr);
    let proc = spawn(
        &data,
        &[
            "--config".as_ref(),
            cfg.as_os_str(),
            "--amqp-url".as_ref(),
            proxied.as_ref(),
        ],
    )
    .await;
    let admin = AdminApi::new(&data, proc.admin);
    let s = Server { proc, admin, dir };
    let api = &s.admin;
    let ready = move || async move { api.readyz().await.0 == StatusCode::OK };
    assert!(
        wait_until(Duration::from_secs(20), ready).await,
        "not ready with RabbitMQ: {:?}",
        s.admin.readyz().await
    );
    let (_, body) = s.admin.readyz().await;
    assert_eq!(
        body["rabbitmq"],
        json!({"configured": true, "connected": true}),
        "{body}"
    );
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let (_, absences) = pull_dueslag(&s, json!({"beskedtype": ["absence.created"]})).await;
    let conn = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("RabbitMQ at SNITFLADE_TEST_AMQP_URL");

    proxy.cut();
    let cut_at = Instant::now();
    let not_ready = wait_until(Duration::from_secs(10), move || async move {
        api.readyz().await.0 == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    let (status, body) = s.admin.readyz().await;
    assert!(not_ready, "/readyz without RabbitMQ: {status} {body}");
    assert_eq!(body["rabbitmq"]["connected"], false, "{body}");
    assert_eq!(body["database"]["writable"], true, "{body}");
    let (status, _) = s.admin.healthz().await;
    assert_eq!(status, StatusCode::OK);
    s.register_sick_day("00000110", "2026-03-02").await;
    // RabbitMQ stays away for 2 s: snitflade's reconnection attempts meanwhile are refused.
    tokio::time::sleep(Duration::from_secs(2).saturating_sub(cut_at.elapsed())).await;

    proxy.restore().await;
    assert!(
        wait_until(Duration::from_secs(10), ready).await,
        "not ready again 10 s after RabbitMQ came back: {:?}",
        s.admin.readyz().await
    );
    let (channel, m) = next_message(&conn, &absences, Duration::from_secs(20))
        .await
        .expect("the absence registered while RabbitMQ was away reaches the queue after");
    let body = text(&m.delivery.data);
    assert!(body.contains("urn:oio:kmd:lpe:medarbejder:00000110"), "{body}");
    m.delivery.ack(BasicAckOptions::default()).await.unwrap();
    let _ = channel.queue_delete(absences.as_str().into(), Default::default()).await;
}

/// A change reaches its dueslag's queue as soon as it is stored: the router is woken by the commit and the forwarder
/// by the router, so with a poll interval of 30 s the message is there within seconds, not at the next poll.
#[tokio::test]
async fn a_change_reaches_its_queue_when_it_is_stored_not_at_the_next_poll() {
    let Some((_turn, s, conn)) = amqp_server_configured("[beskedfordeler]\npoll_ms = 30000\n").await else {
        return;
    };
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let (_, queue) = pull_dueslag(&s, json!({"beskedtype": ["absence.created"]})).await;
    let registered = Instant::now();
    s.register_sick_day("00000110", "2026-03-02").await;
    let (channel, m) = next_message(&conn, &queue, Duration::from_secs(10))
        .await
        .expect("the change in its queue within 10 s of being stored (the poll interval is 30 s)");
    assert!(registered.elapsed() < Duration::from_secs(10));
    assert!(text(&m.delivery.data).contains("urn:oio:kmd:lpe:medarbejder:00000110"));
    m.delivery.ack(BasicAckOptions::default()).await.unwrap();
    let _ = channel.queue_delete(queue.as_str().into(), Default::default()).await;
}
