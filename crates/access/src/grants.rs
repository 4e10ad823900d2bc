//! The access check done on every call: which system a certificate belongs to, and whether that system holds a
//! grant for the interface in the municipality. Kept in memory (swapped as a whole on change) so the check costs
//! a hash look-up.

use snitflade_domain::{InterfaceId, Kommunekode};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

/// A system known by one of its certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemInfo {
    pub id: String,
    pub name: String,
}

/// One grant: system × interface × municipality, valid in a half-open day interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub system_id: String,
    pub interface: InterfaceId,
    pub municipality: Kommunekode,
    pub valid_from: jiff::civil::Date,
    pub valid_to: Option<jiff::civil::Date>,
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
            .map(|gs| {
                gs.iter()
                    .filter(|g| g.valid_from <= day && g.valid_to.is_none_or(|to| day < to))
                    .map(|g| g.municipality)
                    .collect()
            })
            .unwrap_or_default()
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

    /// Decides the municipality of a call (CONTRACT §5): the one the message names, else the one from the URL's
    /// `kommune=`, else the caller's only granted municipality for this interface. A named municipality must be
    /// granted; several candidates without a choice are refused.
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
}
