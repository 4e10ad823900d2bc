//! The landscape derived from snitflade's own access data: systems and relations for the grants in force only,
//! interface names mapped to the catalogue, directions, costs from the orders (order-wide lines once),
//! certificates, the Beskedfordeler grant, and municipalities in the landscape's form.

use jiff::civil::{Date, date};
use rust_decimal::Decimal;
use snitflade_landscape::own_traffic::{
    ADGANGSSTYRING_SYSTEM, BESKEDFORDELER_INTERFACE, CertificateFact, ExternalSystem, GrantFact, INTERFACES,
    OPUS_SYSTEM, OrderFact, OwnTrafficInput, PriceFact, STS_INTERFACE, derive, mapping, municipality_key,
};
use snitflade_landscape::{CostKind, DependencyClass, Direction, InterfaceRef, Relation, Source, SystemKind};

const TODAY: Date = date(2026, 3, 15);

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn grant(system: &str, interface: &str, municipality: &str, order: Option<&str>) -> GrantFact {
    GrantFact {
        system: system.into(),
        interface: interface.into(),
        municipality: municipality.into(),
        valid_from: date(2020, 1, 1),
        valid_to: None,
        order: order.map(Into::into),
        read_only: false,
    }
}

fn price(kind: CostKind, interface: Option<&str>, amount: &str) -> PriceFact {
    PriceFact {
        kind,
        interface: interface.map(Into::into),
        amount: d(amount),
    }
}

/// Dagtilbud in Sorø (two interfaces, one order with a set-up fee) and Aarhus (one interface, no order).
fn input() -> OwnTrafficInput {
    OwnTrafficInput {
        today: TODAY,
        systems: vec![ExternalSystem {
            name: "dagtilbud".into(),
            vendor: Some("Dagtilbudsplan ApS".into()),
            vendor_cvr: Some("44125242".into()),
            certificates: vec![CertificateFact {
                fingerprint: "ab12".into(),
                subject: "CN=dagtilbud".into(),
            }],
        }],
        grants: vec![
            grant("dagtilbud", "opret-fravaer", "0340", Some("o-1")),
            grant("dagtilbud", "fravaerskvoter", "0340", Some("o-1")),
            grant("dagtilbud", "medarbejderoplysninger", "0751", None),
        ],
        orders: vec![OrderFact {
            id: "o-1".into(),
            system: "dagtilbud".into(),
            municipality: "0340".into(),
            interfaces: vec!["opret-fravaer".into(), "fravaerskvoter".into()],
            standard_integration: Some("SI-dagtilbud".into()),
            prices: vec![
                price(CostKind::StartUp, Some("opret-fravaer"), "30000"),
                price(CostKind::Running, Some("opret-fravaer"), "2000"),
                price(CostKind::StartUp, Some("fravaerskvoter"), "15000"),
                price(CostKind::Running, Some("fravaerskvoter"), "1000"),
                price(CostKind::SetUp, None, "5000"),
            ],
        }],
        catalogue_interfaces: Vec::new(),
        beskedfordeler_known: false,
        token_interfaces: vec!["beskedfordeler".into()],
        adgangsstyring_known: false,
    }
}

fn relation<'a>(l: &'a snitflade_landscape::Landscape, id: &str) -> &'a Relation {
    l.relations
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no relation {id} in {:#?}", l.relations))
}

#[test]
fn each_granted_system_becomes_one_external_system() {
    let l = derive(&input());
    assert_eq!(l.systems.len(), 1);
    let s = &l.systems[0];
    assert_eq!(s.id, "dagtilbud");
    assert_eq!(s.name, "dagtilbud");
    assert_eq!(s.kind, SystemKind::External);
    assert_eq!(s.source, Source::Snitflade);
    assert_eq!(s.vendor.as_deref(), Some("Dagtilbudsplan ApS"));
    assert!(s.description.contains("44125242"), "{}", s.description);
    assert!(s.description.contains("CN=dagtilbud"), "{}", s.description);
    assert!(l.interfaces.is_empty() && l.requirement_areas.is_empty());
}

#[test]
fn each_grant_in_force_becomes_a_relation_with_kmd_opus_personale() {
    let l = derive(&input());
    let ids: Vec<&str> = l.relations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "snitflade-0340-dagtilbud-fravaerskvoter",
            "snitflade-0340-dagtilbud-opret-fravaer",
            "snitflade-0751-dagtilbud-medarbejderoplysninger",
        ]
    );
    let r = relation(&l, "snitflade-0340-dagtilbud-opret-fravaer");
    assert_eq!(r.system, OPUS_SYSTEM);
    assert_eq!(r.counterpart, "dagtilbud");
    assert_eq!(r.municipality, "0340");
    assert_eq!(
        r.interface,
        Some(InterfaceRef {
            id: "OPUS-FRAVAER".into(),
            version: "1".into()
        })
    );
    assert_eq!(r.direction, Direction::Both);
    assert_eq!(r.dependency, DependencyClass::Dependency);
    assert_eq!(r.source, Source::Snitflade);
    assert_eq!(r.certificates, ["ab12"]);
    let agreement = r.agreement.as_ref().expect("the order is the agreement");
    assert!(agreement.name.contains("o-1") && agreement.name.contains("SI-dagtilbud"));
    // Quotas are only read: data flows to the external system.
    let quotas = relation(&l, "snitflade-0340-dagtilbud-fravaerskvoter");
    assert_eq!(quotas.direction, Direction::To);
    assert_eq!(quotas.interface.as_ref().unwrap().id, "OPUS-FRAVAERSKVOTER");
    // A grant without an order has no costs and no agreement.
    let direct = relation(&l, "snitflade-0751-dagtilbud-medarbejderoplysninger");
    assert!(direct.costs.is_empty() && direct.agreement.is_none());
    assert_eq!(direct.municipality, "0751");
    assert_eq!(direct.direction, Direction::Both);
}

#[test]
fn a_read_only_grant_is_a_relation_with_data_to_the_system_only() {
    let mut i = input();
    for g in i.grants.iter_mut().filter(|g| g.interface == "medarbejderoplysninger") {
        g.read_only = true;
    }
    let l = derive(&i);
    let r = relation(&l, "snitflade-0751-dagtilbud-medarbejderoplysninger");
    assert_eq!(r.direction, Direction::To);
    assert!(r.description.contains("læseadgang"), "{}", r.description);
    // A read-write grant beside it (an upgrade ordered later) lets data flow both ways again.
    i.grants.push(GrantFact {
        valid_from: date(2024, 1, 1),
        ..grant("dagtilbud", "medarbejderoplysninger", "751", None)
    });
    let r = relation(&derive(&i), "snitflade-0751-dagtilbud-medarbejderoplysninger").clone();
    assert_eq!(r.direction, Direction::Both);
}

#[test]
fn costs_come_from_the_order_and_order_wide_fees_are_counted_once() {
    let l = derive(&input());
    let costs = |id: &str| -> Vec<(CostKind, Decimal, String)> {
        relation(&l, id)
            .costs
            .iter()
            .map(|c| (c.kind, c.amount, c.period.clone()))
            .collect()
    };
    // The set-up fee goes on the order's first interface.
    assert_eq!(
        costs("snitflade-0340-dagtilbud-opret-fravaer"),
        [
            (CostKind::StartUp, d("30000"), "once".into()),
            (CostKind::Running, d("2000"), "month".into()),
            (CostKind::SetUp, d("5000"), "once".into()),
        ]
    );
    assert_eq!(
        costs("snitflade-0340-dagtilbud-fravaerskvoter"),
        [
            (CostKind::StartUp, d("15000"), "once".into()),
            (CostKind::Running, d("1000"), "month".into()),
        ]
    );
    let total: Decimal = l.relations.iter().flat_map(|r| &r.costs).map(|c| c.amount).sum();
    assert_eq!(total, d("53000"));
}

#[test]
fn order_wide_fees_move_to_the_next_interface_when_the_first_is_closed() {
    let mut i = input();
    i.grants[0].valid_to = Some(date(2026, 1, 1));
    let l = derive(&i);
    assert!(l.relations.iter().all(|r| !r.id.ends_with("opret-fravaer")));
    let quotas = relation(&l, "snitflade-0340-dagtilbud-fravaerskvoter");
    assert!(quotas.costs.iter().any(|c| c.kind == CostKind::SetUp), "{quotas:#?}");
}

#[test]
fn only_grants_in_force_count() {
    let mut i = input();
    // Closed before today, and one that starts tomorrow.
    i.grants[0].valid_to = Some(TODAY);
    i.grants[1].valid_from = TODAY.tomorrow().unwrap();
    i.grants[2].valid_to = Some(TODAY.tomorrow().unwrap());
    let l = derive(&i);
    let ids: Vec<&str> = l.relations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["snitflade-0751-dagtilbud-medarbejderoplysninger"]);
    assert_eq!(
        relation(&l, "snitflade-0751-dagtilbud-medarbejderoplysninger").agreement,
        None,
        "no order behind the direct grant"
    );

    i.grants[2].valid_to = Some(TODAY);
    let l = derive(&i);
    assert!(l.relations.is_empty(), "{:#?}", l.relations);
    assert!(l.systems.is_empty(), "a system without grants in force is not derived");
}

#[test]
fn the_same_grant_twice_is_one_relation() {
    let mut i = input();
    i.grants.push(GrantFact {
        valid_from: date(2024, 1, 1),
        ..grant("dagtilbud", "opret-fravaer", "340", Some("o-1"))
    });
    let l = derive(&i);
    assert_eq!(l.relations.len(), 3);
    assert_eq!(relation(&l, "snitflade-0340-dagtilbud-opret-fravaer").costs.len(), 3);
}

#[test]
fn catalogue_versions_are_used_when_listed() {
    let mut i = input();
    i.catalogue_interfaces = ["1", "2", "10"]
        .into_iter()
        .map(|v| InterfaceRef {
            id: "OPUS-FRAVAER".into(),
            version: v.into(),
        })
        .collect();
    let l = derive(&i);
    let r = relation(&l, "snitflade-0340-dagtilbud-opret-fravaer");
    assert_eq!(r.interface.as_ref().unwrap().version, "10");
}

#[test]
fn the_beskedfordeler_grant_is_a_relation_with_kombits_beskedfordeler_when_the_catalogue_has_it() {
    let mut i = input();
    i.grants.push(grant("dagtilbud", "beskedfordeler", "0340", None));
    // Neither the system nor the interface known: left out.
    assert_eq!(derive(&i).relations.len(), 3);
    i.beskedfordeler_known = true;
    assert_eq!(derive(&i).relations.len(), 3, "SF1460_B not in the catalogue");
    i.catalogue_interfaces.push(InterfaceRef {
        id: BESKEDFORDELER_INTERFACE.into(),
        version: "1".into(),
    });
    let l = derive(&i);
    let r = relation(&l, "snitflade-0340-dagtilbud-beskedfordeler");
    assert_eq!(r.system, "beskedfordeler");
    assert_eq!(r.counterpart, "dagtilbud");
    assert_eq!(r.interface.as_ref().unwrap().id, "SF1460_B");
}

/// A system granted a service that accepts tokens can get them from snitflade's STS: one relation with
/// Adgangsstyring (SF1514) per municipality, naming those services — even where the Beskedfordeler itself is not in
/// the landscape —, and none for grants of services that accept no tokens.
#[test]
fn a_grant_of_a_token_accepting_service_is_a_relation_with_adgangsstyring() {
    let mut i = input();
    i.grants.push(grant("dagtilbud", "beskedfordeler", "0340", None));
    i.catalogue_interfaces.push(InterfaceRef {
        id: STS_INTERFACE.into(),
        version: "1".into(),
    });
    assert_eq!(derive(&i).relations.len(), 3, "sts-adgangsstyring not in the landscape");
    i.adgangsstyring_known = true;
    let l = derive(&i);
    assert_eq!(l.relations.len(), 4);
    let r = relation(&l, "snitflade-0340-dagtilbud-adgangsstyring");
    assert_eq!(r.system, ADGANGSSTYRING_SYSTEM);
    assert_eq!(r.counterpart, "dagtilbud");
    assert_eq!(r.interface.as_ref().unwrap().id, "SF1514");
    assert_eq!(r.direction, Direction::To);
    assert_eq!(r.certificates, ["ab12"]);
    assert!(r.description.contains("(til beskedfordeler)"), "{}", r.description);
    // Opted in: opret-fravaer in Sorø joins the same relation; Aarhus's medarbejderoplysninger accepts none.
    i.token_interfaces.push("opret-fravaer".into());
    let l = derive(&i);
    assert_eq!(l.relations.len(), 4);
    let r = relation(&l, "snitflade-0340-dagtilbud-adgangsstyring");
    assert!(
        r.description.contains("(til beskedfordeler, opret-fravaer)"),
        "{}",
        r.description
    );
    i.token_interfaces.push("medarbejderoplysninger".into());
    assert_eq!(derive(&i).relations.len(), 5);
    // Without the interface in the catalogue: left out.
    i.catalogue_interfaces.clear();
    assert_eq!(derive(&i).relations.len(), 3);
}

#[test]
fn unknown_interfaces_are_left_out() {
    let mut i = input();
    i.grants = vec![grant("dagtilbud", "something-new", "0340", None)];
    let l = derive(&i);
    assert!(l.relations.is_empty() && l.systems.is_empty());
}

#[test]
fn every_snitflade_interface_is_mapped() {
    for name in [
        "maskintimer",
        "medarbejderoplysninger",
        "opret-fravaer",
        "fravaerskvoter",
        "moedetidsplaner",
        "personalemappe",
        "engangsydelse",
        "faste-tillaeg",
        "beskedfordeler",
    ] {
        assert!(mapping(name).is_some(), "{name}");
    }
    let opus: Vec<&str> = INTERFACES
        .iter()
        .filter(|m| m.system == OPUS_SYSTEM)
        .map(|m| m.catalogue)
        .collect();
    assert_eq!(
        opus,
        [
            "OPUS-MASKINTIMER",
            "OPUS-MEDARBEJDEROPLYSNINGER",
            "OPUS-FRAVAER",
            "OPUS-FRAVAERSKVOTER",
            "OPUS-MOEDETIDSPLANER",
            "OPUS-PERSONALEMAPPE",
            "OPUS-ENGANGSYDELSE",
            "OPUS-FASTE-TILLAEG",
        ]
    );
}

#[test]
fn municipalities_have_four_digits() {
    assert_eq!(municipality_key("0340"), "0340");
    assert_eq!(municipality_key("340"), "0340");
    assert_eq!(municipality_key(" 101 "), "0101");
    assert_eq!(municipality_key(""), "");
}

#[test]
fn the_derived_landscape_round_trips_as_json() {
    let l = derive(&input());
    let json = serde_json::to_string(&l).unwrap();
    assert!(json.contains("\"source\":\"snitflade\""), "{json}");
    let back: snitflade_landscape::Landscape = serde_json::from_str(&json).unwrap();
    assert_eq!(back, l);
}
