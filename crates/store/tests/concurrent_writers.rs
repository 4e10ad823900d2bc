//! Several instances on one PostgreSQL (issue 22): each has its own writer, and their batches interleave. Every
//! write commits (none fails on the outbox's numbering), the outbox is numbered without gaps or duplicates, and a
//! reader following `seq` while they write — as the Beskedfordeler's router does — only ever sees a prefix: it never
//! passes a number whose event commits later. Needs `SNITFLADE_TEST_DATABASE_URL` (set by `.ci/run`).

use serde_json::json;
use snitflade_store::outbox;
use snitflade_store::testing::{DATABASE_URL_VAR, TestDb};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const WRITES_PER_INSTANCE: usize = 300;

#[tokio::test]
async fn two_writers_on_one_postgres_number_the_outbox_in_commit_order() {
    let Ok(base) = std::env::var(DATABASE_URL_VAR) else {
        eprintln!("{DATABASE_URL_VAR} is not set: this PostgreSQL test needs it (.ci/run sets it)");
        return;
    };
    let db = TestDb::postgres(base).await;
    let (a, b) = (db.open().await, db.open().await);
    let reader = db.open().await;

    // The reader: everything it reads must continue where it stopped.
    let done = Arc::new(AtomicBool::new(false));
    let follow = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut last = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                for e in outbox::after(reader.pool(), last, 1000).await.unwrap() {
                    assert_eq!(e.seq, last + 1, "the reader passed {} and then saw {}", last + 1, e.seq);
                    last = e.seq;
                }
                if finished {
                    break last;
                }
                tokio::task::yield_now().await;
            }
        })
    };

    let write = |store: snitflade_store::Store, instance: &'static str, i: usize| async move {
        store
            .write(move |c| {
                Box::pin(async move {
                    c.emit(outbox::NewEvent {
                        kind: "concurrent",
                        interface: instance,
                        municipality: None,
                        object_id: Some(i.to_string()),
                        payload: json!({}),
                    });
                    Ok(())
                })
            })
            .await
    };
    let mut writes = Vec::new();
    for i in 0..WRITES_PER_INSTANCE {
        writes.push(tokio::spawn(write(a.clone(), "a", i)));
        writes.push(tokio::spawn(write(b.clone(), "b", i)));
    }
    let mut failed = Vec::new();
    for w in writes {
        if let Err(e) = w.await.unwrap() {
            failed.push(e.to_string());
        }
    }
    done.store(true, Ordering::SeqCst);
    let followed = follow.await.unwrap();
    assert!(failed.is_empty(), "{} writes failed, e.g. {}", failed.len(), failed[0]);
    let all = outbox::after(a.pool(), 0, 10_000).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=2 * WRITES_PER_INSTANCE as i64).collect::<Vec<_>>());
    assert_eq!(followed, 2 * WRITES_PER_INSTANCE as i64);
    a.close().await;
    b.close().await;
    db.cleanup().await;
}
