//! Many instances, one PostgreSQL (issue 22): three `serve` processes on one database (and one data dir: PKI and
//! admin token) behave as one. A grant made through one instance is in force on another within a second; an urgent
//! close made through one cuts a connection the system holds open on another within a second. The same absence sent
//! to two instances at once (a resend landing on the other instance while the first is still in flight) is stored
//! once: the rules every write checks see the other instance's write. Two instances of a new version started at once
//! on a database migrate it once (the migrations run under PostgreSQL's advisory lock) and both serve, with the one
//! admin token they raced to create. Needs `SNITFLADE_TEST_DATABASE_URL` (set by `.ci/run`).

mod common;

use common::raw::RawConnection;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// `n` demo instances on a fresh PostgreSQL database sharing one data dir (its PKI and admin token): the
/// database (the test cleans it up), the temporary dir holding the data dir, the data dir and the instances. None
/// without PostgreSQL.
async fn demo_instances(
    n: usize,
) -> Option<(
    snitflade_store::testing::TestDb,
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<snitflade_bench::ServerProcess>,
)> {
    let db = test_postgres().await?;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args: [&std::ffi::OsStr; 2] = ["--database-url".as_ref(), db.url.as_ref()];
    let mut instances = Vec::new();
    for _ in 0..n {
        instances.push(spawn(&data, &args).await);
    }
    Some((db, dir, data, instances))
}

#[tokio::test]
async fn a_change_made_through_one_instance_is_in_force_on_the_others_within_a_second() {
    let Some((db, _dir, data, mut instances)) = demo_instances(3).await else {
        return;
    };
    let (c, b, a) = (instances.remove(2), instances.remove(1), instances.remove(0));

    // A grant through B, in force on C.
    let laes_on_c = || async {
        let client = mtls_client(&data, "ingen-adgang");
        post_soap(
            &client,
            &format!("https://{}/ws/Employee_Provide_Out", c.services),
            laes_envelope("00000101"),
        )
        .await
        .status
    };
    assert_eq!(laes_on_c().await, reqwest::StatusCode::FORBIDDEN);
    AdminApi::new(&data, b.admin)
        .grant("ingen-adgang", "medarbejderoplysninger", "0340")
        .await;
    let granted = Instant::now();
    while laes_on_c().await != reqwest::StatusCode::OK {
        assert!(
            granted.elapsed() < Duration::from_secs(1),
            "the grant made through B is not in force on C after {:?}",
            granted.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // An urgent close through A cuts vikarsystem's open connection on C.
    let mut open = RawConnection::open(&data, c.services, "vikarsystem").await;
    assert_eq!(open.laes().await, Some(200));
    let (status, closed) = AdminApi::new(&data, a.admin)
        .post(
            "/api/v1/systems/vikarsystem/urgent-close",
            Some(json!({"reason": "Sikkerhedsbrud hos leverandøren", "actor": "kmd-support"})),
        )
        .await;
    let closed_at = Instant::now();
    assert_eq!(status, reqwest::StatusCode::OK, "{closed}");
    let answer = tokio::time::timeout(Duration::from_secs(1), open.laes()).await;
    assert!(
        matches!(answer, Ok(None) | Ok(Some(403))),
        "the connection on C still served vikarsystem after the urgent close through A: {answer:?}"
    );
    assert!(closed_at.elapsed() < Duration::from_secs(1));

    drop((a, b, c));
    db.cleanup().await;
}

#[tokio::test]
async fn the_same_absence_sent_to_two_instances_at_once_is_stored_once() {
    let Some((db, _dir, data, mut instances)) = demo_instances(2).await else {
        return;
    };
    let (b, a) = (instances.remove(1), instances.remove(0));
    let client = mtls_client(&data, "dagtilbud");
    let send = |to: std::net::SocketAddr, day: String| {
        let client = client.clone();
        async move {
            let url = format!("https://{to}/ws/SetAbsenceAttendance_OS_SI");
            let reply = post_soap(&client, &url, sick_day("00000110", &day)).await;
            assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.body);
            reply.body.contains("<StatusType>S</StatusType>")
        }
    };
    // Forty pairs: each day's sick day to both instances at the same moment. At most one of each pair may succeed
    // (the other overlaps it), and one absence is stored per day.
    let days: Vec<String> = (0..40)
        .map(|i| (jiff::civil::date(2027, 2, 1) + jiff::Span::new().days(i)).to_string())
        .collect();
    let mut both_answered_s = Vec::new();
    for day in &days {
        let (on_a, on_b) = tokio::join!(send(a.services, day.clone()), send(b.services, day.clone()));
        assert!(on_a || on_b, "neither instance stored the sick day of {day}");
        if on_a && on_b {
            both_answered_s.push(day.clone());
        }
    }
    let store = snitflade_store::Store::open(&db.url).await.unwrap();
    let stored: Vec<(String, i64)> = sqlx::query_as(
        "SELECT start_date, COUNT(*) FROM absences WHERE municipality = '0340' AND pernr = '00000110' \
         AND registered_to IS NULL AND start_date >= $1 AND start_date <= $2 GROUP BY start_date ORDER BY start_date",
    )
    .bind(&days[0])
    .bind(days.last().unwrap())
    .fetch_all(store.pool())
    .await
    .unwrap();
    let twice: Vec<&(String, i64)> = stored.iter().filter(|(_, n)| *n > 1).collect();
    assert!(
        twice.is_empty() && both_answered_s.is_empty(),
        "stored twice: {twice:?}; answered S by both instances: {both_answered_s:?}"
    );
    assert_eq!(stored.len(), days.len());
    store.close().await;
    drop((a, b));
    db.cleanup().await;
}

#[tokio::test]
async fn two_instances_started_at_once_on_a_fresh_database_migrate_it_once() {
    let Some(db) = test_postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    snitflade_server::demo::pki::ensure(&data.join("pki")).unwrap();
    let start = || {
        let mut cmd = snitflade_bench::ServerProcess::serve_command(&bin(), &data);
        cmd.arg("--database-url").arg(&db.url);
        snitflade_bench::ServerProcess::spawn_async(cmd)
    };
    // Both at the same moment, each migrating the empty database as its first step.
    let (a, b) = tokio::join!(start(), start());
    let (a, b) = (
        a.expect("the first instance starts"),
        b.expect("the second instance starts"),
    );
    let store = snitflade_store::Store::open(&db.url).await.unwrap();
    let (applied, distinct, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT version), COUNT(*) FILTER (WHERE NOT success) FROM _sqlx_migrations",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let files = std::fs::read_dir(python::workspace().join("crates/store/migrations"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|e| e == "sql"))
        .count() as i64;
    assert_eq!((applied, distinct, failed), (files, files, 0));
    for instance in [&a, &b] {
        let (status, ready) = AdminApi::new(&data, instance.admin)
            .get_unauthenticated("/readyz")
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{ready}");
        // Both hold the one admin token written to the data dir (they raced to create it).
        AdminApi::new(&data, instance.admin).get_ok("/api/v1/systems").await;
    }
    store.close().await;
    drop((a, b));
    db.cleanup().await;
}

fn mtls_client(data: &std::path::Path, system: &str) -> reqwest::Client {
    snitflade_bench::mtls_client(data, system).unwrap()
}
