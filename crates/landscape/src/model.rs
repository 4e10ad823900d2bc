//! The landscape's data model: systems, the interface catalogue, and relations between two systems over an
//! interface. These types are also the shape of the shipped TOML data files (`data/*.toml`) and of the JSON
//! export, so field names are part of the public surface: add fields with `#[serde(default)]`, never rename.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A whole landscape (or a fragment of one, as in one data file): merge fragments with [`Landscape::merge`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Landscape {
    #[serde(default, rename = "system")]
    pub systems: Vec<System>,
    #[serde(default, rename = "interface")]
    pub interfaces: Vec<Interface>,
    #[serde(default, rename = "relation")]
    pub relations: Vec<Relation>,
    /// KOMBIT's integration requirements (SKI 02.19; docs/src/landscape.md): general areas, exceptions, maintenance
    /// period.
    #[serde(default, rename = "requirement_area")]
    pub requirement_areas: Vec<RequirementArea>,
}

/// A system in the landscape, keyed by a stable slug (`kmd-aktiv`, `ky`, `snitflade`, a granted system's name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    pub kind: SystemKind,
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// The system that takes over when this one is phased out (KMD Aktiv → KY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Where the record came from: typed in / shipped data, or derived from snitflade's own grants.
    #[serde(default, skip_serializing_if = "Source::is_manual")]
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    /// A platform (legacy or new) system run for the municipality, e.g. KMD Aktiv, KMD Opus Personale, KY.
    Platform,
    /// A third-party / external system, e.g. a daycare planner, STAR, SKAT.
    External,
    /// A data warehouse (Datalager).
    DataWarehouse,
    /// One of KOMBIT's support systems (Støttesystemer / Serviceplatformen), e.g. the Beskedfordeler.
    KombitSupport,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    #[default]
    InOperation,
    PhasingIn,
    PhasingOut,
    Retired,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    Manual,
    /// Derived from snitflade's grants, orders and certificates; never stored, recomputed on every read.
    Snitflade,
}

impl Source {
    pub fn is_manual(&self) -> bool {
        matches!(self, Source::Manual)
    }
}

/// One interface of the catalogue, keyed by `id` + `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// `SF1460_A`, `OPUS-FRAVAER`, `IND01`, `SID123`, `2045`, …
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    pub name: String,
    /// One line: what the interface is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purpose: String,
    pub kind: InterfaceKind,
    /// The catalogue status as published (e.g. `i drift`, `under udfasning`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When this version of the interface was released / is valid from (starts the 6-month maintenance period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// The information objects the interface handles (KOMBIT's overlap rule compares these).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information_objects: Vec<String>,
    /// Interfaces covering the same need share a group; integrating with one of them is enough (§2.3 of KOMBIT's
    /// integration requirements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_need_group: Option<String>,
    /// A public service platform or base register that offers at least the same (the second exception in §2.3 of
    /// KOMBIT's integration requirements: a direct integration with it makes the interface unnecessary), e.g.
    /// "Grunddataprogrammet (CPR)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_alternative: Option<String>,
    /// The system providing the interface (a system id), if it is in the landscape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

fn default_version() -> String {
    "1".to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceKind {
    /// KOMBIT's catalogue (SFnnnn).
    Kombit,
    /// One of the seven KMD Opus Personale standard interfaces (and the machine-hours service).
    OpusStandard,
    /// A legacy file interface (IND01, IND02, FERIE, FRAVÆR, …).
    LegacyFile,
    /// A local id: a municipality's own number, KOMBIT's SIDnnn/2nnn transition ids, a vendor's name.
    Local,
}

/// A reference to a catalogue interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceRef {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
}

/// A relation: two systems connected over an interface, in one municipality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Stable id, unique in the landscape (`soroe-kmd-aktiv-5a`, or a UUID for ones created through the API).
    pub id: String,
    /// The municipality's kommunekode, four digits as everywhere in snitflade (`0340` Sorø); relations are always per municipality.
    pub municipality: String,
    /// The system the map is drawn around (the legacy system in Sorø's "Snitfladeoversigt" maps).
    pub system: String,
    /// The system at the other end.
    pub counterpart: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<InterfaceRef>,
    /// The number on the map (`5a`, `12b`, `27`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_number: Option<String>,
    /// Data flow, seen from `system`.
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information_objects: Vec<String>,
    pub dependency: DependencyClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub costs: Vec<CostLine>,
    /// Certificates used on the relation (subject or SHA-256 fingerprint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<String>,
    #[serde(default, skip_serializing_if = "Source::is_manual")]
    pub source: Source,
}

impl Relation {
    /// A relation with only its required fields; the optional ones (interface, number, transition, agreement,
    /// costs, …) are empty, to be set as needed.
    pub fn new(
        id: impl Into<String>,
        municipality: impl Into<String>,
        system: impl Into<String>,
        counterpart: impl Into<String>,
        direction: Direction,
        dependency: DependencyClass,
    ) -> Self {
        Relation {
            id: id.into(),
            municipality: municipality.into(),
            system: system.into(),
            counterpart: counterpart.into(),
            interface: None,
            local_number: None,
            direction,
            description: String::new(),
            information_objects: Vec::new(),
            dependency,
            transition: None,
            agreement: None,
            costs: Vec::new(),
            certificates: Vec::new(),
            source: Source::Manual,
        }
    }
}

/// Data-flow direction of a relation, seen from its `system`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Data flows from `system` to `counterpart`.
    To,
    /// Data flows from `counterpart` to `system`.
    From,
    Both,
}

/// The four dependency classes of the "Snitfladeoversigt" maps (docs/src/landscape.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyClass {
    /// *Svag afhængighed*: no effect on the platform's operation of other systems nor on third-party integrations;
    /// terminated together with the legacy agreement.
    Weak,
    /// *Uklar afhængighed*: unclear what the interface means for the use of the external system; terminated
    /// together with the legacy agreement.
    Unclear,
    /// *Afhængighed*: the external system will lack information, or the municipality breaks the law; terminated
    /// together with the legacy agreement.
    Dependency,
    /// *Lokal snitfladeaftale*: a separate local interface agreement that must be terminated as well.
    LocalAgreement,
}

impl DependencyClass {
    pub const ALL: [DependencyClass; 4] = [
        DependencyClass::Weak,
        DependencyClass::Unclear,
        DependencyClass::Dependency,
        DependencyClass::LocalAgreement,
    ];

    /// The Danish label used on the "Snitfladeoversigt" maps.
    pub fn label_da(self) -> &'static str {
        match self {
            DependencyClass::Weak => "Svag afhængighed",
            DependencyClass::Unclear => "Uklar afhængighed",
            DependencyClass::Dependency => "Afhængighed",
            DependencyClass::LocalAgreement => "Lokal snitfladeaftale",
        }
    }

    /// The meaning, as the maps' legend states it (Danish).
    pub fn meaning_da(self) -> &'static str {
        match self {
            DependencyClass::Weak => {
                "Ingen indvirkning på driften af andre systemer samt den fortsatte integration til 3.partssystemer. \
                 Snitfladen opsiges samtidig med aftalen om systemet."
            }
            DependencyClass::Unclear => {
                "Det er uklart hvilken betydning snitfladen har for anvendelsen af det eksterne system. \
                 Snitfladen opsiges samtidig med aftalen om systemet."
            }
            DependencyClass::Dependency => {
                "Eksternt system kommer til at mangle information, eller kommunen er ikke lovmedholdig. \
                 Snitfladen opsiges samtidig med aftalen om systemet."
            }
            DependencyClass::LocalAgreement => {
                "Der er indgået en særskilt lokal snitfladeaftale, som også skal opsiges."
            }
        }
    }
}

/// The four transition decisions of the "Snitfladeoversigt" maps' transition view (docs/src/landscape.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionDecision {
    /// A new joint-municipal solution: KOMBIT negotiates, buys and pays.
    KombitBuys,
    /// KOMBIT negotiates; the municipalities buy and pay.
    KombitNegotiatesMunicipalityBuys,
    /// The municipality negotiates, buys and pays itself.
    MunicipalityBuys,
    /// The interface is not used / no longer needed: it drops out with the legacy system.
    NotNeeded,
}

impl TransitionDecision {
    pub const ALL: [TransitionDecision; 4] = [
        TransitionDecision::KombitBuys,
        TransitionDecision::KombitNegotiatesMunicipalityBuys,
        TransitionDecision::MunicipalityBuys,
        TransitionDecision::NotNeeded,
    ];

    pub fn label_da(self) -> &'static str {
        match self {
            TransitionDecision::KombitBuys => "KOMBIT forhandler, køber og betaler",
            TransitionDecision::KombitNegotiatesMunicipalityBuys => "KOMBIT forhandler, kommunerne køber og betaler",
            TransitionDecision::MunicipalityBuys => "Kommunen forhandler, køber og betaler",
            TransitionDecision::NotNeeded => "Snitfladen anvendes ikke / er ikke længere nødvendig",
        }
    }

    /// Who must act: `kombit`, `municipality`, or nobody.
    pub fn actor(self) -> Option<Actor> {
        match self {
            TransitionDecision::KombitBuys | TransitionDecision::KombitNegotiatesMunicipalityBuys => {
                Some(Actor::Kombit)
            }
            TransitionDecision::MunicipalityBuys => Some(Actor::Municipality),
            TransitionDecision::NotNeeded => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Kombit,
    Municipality,
}

/// What happens to a relation when its `system` is phased out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub decision: TransitionDecision,
    /// The system that takes the relation over (KY, KSD, SAPA), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_system: Option<String>,
    /// The interface it moves to (a KOMBIT SIDnnn / 2nnn id, an SF number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_interface: Option<InterfaceRef>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The agreement a relation rests on (the legacy contract, a local interface agreement, an order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    pub name: String,
    /// Notice period in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// The day notice was given / the agreement was terminated, if it has been.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostLine {
    pub kind: CostKind,
    /// DKK, excluding VAT.
    pub amount: Decimal,
    /// `once`, `month` or `year`.
    #[serde(default = "default_period")]
    pub period: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn default_period() -> String {
    "once".to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Start-up licence fee.
    StartUp,
    /// Running fee (operation and maintenance).
    Running,
    /// Access set-up fee.
    SetUp,
}

/// A general requirement area of KOMBIT's integration requirements (Tabel 1): every supplier must integrate with these
/// interfaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementArea {
    /// `Adgangsstyring`, `Beskedfordeling`.
    pub name: String,
    pub interfaces: Vec<InterfaceRef>,
}

impl Landscape {
    /// Appends another fragment (e.g. the next data file, or the derived snitflade relations).
    pub fn merge(&mut self, other: Landscape) {
        self.systems.extend(other.systems);
        self.interfaces.extend(other.interfaces);
        self.relations.extend(other.relations);
        self.requirement_areas.extend(other.requirement_areas);
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.id == id)
    }

    pub fn interface(&self, r: &InterfaceRef) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.id == r.id && i.version == r.version)
    }

    /// The relations touching `system` (as either end), optionally in one municipality (`340` and `0340` alike).
    pub fn relations_of<'a>(
        &'a self,
        system: &'a str,
        municipality: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations.iter().filter(move |r| {
            (r.system == system || r.counterpart == system)
                && municipality.is_none_or(|m| crate::naming::same_municipality(&r.municipality, m))
        })
    }
}
