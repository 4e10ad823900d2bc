//! The database goes away and comes back (issue 16, item 0), from outside. `serve --demo` on PostgreSQL behind a
//! TCP proxy the test cuts and restores under a load of machine-hours registrations: no acknowledged registration
//! is lost, a write that fails is answered with a `Server` fault (never success) and its resend is answered as the
//! first one would have been, stored once; writes work again within 5 s of the database's return; meanwhile
//! `/healthz` answers 200 and `/readyz` 503 within a second, and admin reads answer with an error instead of
//! hanging. And a read-only SQLite database: `/readyz` says it is not writable and a write gets an error.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::proxy::{Proxy, authority, redirect};
use common::*;
use reqwest::StatusCode;
use snitflade_bench::{Admin, Registration, mtls_client, registration_xml, send_registration};
use snitflade_store::testing::{DATABASE_URL_VAR, TestDb};

/// How one registration was answered.
#[derive(Debug)]
enum Answer {
    /// 200 with the empty response: acknowledged, so it must be stored.
    Acked,
    /// 500 with a `Server` fault: not stored, or stored with its answer lost; either way safe to resend.
    Refused,
    /// No answer within 30 s, or a transport error.
    Unanswered(String),
    /// Anything else.
    Wrong(String),
}

async fn register(client: &reqwest::Client, services: std::net::SocketAddr, reg: &Registration) -> Answer {
    let sent = tokio::time::timeout(
        Duration::from_secs(30),
        send_registration(client, services, registration_xml(reg)),
    )
    .await;
    match sent {
        Err(_) => Answer::Unanswered("no answer within 30 s".into()),
        Ok(Err(e)) => Answer::Unanswered(e.to_string()),
        Ok(Ok((StatusCode::OK, body))) if body == empty_response() => Answer::Acked,
        Ok(Ok((StatusCode::INTERNAL_SERVER_ERROR, body)))
            if SoapFault::parse(&body).is_ok_and(|f| f.code.ends_with("Server")) =>
        {
            Answer::Refused
        }
        Ok(Ok((status, body))) => Answer::Wrong(format!("{status} {body}")),
    }
}

/// What the load saw, by EX_IDENT.
#[derive(Default)]
struct Seen {
    acked: Vec<String>,
    refused: Vec<String>,
    unanswered: Vec<String>,
    wrong: Vec<String>,
}

impl Seen {
    fn record(&mut self, ex_ident: String, answer: Answer) {
        match answer {
            Answer::Acked => self.acked.push(ex_ident),
            Answer::Refused => self.refused.push(ex_ident),
            Answer::Unanswered(why) => self.unanswered.push(format!("{ex_ident}: {why}")),
            Answer::Wrong(what) => self.wrong.push(format!("{ex_ident}: {what}")),
        }
    }
}

/// `clients` tasks, each with its own connection, sending fresh valid registrations one after the other until
/// `stop` is set (pausing briefly after a failure).
fn start_load(
    data_dir: &Path,
    services: std::net::SocketAddr,
    clients: usize,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..clients)
        .map(|_| {
            let client = mtls_client(data_dir, "maskinregistrering").unwrap();
            let (stop, seen) = (stop.clone(), seen.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let reg = valid_registration();
                    let answer = register(&client, services, &reg).await;
                    let acked = matches!(answer, Answer::Acked);
                    seen.lock().unwrap().record(reg.ex_ident, answer);
                    if !acked {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            })
        })
        .collect()
}

/// `serve --demo` on a fresh PostgreSQL database that it reaches through a proxy; `None` (the test is skipped,
/// saying so) without `SNITFLADE_TEST_DATABASE_URL`.
async fn on_postgresql_behind_a_proxy() -> Option<(TestDb, Proxy, Server)> {
    let Ok(base) = std::env::var(DATABASE_URL_VAR) else {
        eprintln!("{DATABASE_URL_VAR} is not set: this test needs PostgreSQL (.ci/run sets it)");
        return None;
    };
    let db = TestDb::postgres(base).await;
    let proxy = Proxy::start(&authority(&db.url, 5432)).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Plain connections: the proxy reads the protocol to lose one COMMIT's answer, which TLS (`sslmode=prefer`, the
    // default, encrypts when the server offers it) would hide.
    let proxied = format!("{}?sslmode=disable", redirect(&db.url, proxy.addr));
    let proc = spawn(&data, &["--database-url".as_ref(), proxied.as_ref()]).await;
    let admin = AdminApi::new(&data, proc.admin);
    Some((db, proxy, Server { proc, admin, dir }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_recover_when_postgresql_comes_back_and_nothing_acknowledged_is_lost() {
    let Some((db, proxy, server)) = on_postgresql_behind_a_proxy().await else {
        return;
    };
    let (proc, admin, data) = (&server.proc, &server.admin, server.data_dir());
    let (status, ready) = admin.readyz().await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["database"]["writable"], true, "{ready}");

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let acked = || seen.lock().unwrap().acked.len();
    let tasks = start_load(&data, proc.services, 4, stop.clone(), seen.clone());
    assert!(
        wait_until(Duration::from_secs(30), || {
            let n = acked();
            async move { n >= 30 }
        })
        .await,
        "no progress before the cut: {} acknowledged",
        acked()
    );

    // The database goes away (every connection closed, the port refused) for 3 s, under load.
    proxy.cut();
    let cut_at = Instant::now();
    let (status, body) = admin.healthz().await;
    assert_eq!(status, StatusCode::OK, "alive while the database is away: {body}");
    let api = admin;
    let not_ready = wait_until(Duration::from_secs(5), move || async move {
        api.readyz().await.0 == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    let (status, ready) = admin.readyz().await;
    assert!(not_ready, "/readyz while the database is away: {status} {ready}");
    assert_eq!(ready["database"]["writable"], false, "{ready}");
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        admin.get("/api/v1/maskintimer/registrations?ex_ident=X"),
    )
    .await
    .expect("an admin read answers within 5 s while the database is away");
    assert!(read.0.is_server_error(), "an admin read without a database: {read:?}");
    let client = server.maskinregistrering();
    let during = valid_registration();
    let answer = register(&client, proc.services, &during).await;
    assert!(
        matches!(answer, Answer::Refused),
        "a write while the database is away: {answer:?}"
    );
    seen.lock().unwrap().record(during.ex_ident, answer);
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(cut_at.elapsed())).await;

    // It comes back: the first fresh registration accepted after that measures the recovery.
    proxy.restore().await;
    let restored = Instant::now();
    let recovery = loop {
        let reg = valid_registration();
        let answer = register(&client, proc.services, &reg).await;
        let acked = matches!(answer, Answer::Acked);
        seen.lock().unwrap().record(reg.ex_ident, answer);
        if acked {
            break restored.elapsed();
        }
        assert!(
            restored.elapsed() < Duration::from_secs(30),
            "writes still fail 30 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!(
        "writes recovered {recovery:?} after the database came back (outage {:?})",
        restored - cut_at
    );
    assert!(
        recovery < Duration::from_secs(5),
        "writes recovered only {recovery:?} after the database came back"
    );
    assert!(
        wait_until(Duration::from_secs(5), move || async move {
            api.readyz().await.0 == StatusCode::OK
        })
        .await,
        "/readyz after the database came back: {:?}",
        admin.readyz().await
    );
    let at_restore = acked();
    assert!(
        wait_until(Duration::from_secs(30), || {
            let n = acked();
            async move { n >= at_restore + 30 }
        })
        .await,
        "the load did not go on after the database came back"
    );
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(40), t)
            .await
            .expect("a load task hung")
            .expect("a load task panicked");
    }

    // Nothing acknowledged is lost; everything else was answered with an error and is safe to resend.
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.wrong.is_empty(),
        "answers other than 200 or a Server fault: {:?}",
        seen.wrong
    );
    assert!(
        seen.unanswered.is_empty(),
        "writes never answered: {:?}",
        seen.unanswered
    );
    assert!(
        !seen.refused.is_empty(),
        "the cut refused no write: the load did not overlap it"
    );
    let bench_admin = Admin::new(&data, proc.admin).unwrap();
    let all = bench_admin.registrations_all().await.unwrap();
    let stored: HashSet<String> = all.iter().cloned().collect();
    assert_eq!(all.len(), stored.len(), "a registration stored twice");
    let lost: Vec<_> = seen.acked.iter().filter(|e| !stored.contains(*e)).collect();
    let stored_anyway = seen.refused.iter().filter(|e| stored.contains(*e)).count();
    eprintln!(
        "acknowledged {}, lost {}, refused {} (of which stored, their commit's answer lost: {stored_anyway})",
        seen.acked.len(),
        lost.len(),
        seen.refused.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");

    // A refused registration sent again is answered as the first one would have been, and is stored once.
    for ex_ident in &seen.refused {
        let answer = register(&client, proc.services, &Registration::valid_demo(ex_ident.clone())).await;
        assert!(matches!(answer, Answer::Acked), "the resend of {ex_ident}: {answer:?}");
    }
    let all = bench_admin.registrations_all().await.unwrap();
    let after: HashSet<String> = all.iter().cloned().collect();
    assert_eq!(all.len(), after.len(), "a resend stored a registration twice");
    assert!(
        seen.refused.iter().all(|e| after.contains(e)),
        "a resent registration is missing"
    );
    assert_eq!(after.len(), seen.acked.len() + seen.refused.len());
    drop(server);
    db.cleanup().await;
}

/// The connection is lost after the database received a `COMMIT` and before its answer arrived: the write is
/// stored, but snitflade cannot know it. It answers with a `Server` fault, never with success; the resend (same
/// EX_IDENT) is answered as the first one would have been, and the registration is stored once, with one event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_commit_answer_is_lost_is_refused_and_its_resend_is_answered_as_the_first() {
    let Some((db, proxy, server)) = on_postgresql_behind_a_proxy().await else {
        return;
    };
    let client = server.maskinregistrering();
    let reg = valid_registration();
    proxy.lose_commit_answer(&reg.ex_ident);
    let answer = register(&client, server.proc.services, &reg).await;
    assert!(
        proxy.commit_answer_lost(),
        "the registration's COMMIT did not pass the proxy"
    );
    assert!(
        matches!(answer, Answer::Refused),
        "a write whose COMMIT was not answered: {answer:?}"
    );

    let resent = Instant::now();
    let answer = loop {
        let answer = register(&client, server.proc.services, &reg).await;
        if matches!(answer, Answer::Acked) || resent.elapsed() > Duration::from_secs(5) {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        matches!(answer, Answer::Acked),
        "the resend, 5 s after the first answer: {answer:?}"
    );
    assert_eq!(server.admin.registrations_for(&reg.ex_ident).await.len(), 1);
    let events: Vec<_> = server
        .admin
        .events()
        .await
        .into_iter()
        .filter(|e| e["payload"]["ex_ident"] == reg.ex_ident.as_str())
        .collect();
    assert_eq!(events.len(), 1, "one event: {events:?}");
    drop(server);
    db.cleanup().await;
}

#[tokio::test]
async fn a_read_only_sqlite_database_is_not_ready_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = valid_registration();
    {
        let proc = spawn(&data, &[]).await;
        let client = mtls_client(&data, "maskinregistrering").unwrap();
        let answer = register(&client, proc.services, &first).await;
        assert!(matches!(answer, Answer::Acked), "{answer:?}");
    }
    // The same database, opened read-only (as SQLite opens a file the process may not write).
    let url = format!("sqlite://{}?mode=ro", data.join("snitflade.db").display());
    let proc = spawn(&data, &["--database-url".as_ref(), url.as_ref()]).await;
    let admin = AdminApi::new(&data, proc.admin);
    let (status, body) = admin.healthz().await;
    assert_eq!(status, StatusCode::OK, "alive: {body}");
    let (status, ready) = admin.readyz().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["database"]["writable"], false, "{ready}");
    assert!(
        ready["database"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("readonly"),
        "{ready}"
    );
    let client = mtls_client(&data, "maskinregistrering").unwrap();
    let answer = register(&client, proc.services, &valid_registration()).await;
    assert!(
        matches!(answer, Answer::Refused),
        "a write to a read-only database: {answer:?}"
    );
    assert_eq!(
        admin.registrations_for(&first.ex_ident).await.len(),
        1,
        "reads still work"
    );
}
