//! The landscape operations behind the admin API: the merged landscape (the shipped catalogue, what is stored,
//! and snitflade's own traffic derived from the grants on every read), and the checked writes — the catalogue and
//! the derived records are read-only, and a change is stored only if it adds no problem to the merged landscape
//! (`Landscape::problems`).

pub mod facts;

use serde::Serialize;
use snitflade_landscape::own_traffic::{self, municipality_key};
use snitflade_landscape::{Interface, Landscape, Relation, Source, System};
use snitflade_store::landscape::{self as stored, Written};
use snitflade_store::{Store, StoreError};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The prefix of derived relation ids, reserved for them.
const DERIVED_PREFIX: &str = "snitflade-";

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
        let mut known = catalogue.clone();
        known.merge(stored.clone());
        let derived = own_traffic::derive(&facts::own_traffic_input(store, &known).await?);
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

    fn is_derived_system(&self, id: &str) -> bool {
        self.derived.system(id).is_some() && self.catalogue.system(id).is_none() && self.stored.system(id).is_none()
    }
}

fn merged(catalogue: &Landscape, stored: &Landscape, derived: &Landscape) -> Landscape {
    let mut all = catalogue.clone();
    all.merge(stored.clone());
    let mut derived = derived.clone();
    derived.systems.retain(|s| all.system(&s.id).is_none());
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

/// `stored` with `fragment`'s records in place of those with the same keys, the others added.
pub fn upserted(stored: &Landscape, fragment: &Landscape) -> Landscape {
    let mut out = stored.clone();
    for s in &fragment.systems {
        out.systems.retain(|x| x.id != s.id);
        out.systems.push(s.clone());
    }
    for i in &fragment.interfaces {
        out.interfaces.retain(|x| (&x.id, &x.version) != (&i.id, &i.version));
        out.interfaces.push(i.clone());
    }
    for r in &fragment.relations {
        out.relations.retain(|x| x.id != r.id);
        out.relations.push(r.clone());
    }
    for a in &fragment.requirement_areas {
        out.requirement_areas.retain(|x| x.name != a.name);
        out.requirement_areas.push(a.clone());
    }
    out
}

/// Why the record with this id may not be written: it is the catalogue's or derived.
fn writable_system(parts: &Parts, id: &str) -> Result<()> {
    if parts.catalogue.system(id).is_some() {
        return Err(LandscapeError::ReadOnly(format!(
            "system {id} is part of the shipped catalogue and read-only"
        )));
    }
    if parts.is_derived_system(id) {
        return Err(LandscapeError::ReadOnly(format!(
            "system {id} is derived from snitflade's grants and read-only"
        )));
    }
    Ok(())
}

fn writable_relation(parts: &Parts, id: &str) -> Result<()> {
    if parts.catalogue.relations.iter().any(|r| r.id == id) {
        return Err(LandscapeError::ReadOnly(format!(
            "relation {id} is part of the shipped catalogue and read-only"
        )));
    }
    if id.starts_with(DERIVED_PREFIX) {
        return Err(LandscapeError::ReadOnly(format!(
            "relation {id}: ids starting with {DERIVED_PREFIX} are derived from snitflade's grants and read-only"
        )));
    }
    Ok(())
}

fn writable_interface(parts: &Parts, id: &str, version: &str) -> Result<()> {
    if parts
        .catalogue
        .interfaces
        .iter()
        .any(|i| i.id == id && i.version == version)
    {
        return Err(LandscapeError::ReadOnly(format!(
            "interface {id} v{version} is part of the shipped catalogue and read-only"
        )));
    }
    Ok(())
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
    writable_system(&parts, id)?;
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
    writable_system(&parts, id)?;
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
    writable_relation(&parts, id)?;
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
    writable_relation(&parts, id)?;
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

/// Creates or replaces a stored interface (never one of the catalogue's); answers whether it was created.
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
    writable_interface(&parts, id, version)?;
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

/// Checks a fragment (from a CSV import) as `put_*` checks one record, and stores it in one transaction unless
/// `dry_run`.
pub async fn import(store: &Store, mut fragment: Landscape, dry_run: bool, actor: &str) -> Result<ImportReport> {
    let parts = Parts::read(store).await?;
    let mut refused = Vec::new();
    for s in &fragment.systems {
        if let Err(e) = manual(s.source, &format!("system {}", s.id)).and_then(|()| writable_system(&parts, &s.id)) {
            refused.push(e.to_string());
        }
    }
    for i in &fragment.interfaces {
        if let Err(e) = writable_interface(&parts, &i.id, &i.version) {
            refused.push(e.to_string());
        }
    }
    for r in &mut fragment.relations {
        let ok = manual(r.source, &format!("relation {}", r.id))
            .and_then(|()| writable_relation(&parts, &r.id))
            .and_then(|()| municipality_form(&r.municipality));
        match ok {
            Ok(m) => r.municipality = m,
            Err(e) => refused.push(format!("relation {}: {e}", r.id)),
        }
    }
    if !refused.is_empty() {
        return Err(LandscapeError::Problems(refused));
    }
    check(&parts, &upserted(&parts.stored, &fragment))?;
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
    use snitflade_landscape::{DependencyClass, Direction, SystemKind};

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
        Relation {
            id: id.into(),
            municipality: "0340".into(),
            system: system.into(),
            counterpart: counterpart.into(),
            interface: None,
            local_number: None,
            direction: Direction::To,
            description: String::new(),
            information_objects: Vec::new(),
            dependency: DependencyClass::Weak,
            transition: None,
            agreement: None,
            costs: Vec::new(),
            certificates: Vec::new(),
            source: Source::Manual,
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
        let p = parts();
        assert!(matches!(
            writable_system(&p, "kmd-opus-personale"),
            Err(LandscapeError::ReadOnly(_))
        ));
        assert!(matches!(
            writable_system(&p, "dagtilbud"),
            Err(LandscapeError::ReadOnly(_))
        ));
        // Stored, though snitflade derives it too.
        assert!(writable_system(&p, "vikar").is_ok());
        assert!(writable_system(&p, "kmd-aktiv").is_ok());
        assert!(writable_system(&p, "new").is_ok());
        assert!(matches!(
            writable_relation(&p, "snitflade-340-x-y"),
            Err(LandscapeError::ReadOnly(_))
        ));
        assert!(writable_relation(&p, "soroe-kmd-aktiv-5a").is_ok());
        assert!(manual(Source::Snitflade, "x").is_err());
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
