//! Retention's deletes against every engine (SQLite always, PostgreSQL when `SNITFLADE_TEST_DATABASE_URL` is set):
//! only what is old and done with goes, open work stays.

use serde_json::json;
use snitflade_domain::ErrorType;
use snitflade_store::access::{self, SystemRecord};
use snitflade_store::dueslag::{self, Dueslag};
use snitflade_store::errors::{self, NewError};
use snitflade_store::outbox::{self, NewEvent};
use snitflade_store::retention::{self, AuditTable};
use snitflade_store::testing::TestDb;
use snitflade_store::{Store, admin_audit, maskintimer, now_text, timestamp_text};

/// A time far enough ahead that everything stored so far is older.
fn future() -> String {
    timestamp_text(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24))
}

fn past() -> String {
    timestamp_text(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24))
}

async fn sql(store: &Store, statement: &'static str) {
    store
        .write(move |c| {
            Box::pin(async move {
                sqlx::query(statement).execute(&mut **c).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

/// Five events; a dueslag has had 1 (delivered) and 4 (filtered), waits for 2, keeps 3 in its fejlkø; the router
/// has matched up to 4; 5 is the newest.
async fn events(store: &Store) {
    store
        .write(|c| {
            Box::pin(async move {
                access::insert_system(
                    c,
                    &SystemRecord {
                        id: "sys-r".into(),
                        name: "modtager".into(),
                        vendor_name: "V".into(),
                        vendor_cvr: "12972997".into(),
                        ..SystemRecord::default()
                    },
                )
                .await?;
                let now = now_text();
                dueslag::save(
                    c,
                    &Dueslag {
                        id: "d-1".into(),
                        name: "d".into(),
                        system_id: "sys-r".into(),
                        active: true,
                        push_url: None,
                        max_attempts: 3,
                        created_at: now.clone(),
                        updated_at: now,
                    },
                )
                .await
            })
        })
        .await
        .unwrap();
    for i in 1..=5 {
        store
            .write(move |c| {
                Box::pin(async move {
                    c.emit(NewEvent {
                        kind: "test.event",
                        interface: "test",
                        municipality: None,
                        object_id: Some(i.to_string()),
                        payload: json!({ "i": i }),
                    });
                    Ok(())
                })
            })
            .await
            .unwrap();
    }
    store
        .write(|c| {
            Box::pin(async move {
                let now = now_text();
                for seq in 1..=3 {
                    dueslag::enqueue(c, "d-1", seq, &now).await?;
                }
                dueslag::enqueue_filtered(c, "d-1", 4, "not visible", &now).await?;
                dueslag::set_position(c, 4).await
            })
        })
        .await
        .unwrap();
    sql(store, "UPDATE deliveries SET state = 'delivered' WHERE seq = 1").await;
    sql(store, "UPDATE deliveries SET state = 'dead' WHERE seq = 3").await;
}

async fn prune_events(store: &Store, cutoff: String, batch: i64) -> u64 {
    store
        .write(move |c| {
            let cutoff = cutoff.clone();
            Box::pin(async move { retention::prune_events(c, &cutoff, batch).await })
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn events_go_only_when_every_dueslag_has_had_them() {
    for db in TestDb::all().await {
        let store = db.open().await;
        events(&store).await;
        assert_eq!(
            prune_events(&store, past(), 100).await,
            0,
            "{:?}: nothing is old yet",
            db.engine
        );
        assert_eq!(
            prune_events(&store, future(), 1).await,
            1,
            "{:?}: one per batch",
            db.engine
        );
        assert_eq!(prune_events(&store, future(), 100).await, 1, "{:?}", db.engine);
        assert_eq!(prune_events(&store, future(), 100).await, 0, "{:?}", db.engine);
        let left: Vec<i64> = outbox::after(store.pool(), 0, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(left, [2, 3, 5], "{:?}: pending, fejlkø and the newest stay", db.engine);
        let deliveries: Vec<i64> = dueslag::deliveries(store.pool(), "d-1", None, 0, 100)
            .await
            .unwrap()
            .iter()
            .map(|d| d.seq)
            .collect();
        assert_eq!(
            deliveries,
            [2, 3],
            "{:?}: the deleted events' deliveries went with them",
            db.engine
        );
        // Numbering continues after the newest event, whatever was deleted.
        store
            .write(|c| {
                Box::pin(async move {
                    c.emit(NewEvent {
                        kind: "test.event",
                        interface: "test",
                        municipality: None,
                        object_id: None,
                        payload: json!({}),
                    });
                    Ok(())
                })
            })
            .await
            .unwrap();
        assert_eq!(
            outbox::after(store.pool(), 5, 10).await.unwrap()[0].seq,
            6,
            "{:?}",
            db.engine
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn closed_errors_and_past_fetch_marks_go_open_errors_stay() {
    for db in TestDb::all().await {
        let store = db.open().await;
        store
            .write(|c| {
                Box::pin(async move {
                    for (id, day) in [("00000001", "2020-01-01"), ("00000002", "2099-01-01")] {
                        maskintimer::record_fetch(c, "sys-x", "0751", id, day).await?;
                    }
                    for key in ["open", "closed"] {
                        errors::insert(
                            c,
                            NewError {
                                interface: "test",
                                municipality: None,
                                system_id: "sys-x",
                                actor: "x",
                                external_id: Some(key),
                                error_type: ErrorType::InvalidData,
                                message: "m",
                                payload: &json!({}),
                            },
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
            .unwrap();
        sql(
            &store,
            "UPDATE error_items SET status = 'resolved' WHERE external_id = 'closed'",
        )
        .await;
        let (cut, day) = (future(), "2030-01-01".to_owned());
        let (errors, fetches) = store
            .write(move |c| {
                let (cut, day) = (cut.clone(), day.clone());
                Box::pin(async move {
                    Ok((
                        retention::prune_closed_errors(c, &cut, 100).await?,
                        retention::prune_master_data_fetches(c, &day, 100).await?,
                    ))
                })
            })
            .await
            .unwrap();
        assert_eq!((errors, fetches), (1, 1), "{:?}", db.engine);
        let left: Vec<String> = sqlx::query_scalar("SELECT external_id FROM error_items")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(left, ["open"], "{:?}", db.engine);
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn old_audit_rows_are_read_in_order_then_deleted_by_id() {
    for db in TestDb::all().await {
        let store = db.open().await;
        store
            .write(|c| {
                Box::pin(async move {
                    for (at, object) in [
                        ("2020-01-02T00:00:00.000000Z", "b"),
                        ("2020-01-01T00:00:00.000000Z", "a"),
                        ("2099-01-01T00:00:00.000000Z", "new"),
                    ] {
                        admin_audit::record(c, "operator", "x.changed", "x", object, &json!({ "n": 1 }), at).await?;
                    }
                    Ok(())
                })
            })
            .await
            .unwrap();
        let cutoff = "2021-01-01T00:00:00.000000Z";
        let rows = retention::old_audit_rows(store.pool(), AuditTable::Admin, cutoff, 10)
            .await
            .unwrap();
        let objects: Vec<&str> = rows.iter().map(|r| r["object_id"].as_str().unwrap()).collect();
        assert_eq!(objects, ["a", "b"], "{:?}: oldest first, the new one not", db.engine);
        assert_eq!(rows[0]["detail"], json!({ "n": 1 }), "{:?}: detail as JSON", db.engine);
        let ids: Vec<String> = rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        let deleted = store
            .write(move |c| {
                let ids = ids.clone();
                Box::pin(async move { retention::delete_audit_rows(c, AuditTable::Admin, &ids).await })
            })
            .await
            .unwrap();
        assert_eq!(deleted, 2, "{:?}", db.engine);
        let left = admin_audit::list(store.pool(), None, 10).await.unwrap();
        assert_eq!(left.len(), 1, "{:?}", db.engine);
        assert_eq!(left[0].object_id, "new", "{:?}", db.engine);
        assert!(
            retention::old_audit_rows(store.pool(), AuditTable::Hr, cutoff, 10)
                .await
                .unwrap()
                .is_empty()
        );
        store.close().await;
        db.cleanup().await;
    }
}
