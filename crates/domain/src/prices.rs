//! What an order of access costs (KMD's brochure "Integration til KMD Opus Personale", "Køb af snitflader";
//! docs/src/access/lifecycle.md), by a configurable price list:
//!
//! - **single interfaces** (enkeltkøb): a start-up licence fee per interface the municipality buys for the first
//!   time, and a running fee per interface per period;
//! - an **integration package** for one system: no start-up fee, a running fee per package per period;
//! - a **set-up fee** when access is set up for a system new to the municipality, higher for an individual
//!   integration than for a standard one.
//!
//! An interface bought once serves every external system of the municipality (the brochure: "har I adgang til at
//! anvende disse til alle de eksterne systemer"), so an interface the municipality already pays for costs only the
//! set-up of the new system. Interfaces the customer's contract already covers cost nothing here: they are paid under
//! the contract (a rule chosen where KMD's brochure is silent).

use crate::InterfaceId;
use crate::orders::IntegrationKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The prices, in kroner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    /// Start-up licence fee per interface (engangsvederlag), charged on its first purchase.
    pub startup_fee: BTreeMap<InterfaceId, Decimal>,
    /// Running fee per interface per period (løbende vederlag).
    pub running_fee: BTreeMap<InterfaceId, Decimal>,
    /// Running fee of an integration package per period.
    pub package_running_fee: Decimal,
    /// Set-up fee for a system new to the municipality (opsætningsvederlag), standard integration.
    pub setup_fee_standard: Decimal,
    /// The same for an individual integration.
    pub setup_fee_individual: Decimal,
}

/// What is bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purchase {
    /// Single interfaces.
    Interfaces(BTreeSet<InterfaceId>),
    /// An integration package for the order's system.
    Package,
}

/// The facts of an order that decide its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    pub purchase: Purchase,
    pub kind: IntegrationKind,
    /// The system has no access in the municipality yet.
    pub new_system: bool,
    /// Interfaces the municipality has bought before and still pays for (no second start-up or running fee).
    pub bought_before: BTreeSet<InterfaceId>,
    /// Interfaces the customer's contract covers.
    pub covered_by_contract: BTreeSet<InterfaceId>,
}

/// One fee of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostLine {
    /// `startup`, `running` or `setup`.
    pub fee: &'static str,
    /// The interface it is for, if any.
    pub interface: Option<InterfaceId>,
    pub amount: Decimal,
}

/// What an order costs: one-time fees and the running fee per period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderCost {
    pub lines: Vec<CostLine>,
    pub one_time: Decimal,
    pub running_per_period: Decimal,
}

/// Why an order cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("prislisten har ingen pris for snitfladen {0}")]
pub struct MissingPrice(pub InterfaceId);

/// The cost of `order` by `list`.
pub fn order_cost(list: &PriceList, order: &PricedOrder) -> Result<OrderCost, MissingPrice> {
    let mut lines = Vec::new();
    match &order.purchase {
        Purchase::Package => lines.push(CostLine {
            fee: "running",
            interface: None,
            amount: list.package_running_fee,
        }),
        Purchase::Interfaces(interfaces) => {
            let to_buy = interfaces
                .iter()
                .filter(|i| !order.covered_by_contract.contains(i) && !order.bought_before.contains(i));
            for &i in to_buy {
                let amount = *list.startup_fee.get(&i).ok_or(MissingPrice(i))?;
                lines.push(CostLine {
                    fee: "startup",
                    interface: Some(i),
                    amount,
                });
                let amount = *list.running_fee.get(&i).ok_or(MissingPrice(i))?;
                lines.push(CostLine {
                    fee: "running",
                    interface: Some(i),
                    amount,
                });
            }
        }
    }
    if order.new_system {
        let amount = match order.kind {
            IntegrationKind::Standard => list.setup_fee_standard,
            IntegrationKind::Individual => list.setup_fee_individual,
        };
        lines.push(CostLine {
            fee: "setup",
            interface: None,
            amount,
        });
    }
    let sum = |running: bool| -> Decimal {
        lines
            .iter()
            .filter(|l| (l.fee == "running") == running)
            .map(|l| l.amount)
            .sum()
    };
    Ok(OrderCost {
        one_time: sum(false),
        running_per_period: sum(true),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use InterfaceId::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn list() -> PriceList {
        PriceList {
            startup_fee: [(Engangsydelse, d("25000")), (Medarbejderoplysninger, d("40000"))].into(),
            running_fee: [(Engangsydelse, d("1500")), (Medarbejderoplysninger, d("2500"))].into(),
            package_running_fee: d("3000"),
            setup_fee_standard: d("5000"),
            setup_fee_individual: d("18000"),
        }
    }

    fn order(purchase: Purchase, kind: IntegrationKind) -> PricedOrder {
        PricedOrder {
            purchase,
            kind,
            new_system: true,
            bought_before: BTreeSet::new(),
            covered_by_contract: BTreeSet::new(),
        }
    }

    #[test]
    fn a_single_interface_for_a_new_system() {
        let o = order(Purchase::Interfaces([Engangsydelse].into()), IntegrationKind::Standard);
        let c = order_cost(&list(), &o).unwrap();
        assert_eq!((c.one_time, c.running_per_period), (d("30000"), d("1500")));
        let fees: Vec<&str> = c.lines.iter().map(|l| l.fee).collect();
        assert_eq!(fees, ["startup", "running", "setup"]);
    }

    #[test]
    fn a_package_has_no_startup_fee() {
        let c = order_cost(&list(), &order(Purchase::Package, IntegrationKind::Standard)).unwrap();
        assert_eq!((c.one_time, c.running_per_period), (d("5000"), d("3000")));
    }

    #[test]
    fn an_individual_integration_costs_more_to_set_up() {
        let o = order(
            Purchase::Interfaces([Medarbejderoplysninger].into()),
            IntegrationKind::Individual,
        );
        let c = order_cost(&list(), &o).unwrap();
        assert_eq!((c.one_time, c.running_per_period), (d("58000"), d("2500")));
    }

    #[test]
    fn bought_before_covered_and_known_systems() {
        let mut o = order(
            Purchase::Interfaces([Engangsydelse, Medarbejderoplysninger].into()),
            IntegrationKind::Standard,
        );
        o.new_system = false;
        o.bought_before = [Engangsydelse].into();
        o.covered_by_contract = [Medarbejderoplysninger].into();
        let c = order_cost(&list(), &o).unwrap();
        assert_eq!((c.one_time, c.running_per_period), (d("0"), d("0")));
        assert!(c.lines.is_empty());
        let o = order(Purchase::Interfaces([Maskintimer].into()), IntegrationKind::Standard);
        assert_eq!(order_cost(&list(), &o), Err(MissingPrice(Maskintimer)));
    }
}
