//! Received BeskedIds on every engine: a resend of a kept message is recognised, and after the keep period the
//! distributor forgets it (so the table does not grow without end).

use snitflade_beskedfordeler::{DeliveryConfig, Distributor};
use snitflade_store::testing::TestDb;
use snitflade_store::{Store, publishing};

async fn record(store: &Store, id: &'static str, at: &str) -> bool {
    let at = at.to_owned();
    store
        .write(move |c| {
            let at = at.clone();
            Box::pin(async move { publishing::record_received(c, id, "sys-1", Some("m-1"), &at).await })
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn received_besked_ids_are_remembered_then_forgotten_on_every_engine() {
    for db in TestDb::all().await {
        let store = db.open().await;
        let old = "2026-01-01T00:00:00.000000Z";
        let fresh = &snitflade_store::now_text();
        assert!(record(&store, "b-old", old).await, "first time kept");
        assert!(!record(&store, "b-old", fresh).await, "a resend is recognised");
        assert!(record(&store, "b-new", fresh).await);
        assert_eq!(
            publishing::received_by(store.pool(), "b-old").await.unwrap().as_deref(),
            Some("sys-1")
        );

        let distributor = Distributor::new(store.clone(), None, DeliveryConfig::default());
        assert_eq!(
            distributor.forget_old_received().await.unwrap(),
            1,
            "only the one older than 7 days"
        );
        assert_eq!(publishing::received_by(store.pool(), "b-old").await.unwrap(), None);
        assert!(publishing::received_by(store.pool(), "b-new").await.unwrap().is_some());
        store.close().await;
        db.cleanup().await;
    }
}
