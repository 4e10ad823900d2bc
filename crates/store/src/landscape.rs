//! The stored part of the integration landscape (issue 8): systems, interfaces, relations and requirement areas,
//! each kept as the model's JSON document beside its key columns. Every change (one record, or a whole fragment
//! from an import or the demo) is one transaction that also appends to the admin audit log. The caller checks a
//! change against the whole landscape first; the catalogue and the derived relations are never stored here.

use std::sync::Arc;

use crate::{Result, Store, StoreError, admin_audit, corrupt, now_text};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use snitflade_landscape::naming::municipality_key;
use snitflade_landscape::{Interface, Landscape, Relation, RequirementArea, System};
use sqlx::{AnyConnection, AnyPool, Row};

/// How many records of one kind a bulk write created and replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: usize,
    pub replaced: usize,
}

/// What a bulk write did, per kind of record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Written {
    pub systems: Counts,
    pub interfaces: Counts,
    pub relations: Counts,
    pub requirement_areas: Counts,
}

fn doc<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(corrupt)
}

/// The wire name of a model enum (`external`, `in_operation`, …).
fn name_of<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v).map_err(corrupt)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(corrupt(format!("expected an enum name, got {other}"))),
    }
}

async fn docs<T: DeserializeOwned>(pool: &AnyPool, sql: &'static str) -> Result<Vec<T>> {
    let rows = sqlx::query(sql).fetch_all(pool).await?;
    rows.iter()
        .map(|r| serde_json::from_str(&r.try_get::<String, _>("doc")?).map_err(corrupt))
        .collect()
}

/// The whole stored landscape, each kind in the byte order of its key (sorted here, not by the database: SQLite
/// and PostgreSQL collate text differently, and both must answer the same), every relation's municipality in the
/// landscape's four-digit form (`340` → `0340`, whatever an older version stored).
pub async fn load(pool: &AnyPool) -> Result<Landscape> {
    let mut systems: Vec<System> = docs(pool, "SELECT doc FROM landscape_systems").await?;
    systems.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let mut interfaces: Vec<Interface> = docs(pool, "SELECT doc FROM landscape_interfaces").await?;
    interfaces.sort_unstable_by(|a, b| (&a.id, &a.version).cmp(&(&b.id, &b.version)));
    let mut relations: Vec<Relation> = docs(pool, "SELECT doc FROM landscape_relations").await?;
    relations.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for r in &mut relations {
        r.municipality = municipality_key(&r.municipality);
    }
    let mut requirement_areas: Vec<RequirementArea> = docs(pool, "SELECT doc FROM landscape_requirement_areas").await?;
    requirement_areas.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    Ok(Landscape {
        systems,
        interfaces,
        relations,
        requirement_areas,
    })
}

/// Whether nothing of the landscape is stored yet.
pub async fn is_empty(pool: &AnyPool) -> Result<bool> {
    let n: i64 = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM landscape_systems) + (SELECT COUNT(*) FROM landscape_interfaces) \
         + (SELECT COUNT(*) FROM landscape_relations) + (SELECT COUNT(*) FROM landscape_requirement_areas) AS n",
    )
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    Ok(n == 0)
}

/// The stored document of the row `sql` selects by `keys`, if any.
async fn stored<T: DeserializeOwned>(c: &mut AnyConnection, sql: &'static str, keys: &[&str]) -> Result<Option<T>> {
    let mut q = sqlx::query(sql);
    for k in keys {
        q = q.bind(*k);
    }
    q.fetch_optional(c)
        .await?
        .map(|r| serde_json::from_str(&r.try_get::<String, _>("doc")?).map_err(corrupt))
        .transpose()
}

/// Creates or replaces a system; answers whether it was created.
pub async fn upsert_system(c: &mut AnyConnection, s: &System, actor: &str, now: &str) -> Result<bool> {
    let existed = stored::<System>(&mut *c, "SELECT doc FROM landscape_systems WHERE id = $1", &[&s.id])
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO landscape_systems (id, kind, lifecycle, doc, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
         lifecycle = excluded.lifecycle, doc = excluded.doc, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(&s.id)
    .bind(name_of(&s.kind)?)
    .bind(name_of(&s.lifecycle)?)
    .bind(doc(s)?)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(!existed)
}

/// Deletes a system; answers what was stored, `None` if nothing was.
pub async fn delete_system(c: &mut AnyConnection, id: &str) -> Result<Option<System>> {
    let old = stored(&mut *c, "SELECT doc FROM landscape_systems WHERE id = $1", &[id]).await?;
    sqlx::query("DELETE FROM landscape_systems WHERE id = $1")
        .bind(id)
        .execute(c)
        .await?;
    Ok(old)
}

/// Creates or replaces an interface (id and version); answers whether it was created.
pub async fn upsert_interface(c: &mut AnyConnection, i: &Interface, actor: &str, now: &str) -> Result<bool> {
    let existed = stored::<Interface>(
        &mut *c,
        "SELECT doc FROM landscape_interfaces WHERE id = $1 AND version = $2",
        &[&i.id, &i.version],
    )
    .await?
    .is_some();
    sqlx::query(
        "INSERT INTO landscape_interfaces (id, version, kind, doc, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id, version) DO UPDATE SET kind = excluded.kind, \
         doc = excluded.doc, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&i.id)
    .bind(&i.version)
    .bind(name_of(&i.kind)?)
    .bind(doc(i)?)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(!existed)
}

/// Creates or replaces a relation; answers whether it was created.
pub async fn upsert_relation(c: &mut AnyConnection, r: &Relation, actor: &str, now: &str) -> Result<bool> {
    let existed = stored::<Relation>(&mut *c, "SELECT doc FROM landscape_relations WHERE id = $1", &[&r.id])
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO landscape_relations (id, municipality, system, counterpart, doc, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET municipality = excluded.municipality, \
         system = excluded.system, counterpart = excluded.counterpart, doc = excluded.doc, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&r.id)
    .bind(&r.municipality)
    .bind(&r.system)
    .bind(&r.counterpart)
    .bind(doc(r)?)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(!existed)
}

/// Deletes a relation; answers what was stored, `None` if nothing was.
pub async fn delete_relation(c: &mut AnyConnection, id: &str) -> Result<Option<Relation>> {
    let old = stored(&mut *c, "SELECT doc FROM landscape_relations WHERE id = $1", &[id]).await?;
    sqlx::query("DELETE FROM landscape_relations WHERE id = $1")
        .bind(id)
        .execute(c)
        .await?;
    Ok(old)
}

/// Creates or replaces a requirement area; answers whether it was created.
pub async fn upsert_requirement_area(
    c: &mut AnyConnection,
    a: &RequirementArea,
    actor: &str,
    now: &str,
) -> Result<bool> {
    let existed = stored::<RequirementArea>(
        &mut *c,
        "SELECT doc FROM landscape_requirement_areas WHERE name = $1",
        &[&a.name],
    )
    .await?
    .is_some();
    sqlx::query(
        "INSERT INTO landscape_requirement_areas (name, doc, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(&a.name)
    .bind(doc(a)?)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(!existed)
}

/// Runs `change` in one transaction with the admin audit entry it describes (action, object id, detail).
async fn audited<T, F>(store: &Store, actor: &str, object_type: &'static str, change: F) -> Result<T>
where
    T: Send + 'static,
    F: for<'c> Fn(&'c mut AnyConnection, &'c str, &'c str) -> crate::BoxFuture<'c, Result<Audited<T>>>
        + Send
        + Sync
        + 'static,
{
    let change = Arc::new(change);
    let actor: Arc<str> = actor.into();
    store
        .write(move |c| {
            let (change, actor) = (change.clone(), actor.clone());
            Box::pin(async move {
                let now = now_text();
                let done = change(c, &actor, &now).await?;
                admin_audit::record(c, &actor, done.action, object_type, &done.object, &done.detail, &now).await?;
                Ok(done.value)
            })
        })
        .await
}

/// What a change did, for the audit log, and what it answers.
struct Audited<T> {
    action: &'static str,
    object: String,
    detail: serde_json::Value,
    value: T,
}

fn detail_of<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(corrupt)
}

/// Stores a system (created or replaced); answers whether it was created.
pub async fn put_system(store: &Store, system: System, actor: &str) -> Result<bool> {
    let s = Arc::new(system);
    audited(store, actor, "landscape_system", move |c, actor, now| {
        let s = s.clone();
        Box::pin(async move {
            Ok(Audited {
                value: upsert_system(c, &s, actor, now).await?,
                action: "landscape.system.put",
                object: s.id.clone(),
                detail: detail_of(&*s)?,
            })
        })
    })
    .await
}

/// Deletes a stored system; `NotFound` if none is stored with the id. Answers what was stored.
pub async fn remove_system(store: &Store, id: &str, actor: &str) -> Result<System> {
    let id: Arc<str> = id.into();
    audited(store, actor, "landscape_system", move |c, _, _| {
        let id = id.clone();
        Box::pin(async move {
            let old = delete_system(c, &id).await?.ok_or(StoreError::NotFound)?;
            Ok(Audited {
                action: "landscape.system.delete",
                object: id.to_string(),
                detail: detail_of(&old)?,
                value: old,
            })
        })
    })
    .await
}

/// Stores an interface (created or replaced); answers whether it was created.
pub async fn put_interface(store: &Store, interface: Interface, actor: &str) -> Result<bool> {
    let i = Arc::new(interface);
    audited(store, actor, "landscape_interface", move |c, actor, now| {
        let i = i.clone();
        Box::pin(async move {
            Ok(Audited {
                value: upsert_interface(c, &i, actor, now).await?,
                action: "landscape.interface.put",
                object: format!("{}/{}", i.id, i.version),
                detail: detail_of(&*i)?,
            })
        })
    })
    .await
}

/// Stores a relation (created or replaced); answers whether it was created.
pub async fn put_relation(store: &Store, relation: Relation, actor: &str) -> Result<bool> {
    let r = Arc::new(relation);
    audited(store, actor, "landscape_relation", move |c, actor, now| {
        let r = r.clone();
        Box::pin(async move {
            Ok(Audited {
                value: upsert_relation(c, &r, actor, now).await?,
                action: "landscape.relation.put",
                object: r.id.clone(),
                detail: detail_of(&*r)?,
            })
        })
    })
    .await
}

/// Deletes a stored relation; `NotFound` if none is stored with the id. Answers what was stored.
pub async fn remove_relation(store: &Store, id: &str, actor: &str) -> Result<Relation> {
    let id: Arc<str> = id.into();
    audited(store, actor, "landscape_relation", move |c, _, _| {
        let id = id.clone();
        Box::pin(async move {
            let old = delete_relation(c, &id).await?.ok_or(StoreError::NotFound)?;
            Ok(Audited {
                action: "landscape.relation.delete",
                object: id.to_string(),
                detail: detail_of(&old)?,
                value: old,
            })
        })
    })
    .await
}

/// Stores every record of `fragment` (created or replaced) in one transaction with one audit entry `action`
/// (e.g. `landscape.import`, `landscape.demo`) naming what was written.
pub async fn put_all(store: &Store, fragment: Landscape, actor: &str, action: &'static str) -> Result<Written> {
    let l = Arc::new(fragment);
    audited(store, actor, "landscape", move |c, actor, now| {
        let l = l.clone();
        Box::pin(async move {
            let mut w = Written::default();
            let count = |counts: &mut Counts, created: bool| {
                if created {
                    counts.created += 1;
                } else {
                    counts.replaced += 1;
                }
            };
            for s in &l.systems {
                count(&mut w.systems, upsert_system(c, s, actor, now).await?);
            }
            for i in &l.interfaces {
                count(&mut w.interfaces, upsert_interface(c, i, actor, now).await?);
            }
            for r in &l.relations {
                count(&mut w.relations, upsert_relation(c, r, actor, now).await?);
            }
            for a in &l.requirement_areas {
                count(
                    &mut w.requirement_areas,
                    upsert_requirement_area(c, a, actor, now).await?,
                );
            }
            let detail = json!({
                "written": w,
                "systems": l.systems.iter().map(|s| &s.id).collect::<Vec<_>>(),
                "interfaces": l.interfaces.iter().map(|i| format!("{}/{}", i.id, i.version)).collect::<Vec<_>>(),
                "relations": l.relations.iter().map(|r| &r.id).collect::<Vec<_>>(),
                "requirement_areas": l.requirement_areas.iter().map(|a| &a.name).collect::<Vec<_>>(),
            });
            Ok(Audited {
                action,
                object: String::new(),
                detail,
                value: w,
            })
        })
    })
    .await
}
