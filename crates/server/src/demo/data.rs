//! The demo data (docs/src/getting-started.md; the HR data of 0340 is in `hr`): municipalities 0340 Sorø and 0751
//! Aarhus, the demo systems with their vendors and certificates, employee 00012345 in 0751 with the master data of the
//! example in KMD's machine-hours service description, and machine-hours master data for a handful of Sorø employees.
//! Written in one transaction, once, on an empty database; the demo systems' grants (the table in
//! docs/src/getting-started.md) then come from completed orders (`orders`).

use super::SYSTEMS;
use anyhow::{Context, Result};
use snitflade_access::certificates::{TrustAnchors, read_bundle, verify_upload};
use snitflade_domain::maskintimer::{
    ActivityType, MasterData, Network, NetworkActivity, WorkCenter, seed_example_master_data,
};
use snitflade_store::Store;
use snitflade_store::access::{self, CertificateRecord, Municipality, SystemRecord};
use snitflade_store::maskintimer;
use snitflade_store::vendors;
use std::path::Path;

pub const MUNICIPALITIES: &[(&str, &str, &str)] = &[
    ("0340", "Sorø Kommune", "29189730"),
    ("0751", "Aarhus Kommune", "55133018"),
];

/// Sorø's machine operators (road maintenance): two networks and two machines in two plants each, so that
/// every combination rule (operation ∈ network, work centre ∈ plant, activity type ∈ work centre) can be broken
/// with values that each exist.
fn soroe_master_data(i: usize) -> MasterData {
    let roads = "000000600001".to_owned();
    let winter = "000000600002".to_owned();
    let tractor = format!("7034{:04}", 1 + i);
    let sweeper = format!("7035{:04}", 1 + i);
    let activity = |network: &str, activity: &str, text: &str| NetworkActivity {
        network: network.into(),
        activity: activity.into(),
        subactivity: None,
        activity_text: Some(text.into()),
    };
    MasterData {
        networks: vec![
            Network {
                network: roads.clone(),
                ktext: "Vejvedligehold Sorø".into(),
            },
            Network {
                network: winter.clone(),
                ktext: "Vintertjeneste Sorø".into(),
            },
        ],
        network_activities: vec![
            activity(&roads, "0010", "Rabatklipning"),
            activity(&roads, "0020", "Fejning"),
            activity(&winter, "0030", "Snerydning"),
        ],
        activity_types: vec![
            ActivityType {
                arbpl: tractor.clone(),
                lstar: "5120".into(),
                ltext: "Traktor, mellem".into(),
            },
            ActivityType {
                arbpl: sweeper.clone(),
                lstar: "5130".into(),
                ltext: "Fejemaskine".into(),
            },
        ],
        work_centers: vec![
            WorkCenter {
                werks: "0010".into(),
                arbpl: tractor,
                ktext: format!("Traktor T{}", 100 + i),
            },
            WorkCenter {
                werks: "0011".into(),
                arbpl: sweeper,
                ktext: format!("Fejemaskine F{}", 200 + i),
            },
        ],
    }
}

/// Sorø's machine operators are the demo employments 00000101–00000105 (see `hr`).
const SOROE_OPERATORS: usize = 5;

/// Seeds the demo data unless the database already has data.
pub async fn ensure(store: &Store, pki_dir: &Path, anchors: &TrustAnchors) -> Result<()> {
    if !access::is_empty(store.pool()).await? {
        return ensure_hr(store).await;
    }
    let mut systems = Vec::new();
    let now = jiff::Timestamp::now();
    for s in SYSTEMS {
        let pem = std::fs::read_to_string(pki_dir.join("clients").join(format!("{}.pem", s.name)))
            .with_context(|| format!("reading the demo certificate of {}", s.name))?;
        let bundle =
            read_bundle(pem.as_bytes()).with_context(|| format!("reading the demo certificate of {}", s.name))?;
        let verified = verify_upload(&bundle, anchors, &[], now)
            .with_context(|| format!("verifying the demo certificate of {}", s.name))?;
        let cert = CertificateRecord {
            fingerprint: verified.info.identity.fingerprint.clone(),
            subject: verified.info.subject.clone(),
            issuer: verified.issuer.clone(),
            serial_hex: verified.serial_hex.clone(),
            serial_number: verified.info.identity.serial_number.clone(),
            cvr: verified.info.identity.cvr.map(|c| c.to_string()),
            not_before: snitflade_store::timestamp_text(verified.info.not_before),
            not_after: snitflade_store::timestamp_text(verified.info.not_after),
            pem: pem.clone(),
            chain_pem: verified.chain_pem.clone(),
            ..CertificateRecord::default()
        };
        systems.push((s, cert));
    }
    let systems = std::sync::Arc::new(systems);
    store
        .write(move |c| {
            let systems = systems.clone();
            Box::pin(async move {
                for (code, name, cvr) in MUNICIPALITIES {
                    let m = Municipality {
                        code: (*code).into(),
                        name: (*name).into(),
                        cvr: (*cvr).into(),
                        contact_name: "HR-afdelingen".into(),
                        contact_phone: String::new(),
                        contact_email: String::new(),
                    };
                    access::insert_municipality(c, &m).await?;
                }
                let now = snitflade_store::now_text();
                for (s, cert) in systems.iter() {
                    let id = uuid::Uuid::new_v4().to_string();
                    // A system without grants (`ingen-adgang`) is known by its certificate only: its vendor is
                    // registered through the admin API, as a new vendor's would be.
                    let vendor_id = if s.grants.is_empty() {
                        None
                    } else {
                        let v = super::orders::vendor(s, &now);
                        vendors::insert_vendor(c, &v).await?;
                        Some(v.id)
                    };
                    let rec = SystemRecord {
                        id: id.clone(),
                        name: s.name.into(),
                        vendor_id,
                        vendor_name: s.vendor.into(),
                        vendor_cvr: s.vendor_cvr.into(),
                    };
                    access::insert_system(c, &rec).await?;
                    let cert = CertificateRecord {
                        system_id: id,
                        ..cert.clone()
                    };
                    access::insert_certificate(c, &cert).await?;
                }
                snitflade_store::hr::upsert_employment(c, &super::hr::aarhus_employment(), None).await?;
                maskintimer::put_master_data(c, "0751", "00012345", &seed_example_master_data()).await?;
                // The HR data of 0340 creates the machine operators 00000101–00000105 too.
                super::hr::write(c).await?;
                for i in 0..SOROE_OPERATORS {
                    let pernr = format!("{:08}", 101 + i);
                    maskintimer::put_master_data(c, "0340", &pernr, &soroe_master_data(i)).await?;
                }
                Ok(())
            })
        })
        .await?;
    tracing::info!("demo data created");
    Ok(())
}

/// A data dir created before the HR data model existed gets the HR demo data on its next `--demo` start, one
/// created before work schedules and absences existed gets those (deriving its MTP and FVNV records anew), and
/// one created before the payroll interfaces gets Aarhus's employee 00012345 as an employment.
async fn ensure_hr(store: &Store) -> Result<()> {
    let soroe = snitflade_domain::Kommunekode::parse("0340").expect("a code");
    let has_municipality = access::municipalities(store.pool())
        .await?
        .iter()
        .any(|m| m.code == "0340");
    if !has_municipality {
        return Ok(());
    }
    if snitflade_store::hr::employment_numbers(store.pool(), soroe)
        .await?
        .is_empty()
    {
        store.write(|c| Box::pin(super::hr::write(c))).await?;
        tracing::info!("demo HR data added to an older demo data dir");
    } else if !snitflade_store::schedules::any_in(store.pool(), soroe).await? {
        store.write(|c| Box::pin(super::time::write(c))).await?;
        tracing::info!("demo work schedules and absences added to an older demo data dir");
    }
    if ensure_aarhus_employment(store).await? {
        tracing::info!("demo employment 00012345 in 0751 added to an older demo data dir");
    }
    Ok(())
}

/// Adds Aarhus's 00012345 as an employment unless it is one already (older data dirs had it for machine hours
/// only); whether it was added.
async fn ensure_aarhus_employment(store: &Store) -> Result<bool> {
    let aarhus = super::hr::aarhus_employment();
    if snitflade_store::hr::employment(store.pool(), aarhus.municipality, aarhus.pernr)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    store
        .write(move |c| {
            let aarhus = aarhus.clone();
            Box::pin(async move { snitflade_store::hr::upsert_employment(c, &aarhus, None).await })
        })
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_older_data_dir_gets_the_aarhus_employment_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&snitflade_store::db::sqlite_url_in(dir.path()))
            .await
            .unwrap();
        store
            .write(|c| {
                Box::pin(async move {
                    let m = Municipality {
                        code: "0751".into(),
                        name: "Aarhus Kommune".into(),
                        cvr: "55133018".into(),
                        ..Municipality::default()
                    };
                    access::insert_municipality(c, &m).await?;
                    // What an older demo data dir holds: the machine-hours employee without HR data.
                    maskintimer::upsert_employee(c, "0751", "00012345", "Mads Mobil").await
                })
            })
            .await
            .unwrap();
        assert!(ensure_aarhus_employment(&store).await.unwrap());
        let aarhus = super::super::hr::aarhus_employment();
        let stored = snitflade_store::hr::employment(store.pool(), aarhus.municipality, aarhus.pernr)
            .await
            .unwrap()
            .expect("an employment now");
        assert_eq!(stored.employment, aarhus);
        assert!(!ensure_aarhus_employment(&store).await.unwrap());
        store.close().await;
    }
}
