//! Storage of the Beskedfordeler's value lists (SF1460_B, migration 0009): the lists, their values (a set per
//! list) and the requests to move a message into a dueslag's error queue. The delivery engine's subscription
//! filter asks [`contains`]; everything else is the value-list service's.

use crate::{Result, corrupt};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A list's state: only an active list contains anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListState {
    Aktiv,
    Passiveret,
}

impl ListState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aktiv => "aktiv",
            Self::Passiveret => "passiveret",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "aktiv" => Ok(Self::Aktiv),
            "passiveret" => Ok(Self::Passiveret),
            other => Err(corrupt(format!("unknown value-list state {other:?}"))),
        }
    }
}

/// A list as stored, without its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_system_id: String,
    pub state: ListState,
    /// The OIO LivscyklusKode of the last registration (`Opstaaet`, `Importeret`, `Rettet`, `Passiveret`).
    pub livscyklus: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, name, description, owner_system_id, state, livscyklus, created_at, updated_at";

fn from_row(r: &AnyRow) -> Result<StoredList> {
    Ok(StoredList {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        owner_system_id: r.try_get("owner_system_id")?,
        state: ListState::parse(&r.try_get::<String, _>("state")?)?,
        livscyklus: r.try_get("livscyklus")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Creates a list (its `created_at` and `updated_at` are both `l.updated_at`).
pub async fn insert(c: &mut AnyConnection, l: &StoredList) -> Result<()> {
    let sql = format!("INSERT INTO vaerdilister ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&l.id)
        .bind(&l.name)
        .bind(&l.description)
        .bind(&l.owner_system_id)
        .bind(l.state.as_str())
        .bind(&l.livscyklus)
        .bind(&l.created_at)
        .bind(&l.updated_at)
        .execute(c)
        .await?;
    Ok(())
}

/// The list `id`, whoever owns it.
pub async fn get<'e, E>(executor: E, id: &str) -> Result<Option<StoredList>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM vaerdilister WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The lists `owner` owns, by name and id.
pub async fn owned_by<'e, E>(executor: E, owner: &str) -> Result<Vec<StoredList>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM vaerdilister WHERE owner_system_id = $1 ORDER BY name, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner)
        .fetch_all(executor)
        .await?;
    rows.iter().map(from_row).collect()
}

/// How many lists `owner` owns.
pub async fn count_owned<'e, E>(executor: E, owner: &str) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM vaerdilister WHERE owner_system_id = $1")
            .bind(owner)
            .fetch_one(executor)
            .await?
            .try_get("n")?,
    )
}

/// Changes a list's name and description, and records the registration's LivscyklusKode.
pub async fn update_attributes(
    c: &mut AnyConnection,
    id: &str,
    name: &str,
    description: &str,
    livscyklus: &str,
    now: &str,
) -> Result<()> {
    sqlx::query("UPDATE vaerdilister SET name = $2, description = $3, livscyklus = $4, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(livscyklus)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Sets a list's state, with the registration's LivscyklusKode.
pub async fn set_state(c: &mut AnyConnection, id: &str, state: ListState, livscyklus: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE vaerdilister SET state = $2, livscyklus = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(state.as_str())
        .bind(livscyklus)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Marks a list changed (its values), without changing anything else.
pub async fn touch(c: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE vaerdilister SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes a list and its values; whether it existed.
pub async fn delete(c: &mut AnyConnection, id: &str) -> Result<bool> {
    // The values go explicitly too: the cascade needs SQLite's foreign_keys pragma on the connection.
    sqlx::query("DELETE FROM vaerdiliste_values WHERE list_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    let done = sqlx::query("DELETE FROM vaerdilister WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Adds `values` to a list; a value it holds already is left as it is. How many were new.
pub async fn add_values(c: &mut AnyConnection, list_id: &str, values: &[String], now: &str) -> Result<u64> {
    let mut added = 0;
    for v in values {
        added += sqlx::query(
            "INSERT INTO vaerdiliste_values (list_id, value, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (list_id, value) DO NOTHING",
        )
        .bind(list_id)
        .bind(v)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
    }
    Ok(added)
}

/// Removes `values` from a list; a value it does not hold is no error. How many were removed.
pub async fn remove_values(c: &mut AnyConnection, list_id: &str, values: &[String]) -> Result<u64> {
    let mut removed = 0;
    for v in values {
        removed += sqlx::query("DELETE FROM vaerdiliste_values WHERE list_id = $1 AND value = $2")
            .bind(list_id)
            .bind(v)
            .execute(&mut *c)
            .await?
            .rows_affected();
    }
    Ok(removed)
}

/// A list's values, in text order.
pub async fn values<'e, E>(executor: E, list_id: &str) -> Result<Vec<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query("SELECT value FROM vaerdiliste_values WHERE list_id = $1 ORDER BY value")
        .bind(list_id)
        .fetch_all(executor)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("value")?)).collect()
}

/// How many values a list holds.
pub async fn count_values<'e, E>(executor: E, list_id: &str) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM vaerdiliste_values WHERE list_id = $1")
            .bind(list_id)
            .fetch_one(executor)
            .await?
            .try_get("n")?,
    )
}

/// Whether the list `list_id` holds `value`, whatever its state (the service's own view; the delivery engine asks
/// [`contains`]).
pub async fn values_include<'e, E>(executor: E, list_id: &str, value: &str) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let found = sqlx::query("SELECT 1 AS hit FROM vaerdiliste_values WHERE list_id = $1 AND value = $2")
        .bind(list_id)
        .bind(value)
        .fetch_optional(executor)
        .await?;
    Ok(found.is_some())
}

/// Whether the list `list_id` contains `value`: an absent or passive list contains nothing. The subscription
/// filter of the delivery engine asks this.
pub async fn contains<'e, E>(executor: E, list_id: &str, value: &str) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let found = sqlx::query(
        "SELECT 1 AS hit FROM vaerdiliste_values v JOIN vaerdilister l ON l.id = v.list_id \
         WHERE v.list_id = $1 AND v.value = $2 AND l.state = 'aktiv'",
    )
    .bind(list_id)
    .bind(value)
    .fetch_optional(executor)
    .await?;
    Ok(found.is_some())
}

// ---------------------------------------------------------------------------------------------------------------
// Requests to move a message into a dueslag's error queue

/// One `flytbeskedtilfejlkoe` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FejlkoeRequest {
    pub id: String,
    pub dueslag: String,
    pub besked_id: String,
    /// The requesting system's id.
    pub requested_by: String,
    pub requested_at: String,
}

/// Records a request.
pub async fn insert_fejlkoe_request(c: &mut AnyConnection, r: &FejlkoeRequest) -> Result<()> {
    sqlx::query(
        "INSERT INTO fejlkoe_requests (id, dueslag, besked_id, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&r.id)
    .bind(&r.dueslag)
    .bind(&r.besked_id)
    .bind(&r.requested_by)
    .bind(&r.requested_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The requests for a dueslag, oldest first.
pub async fn fejlkoe_requests<'e, E>(executor: E, dueslag: &str) -> Result<Vec<FejlkoeRequest>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT id, dueslag, besked_id, requested_by, requested_at FROM fejlkoe_requests WHERE dueslag = $1 \
         ORDER BY requested_at, id",
    )
    .bind(dueslag)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FejlkoeRequest {
                id: r.try_get("id")?,
                dueslag: r.try_get("dueslag")?,
                besked_id: r.try_get("besked_id")?,
                requested_by: r.try_get("requested_by")?,
                requested_at: r.try_get("requested_at")?,
            })
        })
        .collect()
}
