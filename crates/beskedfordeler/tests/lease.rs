//! The delivery lease on every engine: of two instances on one database only one delivers; the other takes over
//! at once when the holder releases it at shutdown, and after the lease has run out when the holder just stops (or
//! at once when its leases are forgotten, as the load driver does with a server it killed).

use snitflade_beskedfordeler::lease::{DELIVERY, Lease};
use snitflade_store::testing::TestDb;
use std::time::Duration;

#[tokio::test]
async fn one_holder_at_a_time_on_every_engine() {
    for db in TestDb::all().await {
        let store = db.open().await;
        let length = Duration::from_secs(3);
        let a = Lease::new(store.clone(), DELIVERY, length);
        let b = Lease::new(store.clone(), DELIVERY, length);
        assert!(a.held().await.unwrap(), "a free lease is taken");
        assert!(!b.held().await.unwrap(), "held by another");
        assert!(a.held().await.unwrap(), "the holder keeps it");

        // Released at shutdown: the other takes it at its next look (every sixth of the lease).
        a.release().await;
        tokio::time::sleep(length / 6 + Duration::from_millis(100)).await;
        assert!(b.held().await.unwrap(), "taken over after a release");
        tokio::time::sleep(length / 3 + Duration::from_millis(100)).await;
        assert!(
            !a.held().await.unwrap(),
            "a released lease is not taken back while renewed"
        );
        assert!(b.held().await.unwrap(), "renewed by its holder");

        // The holder stops without releasing: the lease runs out, then another takes it.
        drop(b);
        let c = Lease::new(store.clone(), DELIVERY, length);
        assert!(!c.held().await.unwrap(), "not before it runs out");
        tokio::time::sleep(length + Duration::from_millis(200)).await;
        assert!(c.held().await.unwrap(), "taken after it ran out");

        // A database whose server was killed: its leases forgotten, the next server takes them at once.
        drop(c);
        let forgotten = store
            .write(|t| Box::pin(snitflade_store::leases::forget_all(t)))
            .await
            .unwrap();
        assert_eq!(forgotten, 1, "the delivery lease was held");
        let d = Lease::new(store.clone(), DELIVERY, length);
        assert!(d.held().await.unwrap(), "a forgotten lease is taken at once");

        store.close().await;
        db.cleanup().await;
    }
}
