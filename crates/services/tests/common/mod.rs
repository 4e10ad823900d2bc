//! Shared set-up of the in-process service tests (no HTTP or TLS): a SQLite store in a temporary directory with
//! municipalities and calling systems, grants, and the services over them.

pub mod oio_schema;
pub mod sap;
pub mod schema;

use std::sync::Arc;

use snitflade_access::grants::Grant;
use snitflade_access::{AccessControl, SystemInfo};
use snitflade_domain::hr::{Employment, EmploymentStatus};
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig};
use snitflade_store::Store;
use snitflade_store::access::{self, Municipality, SystemRecord};
use tempfile::TempDir;

/// The calling system `id`, named `system-{id}`.
pub fn system(id: &str) -> SystemInfo {
    SystemInfo {
        id: id.into(),
        name: format!("system-{id}"),
    }
}

/// A store in a new temporary directory (removed when the handle is dropped) holding the municipalities
/// `(code, name, CVR)` and the systems `ids` (see [`system`]).
#[allow(dead_code, reason = "each test binary uses the parts of `common` it needs")]
pub async fn store(municipalities: &[(&str, &str, &str)], ids: &[&str]) -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&snitflade_store::db::sqlite_url_in(dir.path()), municipalities, ids).await;
    (dir, store)
}

/// As [`store`], on the (empty) database at `url` — for the tests that run on every engine
/// (`snitflade_store::testing::TestDb::all`).
pub async fn store_at(url: &str, municipalities: &[(&str, &str, &str)], ids: &[&str]) -> Store {
    let store = Store::open(url).await.unwrap_or_else(|e| panic!("opening {url}: {e}"));
    let municipalities: Arc<Vec<Municipality>> = Arc::new(
        municipalities
            .iter()
            .map(|&(code, name, cvr)| Municipality {
                code: code.into(),
                name: name.into(),
                cvr: cvr.into(),
                ..Municipality::default()
            })
            .collect(),
    );
    let systems: Arc<Vec<SystemRecord>> = Arc::new(
        ids.iter()
            .map(|&id| SystemRecord {
                id: id.into(),
                name: system(id).name,
                vendor_name: "V".into(),
                vendor_cvr: "12972997".into(),
                ..SystemRecord::default()
            })
            .collect(),
    );
    store
        .write(move |c| {
            let (municipalities, systems) = (municipalities.clone(), systems.clone());
            Box::pin(async move {
                for m in municipalities.iter() {
                    access::insert_municipality(c, m).await?;
                }
                for s in systems.iter() {
                    access::insert_system(c, s).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    store
}

/// An active employment `pernr` in `municipality` since 1 January 2015, for CPR number `cpr`, ekstraciffer 0.
#[allow(dead_code, reason = "each test binary uses the parts of `common` it needs")]
pub fn employment(municipality: &str, pernr: u32, cpr: &str) -> Employment {
    Employment {
        municipality: Kommunekode::parse(municipality).unwrap(),
        pernr: Pernr::parse(&pernr.to_string()).unwrap(),
        cpr: Cpr::parse(cpr).unwrap(),
        ekstraciffer: 0,
        first_name: "A".into(),
        last_name: "B".into(),
        org_unit: None,
        entry_date: Some(jiff::civil::date(2015, 1, 1)),
        leave_date: None,
        is_manager: false,
        status: EmploymentStatus::Active,
        replaced_by: None,
    }
}

/// System `id` may use `interface` (every operation of it) in `municipality` from 1 January 2020 on.
pub fn grant(id: &str, interface: InterfaceId, municipality: &str) -> Grant {
    Grant {
        system_id: id.into(),
        interface,
        municipality: Kommunekode::parse(municipality).unwrap(),
        access: interface.full_level(),
        valid_from: jiff::civil::date(2020, 1, 1),
        valid_to: None,
    }
}

/// The services over `store`, the systems having exactly `grants`.
pub fn services(store: Store, grants: Vec<Grant>, config: ServicesConfig) -> Services {
    let access = AccessControl::new();
    access.replace([], grants);
    Services::new(store, access, config)
}
