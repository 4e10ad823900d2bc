//! Each system reads only its own pull queues (issue 17), against the real RabbitMQ: snitflade gives a system its
//! own broker login (`POST /api/v1/systems/{name}/amqp-credentials`, through RabbitMQ's management API); with it
//! the system declares and consumes its dueslag's queue and publishes (SF1460_C, answered by direct reply-to), while
//! another system's login cannot declare, consume or get from that queue, nor read snitflade's inbound queue — the
//! broker refuses with ACCESS_REFUSED. Issuing again
//! replaces the password, and deleting the login ends it (and its open connection). Without RabbitMQ the route
//! answers 409.
//!
//! Needs RabbitMQ with its management plugin (`.ci/run` enables it) at `SNITFLADE_TEST_AMQP_URL`; takes its turn
//! (`amqp_lock`) like the other RabbitMQ tests.

mod common;

use common::*;
use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CONFIG: &str = "[beskedfordeler]\npoll_ms = 20\nbackoff_base_ms = 100\nbackoff_max_ms = 1000\n";

/// Issues `system`'s broker login; the answer.
async fn credentials(s: &Server, system: &str) -> Value {
    let (status, c) = s
        .admin
        .post(&format!("/api/v1/systems/{system}/amqp-credentials"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

/// The AMQP URL of a login as the answer describes it.
fn url_of(c: &Value) -> String {
    let vhost = c["vhost"].as_str().unwrap().replace('/', "%2f");
    format!(
        "amqp://{}:{}@{}:{}/{vhost}",
        c["username"].as_str().unwrap(),
        c["password"].as_str().unwrap(),
        c["host"].as_str().unwrap(),
        c["port"]
    )
}

async fn connect(c: &Value) -> Result<Connection, lapin::Error> {
    Connection::connect(&url_of(c), ConnectionProperties::default()).await
}

/// Asserts that the broker refused an operation as not permitted.
fn assert_refused<T: std::fmt::Debug>(what: &str, r: Result<T, lapin::Error>) {
    let e = r.expect_err(what);
    assert!(format!("{e:?} {e}").contains("ACCESS_REFUSED"), "{what}: {e:?}");
}

#[tokio::test]
async fn a_system_reads_only_its_own_queues_with_its_own_login() {
    let Some(url) = test_amqp_url() else {
        eprintln!("SNITFLADE_TEST_AMQP_URL is not set: the RabbitMQ test needs it (.ci/run sets it)");
        return;
    };
    let _turn = amqp_lock().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let data = dir.path().join("data");
    let args: [&std::ffi::OsStr; 4] = [
        "--config".as_ref(),
        cfg.as_os_str(),
        "--amqp-url".as_ref(),
        url.as_ref(),
    ];
    let proc = spawn(&data, &args).await;
    let admin = AdminApi::new(&data, proc.admin);
    let s = Server { proc, admin, dir };
    let a = &s.admin;

    a.grant("dagtilbud", "beskedfordeler", "0340").await;
    let id = a
        .dueslag(
            json!({"name": "Egen kø", "system": "dagtilbud"}),
            json!({"beskedtype": "absence.created"}),
        )
        .await;
    let queue = a.get_ok(&format!("/api/v1/dueslag/{id}")).await["amqp_queue"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = credentials(&s, "dagtilbud").await;
    assert_eq!(own["username"], "system.dagtilbud");
    assert_eq!(own["password"].as_str().unwrap().len(), 64, "256 random bits");
    assert_ne!(own["password"], "guest");
    assert!(
        own["queues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["dueslag"] == id.as_str() && q["queue"] == queue.as_str()),
        "{own}"
    );
    let other = credentials(&s, "vikarsystem").await;

    // The system's own login declares its queue and consumes the absence from it.
    s.register_sick_day("00000110", "2026-03-02").await;
    let mine = connect(&own).await.expect("its own login connects");
    let channel = mine.create_channel().await.unwrap();
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await
        .expect("its own queue may be declared");
    let start = Instant::now();
    let message = loop {
        if let Some(m) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .unwrap()
        {
            break m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the absence never reached the queue"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let body = String::from_utf8(message.delivery.data.clone()).unwrap();
    assert!(body.contains("urn:oio:kmd:lpe:medarbejder:00000110"), "{body}");
    message.delivery.ack(BasicAckOptions::default()).await.unwrap();
    channel
        .basic_consume(
            queue.as_str().into(),
            "egen".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("its own queue may be consumed");

    // With the same login it publishes (SF1460_C) and gets snitflade's answer by direct reply-to: here 43, no token.
    let publisher = mine.create_channel().await.unwrap();
    let mut replies = publisher
        .basic_consume(
            "amq.rabbitmq.reply-to".into(),
            "svar".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("direct reply-to with its own login");
    publisher
        .basic_publish(
            "AFSEND_BESKED_EXCHANGE".into(),
            "".into(),
            BasicPublishOptions::default(),
            b"<ikke-en-besked/>",
            BasicProperties::default().with_reply_to("amq.rabbitmq.reply-to".into()),
        )
        .await
        .expect("publishing with its own login");
    let reply = tokio::time::timeout(Duration::from_secs(15), replies.next())
        .await
        .expect("an answer within 15 s")
        .expect("the reply consumer is open")
        .unwrap();
    let answer = String::from_utf8(reply.data).unwrap();
    assert!(answer.contains("<sd:StatusKode>43</sd:StatusKode>"), "{answer}");

    // Another system's login: the broker refuses to declare, consume or get the queue, or the inbound queue.
    let theirs = connect(&other).await.expect("the other login connects");
    let ch = theirs.create_channel().await.unwrap();
    let declared = ch
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await;
    assert_refused("declaring a foreign queue", declared);
    for q in [queue.as_str(), "snitflade.afsend-besked"] {
        let ch = theirs.create_channel().await.unwrap();
        let consumed = ch
            .basic_consume(
                q.into(),
                "fremmed".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await;
        assert_refused(&format!("consuming {q}"), consumed);
        let ch = theirs.create_channel().await.unwrap();
        let got = ch.basic_get(q.into(), BasicGetOptions { no_ack: false }).await;
        assert_refused(&format!("getting from {q}"), got);
    }

    // Issued again: the old password is refused, the new one works. Deleted: refused.
    let renewed = credentials(&s, "dagtilbud").await;
    assert_ne!(renewed["password"], own["password"]);
    assert!(connect(&own).await.is_err(), "the replaced password is refused");
    connect(&renewed)
        .await
        .expect("the new password connects")
        .close(200, "".into())
        .await
        .unwrap();
    let (status, _) = a.delete("/api/v1/systems/dagtilbud/amqp-credentials").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(connect(&renewed).await.is_err(), "a deleted login is refused");
    let start = Instant::now();
    while mine.status().connected() && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !mine.status().connected(),
        "the deleted user's open connection is closed by the broker"
    );
    let (status, _) = a.delete("/api/v1/systems/dagtilbud/amqp-credentials").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = a.delete("/api/v1/systems/vikarsystem/amqp-credentials").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = a.post("/api/v1/systems/ukendt/amqp-credentials", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The admin audit log has the issue and the revocation, never the password.
    let log = a.list("/api/v1/audit/admin?limit=500").await;
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"amqp.credentials.issue") && actions.contains(&"amqp.credentials.revoke"));
    assert!(
        !serde_json::to_string(&log)
            .unwrap()
            .contains(renewed["password"].as_str().unwrap())
    );
    let _ = mine.close(200, "".into()).await;
    let cleanup = Connection::connect(&url, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = cleanup.create_channel().await.unwrap();
    let _ = ch.queue_delete(queue.as_str().into(), Default::default()).await;
}

/// Without `--amqp-url` there is no broker to give logins on: 409, saying so.
#[tokio::test]
async fn without_rabbitmq_there_are_no_broker_logins() {
    let s = Server::start().await;
    let (status, body) = s.admin.post("/api/v1/systems/dagtilbud/amqp-credentials", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("--amqp-url"), "{body}");
}
