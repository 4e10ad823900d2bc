//! Durability and lifecycle: nothing acknowledged is lost to SIGKILL, a second start on the same data dir keeps
//! everything and duplicates nothing, and SIGTERM lets the request in flight finish and exits 0.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use snitflade_bench::{Admin, ServerProcess, mtls_client, registration_xml, send_registration};

/// What a load of registrations saw.
#[derive(Default)]
struct Seen {
    sent: Vec<String>,
    acked: Vec<String>,
    /// Answers other than 200 with the empty body while the server was up (must stay empty).
    wrong: Vec<String>,
    /// Transport errors (expected once the server is gone).
    failed: usize,
}

/// `connections` tasks, each with its own client (one connection), each sending `per_connection` valid
/// registrations one after the other until the first transport error.
fn start_load(
    data_dir: &std::path::Path,
    services: std::net::SocketAddr,
    connections: usize,
    per_connection: usize,
) -> (Arc<Mutex<Seen>>, Vec<tokio::task::JoinHandle<()>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let tasks = (0..connections)
        .map(|_| {
            let client = mtls_client(data_dir, "maskinregistrering").unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                for _ in 0..per_connection {
                    let reg = valid_registration();
                    seen.lock().unwrap().sent.push(reg.ex_ident.clone());
                    match send_registration(&client, services, registration_xml(&reg)).await {
                        Ok((status, body)) if status == StatusCode::OK && body == empty_response() => {
                            seen.lock().unwrap().acked.push(reg.ex_ident)
                        }
                        Ok((status, body)) => seen.lock().unwrap().wrong.push(format!("{status} {body}")),
                        Err(_) => {
                            seen.lock().unwrap().failed += 1;
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    (seen, tasks)
}

async fn join_all(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(20), t)
            .await
            .expect("a load task hung")
            .expect("a load task panicked");
    }
}

fn acked(seen: &Mutex<Seen>) -> usize {
    seen.lock().unwrap().acked.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_registration_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut proc = spawn(&data, &[]).await;
    let (total_conns, per) = (8, 25);
    let (seen, tasks) = start_load(&data, proc.services, total_conns, per);
    let seen2 = seen.clone();
    assert!(
        wait_until(Duration::from_secs(20), || {
            let n = acked(&seen2);
            async move { n >= 40 }
        })
        .await,
        "no progress: {} acknowledged",
        acked(&seen)
    );
    proc.kill9().unwrap();
    join_all(tasks).await;

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.wrong.is_empty(), "unexpected answers: {:?}", seen.wrong);
    eprintln!(
        "sent {} acknowledged {} transport errors {}",
        seen.sent.len(),
        seen.acked.len(),
        seen.failed
    );
    assert!(
        seen.acked.len() < total_conns * per,
        "the load was over before the kill; nothing was in flight"
    );

    let proc = spawn(&data, &[]).await;
    let stored = Admin::new(&data, proc.admin).unwrap().registration_set().await.unwrap();
    let missing: Vec<_> = seen.acked.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    let sent: HashSet<_> = seen.sent.iter().cloned().collect();
    let unknown: Vec<_> = stored.iter().filter(|e| !sent.contains(*e)).collect();
    assert!(unknown.is_empty(), "stored but never sent: {unknown:?}");
    let admin = AdminApi::new(&data, proc.admin);
    assert!(admin.list("/api/v1/errors").await.is_empty());
    // Every stored registration has its event.
    // (The demo's own orders add their `access.granted` events; only the registrations' count here.)
    let events: Vec<_> = admin
        .events()
        .await
        .into_iter()
        .filter(|e| e["kind"] == "maskintimer.registrering.oprettet")
        .collect();
    let with_event: HashSet<_> = events
        .iter()
        .filter_map(|e| e["payload"]["ex_ident"].as_str().map(str::to_owned))
        .collect();
    let without: Vec<_> = stored.iter().filter(|e| !with_event.contains(*e)).collect();
    assert!(without.is_empty(), "registered without an event: {without:?}");
    assert_eq!(events.len(), stored.len(), "events and registrations differ in number");
}

fn ids(v: &[Value]) -> BTreeSet<String> {
    v.iter().map(|x| x["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_again_on_the_same_data_dir_keeps_token_ca_and_access_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let read = |p: &str| std::fs::read(data.join(p)).unwrap();

    let mut proc = spawn(&data, &[]).await;
    let token = read("admin-token");
    let ca = read("pki/ca.pem");
    let server_cert = read("pki/server.pem");
    let client_cert = read("pki/clients/maskinregistrering.pem");
    let admin = AdminApi::new(&data, proc.admin);
    let systems = admin.list("/api/v1/systems").await;
    let grants = admin.list("/api/v1/grants").await;
    let municipalities = admin.list("/api/v1/municipalities").await;
    assert_eq!(systems.len(), 7, "{systems:?}");
    let names: BTreeSet<_> = systems.iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    let expected: BTreeSet<_> = [
        "maskinregistrering",
        "vikarsystem",
        "dagtilbud",
        "kantine",
        "rekruttering",
        "loen",
        "ingen-adgang",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(names, expected);
    assert_eq!(municipalities.len(), 2, "{municipalities:?}");
    // The demo systems' grants (docs/src/getting-started.md#the-demo-systems): 2 + 2 + 4 + 1 + 1 + 4 + 0.
    assert_eq!(grants.len(), 14, "{grants:?}");

    // A client built before the restarts keeps working across them.
    let client = mtls_client(&data, "maskinregistrering").unwrap();
    let first = valid_registration();
    post_soap(
        &client,
        &format!("https://{}/ws/{REGISTRATION}", proc.services),
        registration_xml(&first),
    )
    .await
    .assert_accepted();

    for how in ["TERM", "KILL"] {
        if how == "TERM" {
            signal(proc.pid(), "TERM");
            let status = wait_for_exit(&mut proc, Duration::from_secs(5)).await;
            assert!(status.is_some_and(|s| s.success()), "{status:?}");
        } else {
            proc.kill9().unwrap();
        }
        proc = spawn(&data, &[]).await;
        assert_eq!(read("admin-token"), token, "the admin token changed ({how})");
        assert_eq!(read("pki/ca.pem"), ca, "the CA changed ({how})");
        assert_eq!(
            read("pki/server.pem"),
            server_cert,
            "the server certificate changed ({how})"
        );
        assert_eq!(read("pki/clients/maskinregistrering.pem"), client_cert);
        let admin = AdminApi::new(&data, proc.admin);
        let systems_now = admin.list("/api/v1/systems").await;
        let grants_now = admin.list("/api/v1/grants").await;
        assert_eq!(systems_now.len(), 7, "{how}: {systems_now:?}");
        assert_eq!(ids(&systems_now), ids(&systems), "{how}");
        assert_eq!(grants_now.len(), grants.len(), "{how}");
        assert_eq!(ids(&grants_now), ids(&grants), "{how}");
        assert_eq!(admin.list("/api/v1/municipalities").await.len(), 2);
        assert_eq!(admin.registrations_for(&first.ex_ident).await.len(), 1, "{how}");
        let reg = valid_registration();
        post_soap(
            &client,
            &format!("https://{}/ws/{REGISTRATION}", proc.services),
            registration_xml(&reg),
        )
        .await
        .assert_accepted();
        assert_eq!(admin.registrations_for(&reg.ex_ident).await.len(), 1);
        // The resend of the first registration is still recognised.
        post_soap(
            &client,
            &format!("https://{}/ws/{REGISTRATION}", proc.services),
            registration_xml(&first),
        )
        .await
        .assert_accepted();
        assert_eq!(admin.registrations_for(&first.ex_ident).await.len(), 1);
        assert!(admin.list("/api/v1/errors").await.is_empty());
    }
}

/// SIGTERM while a request's body is still arriving: the server stops accepting connections, finishes that
/// request (HTTP 200, registered), and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut proc = spawn(&data, &[]).await;
    let addr = proc.services;

    let reg = valid_registration();
    let body = registration_xml(&reg).into_bytes();
    let half = body.len() / 2;
    let (d, b) = (data.clone(), body.clone());
    let mut conn = tokio::task::spawn_blocking(move || {
        let mut conn = RawConn::connect(&d, "maskinregistrering", addr, Duration::from_secs(10));
        conn.write(RawConn::post_head("/ws/MobileEquipRegistration_OS_SI", addr, b.len()).as_bytes())
            .unwrap();
        conn.write(&b[..half]).unwrap();
        conn
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    signal(proc.pid(), "TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        proc.try_wait().unwrap().is_none(),
        "the server exited with a request in flight"
    );
    // No new connections are served any more.
    let fresh = mtls_client(&data, "maskinregistrering").unwrap();
    let late = valid_registration();
    let result = send_registration(&fresh, addr, registration_xml(&late)).await;
    assert!(result.is_err(), "a new connection was served after SIGTERM: {result:?}");

    let (status, answer) = tokio::task::spawn_blocking(move || {
        conn.write(&body[half..]).unwrap();
        conn.read_response()
    })
    .await
    .unwrap()
    .expect("the request in flight is answered");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, empty_response());

    let exit = wait_for_exit(&mut proc, Duration::from_secs(5)).await;
    assert!(
        exit.is_some(),
        "the server did not exit within 5 s of the request's end"
    );
    assert!(exit.unwrap().success(), "exit status {exit:?}");

    let proc = spawn(&data, &[]).await;
    let admin = AdminApi::new(&data, proc.admin);
    assert_eq!(admin.registrations_for(&reg.ex_ident).await.len(), 1);
    assert!(admin.registrations_for(&late.ex_ident).await.is_empty());
}

/// SIGTERM under load: exit 0 within a few seconds, and every answered registration is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_exits_0_and_keeps_every_answered_registration() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut proc: ServerProcess = spawn(&data, &[]).await;
    let (seen, tasks) = start_load(&data, proc.services, 4, 100);
    let seen2 = seen.clone();
    assert!(
        wait_until(Duration::from_secs(20), || {
            let n = acked(&seen2);
            async move { n >= 30 }
        })
        .await
    );
    signal(proc.pid(), "TERM");
    let exit = wait_for_exit(&mut proc, Duration::from_secs(5)).await;
    join_all(tasks).await;
    assert!(exit.is_some_and(|s| s.success()), "exit status {exit:?}");

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.wrong.is_empty(), "unexpected answers: {:?}", seen.wrong);
    let proc = spawn(&data, &[]).await;
    let stored = Admin::new(&data, proc.admin).unwrap().registration_set().await.unwrap();
    let missing: Vec<_> = seen.acked.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(missing.is_empty(), "answered but lost: {missing:?}");
}

/// The once-a-day master-data rule is kept in the database: a restart does not reset it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_master_data_fetch_of_the_day_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut proc = spawn(&data, &[]).await;
    let client = mtls_client(&data, "maskinregistrering").unwrap();
    let url = |p: &ServerProcess| format!("https://{}/ws/{MASTERDATA}", p.services);
    let r = post_soap(&client, &url(&proc), SEED_MASTERDATA_REQUEST).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    proc.kill9().unwrap();
    let proc = spawn(&data, &[]).await;
    let r = post_soap(&client, &url(&proc), SEED_MASTERDATA_REQUEST).await;
    let f = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    assert!(f.all_text().contains("én gang pr. dag"), "{}", r.body);
}
