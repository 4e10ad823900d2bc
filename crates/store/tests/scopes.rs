//! The store's side of issue 17 on every engine (SQLite always, PostgreSQL when `SNITFLADE_TEST_DATABASE_URL` is
//! set): the admin API's named tokens (looked up by digest, listed by role and scope, revoked once, their use
//! recorded) and the scope filters of the error table (by the sending system's vendor) and of machine-hours
//! registrations (by municipality and vendor).

use serde_json::json;
use snitflade_domain::maskintimer::{RawRegistration, seed_example_master_data, validate};
use snitflade_domain::{ErrorType, Kommunekode};
use snitflade_store::access::{self, Municipality, SystemRecord};
use snitflade_store::api_tokens::{self, ApiToken};
use snitflade_store::errors::{self, ErrorFilter, NewError};
use snitflade_store::maskintimer::{self, RegistrationScope};
use snitflade_store::testing::TestDb;
use snitflade_store::vendors::{self, Vendor};
use snitflade_store::{Store, now_text};

#[tokio::test]
async fn tokens_and_scope_filters_on_every_engine() {
    for db in TestDb::all().await {
        let store = Store::open(&db.url).await.unwrap();
        tokens(&store).await;
        filters(&store).await;
        store.close().await;
        db.cleanup().await;
    }
}

fn token(id: &str, role: &str, scope: Option<&str>) -> ApiToken {
    ApiToken {
        id: id.into(),
        name: format!("token {id}"),
        role: role.into(),
        scope: scope.map(str::to_owned),
        created_at: now_text(),
        created_by: "operator (admin-token)".into(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    }
}

async fn tokens(store: &Store) {
    let pool = store.pool();
    let all = [
        (token("t1", "municipality", Some("0340")), "d1"),
        (token("t2", "municipality", Some("0751")), "d2"),
        (token("t3", "operator", None), "d3"),
    ];
    for (t, digest) in all.clone() {
        store
            .write(move |c| {
                let (t, digest) = (t.clone(), digest);
                Box::pin(async move { api_tokens::insert(c, &t, digest).await })
            })
            .await
            .unwrap();
    }
    // A digest is unique: a second token with the same one is refused.
    let dup = store
        .write(|c| Box::pin(async move { api_tokens::insert(c, &token("t4", "auditor", None), "d1").await }))
        .await;
    assert!(dup.unwrap_err().is_unique_violation());

    assert_eq!(api_tokens::by_digest(pool, "d2").await.unwrap().unwrap().id, "t2");
    assert!(api_tokens::by_digest(pool, "nope").await.unwrap().is_none());
    assert_eq!(api_tokens::list(pool, None).await.unwrap().len(), 3);
    let mine = api_tokens::list(pool, Some(("municipality", Some("0340"))))
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["t1"]);
    assert!(
        api_tokens::list(pool, Some(("vendor", Some("v"))))
            .await
            .unwrap()
            .is_empty()
    );

    let revoke = || store.write(|c| Box::pin(async move { api_tokens::revoke(c, "t1", &now_text()).await }));
    assert!(revoke().await.unwrap());
    assert!(!revoke().await.unwrap(), "revoked once");
    store
        .write(|c| Box::pin(async move { api_tokens::touch(c, "t2", "2026-12-01T00:00:00.000000Z").await }))
        .await
        .unwrap();
    let t1 = api_tokens::by_id(pool, "t1").await.unwrap().unwrap();
    assert!(t1.revoked_at.is_some());
    let t2 = api_tokens::by_id(pool, "t2").await.unwrap().unwrap();
    assert_eq!(t2.last_used_at.as_deref(), Some("2026-12-01T00:00:00.000000Z"));
    assert!(t2.revoked_at.is_none());
}

/// Two vendors with a system each; each system sends an error entry in its own municipality, and one machine-hours
/// registration is stored for the first.
async fn filters(store: &Store) {
    store
        .write(|c| {
            Box::pin(async move {
                for (code, cvr) in [("0340", "29189684"), ("0751", "55133018")] {
                    access::insert_municipality(
                        c,
                        &Municipality {
                            code: code.into(),
                            name: code.into(),
                            cvr: cvr.into(),
                            ..Municipality::default()
                        },
                    )
                    .await?;
                }
                for (vendor, system, cvr) in [("v1", "s1", "12972997"), ("v2", "s2", "93478878")] {
                    vendors::insert_vendor(
                        c,
                        &Vendor {
                            id: vendor.into(),
                            name: vendor.into(),
                            cvr: cvr.into(),
                            contact_name: "x".into(),
                            contact_phone: "1".into(),
                            contact_email: "x@y.dk".into(),
                            created_at: now_text(),
                            updated_at: now_text(),
                        },
                    )
                    .await?;
                    access::insert_system(
                        c,
                        &SystemRecord {
                            id: system.into(),
                            name: system.into(),
                            vendor_id: Some(vendor.into()),
                            vendor_name: vendor.into(),
                            vendor_cvr: cvr.into(),
                        },
                    )
                    .await?;
                }
                for (system, m) in [("s1", "0340"), ("s2", "0751")] {
                    errors::insert(
                        c,
                        NewError {
                            interface: "maskintimer",
                            municipality: Some(m),
                            system_id: system,
                            actor: system,
                            external_id: None,
                            error_type: ErrorType::InvalidData,
                            message: "x",
                            payload: &json!({}),
                        },
                    )
                    .await?;
                }
                maskintimer::upsert_employee(c, "0751", "00012345", "Mads").await?;
                let raw = RawRegistration {
                    personal_id: Some("00012345".into()),
                    network: Some("000000519827".into()),
                    ex_ident: Some(format!("{:032X}", 1)),
                    activity: Some("0300".into()),
                    work_cntr: Some("70510004".into()),
                    plant: Some("0020".into()),
                    postg_date: Some("20261120".into()),
                    act_type: Some("5117".into()),
                    act_work: Some("1.25".into()),
                    kommunekode: Some("0751".into()),
                    ..Default::default()
                };
                let reg = validate(
                    &raw,
                    Kommunekode::parse("0751").unwrap(),
                    Some(&seed_example_master_data()),
                )
                .unwrap();
                maskintimer::insert_registration(c, &reg, "s1", &now_text(), None).await
            })
        })
        .await
        .unwrap();
    let pool = store.pool();
    let errors_of = |vendor: Option<&str>, municipality: Option<&str>| ErrorFilter {
        vendor_id: vendor.map(str::to_owned),
        municipality: municipality.map(str::to_owned),
        limit: 100,
        ..ErrorFilter::default()
    };
    let systems = |f: ErrorFilter| async move {
        errors::list(pool, &f)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.system)
            .collect::<Vec<_>>()
    };
    assert_eq!(systems(errors_of(None, None)).await, ["s1", "s2"]);
    assert_eq!(systems(errors_of(Some("v1"), None)).await, ["s1"]);
    assert_eq!(systems(errors_of(Some("v2"), None)).await, ["s2"]);
    assert!(systems(errors_of(Some("v1"), Some("0751"))).await.is_empty());

    let registrations = |municipality: Option<&str>, vendor: Option<&str>| {
        let scope = RegistrationScope {
            municipality: municipality.map(str::to_owned),
            vendor_id: vendor.map(str::to_owned),
        };
        async move {
            maskintimer::registrations_in(pool, None, None, 100, &scope)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(registrations(None, None).await, 1);
    assert_eq!(registrations(Some("0751"), Some("v1")).await, 1);
    assert_eq!(registrations(Some("0340"), None).await, 0);
    assert_eq!(registrations(None, Some("v2")).await, 0);
}
