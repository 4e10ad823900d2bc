//! The landscape operations behind the admin API: the merged landscape (the shipped catalogue, what is stored,
//! and snitflade's own traffic derived from the grants on every read), and the checked writes — the catalogue and
//! the derived records are read-only, and a change is stored only if it adds no problem to the merged landscape
//! (`Landscape::problems`).

pub mod facts;

use serde::Serialize;
use snitflade_landscape::own_traffic::{self, RELATION_ID_PREFIX, municipality_key};
use snitflade_landscape::{Interface, Landscape, Relation, Source, System};
use snitflade_store::landscape::{self as stored, Written};
use snitflade_store::{Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::OnceLock;

/// Why a landscape operation was not carried out; the admin API maps each to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum LandscapeError {
    /// 404.
    #[error("{0} findes ikke")]
    NotFound(String),
    /// 400: the request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// 409: the record is read-only (shipped catalogue, or derived from snitflade's grants).
    #[error("{0}")]
    ReadOnly(String),
    /// 422: the change would leave the landscape with these problems.
    #[error("ændringen får landskabet til ikke at hænge sammen: {}", .0.join("; "))]
    Problems(Vec<String>),
    #[error("the shipped landscape catalogue cannot be read: {0}")]
    Catalogue(String),
    #[error("intern fejl: {0}")]
    Store(#[from] StoreError),
}

pub type Result<T, E = LandscapeError> = std::result::Result<T, E>;

/// The shipped catalogue, read and checked once.
pub fn catalogue() -> Result<&'static Landscape> {
    static CATALOGUE: OnceLock<Result<Landscape, String>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| Landscape::catalogue().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| LandscapeError::Catalogue(e.clone()))
}

/// The services that accept tokens from snitflade's STS, as configured at start (`[services] token_interfaces`).
static TOKEN_INTERFACES: OnceLock<Vec<snitflade_domain::InterfaceId>> = OnceLock::new();

/// Sets the services that accept tokens, once, when the server starts (before that, and in tests, only the
/// Beskedfordeler's does, as by default).
pub fn set_token_interfaces(interfaces: Vec<snitflade_domain::InterfaceId>) {
    let _ = TOKEN_INTERFACES.set(interfaces);
}

fn token_interfaces() -> &'static [snitflade_domain::InterfaceId] {
    TOKEN_INTERFACES.get_or_init(|| vec![snitflade_domain::InterfaceId::Beskedfordeler])
}

/// The landscape's three parts as read now.
#[derive(Debug, Clone)]
pub struct Parts {
    pub catalogue: Landscape,
    pub stored: Landscape,
    pub derived: Landscape,
}

impl Parts {
    pub async fn read(store: &Store) -> Result<Parts> {
        let catalogue = catalogue()?.clone();
        let stored = stored::load(store.pool()).await?;
        let derived =
            own_traffic::derive(&facts::own_traffic_input(store, &catalogue, &stored, token_interfaces()).await?);
        Ok(Parts {
            catalogue,
            stored,
            derived,
        })
    }

    /// Catalogue, stored and derived in one. A derived system whose id is already in the catalogue or stored
    /// is left out: the record there describes it.
    pub fn merged(&self) -> Landscape {
        merged(&self.catalogue, &self.stored, &self.derived)
    }
}

fn merged(catalogue: &Landscape, stored: &Landscape, derived: &Landscape) -> Landscape {
    let mut all = catalogue.clone();
    all.merge(stored.clone());
    let described: HashSet<&str> = all.systems.iter().map(|s| s.id.as_str()).collect();
    let mut derived = derived.clone();
    derived.systems.retain(|s| !described.contains(s.id.as_str()));
    all.merge(derived);
    all
}

/// The merged landscape, its relations limited to one municipality when one is given (`0340` and `340` alike).
pub async fn landscape(store: &Store, municipality: Option<&str>) -> Result<Landscape> {
    let mut all = Parts::read(store).await?.merged();
    if let Some(m) = municipality {
        let m = municipality_form(m)?;
        all.relations.retain(|r| municipality_key(&r.municipality) == m);
    }
    Ok(all)
}

/// A kommunekode from a request in the landscape's form (four digits: `340` → `0340`), or 400.
pub fn municipality_form(code: &str) -> Result<String> {
    snitflade_domain::Kommunekode::parse(code)
        .map(|k| k.to_string())
        .map_err(|e| LandscapeError::BadRequest(format!("municipality: {e}")))
}

/// The problems `after` has that `before` had not.
fn introduced(before: &Landscape, after: &Landscape) -> Vec<String> {
    let old: HashSet<String> = before.problems().into_iter().collect();
    after.problems().into_iter().filter(|p| !old.contains(p)).collect()
}

/// Refuses a change to the stored part that adds a problem to the merged landscape.
fn check(parts: &Parts, new_stored: &Landscape) -> Result<()> {
    let problems = introduced(&parts.merged(), &merged(&parts.catalogue, new_stored, &parts.derived));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(LandscapeError::Problems(problems))
    }
}

fn same_id(what: &str, path: &str, body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(LandscapeError::BadRequest(format!("{what} id skal udfyldes")));
    }
    if path != body {
        return Err(LandscapeError::BadRequest(format!(
            "the body's id {body:?} is not the path's {path:?}"
        )));
    }
    Ok(())
}

fn manual(source: Source, what: &str) -> Result<()> {
    match source {
        Source::Manual => Ok(()),
        Source::Snitflade => Err(LandscapeError::ReadOnly(format!(
            "{what}: source snitflade is derived from the grants and cannot be stored"
        ))),
    }
}

/// `stored` with `fragment`'s records in place of those with the same keys, the others added (of several
/// records with one key in `fragment`, the last). Linear in the sizes of both.
pub fn upserted(stored: &Landscape, fragment: &Landscape) -> Landscape {
    let mut out = stored.clone();
    replace_by_key(&mut out.systems, &fragment.systems, |s| s.id.clone());
    replace_by_key(&mut out.interfaces, &fragment.interfaces, |i| {
        (i.id.clone(), i.version.clone())
    });
    replace_by_key(&mut out.relations, &fragment.relations, |r| r.id.clone());
    replace_by_key(&mut out.requirement_areas, &fragment.requirement_areas, |a| {
        a.name.clone()
    });
    out
}

/// Removes the records of `out` whose key is in `new`, then appends `new` (the last record of each key).
fn replace_by_key<T: Clone, K: Eq + Hash>(out: &mut Vec<T>, new: &[T], key: impl Fn(&T) -> K) {
    if new.is_empty() {
        return;
    }
    let mut last: HashMap<K, usize> = HashMap::with_capacity(new.len());
    for (i, x) in new.iter().enumerate() {
        last.insert(key(x), i);
    }
    out.retain(|x| !last.contains_key(&key(x)));
    out.extend(
        new.iter()
            .enumerate()
            .filter(|(i, x)| last.get(&key(x)) == Some(i))
            .map(|(_, x)| x.clone()),
    );
}

/// Which records of the merged landscape may not be written: the shipped catalogue's and the derived ones. Built
/// once per operation, so that checking many records (an import) is linear.
struct ReadOnly<'a> {
    catalogue_systems: HashSet<&'a str>,
    /// Derived systems that neither the catalogue nor the stored part describes (a stored record shadows one).
    derived_systems: HashSet<&'a str>,
    catalogue_relations: HashSet<&'a str>,
    /// Interface ids of the catalogue: no version of them may be stored.
    catalogue_interfaces: HashSet<&'a str>,
}

impl<'a> ReadOnly<'a> {
    fn of(parts: &'a Parts) -> Self {
        let catalogue_systems: HashSet<&str> = parts.catalogue.systems.iter().map(|s| s.id.as_str()).collect();
        let stored_systems: HashSet<&str> = parts.stored.systems.iter().map(|s| s.id.as_str()).collect();
        ReadOnly {
            derived_systems: parts
                .derived
                .systems
                .iter()
                .map(|s| s.id.as_str())
                .filter(|id| !catalogue_systems.contains(id) && !stored_systems.contains(id))
                .collect(),
            catalogue_systems,
            catalogue_relations: parts.catalogue.relations.iter().map(|r| r.id.as_str()).collect(),
            catalogue_interfaces: parts.catalogue.interfaces.iter().map(|i| i.id.as_str()).collect(),
        }
    }

    /// Why the system with this id may not be written: it is the catalogue's or derived.
    fn system(&self, id: &str) -> Result<()> {
        if self.catalogue_systems.contains(id) {
            return Err(LandscapeError::ReadOnly(format!(
                "system {id} is part of the shipped catalogue and read-only"
            )));
        }
        if self.derived_systems.contains(id) {
            return Err(LandscapeError::ReadOnly(format!(
                "system {id} is derived from snitflade's grants and read-only"
            )));
        }
        Ok(())
    }

    fn relation(&self, id: &str) -> Result<()> {
        if self.catalogue_relations.contains(id) {
            return Err(LandscapeError::ReadOnly(format!(
                "relation {id} is part of the shipped catalogue and read-only"
            )));
        }
        if id.starts_with(RELATION_ID_PREFIX) {
            return Err(LandscapeError::ReadOnly(format!(
                "relation {id}: ids starting with {RELATION_ID_PREFIX} are derived from snitflade's grants and \
                 read-only"
            )));
        }
        Ok(())
    }

    /// Any version of a catalogue interface is read-only: a stored `OPUS-FRAVAER` v9 would otherwise pass for the
    /// catalogue's newest version.
    fn interface(&self, id: &str, version: &str) -> Result<()> {
        if self.catalogue_interfaces.contains(id) {
            return Err(LandscapeError::ReadOnly(format!(
                "interface {id} (v{version}): the id is the shipped catalogue's, whose interfaces are read-only in \
                 every version"
            )));
        }
        Ok(())
    }
}

/// One system of the merged landscape.
pub async fn system(store: &Store, id: &str) -> Result<System> {
    Parts::read(store)
        .await?
        .merged()
        .systems
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| LandscapeError::NotFound(format!("systemet {id}")))
}

/// Creates or replaces a stored system; answers whether it was created.
pub async fn put_system(store: &Store, id: &str, system: System, actor: &str) -> Result<(bool, System)> {
    same_id("system", id, &system.id)?;
    manual(system.source, &format!("system {id}"))?;
    if system.name.trim().is_empty() {
        return Err(LandscapeError::BadRequest("name skal udfyldes".into()));
    }
    let parts = Parts::read(store).await?;
    ReadOnly::of(&parts).system(id)?;
    check(
        &parts,
        &upserted(
            &parts.stored,
            &Landscape {
                systems: vec![system.clone()],
                ..Landscape::default()
            },
        ),
    )?;
    let created = stored::put_system(store, system.clone(), actor).await?;
    Ok((created, system))
}

/// Deletes a stored system, unless a relation or another record still names it.
pub async fn delete_system(store: &Store, id: &str, actor: &str) -> Result<System> {
    let parts = Parts::read(store).await?;
    ReadOnly::of(&parts).system(id)?;
    if parts.stored.system(id).is_none() {
        return Err(LandscapeError::NotFound(format!("systemet {id}")));
    }
    let mut after = parts.stored.clone();
    after.systems.retain(|s| s.id != id);
    check(&parts, &after)?;
    stored::remove_system(store, id, actor)
        .await
        .map_err(|e| not_found(e, "systemet", id))
}

/// Relations of the merged landscape touching `system` (either end), in one municipality when one is given.
pub async fn relations(store: &Store, system: Option<&str>, municipality: Option<&str>) -> Result<Vec<Relation>> {
    let m = municipality.map(municipality_form).transpose()?;
    Ok(Parts::read(store)
        .await?
        .merged()
        .relations
        .into_iter()
        .filter(|r| system.is_none_or(|s| r.system == s || r.counterpart == s))
        .filter(|r| m.as_deref().is_none_or(|m| municipality_key(&r.municipality) == m))
        .collect())
}

pub async fn relation(store: &Store, id: &str) -> Result<Relation> {
    Parts::read(store)
        .await?
        .merged()
        .relations
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| LandscapeError::NotFound(format!("relationen {id}")))
}

/// Creates or replaces a stored relation (its municipality kept in the landscape's form, `0340`); answers whether
/// it was created.
pub async fn put_relation(store: &Store, id: &str, mut relation: Relation, actor: &str) -> Result<(bool, Relation)> {
    same_id("relation", id, &relation.id)?;
    manual(relation.source, &format!("relation {id}"))?;
    relation.municipality = municipality_form(&relation.municipality)?;
    let parts = Parts::read(store).await?;
    ReadOnly::of(&parts).relation(id)?;
    check(
        &parts,
        &upserted(
            &parts.stored,
            &Landscape {
                relations: vec![relation.clone()],
                ..Landscape::default()
            },
        ),
    )?;
    let created = stored::put_relation(store, relation.clone(), actor).await?;
    Ok((created, relation))
}

pub async fn delete_relation(store: &Store, id: &str, actor: &str) -> Result<Relation> {
    let parts = Parts::read(store).await?;
    ReadOnly::of(&parts).relation(id)?;
    if !parts.stored.relations.iter().any(|r| r.id == id) {
        return Err(LandscapeError::NotFound(format!("relationen {id}")));
    }
    stored::remove_relation(store, id, actor)
        .await
        .map_err(|e| not_found(e, "relationen", id))
}

pub async fn interface(store: &Store, id: &str, version: &str) -> Result<Interface> {
    Parts::read(store)
        .await?
        .merged()
        .interfaces
        .into_iter()
        .find(|i| i.id == id && i.version == version)
        .ok_or_else(|| LandscapeError::NotFound(format!("snitfladen {id} v{version}")))
}

/// Creates or replaces a stored interface (never one with a catalogue interface's id, in any version); answers
/// whether it was created.
pub async fn put_interface(
    store: &Store,
    id: &str,
    version: &str,
    interface: Interface,
    actor: &str,
) -> Result<(bool, Interface)> {
    same_id("interface", id, &interface.id)?;
    if interface.version != version {
        return Err(LandscapeError::BadRequest(format!(
            "the body's version {:?} is not the path's {version:?}",
            interface.version
        )));
    }
    let parts = Parts::read(store).await?;
    ReadOnly::of(&parts).interface(id, version)?;
    check(
        &parts,
        &upserted(
            &parts.stored,
            &Landscape {
                interfaces: vec![interface.clone()],
                ..Landscape::default()
            },
        ),
    )?;
    let created = stored::put_interface(store, interface.clone(), actor).await?;
    Ok((created, interface))
}

/// What an import did or (dry run) would do.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub systems: usize,
    pub interfaces: usize,
    pub relations: usize,
    pub requirement_areas: usize,
    /// What was written (absent in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<Written>,
}

/// A fragment [`check_import`] found fit to store.
#[derive(Debug, Clone)]
pub struct CheckedImport(Landscape);

/// Checks a fragment (from a CSV import, whose rows `snitflade_landscape::exchange` has checked one by one against
/// the merged landscape with the catalogue and the derived records read-only) as `put_*` checks one record: no
/// read-only record, every relation's municipality in the landscape's form, and no problem added to the merged
/// landscape by the fragment as a whole. Linear in the sizes, but CPU-bound: run it off the async runtime.
pub fn check_import(parts: &Parts, mut fragment: Landscape) -> Result<CheckedImport> {
    let read_only = ReadOnly::of(parts);
    let mut refused = Vec::new();
    for s in &fragment.systems {
        if let Err(e) = manual(s.source, &format!("system {}", s.id)).and_then(|()| read_only.system(&s.id)) {
            refused.push(e.to_string());
        }
    }
    for i in &fragment.interfaces {
        if let Err(e) = read_only.interface(&i.id, &i.version) {
            refused.push(e.to_string());
        }
    }
    for r in &mut fragment.relations {
        let ok = manual(r.source, &format!("relation {}", r.id))
            .and_then(|()| read_only.relation(&r.id))
            .and_then(|()| municipality_form(&r.municipality));
        match ok {
            Ok(m) => r.municipality = m,
            Err(e) => refused.push(format!("relation {}: {e}", r.id)),
        }
    }
    if !refused.is_empty() {
        return Err(LandscapeError::Problems(refused));
    }
    check(parts, &upserted(&parts.stored, &fragment))?;
    Ok(CheckedImport(fragment))
}

/// Stores a checked fragment in one transaction, unless `dry_run`.
pub async fn import(store: &Store, checked: CheckedImport, dry_run: bool, actor: &str) -> Result<ImportReport> {
    let CheckedImport(fragment) = checked;
    let mut report = ImportReport {
        dry_run,
        systems: fragment.systems.len(),
        interfaces: fragment.interfaces.len(),
        relations: fragment.relations.len(),
        requirement_areas: fragment.requirement_areas.len(),
        written: None,
    };
    if !dry_run {
        report.written = Some(stored::put_all(store, fragment, actor, "landscape.import").await?);
    }
    Ok(report)
}

fn not_found(e: StoreError, what: &str, id: &str) -> LandscapeError {
    match e {
        StoreError::NotFound => LandscapeError::NotFound(format!("{what} {id}")),
        e => LandscapeError::Store(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_landscape::{DependencyClass, Direction, InterfaceKind, SystemKind};

    fn system(id: &str, source: Source) -> System {
        System {
            id: id.into(),
            name: id.into(),
            vendor: None,
            kind: SystemKind::External,
            lifecycle: Default::default(),
            replaced_by: None,
            description: String::new(),
            source,
        }
    }

    fn relation(id: &str, system: &str, counterpart: &str) -> Relation {
        Relation::new(id, "0340", system, counterpart, Direction::To, DependencyClass::Weak)
    }

    fn interface(id: &str, version: &str) -> Interface {
        Interface {
            id: id.into(),
            version: version.into(),
            name: id.into(),
            purpose: String::new(),
            kind: InterfaceKind::OpusStandard,
            status: None,
            valid_from: None,
            information_objects: Vec::new(),
            same_need_group: None,
            public_alternative: None,
            provider: None,
        }
    }

    fn parts() -> Parts {
        Parts {
            catalogue: Landscape {
                systems: vec![system("kmd-opus-personale", Source::Manual)],
                ..Landscape::default()
            },
            stored: Landscape {
                systems: vec![system("kmd-aktiv", Source::Manual), system("vikar", Source::Manual)],
                ..Landscape::default()
            },
            derived: Landscape {
                systems: vec![
                    system("dagtilbud", Source::Snitflade),
                    system("vikar", Source::Snitflade),
                ],
                relations: vec![relation(
                    "snitflade-340-dagtilbud-opret-fravaer",
                    "kmd-opus-personale",
                    "dagtilbud",
                )],
                ..Landscape::default()
            },
        }
    }

    #[test]
    fn a_stored_system_shadows_the_derived_one() {
        let all = parts().merged();
        let ids: Vec<(&str, Source)> = all.systems.iter().map(|s| (s.id.as_str(), s.source)).collect();
        assert_eq!(
            ids,
            [
                ("kmd-opus-personale", Source::Manual),
                ("kmd-aktiv", Source::Manual),
                ("vikar", Source::Manual),
                ("dagtilbud", Source::Snitflade),
            ]
        );
        assert!(all.problems().is_empty(), "{:?}", all.problems());
    }

    #[test]
    fn catalogue_and_derived_records_are_read_only() {
        let mut p = parts();
        p.catalogue.interfaces.push(interface("OPUS-FRAVAER", "1"));
        let read_only = ReadOnly::of(&p);
        assert!(matches!(
            read_only.system("kmd-opus-personale"),
            Err(LandscapeError::ReadOnly(_))
        ));
        assert!(matches!(
            read_only.system("dagtilbud"),
            Err(LandscapeError::ReadOnly(_))
        ));
        // Stored, though snitflade derives it too.
        assert!(read_only.system("vikar").is_ok());
        assert!(read_only.system("kmd-aktiv").is_ok());
        assert!(read_only.system("new").is_ok());
        assert!(matches!(
            read_only.relation("snitflade-340-x-y"),
            Err(LandscapeError::ReadOnly(_))
        ));
        assert!(read_only.relation("soroe-kmd-aktiv-5a").is_ok());
        assert!(manual(Source::Snitflade, "x").is_err());
        // A catalogue interface's id is read-only in every version, not just the catalogue's.
        for version in ["1", "9"] {
            assert!(
                matches!(
                    read_only.interface("OPUS-FRAVAER", version),
                    Err(LandscapeError::ReadOnly(_))
                ),
                "{version}"
            );
        }
        assert!(read_only.interface("LOKAL-1", "1").is_ok());
    }

    #[test]
    fn only_problems_a_change_adds_refuse_it() {
        let mut p = parts();
        // A problem that is there already (a derived relation naming a system the catalogue lacks) does not
        // block other changes.
        p.catalogue.systems.clear();
        let ok = upserted(
            &p.stored,
            &Landscape {
                relations: vec![relation("r1", "kmd-aktiv", "dagtilbud")],
                ..Landscape::default()
            },
        );
        assert!(check(&p, &ok).is_ok());
        let bad = upserted(
            &p.stored,
            &Landscape {
                relations: vec![relation("r2", "kmd-aktiv", "nowhere")],
                ..Landscape::default()
            },
        );
        match check(&p, &bad) {
            Err(LandscapeError::Problems(problems)) => {
                assert_eq!(problems, ["relation r2: nowhere is not a system"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn upserting_replaces_by_key() {
        let p = parts();
        let mut changed = system("vikar", Source::Manual);
        changed.name = "Vikar 2".into();
        let out = upserted(
            &p.stored,
            &Landscape {
                systems: vec![changed.clone(), system("ky", Source::Manual)],
                ..Landscape::default()
            },
        );
        assert_eq!(out.systems.len(), 3);
        assert_eq!(out.system("vikar"), Some(&changed));
    }

    #[test]
    fn upserting_keeps_the_last_record_of_a_key() {
        let p = parts();
        let (mut first, mut last) = (system("ky", Source::Manual), system("ky", Source::Manual));
        first.name = "first".into();
        last.name = "last".into();
        let out = upserted(
            &p.stored,
            &Landscape {
                systems: vec![first, system("kmd-aktiv", Source::Manual), last.clone()],
                ..Landscape::default()
            },
        );
        let ids: Vec<&str> = out.systems.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["vikar", "kmd-aktiv", "ky"]);
        assert_eq!(out.system("ky"), Some(&last));
    }

    #[test]
    fn a_relation_from_a_system_to_itself_is_refused() {
        let p = parts();
        let bad = upserted(
            &p.stored,
            &Landscape {
                relations: vec![relation("r1", "kmd-aktiv", "kmd-aktiv")],
                ..Landscape::default()
            },
        );
        match check(&p, &bad) {
            Err(LandscapeError::Problems(problems)) => assert_eq!(
                problems,
                ["relation r1: system and counterpart are the same system (kmd-aktiv)"]
            ),
            other => panic!("{other:?}"),
        }
    }

    /// A CSV file of 50 000 relations against 50 000 stored ones: half updates, half new. Every check is linear,
    /// so this takes a moment even in a debug build (it took minutes when each record was looked up by a scan).
    #[test]
    fn a_large_import_is_checked_in_linear_time() {
        let mut p = parts();
        p.stored.systems.push(system("ky", Source::Manual));
        p.stored.relations = (0..50_000)
            .map(|i| relation(&format!("r{i}"), "kmd-aktiv", "ky"))
            .collect();
        let fragment = Landscape {
            relations: (25_000..75_000)
                .map(|i| {
                    let mut r = relation(&format!("r{i}"), "kmd-aktiv", "vikar");
                    r.municipality = "340".into();
                    r
                })
                .collect(),
            ..Landscape::default()
        };
        let CheckedImport(checked) = check_import(&p, fragment).expect("consistent");
        assert!(checked.relations.iter().all(|r| r.municipality == "0340"));
        let after = upserted(&p.stored, &checked);
        assert_eq!(after.relations.len(), 75_000);
        let to_vikar = after.relations.iter().filter(|r| r.counterpart == "vikar").count();
        assert_eq!(to_vikar, 50_000);

        // Read-only records in a fragment still refuse it as a whole (the CSV check leaves them out first).
        let derived = Landscape {
            relations: vec![relation("snitflade-0340-x", "kmd-aktiv", "vikar")],
            ..Landscape::default()
        };
        assert!(matches!(check_import(&p, derived), Err(LandscapeError::Problems(_))));
    }

    /// The derived relations name the shipped catalogue's interfaces: an interface stored with a catalogue id (which
    /// the API refuses, 409) cannot move them to another version.
    #[tokio::test]
    async fn a_stored_interface_does_not_change_the_derived_relations() {
        use snitflade_store::access::{self, GrantRecord, Municipality, SystemRecord};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&snitflade_store::db::sqlite_url_in(dir.path()))
            .await
            .unwrap();
        store
            .write(|c| {
                Box::pin(async move {
                    let m = Municipality {
                        code: "0340".into(),
                        name: "Sorø".into(),
                        ..Municipality::default()
                    };
                    access::insert_municipality(c, &m).await?;
                    let s = SystemRecord {
                        id: "sys-1".into(),
                        name: "dagtilbud".into(),
                        ..SystemRecord::default()
                    };
                    access::insert_system(c, &s).await?;
                    let g = GrantRecord {
                        id: "g-1".into(),
                        system_id: "sys-1".into(),
                        interface: "opret-fravaer".into(),
                        municipality: "0340".into(),
                        access: snitflade_domain::AccessLevel::ReadWrite,
                        valid_from: "2020-01-01".into(),
                        ..GrantRecord::default()
                    };
                    access::insert_grant(c, &g).await
                })
            })
            .await
            .unwrap();
        let derived_version = |parts: &Parts| {
            let r = parts
                .derived
                .relations
                .iter()
                .find(|r| r.id == "snitflade-0340-dagtilbud-opret-fravaer")
                .expect("the grant's relation")
                .clone();
            r.interface.expect("named").version
        };
        let catalogue_version = catalogue()
            .unwrap()
            .interfaces
            .iter()
            .find(|i| i.id == "OPUS-FRAVAER")
            .expect("in the catalogue")
            .version
            .clone();
        assert_eq!(derived_version(&Parts::read(&store).await.unwrap()), catalogue_version);

        let mut newer = interface("OPUS-FRAVAER", "9");
        assert!(matches!(
            put_interface(&store, "OPUS-FRAVAER", "9", newer.clone(), "admin").await,
            Err(LandscapeError::ReadOnly(_))
        ));
        // Stored all the same (as an older version could have): the derived relation keeps the catalogue's version.
        newer.kind = InterfaceKind::Local;
        stored::put_interface(&store, newer, "admin").await.unwrap();
        let parts = Parts::read(&store).await.unwrap();
        assert_eq!(parts.stored.interfaces.len(), 1);
        assert_eq!(derived_version(&parts), catalogue_version);
        store.close().await;
    }

    #[test]
    fn municipalities_take_the_landscape_form() {
        assert_eq!(municipality_form("340").unwrap(), "0340");
        assert_eq!(municipality_form("0340").unwrap(), "0340");
        assert_eq!(municipality_form("751").unwrap(), "0751");
        assert!(municipality_form("x").is_err());
        assert!(municipality_form("").is_err());
    }

    #[test]
    fn the_shipped_catalogue_reads() {
        assert!(catalogue().is_ok());
    }
}
