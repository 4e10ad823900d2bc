//! Gathers the facts of snitflade's own access data that the landscape derives its own traffic from: the external
//! systems with their vendor and unrevoked certificates, the grants, and the orders with their priced lines.

use rust_decimal::Decimal;
use serde_json::Value;
use snitflade_domain::InterfaceId;
use snitflade_domain::access_level::{self, AccessLevel};
use snitflade_landscape::own_traffic::{
    ADGANGSSTYRING_SYSTEM, BESKEDFORDELER_SYSTEM, CertificateFact, ExternalSystem, GrantFact, OrderFact,
    OwnTrafficInput, PriceFact,
};
use snitflade_landscape::{CostKind, InterfaceRef, Landscape};
use snitflade_store::{Store, StoreError, access, orders};
use std::collections::HashMap;

/// The day of a stored date or timestamp text.
fn day(s: &str) -> Option<jiff::civil::Date> {
    s.get(..10).and_then(|d| d.parse().ok())
}

/// The facts as stored now. The derived relations name the interfaces of the shipped `catalogue` only (a stored
/// interface never changes them), and Beskedfordeler grants become relations only when the catalogue or the
/// `stored` landscape has the Beskedfordeler system; grants of `token_interfaces` (the services that accept tokens)
/// add relations with Adgangsstyring when either has it.
pub async fn own_traffic_input(
    store: &Store,
    catalogue: &Landscape,
    stored: &Landscape,
    token_interfaces: &[InterfaceId],
) -> Result<OwnTrafficInput, StoreError> {
    let pool = store.pool();
    let systems = access::systems(pool).await?;
    let names: HashMap<&str, &str> = systems.iter().map(|s| (s.id.as_str(), s.name.as_str())).collect();
    let name_of = |id: &str| names.get(id).map(|n| (*n).to_owned());
    let certificates = access::certificates(pool).await?;

    let mut grants = Vec::new();
    for g in access::grants(pool).await? {
        let (Some(system), Some(valid_from)) = (name_of(&g.system_id), day(&g.valid_from)) else {
            tracing::warn!(grant = %g.id, "the landscape leaves out an unreadable grant");
            continue;
        };
        let read_only = g.access == AccessLevel::Read
            && InterfaceId::parse(&g.interface).is_some_and(|i| i.nature() == access_level::Nature::ReadsAndWrites);
        grants.push(GrantFact {
            system,
            interface: g.interface,
            municipality: g.municipality,
            valid_from,
            valid_to: g.valid_to.as_deref().and_then(day),
            order: g.order_id,
            read_only,
        });
    }
    let orders = orders::list(pool, None, None, None)
        .await?
        .into_iter()
        .filter_map(|o| {
            Some(OrderFact {
                system: name_of(&o.system_id)?,
                prices: o.cost.as_ref().map(prices).unwrap_or_default(),
                id: o.id,
                municipality: o.municipality,
                interfaces: o.interfaces,
                standard_integration: o.standard_integration,
            })
        })
        .collect();
    let systems = systems
        .iter()
        .map(|s| ExternalSystem {
            name: s.name.clone(),
            vendor: Some(s.vendor_name.clone()).filter(|v| !v.is_empty()),
            vendor_cvr: Some(s.vendor_cvr.clone()).filter(|v| !v.is_empty()),
            certificates: certificates
                .iter()
                .filter(|c| c.system_id == s.id && c.revoked_at.is_none())
                .map(|c| CertificateFact {
                    fingerprint: c.fingerprint.clone(),
                    subject: c.subject.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(OwnTrafficInput {
        today: snitflade_lifecycle::today(),
        systems,
        grants,
        orders,
        catalogue_interfaces: catalogue
            .interfaces
            .iter()
            .map(|i| InterfaceRef {
                id: i.id.clone(),
                version: i.version.clone(),
            })
            .collect(),
        beskedfordeler_known: [catalogue, stored]
            .iter()
            .any(|l| l.system(BESKEDFORDELER_SYSTEM).is_some()),
        token_interfaces: token_interfaces.iter().map(|i| i.as_str().to_owned()).collect(),
        adgangsstyring_known: [catalogue, stored]
            .iter()
            .any(|l| l.system(ADGANGSSTYRING_SYSTEM).is_some()),
    })
}

/// The priced lines of an order's `cost` (`{"lines": [{"fee": "startup", "interface": …, "amount": "…"}]}`).
fn prices(cost: &Value) -> Vec<PriceFact> {
    let lines = cost
        .get("lines")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    lines
        .iter()
        .filter_map(|l| {
            let kind = match l.get("fee")?.as_str()? {
                "startup" => CostKind::StartUp,
                "running" => CostKind::Running,
                "setup" => CostKind::SetUp,
                _ => return None,
            };
            let amount: Decimal = match l.get("amount")? {
                Value::String(s) => s.parse().ok()?,
                Value::Number(n) => n.to_string().parse().ok()?,
                _ => return None,
            };
            Some(PriceFact {
                kind,
                interface: l.get("interface").and_then(Value::as_str).map(str::to_owned),
                amount,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_orders_cost_lines_become_prices() {
        let cost = json!({"price_list_version": 1, "lines": [
            {"fee": "startup", "interface": "opret-fravaer", "amount": "30000"},
            {"fee": "running", "interface": "opret-fravaer", "amount": 2000},
            {"fee": "setup", "interface": null, "amount": "5000.00"},
            {"fee": "discount", "interface": null, "amount": "1"},
        ], "one_time": "35000", "running_per_period": "2000"});
        let p = prices(&cost);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].kind, CostKind::StartUp);
        assert_eq!(p[0].interface.as_deref(), Some("opret-fravaer"));
        assert_eq!(p[1].amount, Decimal::from(2000));
        assert_eq!((p[2].kind, p[2].interface.as_deref()), (CostKind::SetUp, None));
        assert_eq!(p[2].amount.to_string(), "5000.00");
        assert!(prices(&json!(null)).is_empty());
    }
}
