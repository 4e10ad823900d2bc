//! Behind a real load balancer (issue 22): HAProxy (Debian's package; `.ci/run` installs it) in TCP mode passes TLS
//! through to three instances on one PostgreSQL — mutual TLS still ends at snitflade, so the client identity is the
//! certificate —, health-checked on each instance's `/healthz`. Under a load of machine-hours registrations through
//! HAProxy one instance is killed (-9): every registration answered 200 is stored, once; the load goes on through
//! the other two (the clients' new connections land there); and a resend of answered registrations, wherever it
//! lands, is answered 200 and stores nothing twice. Needs `SNITFLADE_TEST_DATABASE_URL` (set by `.ci/run`).

mod common;

use common::*;
use snitflade_bench::{LoadConfig, Registration, StopCondition, registration_xml, send_registration, start_load};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
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

#[tokio::test]
async fn an_instance_killed_under_load_behind_haproxy_loses_nothing() {
    let Some(db) = test_postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args: [&std::ffi::OsStr; 2] = ["--database-url".as_ref(), db.url.as_ref()];
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(spawn(&data, &args).await);
    }
    let port = free_port();
    let _haproxy = Haproxy::start(
        dir.path(),
        port,
        &instances.iter().map(|i| (i.services, i.admin)).collect::<Vec<_>>(),
    );
    let front: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
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
