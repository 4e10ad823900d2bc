//! The access check done on every call: which system a certificate belongs to, and whether that system holds a
//! grant for the interface in the municipality — of the level the operation needs (a change needs `read-write`,
//! `snitflade_domain::access_level`). Kept in memory (swapped as a whole on change) so the check costs a hash
//! look-up.

use snitflade_domain::access_level::{AccessLevel, Effect, Operation};
use snitflade_domain::{InterfaceId, Kommunekode};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

/// A system known by one of its certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemInfo {
    pub id: String,
    pub name: String,
}

/// One grant: system × interface × municipality at an access level, valid in a half-open day interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub system_id: String,
    pub interface: InterfaceId,
    pub municipality: Kommunekode,
    pub access: AccessLevel,
    pub valid_from: jiff::civil::Date,
    pub valid_to: Option<jiff::civil::Date>,
}

impl Grant {
    fn in_force(&self, day: jiff::civil::Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day < to)
    }
}

/// Why a call is refused. The texts are Danish and name what is missing, so the vendor knows what to order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("Certifikatet (SHA-256 {fingerprint}) er ikke knyttet til et kendt system")]
    UnknownCertificate { fingerprint: String },
    #[error("Systemet '{system}' har ikke adgang til snitfladen '{interface}'")]
    NoInterfaceGrant { system: String, interface: InterfaceId },
    #[error("Systemet '{system}' har ikke adgang til snitfladen '{interface}' for kommune {municipality}")]
    NoMunicipalityGrant {
        system: String,
        interface: InterfaceId,
        municipality: Kommunekode,
    },
    #[error(
        "Systemet '{system}' har adgang til snitfladen '{interface}' for flere kommuner ({choices}); angiv kommunen med kommune=<kode> i URL'en"
    )]
    AmbiguousMunicipality {
        system: String,
        interface: InterfaceId,
        choices: String,
    },
    #[error(
        "Systemet '{system}' har kun læseadgang (read) til snitfladen '{interface}'{}; {operation} ændrer data og kræver adgangsniveauet read-write",
        .municipality.map(|m| format!(" for kommune {m}")).unwrap_or_default()
    )]
    ReadOnly {
        system: String,
        interface: InterfaceId,
        /// `None`: the system may write in none of its municipalities (refused before the message is read).
        municipality: Option<Kommunekode>,
        operation: &'static str,
    },
}

impl Denied {
    /// The municipality the refused call was for, when it was known.
    pub fn municipality(&self) -> Option<Kommunekode> {
        match self {
            Self::NoMunicipalityGrant { municipality, .. } => Some(*municipality),
            Self::ReadOnly { municipality, .. } => *municipality,
            _ => None,
        }
    }

    /// Why, as one of a fixed set of words (a metric label): `unknown_certificate`, `no_interface_grant`,
    /// `no_municipality_grant`, `ambiguous_municipality` or `read_only`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownCertificate { .. } => "unknown_certificate",
            Self::NoInterfaceGrant { .. } => "no_interface_grant",
            Self::NoMunicipalityGrant { .. } => "no_municipality_grant",
            Self::AmbiguousMunicipality { .. } => "ambiguous_municipality",
            Self::ReadOnly { .. } => "read_only",
        }
    }
}

#[derive(Debug, Default)]
struct Snapshot {
    by_fingerprint: HashMap<String, SystemInfo>,
    grants: HashMap<(String, InterfaceId), Vec<Grant>>,
}

/// The in-memory access table. Cheap to clone; `replace` swaps in a new table atomically.
#[derive(Debug, Clone, Default)]
pub struct AccessControl {
    inner: Arc<RwLock<Arc<Snapshot>>>,
}

impl AccessControl {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the whole table: certificates (fingerprint → system) and grants.
    pub fn replace(&self, certificates: impl IntoIterator<Item = (String, SystemInfo)>, grants: Vec<Grant>) {
        let mut snap = Snapshot {
            by_fingerprint: certificates.into_iter().collect(),
            grants: HashMap::new(),
        };
        for g in grants {
            snap.grants
                .entry((g.system_id.clone(), g.interface))
                .or_default()
                .push(g);
        }
        *self.inner.write().expect("access table lock") = Arc::new(snap);
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.read().expect("access table lock").clone()
    }

    /// The system behind a certificate fingerprint.
    pub fn system(&self, fingerprint: &str) -> Result<SystemInfo, Denied> {
        self.snapshot()
            .by_fingerprint
            .get(fingerprint)
            .cloned()
            .ok_or_else(|| Denied::UnknownCertificate {
                fingerprint: fingerprint.to_owned(),
            })
    }

    /// Whether the system behind a certificate holds any grant that has not ended (one that starts later counts:
    /// its connections are expected). The listener gives connections without one a short idle deadline.
    pub fn has_any_grant(&self, fingerprint: &str) -> bool {
        let snap = self.snapshot();
        let Some(system) = snap.by_fingerprint.get(fingerprint) else {
            return false;
        };
        let today = jiff::Zoned::now().date();
        snap.grants
            .iter()
            .any(|((id, _), gs)| id == &system.id && gs.iter().any(|g| g.valid_to.is_none_or(|to| today < to)))
    }

    /// The municipalities in which `system` may use `interface` on `day`.
    pub fn municipalities(
        &self,
        system: &SystemInfo,
        interface: InterfaceId,
        day: jiff::civil::Date,
    ) -> BTreeSet<Kommunekode> {
        self.snapshot()
            .grants
            .get(&(system.id.clone(), interface))
            .map(|gs| gs.iter().filter(|g| g.in_force(day)).map(|g| g.municipality).collect())
            .unwrap_or_default()
    }

    /// The level at which `system` may use `interface` in `municipality` on `day` (the highest of its grants in
    /// force there); `None` without a grant.
    pub fn level(
        &self,
        system: &SystemInfo,
        interface: InterfaceId,
        municipality: Kommunekode,
        day: jiff::civil::Date,
    ) -> Option<AccessLevel> {
        self.snapshot()
            .grants
            .get(&(system.id.clone(), interface))?
            .iter()
            .filter(|g| g.municipality == municipality && g.in_force(day))
            .map(|g| g.access)
            .max()
    }

    /// Checks that `system` may use `interface` at all (in some municipality).
    pub fn check_interface(
        &self,
        system: &SystemInfo,
        interface: InterfaceId,
        day: jiff::civil::Date,
    ) -> Result<(), Denied> {
        if self.municipalities(system, interface, day).is_empty() {
            return Err(Denied::NoInterfaceGrant {
                system: system.name.clone(),
                interface,
            });
        }
        Ok(())
    }

    /// Decides the municipality of a call (docs/src/interfaces/conventions.md#the-municipality-of-a-call): the one the
    /// message names, else the one from the URL's `kommune=`, else the caller's only granted municipality for this
    /// interface. A named municipality must be granted; several candidates without a choice are refused.
    pub fn resolve(
        &self,
        system: &SystemInfo,
        interface: InterfaceId,
        named: Option<Kommunekode>,
        day: jiff::civil::Date,
    ) -> Result<Kommunekode, Denied> {
        let granted = self.municipalities(system, interface, day);
        if granted.is_empty() {
            return Err(Denied::NoInterfaceGrant {
                system: system.name.clone(),
                interface,
            });
        }
        match named {
            Some(k) if granted.contains(&k) => Ok(k),
            Some(k) => Err(Denied::NoMunicipalityGrant {
                system: system.name.clone(),
                interface,
                municipality: k,
            }),
            None if granted.len() == 1 => Ok(*granted.first().expect("one")),
            None => Err(Denied::AmbiguousMunicipality {
                system: system.name.clone(),
                interface,
                choices: granted.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// The access check of one call of `op`: the municipality as [`AccessControl::resolve`] decides it (from
    /// every grant, whatever its level), then the level there — a change needs `read-write`, a read either level.
    pub fn authorize(
        &self,
        system: &SystemInfo,
        op: &Operation,
        named: Option<Kommunekode>,
        day: jiff::civil::Date,
    ) -> Result<Kommunekode, Denied> {
        let k = self.resolve(system, op.interface, named, day)?;
        match self.level(system, op.interface, k, day) {
            Some(level) if level.allows(op.effect) => Ok(k),
            _ => Err(Denied::ReadOnly {
                system: system.name.clone(),
                interface: op.interface,
                municipality: Some(k),
                operation: op.name,
            }),
        }
    }

    /// Checks, before the message is read, that `system` may call `op` in some municipality: a grant of the
    /// interface, and for a change one of level `read-write`. [`AccessControl::authorize`] still decides the call.
    pub fn admit(&self, system: &SystemInfo, op: &Operation, day: jiff::civil::Date) -> Result<(), Denied> {
        self.check_interface(system, op.interface, day)?;
        if op.effect == Effect::Reads {
            return Ok(());
        }
        let writes_somewhere = self
            .municipalities(system, op.interface, day)
            .into_iter()
            .any(|k| self.level(system, op.interface, k, day) == Some(AccessLevel::ReadWrite));
        if writes_somewhere {
            Ok(())
        } else {
            Err(Denied::ReadOnly {
                system: system.name.clone(),
                interface: op.interface,
                municipality: None,
                operation: op.name,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Kommunekode {
        Kommunekode::parse(s).unwrap()
    }

    fn setup() -> (AccessControl, SystemInfo) {
        let sys = SystemInfo {
            id: "s1".into(),
            name: "maskinregistrering".into(),
        };
        let ac = AccessControl::new();
        let g = |m: &str, to: Option<jiff::civil::Date>| Grant {
            system_id: "s1".into(),
            interface: InterfaceId::Maskintimer,
            municipality: k(m),
            access: AccessLevel::ReadWrite,
            valid_from: jiff::civil::date(2020, 1, 1),
            valid_to: to,
        };
        ac.replace(
            [("ab".to_owned(), sys.clone())],
            vec![
                g("0340", None),
                g("0751", None),
                g("0101", Some(jiff::civil::date(2021, 1, 1))),
            ],
        );
        (ac, sys)
    }

    #[test]
    fn resolves_named_url_and_single() {
        let (ac, sys) = setup();
        let today = jiff::civil::date(2026, 11, 22);
        assert_eq!(ac.system("ab").unwrap(), sys);
        assert!(matches!(ac.system("cd"), Err(Denied::UnknownCertificate { .. })));
        assert_eq!(
            ac.resolve(&sys, InterfaceId::Maskintimer, Some(k("751")), today)
                .unwrap(),
            k("0751")
        );
        // Ended grant does not count.
        assert!(matches!(
            ac.resolve(&sys, InterfaceId::Maskintimer, Some(k("0101")), today),
            Err(Denied::NoMunicipalityGrant { .. })
        ));
        let amb = ac.resolve(&sys, InterfaceId::Maskintimer, None, today).unwrap_err();
        assert!(amb.to_string().contains("0340, 0751"), "{amb}");
        assert!(matches!(
            ac.resolve(&sys, InterfaceId::OpretFravaer, None, today),
            Err(Denied::NoInterfaceGrant { .. })
        ));
        assert!(ac.check_interface(&sys, InterfaceId::Maskintimer, today).is_ok());
        // Before the grant started.
        assert!(
            ac.check_interface(&sys, InterfaceId::Maskintimer, jiff::civil::date(2019, 1, 1))
                .is_err()
        );
    }

    /// `vikarsystem`: Medarbejderoplysninger read-write in 0751, read in 0340 (and a read-write grant there that
    /// ended); Engangsydelse read in 0340 only.
    fn levels() -> (AccessControl, SystemInfo) {
        let sys = SystemInfo {
            id: "v".into(),
            name: "vikarsystem".into(),
        };
        let g = |interface, m: &str, access, to: Option<jiff::civil::Date>| Grant {
            system_id: "v".into(),
            interface,
            municipality: k(m),
            access,
            valid_from: jiff::civil::date(2020, 1, 1),
            valid_to: to,
        };
        let ac = AccessControl::new();
        ac.replace(
            [],
            vec![
                g(InterfaceId::Medarbejderoplysninger, "0340", AccessLevel::Read, None),
                g(
                    InterfaceId::Medarbejderoplysninger,
                    "0340",
                    AccessLevel::ReadWrite,
                    Some(jiff::civil::date(2021, 1, 1)),
                ),
                g(
                    InterfaceId::Medarbejderoplysninger,
                    "0751",
                    AccessLevel::ReadWrite,
                    None,
                ),
                g(InterfaceId::Engangsydelse, "0340", AccessLevel::Read, None),
            ],
        );
        (ac, sys)
    }

    fn op(service: &str, request: Option<&str>) -> &'static Operation {
        snitflade_domain::access_level::operation(service, request).unwrap()
    }

    #[test]
    fn a_change_needs_read_write_where_it_is_made_and_a_read_either_level() {
        let (ac, sys) = levels();
        let today = jiff::civil::date(2026, 11, 22);
        let (ret, laes) = (
            op("Employee_Provide_Out", Some("RetInput")),
            op("Employee_Provide_Out", Some("LaesInput")),
        );
        assert_eq!(
            ac.level(&sys, InterfaceId::Medarbejderoplysninger, k("0340"), today),
            Some(AccessLevel::Read)
        );
        assert_eq!(ac.authorize(&sys, laes, Some(k("0340")), today), Ok(k("0340")));
        let refused = ac.authorize(&sys, ret, Some(k("0340")), today).unwrap_err();
        assert!(matches!(refused, Denied::ReadOnly { municipality: Some(m), .. } if m == k("0340")));
        assert_eq!(
            refused.to_string(),
            "Systemet 'vikarsystem' har kun læseadgang (read) til snitfladen 'medarbejderoplysninger' for kommune \
             0340; Ret ændrer data og kræver adgangsniveauet read-write"
        );
        assert_eq!(ac.authorize(&sys, ret, Some(k("0751")), today), Ok(k("0751")));
        // While the read-write grant of 0340 was in force, Ret was allowed there.
        assert_eq!(
            ac.authorize(&sys, ret, Some(k("0340")), jiff::civil::date(2020, 6, 1)),
            Ok(k("0340"))
        );
        // The municipality is decided from every grant before the level: unnamed, two municipalities are ambiguous.
        assert!(matches!(
            ac.authorize(&sys, ret, None, today),
            Err(Denied::AmbiguousMunicipality { .. })
        ));
        // No grant at all is still the refusal it was.
        assert!(matches!(
            ac.authorize(
                &sys,
                op("GetChildren_OS_SI", Some("GetChildrenRequest_MT")),
                None,
                today
            ),
            Err(Denied::NoInterfaceGrant { .. })
        ));
    }

    #[test]
    fn admission_refuses_a_change_where_the_system_writes_nowhere() {
        let (ac, sys) = levels();
        let today = jiff::civil::date(2026, 11, 22);
        let update = op("/lpe/update-onetime-payments", None);
        let refused = ac.admit(&sys, update, today).unwrap_err();
        assert!(matches!(refused, Denied::ReadOnly { municipality: None, .. }));
        assert!(!refused.to_string().contains("for kommune"), "{refused}");
        assert!(ac.admit(&sys, op("/lpe/read-onetime-payments", None), today).is_ok());
        // Read-write in 0751 is enough to be let in; the call's municipality decides then.
        assert!(
            ac.admit(&sys, op("Employee_Provide_Out", Some("RetInput")), today)
                .is_ok()
        );
    }
}
