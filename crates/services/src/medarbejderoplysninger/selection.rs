//! Which employees and which of their records an answer holds: the employee references of List (numbers,
//! ranges, exclusions), the categories and time filters every answer applies, the manager relation
//! (Personaleleder) derived from the org-unit tree, and loading one page of employees from the store.

use super::request::{self, EmployeeRef, Request};
use jiff::civil::Date;
use snitflade_domain::hr::{Category, CategoryRecord, Employment};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::hr::{self, RegistrationFilter};
use snitflade_store::{Store, StoreError, hr_reads};
use std::collections::HashMap;

/// The employees a List names: inclusions (numbers and ranges; none = every employee) minus exclusions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    include: Vec<(Pernr, Pernr)>,
    exclude: Vec<(Pernr, Pernr)>,
    /// The references were exactly one number.
    single: Option<Pernr>,
}

impl Selection {
    pub fn new(refs: &[EmployeeRef]) -> Self {
        let mut s = Self::default();
        for r in refs {
            match *r {
                EmployeeRef::One(p) => s.include.push((p, p)),
                EmployeeRef::Range(a, b) => s.include.push((a, b)),
                EmployeeRef::Exclude(a, b) => s.exclude.push((a, b)),
            }
        }
        if let [EmployeeRef::One(p)] = refs {
            s.single = Some(*p);
        }
        s
    }

    pub fn contains(&self, p: Pernr) -> bool {
        let within = |(a, b): &(Pernr, Pernr)| *a <= p && p <= *b;
        (self.include.is_empty() || self.include.iter().any(within)) && !self.exclude.iter().any(within)
    }

    /// The one number, when the references were exactly one number (then List answers a cancelled employment
    /// as Laes does).
    pub fn single(&self) -> Option<Pernr> {
        self.single
    }
}

/// A `Virkning` filter on the records' validity, by day: the record must overlap the interval. A bound with
/// `GraenseIndikator` true is included, false excluded. The time of day of a bound is not used (validity is
/// by day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Virkning {
    pub from: Option<(Date, bool)>,
    pub to: Option<(Date, bool)>,
}

impl Virkning {
    pub fn keeps(&self, r: &CategoryRecord) -> bool {
        let after_from = match self.from {
            None => true,
            Some((d, true)) => r.valid_to >= d,
            Some((d, false)) => r.valid_to > d,
        };
        let before_to = match self.to {
            None => true,
            Some((d, true)) => r.valid_from <= d,
            Some((d, false)) => r.valid_from < d,
        };
        after_from && before_to
    }
}

/// What every answered employee carries: which categories, validity and registrations.
#[derive(Debug, Clone)]
pub struct Query {
    pub municipality: Kommunekode,
    /// In XSD order; all when the request names none.
    pub categories: Vec<Category>,
    pub virkning: Virkning,
    pub registration: RegistrationFilter,
}

impl Query {
    /// The categories and filters of a Laes or List. `Err` is the text of StatusKode 100.
    pub fn new(req: &Request<'_>, municipality: Kommunekode) -> Result<Self, String> {
        let categories = request::categories(&req.categories)?;
        let day = |t: &Option<request::Tidspunkt>, what| -> Result<Option<(Date, bool)>, String> {
            t.as_ref()
                .map(|t| request::tidspunkt_value(t, what).map(|(z, inclusive)| (z.date(), inclusive)))
                .transpose()
        };
        let virkning = Virkning {
            from: day(&req.virkning_fra, "VirkningFraFilter")?,
            to: day(&req.virkning_til, "VirkningTilFilter")?,
        };
        let mut registration = RegistrationFilter::current();
        if let Some(t) = &req.registrering_fra {
            let (z, _) = request::tidspunkt_value(t, "RegistreringFraFilter")?;
            // Registrations still current after the instant; one that ended exactly then is not (intervals are
            // half-open), whatever the bound says.
            registration.from = Some(snitflade_store::timestamp_text(z.timestamp()));
        }
        if let Some(t) = &req.registrering_til {
            let (z, inclusive) = request::tidspunkt_value(t, "RegistreringTilFilter")?;
            let mut ts = z.timestamp();
            if !inclusive {
                // Stored instants have microseconds: "made before T" is "made at or before T - 1 µs".
                ts = ts
                    .checked_sub(jiff::SignedDuration::from_micros(1))
                    .map_err(|_| "RegistreringTilFilter er uden for det gyldige tidsrum".to_owned())?;
            }
            registration.to = Some(snitflade_store::timestamp_text(ts));
        }
        if let (Some(f), Some(t)) = (&registration.from, &registration.to)
            && f > t
        {
            return Err("RegistreringFraFilter ligger efter RegistreringTilFilter".into());
        }
        Ok(Self {
            municipality,
            categories,
            virkning,
            registration,
        })
    }

    fn keeps(&self, r: &CategoryRecord) -> bool {
        self.categories.contains(&r.category) && self.virkning.keeps(r)
    }
}

/// The org-unit tree and its managers, for Personaleleder.
#[derive(Debug, Default)]
pub struct OrgTree {
    parents: HashMap<String, Option<String>>,
    managers: HashMap<String, Vec<Employment>>,
}

impl OrgTree {
    pub async fn load(store: &Store, municipality: Kommunekode) -> Result<Self, StoreError> {
        let pool = store.pool();
        let parents = hr_reads::org_unit_parents(pool, municipality).await?;
        let mut managers: HashMap<String, Vec<Employment>> = HashMap::new();
        for m in hr::managers(pool, municipality).await? {
            if let Some(unit) = m.org_unit.clone() {
                managers.entry(unit).or_default().push(m);
            }
        }
        Ok(Self { parents, managers })
    }

    /// The employee's managers: the active manager employments of its org unit other than itself, else those of
    /// the nearest ancestor unit that has one.
    pub fn managers_of(&self, e: &Employment) -> Vec<&Employment> {
        let mut unit = e.org_unit.as_deref();
        // A tree has no cycles; stored data might, so the walk is bounded.
        for _ in 0..=self.parents.len() {
            let Some(u) = unit else { break };
            let others: Vec<&Employment> = self
                .managers
                .get(u)
                .map(|ms| ms.iter().filter(|m| m.pernr != e.pernr).collect())
                .unwrap_or_default();
            if !others.is_empty() {
                return others;
            }
            unit = self.parents.get(u).and_then(Option::as_deref);
        }
        Vec::new()
    }
}

/// One employee of an answer with the records it shows.
#[derive(Debug, Clone)]
pub struct Employee {
    pub employment: Employment,
    /// In response order (category in XSD order, then validity).
    pub records: Vec<CategoryRecord>,
}

/// The employments with these numbers (those that exist, ascending) with their records as `query` selects.
pub async fn load_page(store: &Store, query: &Query, pernrs: &[Pernr]) -> Result<Vec<Employee>, StoreError> {
    let pool = store.pool();
    let employments = hr::employments(pool, query.municipality, pernrs).await?;
    let live: Vec<Pernr> = employments
        .iter()
        .filter(|e| e.employment.status != snitflade_domain::hr::EmploymentStatus::Deleted)
        .map(|e| e.employment.pernr)
        .collect();
    let mut records = hr::records(pool, query.municipality, &live, &query.registration)
        .await?
        .into_iter()
        .filter(|r| query.keeps(&r.record))
        .peekable();
    let mut out = Vec::with_capacity(employments.len());
    for e in employments {
        let pernr = e.employment.pernr;
        // Records come sorted by employee first, like the employments.
        while records.next_if(|r| r.pernr < pernr).is_some() {}
        let mut mine = Vec::new();
        while let Some(r) = records.next_if(|r| r.pernr == pernr) {
            mine.push(r.record);
        }
        out.push(Employee {
            employment: e.employment,
            records: mine,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_domain::hr::OPEN_END;

    fn p(n: u32) -> Pernr {
        Pernr::parse(&n.to_string()).unwrap()
    }

    #[test]
    fn selection_of_numbers_ranges_and_exclusions() {
        let s = Selection::new(&[
            EmployeeRef::Range(p(101), p(120)),
            EmployeeRef::One(p(130)),
            EmployeeRef::Exclude(p(105), p(107)),
            EmployeeRef::Exclude(p(110), p(110)),
        ]);
        let picked: Vec<u32> = (100..=131).filter(|n| s.contains(p(*n))).collect();
        let want: Vec<u32> = (101..=120)
            .filter(|n| !(105..=107).contains(n) && *n != 110)
            .chain([130])
            .collect();
        assert_eq!(picked, want);
        assert_eq!(s.single(), None);
        // Only exclusions, or nothing: everyone but the excluded.
        let s = Selection::new(&[EmployeeRef::Exclude(p(12), p(14))]);
        assert!(s.contains(p(1)) && s.contains(p(99_999_999)) && !s.contains(p(13)));
        assert!(Selection::new(&[]).contains(p(5)));
        assert_eq!(Selection::new(&[EmployeeRef::One(p(7))]).single(), Some(p(7)));
    }

    #[test]
    fn virkning_bounds_inclusive_and_exclusive() {
        let d = jiff::civil::date;
        let r = CategoryRecord::new(
            Category::Skattedata,
            d(2024, 1, 1),
            d(2024, 6, 30),
            [("Traekprocent", "37")],
        )
        .unwrap();
        let v = |from: Option<(Date, bool)>, to: Option<(Date, bool)>| Virkning { from, to }.keeps(&r);
        assert!(v(None, None));
        assert!(v(Some((d(2024, 6, 30), true)), None));
        assert!(!v(Some((d(2024, 6, 30), false)), None));
        assert!(v(None, Some((d(2024, 1, 1), true))));
        assert!(!v(None, Some((d(2024, 1, 1), false))));
        assert!(!v(Some((d(2024, 7, 1), true)), Some((OPEN_END, true))));
        assert!(v(Some((d(2023, 1, 1), true)), Some((d(2024, 3, 1), true))));
    }

    fn employment(pernr: u32, unit: &str, manager: bool) -> Employment {
        Employment {
            municipality: Kommunekode::parse("0340").unwrap(),
            pernr: p(pernr),
            cpr: snitflade_domain::Cpr::parse("0101901234").unwrap(),
            ekstraciffer: 0,
            first_name: "A".into(),
            last_name: "B".into(),
            org_unit: Some(unit.into()),
            entry_date: None,
            leave_date: None,
            is_manager: manager,
            status: snitflade_domain::hr::EmploymentStatus::Active,
            replaced_by: None,
        }
    }

    #[test]
    fn managers_come_from_the_unit_or_the_nearest_ancestor() {
        let mut tree = OrgTree::default();
        for (id, parent) in [("1", None), ("2", Some("1")), ("3", Some("2")), ("4", Some("4"))] {
            tree.parents.insert(id.into(), parent.map(Into::into));
        }
        tree.managers.insert("1".into(), vec![employment(1, "1", true)]);
        tree.managers.insert("2".into(), vec![employment(2, "2", true)]);
        let nums = |ms: Vec<&Employment>| ms.iter().map(|m| m.pernr.number()).collect::<Vec<_>>();
        assert_eq!(nums(tree.managers_of(&employment(10, "2", false))), [2]);
        // The manager's own manager is the parent unit's.
        assert_eq!(nums(tree.managers_of(&employment(2, "2", true))), [1]);
        // A unit without a manager inherits its parent's.
        assert_eq!(nums(tree.managers_of(&employment(11, "3", false))), [2]);
        // The top manager has none; a cycle in stored data ends the walk.
        assert!(tree.managers_of(&employment(1, "1", true)).is_empty());
        assert!(tree.managers_of(&employment(12, "4", false)).is_empty());
        assert!(tree.managers_of(&employment(13, "9", false)).is_empty());
    }
}
