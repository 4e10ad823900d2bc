//! snitflade's own traffic as part of the landscape: every external system with a grant in force becomes a system,
//! and every grant in force (system × municipality × interface) a relation with KMD Opus Personale (or, for the
//! Beskedfordeler grant, with KOMBIT's Beskedfordeler), priced by the order behind it; and where a grant reaches a
//! service that accepts tokens, a relation with Adgangsstyring (SF1514), since snitflade's own STS issues them.
//! Derived on every read from the facts the server gathers (systems, certificates, grants, orders, the services
//! that accept tokens); never stored, never typed in.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::model::{
    Agreement, CostKind, CostLine, DependencyClass, Direction, InterfaceRef, Landscape, Lifecycle, Relation, Source,
    System, SystemKind,
};

/// The platform system every standard-interface grant connects to (defined in the shipped catalogue).
pub const OPUS_SYSTEM: &str = "kmd-opus-personale";
/// KOMBIT's Beskedfordeler (a support system in the catalogue), the other end of a `beskedfordeler` grant.
pub const BESKEDFORDELER_SYSTEM: &str = "beskedfordeler";
/// The catalogue id of the Beskedfordeler's value-list service.
pub const BESKEDFORDELER_INTERFACE: &str = "SF1460_B";
/// KOMBIT's Adgangsstyring (a support system in the catalogue): snitflade's STS stands in for it.
pub const ADGANGSSTYRING_SYSTEM: &str = "sts-adgangsstyring";
/// The catalogue id of the STS as an anvendersystem uses it (Security Token Service, udgående).
pub const STS_INTERFACE: &str = "SF1514";
/// snitflade's interface id of the Beskedfordeler grant.
const BESKEDFORDELER_GRANT: &str = "beskedfordeler";

/// The facts of snitflade's access data that the derived part of the landscape is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnTrafficInput {
    /// The day grants are judged on (Copenhagen's today on the server).
    pub today: Date,
    pub systems: Vec<ExternalSystem>,
    pub grants: Vec<GrantFact>,
    pub orders: Vec<OrderFact>,
    /// The catalogue's interfaces (id, version): a relation names the newest version listed of its interface id.
    /// An Opus interface not listed is named in version `1`; a Beskedfordeler grant is left out unless
    /// `SF1460_B` is listed.
    pub catalogue_interfaces: Vec<InterfaceRef>,
    /// Whether the landscape holds the system `beskedfordeler`; without it Beskedfordeler grants are left out.
    pub beskedfordeler_known: bool,
    /// snitflade's interface ids whose services accept tokens from its STS (`beskedfordeler`, and the standard
    /// interfaces configured to): a system granted one gets a relation with Adgangsstyring.
    pub token_interfaces: Vec<String>,
    /// Whether the landscape holds the system `sts-adgangsstyring`; without it (or without `SF1514` in the
    /// catalogue) no relation with Adgangsstyring is derived.
    pub adgangsstyring_known: bool,
}

/// An external system as snitflade knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExternalSystem {
    /// The system's name in snitflade (`dagtilbud`): also its id in the landscape.
    pub name: String,
    pub vendor: Option<String>,
    pub vendor_cvr: Option<String>,
    /// The certificates it calls with (revoked ones left out by the caller).
    pub certificates: Vec<CertificateFact>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateFact {
    /// SHA-256 fingerprint (hex).
    pub fingerprint: String,
    pub subject: String,
}

/// A grant: `system` may call `interface` for `municipality` from `valid_from` until (not including) `valid_to`.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantFact {
    /// The system's name.
    pub system: String,
    /// snitflade's interface id (`opret-fravaer`, `maskintimer`, `beskedfordeler`, …).
    pub interface: String,
    /// The kommunekode as snitflade stores it (`0340`).
    pub municipality: String,
    pub valid_from: Date,
    /// The first day the grant no longer holds (a closing sets it).
    pub valid_to: Option<Date>,
    /// The order that created the grant, if any.
    pub order: Option<String>,
    /// The grant's access level is `read` on an interface that also writes: the system only reads through it, so
    /// data flows to it only.
    pub read_only: bool,
}

/// An order of access: what was bought and what it cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderFact {
    pub id: String,
    /// The system's name.
    pub system: String,
    pub municipality: String,
    /// snitflade's interface ids, in the order's order.
    pub interfaces: Vec<String>,
    /// The standard integration agreement it was ordered under, if any.
    pub standard_integration: Option<String>,
    /// The priced lines fixed when the order was clarified (empty while unpriced).
    pub prices: Vec<PriceFact>,
}

/// One priced line of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceFact {
    pub kind: CostKind,
    /// snitflade's interface id; `None` for the set-up fee and an integration package's running fee.
    pub interface: Option<String>,
    /// DKK, excluding VAT.
    pub amount: Decimal,
}

/// How one of snitflade's interfaces appears in the landscape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceMapping {
    /// snitflade's interface id.
    pub snitflade: &'static str,
    /// The catalogue interface id.
    pub catalogue: &'static str,
    /// The platform system at the other end.
    pub system: &'static str,
    /// The data flow seen from `system`: `To` when the external system reads, `From` when it writes.
    pub direction: Direction,
}

const fn opus(snitflade: &'static str, catalogue: &'static str, direction: Direction) -> InterfaceMapping {
    InterfaceMapping {
        snitflade,
        catalogue,
        system: OPUS_SYSTEM,
        direction,
    }
}

/// snitflade's interfaces and what they do for the external system.
pub const INTERFACES: [InterfaceMapping; 9] = [
    // Master data out, registrations in.
    opus("maskintimer", "OPUS-MASKINTIMER", Direction::Both),
    // Reads (Laes, List) and Ret of the communication records.
    opus("medarbejderoplysninger", "OPUS-MEDARBEJDEROPLYSNINGER", Direction::Both),
    // SetAbsenceAttendance and the Get… reads.
    opus("opret-fravaer", "OPUS-FRAVAER", Direction::Both),
    // Quotas are only read.
    opus("fravaerskvoter", "OPUS-FRAVAERSKVOTER", Direction::To),
    // SetWorkSchedule and GetWorkSchedule.
    opus("moedetidsplaner", "OPUS-MOEDETIDSPLANER", Direction::Both),
    // UploadDocument in, ListDocuments and GetDocument out.
    opus("personalemappe", "OPUS-PERSONALEMAPPE", Direction::Both),
    // update- and read-onetime-payments.
    opus("engangsydelse", "OPUS-ENGANGSYDELSE", Direction::Both),
    // SetFixedSupplement and GetFixedSupplements.
    opus("faste-tillaeg", "OPUS-FASTE-TILLAEG", Direction::Both),
    // Messages delivered to the subscriber; value lists maintained by it.
    InterfaceMapping {
        snitflade: BESKEDFORDELER_GRANT,
        catalogue: BESKEDFORDELER_INTERFACE,
        system: BESKEDFORDELER_SYSTEM,
        direction: Direction::Both,
    },
];

/// The landscape's mapping of one of snitflade's interface ids.
pub fn mapping(snitflade_interface: &str) -> Option<&'static InterfaceMapping> {
    INTERFACES.iter().find(|m| m.snitflade == snitflade_interface)
}

pub use crate::naming::municipality_key;

/// The prefix of the ids of derived relations, reserved for them: a relation with such an id is never stored.
pub const RELATION_ID_PREFIX: &str = "snitflade-";

/// The id of the relation derived from a grant.
pub fn relation_id(municipality: &str, system: &str, interface: &str) -> String {
    format!(
        "{RELATION_ID_PREFIX}{}-{system}-{interface}",
        municipality_key(municipality)
    )
}

impl GrantFact {
    /// Whether the grant holds on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day < to)
    }
}

/// The systems with grants in force and one relation per (system, municipality, interface) in force.
pub fn derive(input: &OwnTrafficInput) -> Landscape {
    let interface_ref = |m: &InterfaceMapping| -> Option<InterfaceRef> {
        let newest = input
            .catalogue_interfaces
            .iter()
            .filter(|r| r.id == m.catalogue)
            .max_by(|a, b| version_order(&a.version, &b.version));
        match (newest, m.system) {
            (Some(r), _) => Some(r.clone()),
            (None, OPUS_SYSTEM) => Some(InterfaceRef {
                id: m.catalogue.into(),
                version: "1".into(),
            }),
            (None, _) => None,
        }
    };
    // The grants in force, by (system, municipality, interface): the first one decides the dates.
    let mut in_force: BTreeMap<(&str, String, &str), Vec<&GrantFact>> = BTreeMap::new();
    for g in input.grants.iter().filter(|g| g.in_force(input.today)) {
        let key = (
            g.system.as_str(),
            municipality_key(&g.municipality),
            g.interface.as_str(),
        );
        in_force.entry(key).or_default().push(g);
    }
    let systems: BTreeMap<&str, &ExternalSystem> = input.systems.iter().map(|s| (s.name.as_str(), s)).collect();
    let orders: BTreeMap<&str, &OrderFact> = input.orders.iter().map(|o| (o.id.as_str(), o)).collect();
    // Order-wide lines (set-up, package) go on the order's first relation only, so that no sum counts them twice.
    let mut order_wide_placed = BTreeSet::new();

    let mut relations = Vec::new();
    let mut granted = BTreeSet::new();
    for ((system, municipality, interface), grants) in &in_force {
        let Some(m) = mapping(interface) else { continue };
        let Some(iref) = interface_ref(m) else { continue };
        if m.system == BESKEDFORDELER_SYSTEM && !input.beskedfordeler_known {
            continue;
        }
        granted.insert(*system);
        let first = grants[0];
        let grant_orders: Vec<&OrderFact> = grants
            .iter()
            .filter_map(|g| g.order.as_deref().and_then(|id| orders.get(id).copied()))
            .fold(Vec::new(), |mut all, o| {
                if !all.iter().any(|x: &&OrderFact| x.id == o.id) {
                    all.push(o);
                }
                all
            });
        let mut costs = Vec::new();
        for o in &grant_orders {
            costs.extend(
                o.prices
                    .iter()
                    .filter(|p| p.interface.as_deref() == Some(*interface))
                    .map(|p| cost_line(p, "")),
            );
            let first_here = o
                .interfaces
                .iter()
                .find(|i| in_force.contains_key(&(*system, municipality.clone(), i.as_str())))
                .is_some_and(|i| i == interface);
            if first_here && order_wide_placed.insert(o.id.as_str()) {
                costs.extend(
                    o.prices
                        .iter()
                        .filter(|p| p.interface.is_none())
                        .map(|p| cost_line(p, &format!("hele bestillingen {}", o.id))),
                );
            }
        }
        let agreement = grant_orders.first().map(|o| Agreement {
            name: match &o.standard_integration {
                Some(si) => format!("Bestilling {} (standardintegration {si})", o.id),
                None => format!("Bestilling {}", o.id),
            },
            notice_months: None,
            expires: first.valid_to,
            terminated: None,
        });
        let certificates = systems
            .get(system)
            .map(|s| s.certificates.iter().map(|c| c.fingerprint.clone()).collect())
            .unwrap_or_default();
        // Read-only grants withhold the interface's writes: the data flows to the system only.
        let read_only = grants.iter().all(|g| g.read_only);
        relations.push(Relation {
            id: relation_id(municipality, system, interface),
            municipality: municipality.clone(),
            system: m.system.into(),
            counterpart: (*system).into(),
            interface: Some(iref),
            local_number: None,
            direction: if read_only { Direction::To } else { m.direction },
            description: format!(
                "{system} har {} til {interface} for kommune {municipality} gennem snitflade (fra {})",
                if read_only { "læseadgang" } else { "adgang" },
                first.valid_from
            ),
            information_objects: Vec::new(),
            dependency: DependencyClass::Dependency,
            transition: None,
            agreement,
            costs,
            certificates,
            source: Source::Snitflade,
        });
    }

    // Tokens: one relation per (system, municipality) granted a service that accepts them.
    let sts = InterfaceMapping {
        snitflade: "adgangsstyring",
        catalogue: STS_INTERFACE,
        system: ADGANGSSTYRING_SYSTEM,
        // Tokens flow from the STS to the system.
        direction: Direction::To,
    };
    let sts_ref = interface_ref(&sts).filter(|_| input.adgangsstyring_known);
    let mut token_users: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for (system, municipality, interface) in in_force.keys() {
        if input.token_interfaces.iter().any(|t| t == interface) {
            token_users.entry((system, municipality)).or_default().push(interface);
        }
    }
    for ((system, municipality), interfaces) in token_users.into_iter().filter(|_| sts_ref.is_some()) {
        granted.insert(system);
        relations.push(Relation {
            id: relation_id(municipality, system, sts.snitflade),
            municipality: municipality.to_owned(),
            system: sts.system.into(),
            counterpart: system.into(),
            interface: sts_ref.clone(),
            local_number: None,
            direction: sts.direction,
            description: format!(
                "{system} kan hente tokens for kommune {municipality} hos snitflades Security Token Service \
                 (til {})",
                interfaces.join(", ")
            ),
            information_objects: Vec::new(),
            dependency: DependencyClass::Dependency,
            transition: None,
            agreement: None,
            costs: Vec::new(),
            certificates: systems
                .get(system)
                .map(|s| s.certificates.iter().map(|c| c.fingerprint.clone()).collect())
                .unwrap_or_default(),
            source: Source::Snitflade,
        });
    }

    let systems = granted
        .into_iter()
        .map(|name| {
            let known = systems.get(name);
            System {
                id: name.into(),
                name: name.into(),
                vendor: known.and_then(|s| s.vendor.clone()).filter(|v| !v.is_empty()),
                kind: SystemKind::External,
                lifecycle: Lifecycle::InOperation,
                replaced_by: None,
                description: known.map(system_description).unwrap_or_default(),
                source: Source::Snitflade,
            }
        })
        .collect();
    Landscape {
        systems,
        interfaces: Vec::new(),
        relations,
        requirement_areas: Vec::new(),
    }
}

fn cost_line(p: &PriceFact, note: &str) -> CostLine {
    CostLine {
        kind: p.kind,
        amount: p.amount,
        // Running fees are invoiced per calendar month.
        period: if p.kind == CostKind::Running { "month" } else { "once" }.into(),
        note: note.into(),
    }
}

fn system_description(s: &&ExternalSystem) -> String {
    let mut parts = vec!["Eksternt system med adgang gennem snitflade".to_string()];
    if let Some(cvr) = s.vendor_cvr.as_deref().filter(|c| !c.is_empty()) {
        parts.push(format!("leverandørens CVR {cvr}"));
    }
    let subjects: Vec<&str> = s.certificates.iter().map(|c| c.subject.as_str()).collect();
    if !subjects.is_empty() {
        parts.push(format!("certifikat {}", subjects.join(", ")));
    }
    parts.join("; ")
}

/// Versions compared as numbers where they are numbers (`10` after `9`), else as text.
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<Result<u64, String>> {
        v.split(['.', '-'])
            .map(|p| p.parse::<u64>().map_err(|_| p.to_owned()))
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x, y) {
            (Ok(x), Ok(y)) => x.cmp(y),
            (Err(x), Err(y)) => x.cmp(y),
            (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
            (Err(_), Ok(_)) => std::cmp::Ordering::Less,
        };
        if o.is_ne() {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}
