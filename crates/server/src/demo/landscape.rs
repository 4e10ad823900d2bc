//! The demo's integration landscape (Sorø Kommune's "Snitfladeoversigt" maps, `Landscape::demo()`;
//! docs/src/landscape.md): stored once, by the actor "demo", like data typed in through the admin API, so it can be
//! edited there. Nothing is stored when the landscape tables hold anything already, so a restart neither duplicates nor
//! overwrites.

use anyhow::{Context, Result};
use snitflade_landscape::Landscape;
use snitflade_store::Store;
use snitflade_store::landscape::{self, Written};

const ACTOR: &str = "demo";

pub async fn ensure(store: &Store) -> Result<()> {
    let demo = Landscape::demo().context("reading the demo landscape")?;
    if let Some(w) = seed(store, demo).await? {
        tracing::info!(
            systems = w.systems.created,
            relations = w.relations.created,
            "stored the demo's landscape"
        );
    }
    Ok(())
}

/// Stores `demo` in one transaction unless something of the landscape is stored already (or `demo` is empty);
/// answers what was written. Problems it has together with the catalogue are logged, not refused: the shipped
/// data is checked by its own crate's tests.
pub async fn seed(store: &Store, demo: Landscape) -> Result<Option<Written>> {
    if demo == Landscape::default() || !landscape::is_empty(store.pool()).await? {
        return Ok(None);
    }
    if let Ok(catalogue) = crate::landscape::catalogue() {
        let mut all = catalogue.clone();
        all.merge(demo.clone());
        for problem in all.problems() {
            tracing::warn!(%problem, "the demo's landscape");
        }
    }
    Ok(Some(landscape::put_all(store, demo, ACTOR, "landscape.demo").await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_landscape::{DependencyClass, Direction, Relation, Source, System, SystemKind};

    fn system(id: &str) -> System {
        System {
            id: id.into(),
            name: id.into(),
            vendor: None,
            kind: SystemKind::Platform,
            lifecycle: Default::default(),
            replaced_by: None,
            description: String::new(),
            source: Source::Manual,
        }
    }

    fn fragment() -> Landscape {
        Landscape {
            systems: vec![system("kmd-aktiv"), system("ky")],
            relations: vec![Relation {
                local_number: Some("5a".into()),
                ..Relation::new(
                    "soroe-kmd-aktiv-5a",
                    "0340",
                    "kmd-aktiv",
                    "ky",
                    Direction::To,
                    DependencyClass::Weak,
                )
            }],
            ..Landscape::default()
        }
    }

    #[tokio::test]
    async fn the_demo_landscape_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&snitflade_store::db::sqlite_url_in(dir.path()))
            .await
            .unwrap();
        // Nothing to store: nothing happens.
        assert!(seed(&store, Landscape::default()).await.unwrap().is_none());
        assert!(landscape::is_empty(store.pool()).await.unwrap());

        let w = seed(&store, fragment()).await.unwrap().expect("stored");
        assert_eq!((w.systems.created, w.relations.created), (2, 1));
        // Read back with the municipality in the landscape's form (`340` → `0340`).
        let mut expected = fragment();
        expected.relations[0].municipality = "0340".into();
        assert_eq!(landscape::load(store.pool()).await.unwrap(), expected);

        // A restart stores nothing again, even after an edit.
        landscape::remove_relation(&store, "soroe-kmd-aktiv-5a", "admin")
            .await
            .unwrap();
        assert!(seed(&store, fragment()).await.unwrap().is_none());
        let after = landscape::load(store.pool()).await.unwrap();
        assert_eq!(after.systems.len(), 2);
        assert!(after.relations.is_empty());
        let log = snitflade_store::admin_audit::list(store.pool(), Some("landscape"), 10)
            .await
            .unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].actor.as_str(), log[0].action.as_str()),
            ("demo", "landscape.demo")
        );

        // The shipped demo data (empty until its files are written) goes the same way.
        ensure(&store).await.unwrap();
        store.close().await;
    }
}
