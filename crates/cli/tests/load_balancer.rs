//! Behind a real load balancer (issue 22): HAProxy (Debian's package; `.ci/run` installs it) in TCP mode passes TLS
//! through to three instances on one PostgreSQL — mutual TLS still ends at snitflade, so the client identity is the
//! certificate —, health-checked on each instance's `/healthz`. Under a load of machine-hours registrations through
//! HAProxy one instance is killed (-9): every registration answered 200 is stored, once; the load goes on through
//! the other two (the clients' new connections land there); and a resend of answered registrations, wherever it
//! lands, is answered 200 and stores nothing twice.
//!
//! And with RabbitMQ: the three instances deliver to a pull dueslag (one at a time, by the delivery lease). Sick days
//! are registered through HAProxy while the instance holding the lease is killed (-9): another takes the lease over,
//! every absence answered `S` is stored once, has one event, and that event reaches the dueslag's queue (at least
//! once: a message may come twice when the killed instance sent it but could not record it; its `message_id`, the
//! BeskedId, is what a reader deduplicates by).
//!
//! Needs `SNITFLADE_TEST_DATABASE_URL` and `SNITFLADE_TEST_AMQP_URL` (set by `.ci/run`).

mod common;

use common::*;
use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions};
use lapin::types::FieldTable;
use serde_json::{Value, json};
use snitflade_bench::{LoadConfig, Registration, StopCondition, registration_xml, send_registration, start_load};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// HAProxy on `port` in front of `instances` (services, admin), killed when dropped.
struct Haproxy(Child);

impl Haproxy {
    fn start(dir: &std::path::Path, port: u16, instances: &[(SocketAddr, SocketAddr)]) -> Haproxy {
        let mut config = format!(
            "global\n  maxconn 4096\n\
             defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n  retries 2\n\
             option redispatch\n\
             frontend services\n  bind 127.0.0.1:{port}\n  default_backend snitflade\n\
             backend snitflade\n  balance roundrobin\n  option httpchk GET /healthz\n  http-check expect status 200\n"
        );
        for (i, (services, admin)) in instances.iter().enumerate() {
            config.push_str(&format!(
                "  server s{i} {services} check port {} inter 200ms fall 2 rise 2\n",
                admin.port()
            ));
        }
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let check = Command::new("haproxy").arg("-c").arg("-f").arg(&path).output().expect(
            "HAProxy (Debian's package haproxy, installed by .ci/run) must be on PATH for the load-balancer test",
        );
        assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Haproxy(child)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Three `serve --demo` instances on `data` with `args`, HAProxy in front of them, and HAProxy's address.
async fn three_behind_haproxy(
    dir: &std::path::Path,
    data: &std::path::Path,
    args: &[&std::ffi::OsStr],
) -> (Vec<snitflade_bench::ServerProcess>, Haproxy, SocketAddr) {
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(spawn(data, args).await);
    }
    let port = free_port();
    let haproxy = Haproxy::start(
        dir,
        port,
        &instances.iter().map(|i| (i.services, i.admin)).collect::<Vec<_>>(),
    );
    (instances, haproxy, format!("127.0.0.1:{port}").parse().unwrap())
}

#[tokio::test]
async fn an_instance_killed_under_load_behind_haproxy_loses_nothing() {
    let Some(db) = test_postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args: [&std::ffi::OsStr; 2] = ["--database-url".as_ref(), db.url.as_ref()];
    let (mut instances, _haproxy, front) = three_behind_haproxy(dir.path(), &data, &args).await;
    let tls = snitflade_bench::mtls_client_config(&data, "maskinregistrering").unwrap();
    let client = snitflade_bench::client_from_config(tls.clone()).unwrap();
    // HAProxy is up and has found the instances healthy.
    let started = Instant::now();
    loop {
        let xml = registration_xml(&Registration::valid_demo(snitflade_bench::new_ex_ident()));
        if matches!(send_registration(&client, front, xml).await, Ok((s, _)) if s.is_success()) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no registration through HAProxy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let load = start_load(LoadConfig {
        services: front,
        connections: 12,
        stop: StopCondition::Duration(Duration::from_secs(8)),
        warmup: Duration::ZERO,
        tls,
        acked_out: None,
    })
    .unwrap();
    let control = load.control();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let acked_before_kill = control.acked();
    instances[1].kill9().unwrap();
    let outcome = load.join().await.unwrap();
    let report = &outcome.report;
    eprintln!(
        "through HAProxy: {} answered 200 ({} before the kill), {} transport errors, other answers {:?}",
        outcome.acked.len(),
        acked_before_kill,
        report.errors,
        report.non_200
    );
    // The instances never answer anything but 200 (two writers on one database do not collide); the kill costs
    // only the requests in flight on it, as transport errors.
    assert!(
        report.non_200.is_empty(),
        "{:?}: {:?}",
        report.non_200,
        report.first_non_200
    );
    assert!(
        report.errors <= 50,
        "{} transport errors: {:?}",
        report.errors,
        report.first_error
    );
    let acked: Vec<String> = outcome.acked;
    assert!(acked_before_kill > 0);
    assert!(
        acked.len() as u64 > acked_before_kill + 100,
        "the load went on through the other instances: {} answered before the kill, {} in all",
        acked_before_kill,
        acked.len()
    );

    // Every answered registration is stored, once.
    let store = snitflade_store::Store::open(&db.url).await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT ex_ident FROM mh_registrations")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let distinct: HashSet<&String> = stored.iter().collect();
    assert_eq!(distinct.len(), stored.len(), "a registration is stored twice");
    let lost: Vec<&String> = acked.iter().filter(|e| !distinct.contains(e)).collect();
    assert!(
        lost.is_empty(),
        "{} answered registrations lost, e.g. {}",
        lost.len(),
        lost[0]
    );

    // Resends of answered registrations, through HAProxy to whichever instance: answered 200, stored once.
    let before = stored.len();
    for ex_ident in acked.iter().take(50) {
        let xml = registration_xml(&Registration::valid_demo(ex_ident.clone()));
        let (status, body) = send_registration(&client, front, xml).await.unwrap();
        assert!(status.is_success(), "{status}: {body}");
    }
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mh_registrations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(after as usize, before, "a resend was stored again");
    store.close().await;
    drop(instances);
    db.cleanup().await;
}

/// Which of the instances with these admin addresses holds the delivery lease, by their `/readyz`; waits up to
/// `limit` for one to.
async fn lease_holder(data: &std::path::Path, admins: &[SocketAddr], limit: Duration) -> SocketAddr {
    let started = Instant::now();
    loop {
        for admin in admins {
            let (_, ready) = AdminApi::new(data, *admin).get_unauthenticated("/readyz").await;
            if ready["delivery_lease"]["held"] == json!(true) {
                return *admin;
            }
        }
        assert!(started.elapsed() < limit, "no instance took the delivery lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn events_reach_the_dueslag_when_the_delivering_instance_is_killed() {
    let Some(db) = test_postgres().await else {
        return;
    };
    let Some(amqp) = test_amqp_url() else {
        eprintln!("SNITFLADE_TEST_AMQP_URL is not set: this test needs RabbitMQ (.ci/run sets it)");
        db.cleanup().await;
        return;
    };
    let _turn = amqp_lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[beskedfordeler]\npoll_ms = 20\nlease_seconds = 3\nbackoff_base_ms = 100\nbackoff_max_ms = 1000\n",
    )
    .unwrap();
    let args: [&std::ffi::OsStr; 6] = [
        "--database-url".as_ref(),
        db.url.as_ref(),
        "--amqp-url".as_ref(),
        amqp.as_ref(),
        "--config".as_ref(),
        config.as_ref(),
    ];
    let (mut instances, _haproxy, front) = three_behind_haproxy(dir.path(), &data, &args).await;

    // A pull dueslag of dagtilbud for new absences, read here over AMQP.
    let admin = AdminApi::new(&data, instances[0].admin);
    admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let id = admin
        .dueslag(
            json!({"name": "Pull", "system": "dagtilbud"}),
            json!({"beskedtype": ["absence.created"]}),
        )
        .await;
    let queue = admin.get_ok(&format!("/api/v1/dueslag/{id}")).await["amqp_queue"]
        .as_str()
        .unwrap()
        .to_owned();
    let conn = lapin::Connection::connect(&amqp, lapin::ConnectionProperties::default())
        .await
        .unwrap();
    let admins: Vec<SocketAddr> = instances.iter().map(|i| i.admin).collect();
    let holder = lease_holder(&data, &admins, Duration::from_secs(20)).await;
    let holder = admins.iter().position(|a| *a == holder).unwrap();

    // Six clients register sick days through HAProxy (20 employees, a new day for each round), for eight seconds;
    // after three the lease holder is killed. A request that fails in transport is sent again (a resend, which may
    // land on another instance): answered S, or E when the first had been stored after all.
    let client = snitflade_bench::mtls_client(&data, "dagtilbud").unwrap();
    let next = Arc::new(AtomicU32::new(0));
    let until = Instant::now() + Duration::from_secs(8);
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (client, next) = (client.clone(), next.clone());
        clients.spawn(async move {
            let mut answered_s = Vec::new();
            let mut resends = 0u32;
            let mut unexpected = Vec::new();
            while Instant::now() < until {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let pernr = format!("{:08}", 101 + i % 20);
                let day = (jiff::civil::date(2027, 1, 4) + jiff::Span::new().days(i64::from(i / 20))).to_string();
                let url = format!("https://{front}/ws/SetAbsenceAttendance_OS_SI");
                let mut resent = false;
                let (status, body) = loop {
                    let sent = client
                        .post(&url)
                        .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
                        .header("SOAPAction", snitflade_bench::SOAP_ACTION)
                        .body(sick_day(&pernr, &day))
                        .send()
                        .await;
                    match sent {
                        Ok(r) => break (r.status(), r.text().await.unwrap_or_default()),
                        Err(_) => {
                            resends += 1;
                            resent = true;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                };
                if status.is_success() && body.contains("<StatusType>S</StatusType>") {
                    answered_s.push((pernr, day));
                } else if !(resent && status.is_success()) {
                    // Only a resend may be refused (E: it overlaps the first, stored after all).
                    unexpected.push(format!("{pernr} {day}: {status} {body}"));
                }
            }
            (answered_s, resends, unexpected)
        });
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    instances[holder].kill9().unwrap();
    let killed_at = Instant::now();
    let survivors: Vec<SocketAddr> = admins
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != holder)
        .map(|(_, a)| *a)
        .collect();
    let takeover = {
        let data = data.clone();
        tokio::spawn(async move {
            let new_holder = lease_holder(&data, &survivors, Duration::from_secs(20)).await;
            (new_holder, killed_at.elapsed())
        })
    };
    let mut answered = Vec::new();
    let mut resends = 0;
    let mut unexpected = Vec::new();
    while let Some(done) = clients.join_next().await {
        let (s, r, u) = done.unwrap();
        answered.extend(s);
        resends += r;
        unexpected.extend(u);
    }
    let (new_holder, took) = takeover.await.unwrap();
    eprintln!(
        "{} sick days answered S through HAProxy, {resends} resends; the lease went from instance {holder} to the \
         one with admin {new_holder} {took:?} after the kill",
        answered.len()
    );
    assert!(answered.len() >= 200, "only {} sick days answered S", answered.len());
    assert!(
        unexpected.is_empty(),
        "{} answers other than S, e.g. {}",
        unexpected.len(),
        unexpected[0]
    );

    // Each answered sick day is stored once and has one event.
    let store = snitflade_store::Store::open(&db.url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT pernr, start_date FROM absences WHERE municipality = '0340' AND registered_to IS NULL \
         AND type_code = 'SY' AND start_date >= '2027-01-04'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut stored: HashMap<(String, String), u32> = HashMap::new();
    for row in rows {
        *stored.entry(row).or_default() += 1;
    }
    let events: Vec<(String, String)> = sqlx::query_as("SELECT id, payload FROM outbox WHERE kind = 'absence.created'")
        .fetch_all(store.pool())
        .await
        .unwrap();
    // The load's events: sick days from 2027-01-04 on (the demo data has none).
    let mut event_of: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (id, payload) in &events {
        let p: Value = serde_json::from_str(payload).unwrap();
        let key = (
            p["pernr"].as_str().unwrap().to_owned(),
            p["start"].as_str().unwrap().to_owned(),
        );
        if p["type"] == "SY" && key.1.as_str() >= "2027-01-04" {
            event_of.entry(key).or_default().push(id.clone());
        }
    }
    for key in &answered {
        assert_eq!(
            stored.get(key),
            Some(&1),
            "the sick day {key:?} answered S is not stored once"
        );
        assert_eq!(
            event_of.get(key).map(Vec::len),
            Some(1),
            "the sick day {key:?} has not one event"
        );
    }
    assert!(stored.values().all(|n| *n == 1), "a sick day stored twice");
    assert!(
        event_of.values().all(|ids| ids.len() == 1),
        "a sick day with two events"
    );
    assert_eq!(event_of.len(), stored.len(), "every stored sick day has its event");

    // Every event reaches the queue (including those of sick days whose answer was lost in the kill).
    let expected: HashSet<String> = event_of.values().flatten().cloned().collect();
    let channel = conn.create_channel().await.unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "test".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut received: HashMap<String, u32> = HashMap::new();
    let started = Instant::now();
    while expected.iter().any(|id| !received.contains_key(id)) {
        let left = Duration::from_secs(60).saturating_sub(started.elapsed());
        let Ok(Some(Ok(delivery))) = tokio::time::timeout(left, consumer.next()).await else {
            break;
        };
        let id = delivery.properties.message_id().as_ref().unwrap().to_string();
        *received.entry(id).or_default() += 1;
        delivery.ack(BasicAckOptions::default()).await.unwrap();
    }
    let missing: Vec<&String> = expected.iter().filter(|id| !received.contains_key(*id)).collect();
    let unknown: Vec<&String> = received.keys().filter(|id| !expected.contains(*id)).collect();
    let twice = received.values().filter(|n| **n > 1).count();
    eprintln!(
        "{} events, {} received ({} more than once), all within {:?}",
        expected.len(),
        received.len(),
        twice,
        started.elapsed()
    );
    assert!(
        missing.is_empty(),
        "{} of {} events never reached the dueslag's queue",
        missing.len(),
        expected.len()
    );
    assert!(unknown.is_empty(), "messages with unknown BeskedIds: {unknown:?}");
    let _ = channel.close(200, "".into()).await;
    let _ = conn.close(200, "".into()).await;
    store.close().await;
    drop(instances);
    db.cleanup().await;
}
