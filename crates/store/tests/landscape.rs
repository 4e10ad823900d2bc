//! The stored landscape on every engine (SQLite always, PostgreSQL when `SNITFLADE_TEST_DATABASE_URL` is set):
//! records round-trip as the model's documents, a put creates or replaces, a delete answers what was stored,
//! a bulk write is one transaction with one audit entry, every change is in the admin audit log, and a reopened
//! store has it all.

use snitflade_landscape::{
    CostKind, CostLine, DependencyClass, Direction, Interface, InterfaceKind, InterfaceRef, Landscape, Lifecycle,
    Relation, RequirementArea, Source, System, SystemKind,
};
use snitflade_store::landscape::{self, Counts};
use snitflade_store::testing::TestDb;
use snitflade_store::{Store, StoreError, admin_audit};

fn system(id: &str) -> System {
    System {
        id: id.into(),
        name: format!("System {id}"),
        vendor: Some("KMD".into()),
        kind: SystemKind::Platform,
        lifecycle: Lifecycle::PhasingOut,
        replaced_by: None,
        description: String::new(),
        source: Source::Manual,
    }
}

fn interface(id: &str, version: &str) -> Interface {
    Interface {
        id: id.into(),
        version: version.into(),
        name: format!("Interface {id}"),
        purpose: "test".into(),
        kind: InterfaceKind::Local,
        status: Some("i drift".into()),
        valid_from: Some(jiff::civil::date(2025, 1, 1)),
        information_objects: vec!["Sag".into()],
        same_need_group: None,
        public_alternative: None,
        provider: None,
    }
}

fn relation(id: &str, system: &str, counterpart: &str) -> Relation {
    Relation {
        interface: Some(InterfaceRef {
            id: "IND01".into(),
            version: "1".into(),
        }),
        local_number: Some("5a".into()),
        costs: vec![CostLine {
            kind: CostKind::Running,
            amount: "1234.50".parse().unwrap(),
            period: "year".into(),
            note: String::new(),
        }],
        ..Relation::new(
            id,
            "0340",
            system,
            counterpart,
            Direction::From,
            DependencyClass::LocalAgreement,
        )
    }
}

#[tokio::test]
async fn the_landscape_is_stored_the_same_on_every_engine() {
    for db in TestDb::all().await {
        scenario(&db).await;
        db.cleanup().await;
    }
}

async fn scenario(db: &TestDb) {
    let store = db.open().await;
    let pool = store.pool();
    assert!(landscape::is_empty(pool).await.unwrap());
    assert_eq!(landscape::load(pool).await.unwrap(), Landscape::default());

    // Create, then replace.
    assert!(landscape::put_system(&store, system("kmd-aktiv"), "ann").await.unwrap());
    assert!(!landscape::is_empty(pool).await.unwrap());
    let mut changed = system("kmd-aktiv");
    changed.lifecycle = Lifecycle::Retired;
    changed.replaced_by = Some("ky".into());
    assert!(!landscape::put_system(&store, changed.clone(), "bo").await.unwrap());
    assert!(landscape::put_system(&store, system("ky"), "ann").await.unwrap());
    assert!(
        landscape::put_interface(&store, interface("IND01", "1"), "ann")
            .await
            .unwrap()
    );
    assert!(
        landscape::put_interface(&store, interface("IND01", "2"), "ann")
            .await
            .unwrap()
    );
    assert!(
        !landscape::put_interface(&store, interface("IND01", "1"), "ann")
            .await
            .unwrap()
    );
    let r = relation("soroe-kmd-aktiv-5a", "kmd-aktiv", "ky");
    assert!(landscape::put_relation(&store, r.clone(), "ann").await.unwrap());

    let loaded = landscape::load(pool).await.unwrap();
    assert_eq!(loaded.systems, [changed.clone(), system("ky")]);
    assert_eq!(loaded.interfaces, [interface("IND01", "1"), interface("IND01", "2")]);
    assert_eq!(loaded.relations, std::slice::from_ref(&r));
    assert!(loaded.requirement_areas.is_empty());

    // Deletes answer what was stored; a second delete finds nothing.
    let gone = landscape::remove_relation(&store, "soroe-kmd-aktiv-5a", "ann")
        .await
        .unwrap();
    assert_eq!(gone, r);
    assert!(matches!(
        landscape::remove_relation(&store, "soroe-kmd-aktiv-5a", "ann").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        landscape::remove_system(&store, "ky", "ann").await.unwrap(),
        system("ky")
    );
    assert!(matches!(
        landscape::remove_system(&store, "ky", "ann").await,
        Err(StoreError::NotFound)
    ));

    // A bulk write: created and replaced counted per kind, one audit entry.
    let fragment = Landscape {
        systems: vec![system("kmd-aktiv"), system("ky"), system("sapa")],
        interfaces: vec![interface("IND02", "1")],
        relations: vec![r.clone(), relation("soroe-kmd-aktiv-6", "kmd-aktiv", "sapa")],
        requirement_areas: vec![RequirementArea {
            name: "Adgangsstyring".into(),
            interfaces: vec![InterfaceRef {
                id: "IND02".into(),
                version: "1".into(),
            }],
        }],
    };
    let written = landscape::put_all(&store, fragment.clone(), "demo", "landscape.demo")
        .await
        .unwrap();
    assert_eq!(
        written.systems,
        Counts {
            created: 2,
            replaced: 1
        }
    );
    assert_eq!(written.interfaces.created, 1);
    assert_eq!(written.relations.created, 2);
    assert_eq!(written.requirement_areas.created, 1);
    let again = landscape::put_all(&store, fragment.clone(), "demo", "landscape.demo")
        .await
        .unwrap();
    assert_eq!(
        again.systems,
        Counts {
            created: 0,
            replaced: 3
        }
    );
    assert_eq!(
        again.relations,
        Counts {
            created: 0,
            replaced: 2
        }
    );
    let loaded = landscape::load(pool).await.unwrap();
    assert_eq!(loaded.systems.len(), 3);
    assert_eq!(loaded.interfaces.len(), 3);
    assert_eq!(loaded.relations.len(), 2);
    assert_eq!(loaded.requirement_areas, fragment.requirement_areas);

    // Every change is in the admin audit log with its actor.
    let systems = admin_audit::list(pool, Some("landscape_system"), 100).await.unwrap();
    let actions: Vec<(&str, &str, &str)> = systems
        .iter()
        .rev()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.object_id.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("ann", "landscape.system.put", "kmd-aktiv"),
            ("bo", "landscape.system.put", "kmd-aktiv"),
            ("ann", "landscape.system.put", "ky"),
            ("ann", "landscape.system.delete", "ky"),
        ]
    );
    assert_eq!(systems[0].detail["id"], "ky");
    let relations = admin_audit::list(pool, Some("landscape_relation"), 100).await.unwrap();
    assert_eq!(relations.len(), 2);
    let interfaces = admin_audit::list(pool, Some("landscape_interface"), 100).await.unwrap();
    assert_eq!(interfaces[0].object_id, "IND01/1");
    let bulk = admin_audit::list(pool, Some("landscape"), 100).await.unwrap();
    assert_eq!(bulk.len(), 2);
    assert_eq!(bulk[0].action, "landscape.demo");
    assert_eq!(bulk[0].detail["written"]["systems"]["replaced"], 3);
    assert_eq!(bulk[0].detail["relations"][1], "soroe-kmd-aktiv-6");

    // Reopened, everything is there.
    store.close().await;
    let store = Store::open(&db.url).await.unwrap();
    assert_eq!(landscape::load(store.pool()).await.unwrap(), loaded);
    store.close().await;
}

/// `load` answers each kind in the byte order of its key on every engine (PostgreSQL's collation would put `_x`
/// among the x's, `a` before `B` and `Æ` next to `A`), and every relation's municipality in the landscape's form.
#[tokio::test]
async fn the_landscape_loads_in_byte_order_with_four_digit_municipalities() {
    for db in TestDb::all().await {
        let store = db.open().await;
        let ids = ["b", "Ø", "_x", "B", "a", "Æble", "10", "Z", "9", "a-b", "ab", "A"];
        let fragment = Landscape {
            systems: ids.iter().map(|id| system(id)).collect(),
            interfaces: ids.iter().map(|id| interface(id, "1")).collect(),
            relations: ids
                .iter()
                .map(|id| Relation {
                    municipality: "340".into(),
                    ..relation(id, "a", "b")
                })
                .collect(),
            requirement_areas: ids
                .iter()
                .map(|id| RequirementArea {
                    name: (*id).into(),
                    interfaces: Vec::new(),
                })
                .collect(),
        };
        landscape::put_all(&store, fragment, "ann", "landscape.import")
            .await
            .unwrap();
        let loaded = landscape::load(store.pool()).await.unwrap();
        let mut sorted: Vec<&str> = ids.to_vec();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            ["10", "9", "A", "B", "Z", "_x", "a", "a-b", "ab", "b", "Æble", "Ø"]
        );
        let keys = |v: Vec<&str>| assert_eq!(v, sorted, "{}", db.url);
        keys(loaded.systems.iter().map(|s| s.id.as_str()).collect());
        keys(loaded.interfaces.iter().map(|i| i.id.as_str()).collect());
        keys(loaded.relations.iter().map(|r| r.id.as_str()).collect());
        keys(loaded.requirement_areas.iter().map(|a| a.name.as_str()).collect());
        // Stored as `340` (by an older version), read as `0340`.
        assert!(loaded.relations.iter().all(|r| r.municipality == "0340"));
        store.close().await;
        db.cleanup().await;
    }
}
