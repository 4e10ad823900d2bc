//! KOMBIT's integration requirements (SKI 02.19 bilag 2, sections 2.2–2.3; docs/src/landscape.md): which catalogue
//! interfaces a supplier's delivery must integrate with. [`check`] applies
//! - the general requirements (the landscape's requirement areas: access control, message distribution), which
//!   always apply;
//! - the specific requirement (the overlap rule): every KOMBIT catalogue interface handling an information object
//!   the delivery works with;
//! - the two exceptions: of several required interfaces covering the same need (`same_need_group`) one is enough;
//!   a requirement lapses when the delivery integrates directly with the interface's public alternative (under any
//!   of its names in [`PUBLIC_ALTERNATIVE_ALIASES`]: `CPR` is "Grunddataprogrammet (CPR)");
//! - the maintenance rule: an updated interface must be implemented within 6 months of its release date
//!   (`valid_from`); required interfaces without one are listed, since their deadline cannot be checked;
//!
//! and, for a system in the landscape, which requirements its relations already meet.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::model::{Interface, InterfaceKind, Landscape};
use crate::naming::natural_cmp;

/// The maintenance period of KOMBIT's integration requirements: a supplier updates within 6 months of KOMBIT's update.
pub const MAINTENANCE_MONTHS: i32 = 6;

/// What the delivery does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementQuery {
    /// A system in the landscape whose relations are checked against the requirements.
    #[serde(default)]
    pub system: Option<String>,
    /// The information objects the delivery works with (`Sag`, `Dokument`, `Faktura`, …).
    #[serde(default)]
    pub information_objects: Vec<String>,
    /// Public service platforms or base registers the delivery integrates with directly
    /// (e.g. `Grunddataprogrammet (CPR)`).
    #[serde(default)]
    pub direct_public_integrations: Vec<String>,
    /// The day maintenance deadlines are compared with.
    pub today: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementReport {
    /// The queried system, if any.
    pub system: Option<String>,
    /// The queried system's name, when it is in the landscape.
    pub system_name: Option<String>,
    pub today: Date,
    pub information_objects: Vec<String>,
    /// General requirements, per area, in the landscape's order.
    pub general: Vec<GeneralArea>,
    /// Interfaces required by the overlap rule, one by one (natural order of id).
    pub specific: Vec<RequiredInterface>,
    /// Groups of required interfaces covering the same need: integrating with one of each group is enough.
    pub one_of: Vec<OneOfGroup>,
    pub exceptions: Vec<AppliedException>,
    /// Maintenance deadlines of every required interface with a `valid_from`, earliest first.
    pub maintenance: Vec<MaintenanceItem>,
    /// Required interfaces (`id` or `id vN`) without a release date (`valid_from`): their maintenance deadline
    /// cannot be checked until one is registered.
    pub maintenance_unknown: Vec<String>,
    /// Information objects of the query that no KOMBIT interface handles.
    pub unmatched_objects: Vec<String>,
    /// Met vs missing requirements, when `system` is in the landscape.
    pub coverage: Option<Coverage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneralArea {
    pub name: String,
    pub interfaces: Vec<RequiredInterface>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredInterface {
    pub id: String,
    pub version: String,
    /// The catalogue name; the id when the interface is not in the catalogue.
    pub name: String,
    pub purpose: String,
    pub in_catalogue: bool,
    /// Why it is required by the overlap rule: the overlapping information objects (the catalogue's spelling).
    /// Empty for general requirements.
    pub overlapping_objects: Vec<String>,
    pub valid_from: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneOfGroup {
    pub group: String,
    pub interfaces: Vec<RequiredInterface>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Several required interfaces cover the same need: one of them is enough.
    SameNeed,
    /// The delivery integrates directly with a public platform or register offering at least the same.
    PublicAlternative,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedException {
    pub kind: ExceptionKind,
    /// The interfaces the exception concerns.
    pub interfaces: Vec<String>,
    /// The public alternative, for [`ExceptionKind::PublicAlternative`].
    pub public_alternative: Option<String>,
    /// A readable reason (Danish).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceItem {
    pub id: String,
    pub version: String,
    pub valid_from: Date,
    /// `valid_from` + 6 months: the supplier's implementation must be updated by then.
    pub deadline: Date,
    /// The deadline is before `today`.
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub met: Vec<CoverageEntry>,
    pub missing: Vec<CoverageEntry>,
}

/// One requirement (an interface, or a same-need group) and the system's relations over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageEntry {
    /// The interface ids: one, or a group's alternatives.
    pub interfaces: Vec<String>,
    /// The same-need group, when any of `interfaces` is enough.
    pub group: Option<String>,
    /// The required version of each of `interfaces`.
    pub versions: Vec<String>,
    /// The system's relations over any of `interfaces` (any version, any municipality).
    pub relations: Vec<String>,
    /// Those of `relations` over another version than the required one (see the maintenance deadlines).
    pub outdated: Vec<String>,
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Public platforms and registers under the names a delivery may give them: the catalogue's name first, then its
/// aliases. The exception of §2.3 of KOMBIT's integration requirements matches a delivery's direct integration against
/// an interface's `public_alternative` through this table (case-insensitively, spaces collapsed).
pub const PUBLIC_ALTERNATIVE_ALIASES: &[&[&str]] = &[
    &[
        "Grunddataprogrammet (CPR)",
        "CPR",
        "Grunddataprogrammet CPR",
        "Det Centrale Personregister",
        "Det Centrale Personregister (CPR)",
        "CPR-registeret",
    ],
    &[
        "NemKonto System (NKS), direkte",
        "NemKonto",
        "NemKonto System",
        "NemKonto System (NKS)",
        "NKS",
    ],
];

/// The name a public platform is compared by: the first name of its alias group, else the name itself.
fn public_key(name: &str) -> String {
    let n = norm(name);
    PUBLIC_ALTERNATIVE_ALIASES
        .iter()
        .find(|names| names.iter().any(|a| norm(a) == n))
        .map_or(n, |names| norm(names[0]))
}

fn required(i: &Interface, overlapping_objects: Vec<String>) -> RequiredInterface {
    RequiredInterface {
        id: i.id.clone(),
        version: i.version.clone(),
        name: i.name.clone(),
        purpose: i.purpose.clone(),
        in_catalogue: true,
        overlapping_objects,
        valid_from: i.valid_from,
    }
}

/// The newest version of every KOMBIT catalogue interface (latest `valid_from`, then highest version).
fn newest_kombit_interfaces(landscape: &Landscape) -> Vec<&Interface> {
    let mut newest: BTreeMap<&str, &Interface> = BTreeMap::new();
    for i in landscape.interfaces.iter().filter(|i| i.kind == InterfaceKind::Kombit) {
        let replace = newest.get(i.id.as_str()).is_none_or(|cur| {
            i.valid_from
                .cmp(&cur.valid_from)
                .then_with(|| natural_cmp(&i.version, &cur.version))
                .is_gt()
        });
        if replace {
            newest.insert(&i.id, i);
        }
    }
    let mut all: Vec<&Interface> = newest.into_values().collect();
    all.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    all
}

fn join_da(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// Checks which interfaces a delivery must integrate with.
pub fn check(landscape: &Landscape, query: &RequirementQuery) -> RequirementReport {
    let objects: BTreeSet<String> = query
        .information_objects
        .iter()
        .map(|o| norm(o))
        .filter(|o| !o.is_empty())
        .collect();
    let public: HashSet<String> = query.direct_public_integrations.iter().map(|p| public_key(p)).collect();

    // General requirements.
    let general: Vec<GeneralArea> = landscape
        .requirement_areas
        .iter()
        .map(|area| GeneralArea {
            name: area.name.clone(),
            interfaces: area
                .interfaces
                .iter()
                .map(|r| match landscape.interface(r) {
                    Some(i) => required(i, Vec::new()),
                    None => RequiredInterface {
                        id: r.id.clone(),
                        version: r.version.clone(),
                        name: r.id.clone(),
                        purpose: String::new(),
                        in_catalogue: false,
                        overlapping_objects: Vec::new(),
                        valid_from: None,
                    },
                })
                .collect(),
        })
        .collect();
    let general_ids: HashSet<&str> = general
        .iter()
        .flat_map(|a| a.interfaces.iter().map(|i| i.id.as_str()))
        .collect();

    // Specific requirements: the overlap rule.
    let mut matched_objects: HashSet<String> = HashSet::new();
    let mut candidates: Vec<(&Interface, Vec<String>)> = Vec::new();
    for i in newest_kombit_interfaces(landscape) {
        let overlap: Vec<String> = i
            .information_objects
            .iter()
            .filter(|o| objects.contains(&norm(o)))
            .cloned()
            .collect();
        if overlap.is_empty() {
            continue;
        }
        matched_objects.extend(overlap.iter().map(|o| norm(o)));
        if !general_ids.contains(i.id.as_str()) {
            candidates.push((i, overlap));
        }
    }
    let unmatched_objects: Vec<String> = query
        .information_objects
        .iter()
        .filter(|o| !norm(o).is_empty() && !matched_objects.contains(&norm(o)))
        .map(|o| o.trim().to_string())
        .collect();

    // Exception 2: a direct integration with the public alternative.
    let mut exceptions = Vec::new();
    let mut lapsed_groups: BTreeMap<String, (String, String)> = BTreeMap::new(); // group → (interface, alternative)
    let mut remaining = Vec::new();
    for (i, overlap) in candidates {
        match &i.public_alternative {
            Some(alt) if public.contains(&public_key(alt)) => {
                exceptions.push(AppliedException {
                    kind: ExceptionKind::PublicAlternative,
                    interfaces: vec![i.id.clone()],
                    public_alternative: Some(alt.clone()),
                    reason: format!(
                        "Kravet om {} bortfalder: leverancen integrerer direkte med {alt}, som giver mindst samme \
                         funktionalitet.",
                        i.id
                    ),
                });
                if let Some(g) = &i.same_need_group {
                    lapsed_groups.entry(g.clone()).or_insert((i.id.clone(), alt.clone()));
                }
            }
            _ => remaining.push((i, overlap)),
        }
    }

    // Exception 1: interfaces covering the same need.
    let mut specific = Vec::new();
    let mut groups: BTreeMap<String, Vec<RequiredInterface>> = BTreeMap::new();
    for (i, overlap) in remaining {
        match &i.same_need_group {
            Some(g) => groups.entry(g.clone()).or_default().push(required(i, overlap)),
            None => specific.push(required(i, overlap)),
        }
    }
    let mut one_of = Vec::new();
    for (group, members) in groups {
        let ids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
        if let Some((lapsed, alt)) = lapsed_groups.get(&group) {
            // The need is already met through the public alternative of a group member.
            exceptions.push(AppliedException {
                kind: ExceptionKind::PublicAlternative,
                interfaces: ids.clone(),
                public_alternative: Some(alt.clone()),
                reason: format!(
                    "{} dækker samme behov som {lapsed} ({group}); kravet bortfalder, fordi leverancen integrerer \
                     direkte med {alt}.",
                    join_da(&ids)
                ),
            });
        } else if members.len() == 1 {
            specific.extend(members);
        } else {
            exceptions.push(AppliedException {
                kind: ExceptionKind::SameNeed,
                interfaces: ids.clone(),
                public_alternative: None,
                reason: format!(
                    "{} dækker samme behov ({group}); det er nok at integrere med én af dem.",
                    join_da(&ids)
                ),
            });
            one_of.push(OneOfGroup {
                group,
                interfaces: members,
            });
        }
    }
    specific.sort_by(|a, b| natural_cmp(&a.id, &b.id));

    // Maintenance.
    let all_required = || {
        general
            .iter()
            .flat_map(|a| a.interfaces.iter())
            .chain(specific.iter())
            .chain(one_of.iter().flat_map(|g| g.interfaces.iter()))
    };
    let mut seen = HashSet::new();
    let mut maintenance: Vec<MaintenanceItem> = all_required()
        .filter(|i| seen.insert((i.id.clone(), i.version.clone())))
        .filter_map(|i| {
            let valid_from = i.valid_from?;
            let deadline = maintenance_deadline(valid_from)?;
            Some(MaintenanceItem {
                id: i.id.clone(),
                version: i.version.clone(),
                valid_from,
                deadline,
                passed: deadline < query.today,
            })
        })
        .collect();
    maintenance.sort_by(|a, b| a.deadline.cmp(&b.deadline).then_with(|| natural_cmp(&a.id, &b.id)));
    let mut seen = HashSet::new();
    let mut maintenance_unknown: Vec<String> = all_required()
        .filter(|i| i.in_catalogue && i.valid_from.is_none())
        .filter(|i| seen.insert((i.id.clone(), i.version.clone())))
        .map(|i| {
            if i.version == "1" {
                i.id.clone()
            } else {
                format!("{} v{}", i.id, i.version)
            }
        })
        .collect();
    maintenance_unknown.sort_by(|a, b| natural_cmp(a, b));

    // Coverage.
    let system = query.system.as_deref().and_then(|id| landscape.system(id));
    let coverage = system.map(|s| {
        // interface id → (relation id, the version it uses)
        let mut over: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for r in landscape.relations_of(&s.id, None) {
            if let Some(i) = &r.interface {
                over.entry(i.id.as_str()).or_default().push((&r.id, &i.version));
            }
        }
        let entry = |interfaces: &[&RequiredInterface], group: Option<String>| {
            let mut relations = Vec::new();
            let mut outdated = Vec::new();
            for i in interfaces {
                for &(relation, version) in over.get(i.id.as_str()).into_iter().flatten() {
                    relations.push(relation.to_string());
                    if i.in_catalogue && version != i.version {
                        outdated.push(relation.to_string());
                    }
                }
            }
            relations.sort();
            relations.dedup();
            outdated.sort();
            outdated.dedup();
            CoverageEntry {
                interfaces: interfaces.iter().map(|i| i.id.clone()).collect(),
                versions: interfaces.iter().map(|i| i.version.clone()).collect(),
                group,
                relations,
                outdated,
            }
        };
        let mut entries = Vec::new();
        let mut singles = HashSet::new();
        for i in general.iter().flat_map(|a| a.interfaces.iter()).chain(specific.iter()) {
            if singles.insert(i.id.clone()) {
                entries.push(entry(&[i], None));
            }
        }
        for g in &one_of {
            let members: Vec<&RequiredInterface> = g.interfaces.iter().collect();
            entries.push(entry(&members, Some(g.group.clone())));
        }
        let (met, missing) = entries.into_iter().partition(|e| !e.relations.is_empty());
        Coverage { met, missing }
    });

    RequirementReport {
        system: query.system.clone(),
        system_name: system.map(|s| s.name.clone()),
        today: query.today,
        information_objects: query.information_objects.iter().map(|o| o.trim().to_string()).collect(),
        general,
        specific,
        one_of,
        exceptions,
        maintenance,
        maintenance_unknown,
        unmatched_objects,
        coverage,
    }
}

/// `valid_from` + 6 months (clamped to the month's end).
pub fn maintenance_deadline(valid_from: Date) -> Option<Date> {
    valid_from.checked_add(MAINTENANCE_MONTHS.months()).ok()
}

fn interface_line(i: &RequiredInterface) -> String {
    let mut s = i.id.clone();
    if i.version != "1" {
        let _ = write!(s, " v{}", i.version);
    }
    if i.name != i.id {
        let _ = write!(s, " {}", i.name);
    }
    if !i.in_catalogue {
        s.push_str(" (findes ikke i kataloget)");
    }
    if !i.overlapping_objects.is_empty() {
        let _ = write!(s, " — overlap: {}", i.overlapping_objects.join(", "));
    }
    s
}

impl RequirementReport {
    /// A readable Markdown report (in Danish, as KOMBIT's requirements are).
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        match (&self.system, &self.system_name) {
            (Some(id), Some(name)) => {
                let _ = writeln!(out, "# KOMBITs integrationskrav: {name} ({id})");
            }
            (Some(id), None) => {
                let _ = writeln!(out, "# KOMBITs integrationskrav: {id}");
                let _ = writeln!(
                    out,
                    "\nSystemet {id} findes ikke i landskabet; dækning kan ikke vurderes."
                );
            }
            (None, _) => {
                let _ = writeln!(out, "# KOMBITs integrationskrav");
            }
        }
        let objects = if self.information_objects.is_empty() {
            "ingen".to_string()
        } else {
            self.information_objects.join(", ")
        };
        let _ = writeln!(out, "\nInformationsobjekter: {objects}. Dato: {}.", self.today);

        let _ = writeln!(out, "\n## Generelle integrationskrav\n");
        if self.general.is_empty() {
            let _ = writeln!(out, "Ingen områder registreret.");
        }
        for a in &self.general {
            let _ = writeln!(out, "### {}\n", a.name);
            for i in &a.interfaces {
                let _ = writeln!(out, "- {}", interface_line(i));
            }
            let _ = writeln!(out);
        }

        let _ = writeln!(out, "## Specifikke integrationskrav (overlap)\n");
        if self.specific.is_empty() && self.one_of.is_empty() {
            let _ = writeln!(out, "Ingen.\n");
        }
        for i in &self.specific {
            let _ = writeln!(out, "- {}", interface_line(i));
        }
        for g in &self.one_of {
            let _ = writeln!(out, "- Én af ({}):", g.group);
            for i in &g.interfaces {
                let _ = writeln!(out, "  - {}", interface_line(i));
            }
        }
        if !self.specific.is_empty() || !self.one_of.is_empty() {
            let _ = writeln!(out);
        }

        if !self.exceptions.is_empty() {
            let _ = writeln!(out, "## Anvendte undtagelser\n");
            for e in &self.exceptions {
                let _ = writeln!(out, "- {}", e.reason);
            }
            let _ = writeln!(out);
        }

        let _ = writeln!(
            out,
            "## Vedligehold (opdatering senest {MAINTENANCE_MONTHS} måneder efter KOMBITs opdatering)\n"
        );
        if self.maintenance.is_empty() && self.maintenance_unknown.is_empty() {
            let _ = writeln!(out, "Ingen datoer registreret.\n");
        }
        for m in &self.maintenance {
            let version = if m.version == "1" {
                String::new()
            } else {
                format!(" v{}", m.version)
            };
            let _ = writeln!(
                out,
                "- {}{version}: gyldig fra {}, implementeringen opdateret senest {}{}",
                m.id,
                m.valid_from,
                m.deadline,
                if m.passed { " — FRISTEN ER PASSERET" } else { "" }
            );
        }
        if !self.maintenance.is_empty() {
            let _ = writeln!(out);
        }
        if !self.maintenance_unknown.is_empty() {
            let _ = writeln!(
                out,
                "Ingen udgivelsesdato registreret (fristen kan ikke beregnes): {}.\n",
                self.maintenance_unknown.join(", ")
            );
        }

        if let Some(c) = &self.coverage {
            let _ = writeln!(out, "## Dækning i landskabet\n");
            let describe = |e: &CoverageEntry| match &e.group {
                Some(g) => format!("én af {} ({g})", e.interfaces.join(" / ")),
                None => e.interfaces.join(" / "),
            };
            for e in &c.met {
                let _ = write!(out, "- Opfyldt: {} (relation {})", describe(e), e.relations.join(", "));
                if !e.outdated.is_empty() {
                    let required: Vec<String> = e
                        .interfaces
                        .iter()
                        .zip(&e.versions)
                        .map(|(i, v)| format!("{i} v{v}"))
                        .collect();
                    let _ = write!(
                        out,
                        " — {} bruger en anden version end {}",
                        e.outdated.join(", "),
                        required.join(" / ")
                    );
                }
                let _ = writeln!(out);
            }
            for e in &c.missing {
                let _ = writeln!(out, "- Mangler: {}", describe(e));
            }
            let _ = writeln!(out);
        }

        if !self.unmatched_objects.is_empty() {
            let _ = writeln!(
                out,
                "Informationsobjekter uden en KOMBIT-snitflade: {}.",
                self.unmatched_objects.join(", ")
            );
        }
        out
    }
}
