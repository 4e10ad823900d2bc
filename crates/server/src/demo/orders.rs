//! The demo systems' grants (docs/src/getting-started.md), made the way a municipality would make them: each demo
//! system's vendor and standard integration, a price list, and per system and municipality an order walked through
//! every step to `notified` by the actor "demo", as the operator. Re-entrant: a start that stopped half-way carries on
//! where it stopped; a data dir from before orders existed (its grants made directly, no vendors) is left as it is.

use super::{DemoSystem, SYSTEMS};
use anyhow::{Context, Result, anyhow};
use snitflade_domain::InterfaceId;
use snitflade_domain::orders::{IntegrationKind, OrderState, Party};
use snitflade_domain::prices::PriceList;
use snitflade_lifecycle::Lifecycle;
use snitflade_lifecycle::orders::{Advance, NewOrder, PriceListInput};
use snitflade_lifecycle::parties::StandardIntegrationInput;
use snitflade_store::vendors::{self, Vendor};
use std::collections::BTreeMap;

const ACTOR: &str = "demo";
/// The demo grants' first day, as before orders existed.
const VALID_FROM: jiff::civil::Date = jiff::civil::date(2020, 1, 1);

/// A demo system's vendor, with the contact person (name, phone, e-mail) KMD's ordering process asks for.
pub fn vendor(s: &DemoSystem, now: &str) -> Vendor {
    Vendor {
        id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, s.vendor_cvr.as_bytes()).to_string(),
        name: s.vendor.into(),
        cvr: s.vendor_cvr.into(),
        contact_name: format!("Kontaktperson hos {}", s.vendor),
        contact_phone: "+45 70 00 00 00".into(),
        contact_email: format!("integration@{}.example", s.name),
        created_at: now.into(),
        updated_at: now.into(),
    }
}

/// The demo price list, in kroner (made up; KMD's real prices are agreed per customer).
fn price_list() -> PriceList {
    use snitflade_domain::InterfaceId::*;
    let d = |s: &str| s.parse().expect("a price");
    let interfaces = [
        (Maskintimer, "20000", "1200"),
        (Medarbejderoplysninger, "40000", "2500"),
        (OpretFravaer, "30000", "2000"),
        (Fravaerskvoter, "15000", "1000"),
        (Moedetidsplaner, "15000", "1000"),
        (Personalemappe, "25000", "1500"),
        (Engangsydelse, "25000", "1500"),
        (FasteTillaeg, "25000", "1500"),
        (Beskedfordeler, "10000", "800"),
    ];
    PriceList {
        startup_fee: interfaces.iter().map(|(i, s, _)| (*i, d(s))).collect(),
        running_fee: interfaces.iter().map(|(i, _, r)| (*i, d(r))).collect(),
        package_running_fee: d("3000"),
        setup_fee_standard: d("5000"),
        setup_fee_individual: d("18000"),
    }
}

/// The standard integration id of a demo system.
fn standard_integration_id(s: &DemoSystem) -> String {
    format!("SI-{}", s.name)
}

pub async fn ensure(lifecycle: &Lifecycle) -> Result<()> {
    let pool = lifecycle.store().pool();
    if vendors::vendors(pool).await?.is_empty() {
        return Ok(());
    }
    let today = snitflade_lifecycle::today().to_string();
    if lifecycle.price_list_on(&today).await?.is_none() {
        lifecycle
            .set_price_list(PriceListInput {
                list: price_list(),
                valid_from: Some(VALID_FROM),
                actor: Some(ACTOR.into()),
            })
            .await?;
    }
    let integrations = lifecycle.standard_integrations().await?;
    let certificates = lifecycle.certificates().await?;
    for s in SYSTEMS.iter().filter(|s| !s.grants.is_empty()) {
        let si = standard_integration_id(s);
        if !integrations.iter().any(|x| x.id == si) {
            let certificate = certificates
                .iter()
                .find(|c| c.system == s.name)
                .ok_or_else(|| anyhow!("the demo system {} has no certificate", s.name))?;
            lifecycle
                .add_standard_integration(StandardIntegrationInput {
                    id: si.clone(),
                    vendor: vendor(s, "").id,
                    system: s.name.into(),
                    interfaces: s.grants.iter().map(|(i, _)| i.as_str().to_owned()).collect(),
                    certificate: certificate.fingerprint.clone(),
                    actor: Some(ACTOR.into()),
                })
                .await?;
        }
        let mut by_municipality: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (interface, municipalities) in s.grants {
            for m in *municipalities {
                by_municipality
                    .entry(m)
                    .or_default()
                    .push(interface.as_str().to_owned());
            }
        }
        let existing = lifecycle.orders(None, Some(s.name), None).await?;
        for (m, interfaces) in by_municipality {
            let order = match existing.iter().find(|o| o.municipality == m && o.state != "cancelled") {
                Some(o) => o.clone(),
                None => {
                    lifecycle
                        .create_order(
                            NewOrder {
                                municipality: m.into(),
                                system: s.name.into(),
                                // The demo systems may do all their interfaces do, as before access levels.
                                access: interfaces
                                    .iter()
                                    .filter_map(|i| InterfaceId::parse(i))
                                    .map(|i| (i.as_str().to_owned(), i.full_level()))
                                    .collect(),
                                interfaces,
                                package: false,
                                standard_integration: Some(si.clone()),
                                certificate: None,
                                valid_from: Some(VALID_FROM),
                                note: Some("Demo: bestilt efter leverandørens anvisning".into()),
                                actor: Some(ACTOR.into()),
                            },
                            Party::Operator,
                        )
                        .await?
                }
            };
            let mut state: OrderState = serde_json::from_value(serde_json::Value::String(order.state.clone()))
                .context("reading a demo order's state")?;
            while let Some(to) = state.next(IntegrationKind::Standard) {
                lifecycle
                    .advance_order(
                        &order.id,
                        Advance {
                            to,
                            actor: Some(ACTOR.into()),
                            note: None,
                            covered_by_contract: None,
                            certificate: None,
                        },
                        Party::Operator,
                    )
                    .await
                    .with_context(|| format!("walking the demo order of {} in {m} to {}", s.name, to.as_str()))?;
                state = to;
            }
        }
    }
    Ok(())
}
