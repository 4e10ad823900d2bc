//! Storage of the console's people and their sessions (migration 0023): who a person is (name, the one role and
//! scope they act as), how they prove it (an argon2id password hash, a TOTP secret) and
//! their signed-in sessions — kept by the SHA-256 of the cookie's value, never the value.

use crate::Result;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A person as listed (without their secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    /// `operator`, `municipality`, `vendor` or `auditor`.
    pub role: String,
    /// The kommunekode of a municipality's person, the vendor id of a vendor's.
    pub scope: Option<String>,
    /// Whether a TOTP code is asked for after the password.
    pub totp: bool,
    /// The OpenID Connect provider (its issuer) the person may sign in through, and their subject there.
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub last_signed_in_at: Option<String>,
    pub disabled_at: Option<String>,
}

/// What signing a person in needs besides the listed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

const COLUMNS: &str = "id, name, role, scope, password_hash, totp_secret, totp_last_step, oidc_issuer, \
                       oidc_subject, created_at, created_by, last_signed_in_at, disabled_at FROM console_users";

fn person(r: &AnyRow) -> Result<(User, Secrets)> {
    let totp_secret: Option<String> = r.try_get("totp_secret")?;
    Ok((
        User {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: r.try_get("role")?,
            scope: r.try_get("scope")?,
            totp: totp_secret.is_some(),
            oidc_issuer: r.try_get("oidc_issuer")?,
            oidc_subject: r.try_get("oidc_subject")?,
            created_at: r.try_get("created_at")?,
            created_by: r.try_get("created_by")?,
            last_signed_in_at: r.try_get("last_signed_in_at")?,
            disabled_at: r.try_get("disabled_at")?,
        },
        Secrets {
            password_hash: r.try_get("password_hash")?,
            totp_secret,
            totp_last_step: r.try_get("totp_last_step")?,
        },
    ))
}

/// A new person: the listed fields, the password's hash (none for one who signs in only through OpenID Connect) and
/// the TOTP secret.
pub struct NewUser<'a> {
    pub user: &'a User,
    pub password_hash: Option<&'a str>,
    pub totp_secret: Option<&'a str>,
}

/// Stores a new person (a taken name, or an OpenID Connect identity another person has, is a `Conflict`).
pub async fn insert(c: &mut AnyConnection, new: NewUser<'_>) -> Result<()> {
    let p = new.user;
    let taken = sqlx::query("SELECT 1 FROM console_users WHERE name = $1")
        .bind(&p.name)
        .fetch_optional(&mut *c)
        .await?;
    if taken.is_some() {
        return Err(crate::StoreError::Conflict(format!("the name '{}' is taken", p.name)));
    }
    if let (Some(issuer), Some(subject)) = (&p.oidc_issuer, &p.oidc_subject)
        && by_oidc(&mut *c, issuer, subject).await?.is_some()
    {
        return Err(crate::StoreError::Conflict(format!(
            "another person signs in as '{subject}' at {issuer}"
        )));
    }
    sqlx::query(
        "INSERT INTO console_users (id, name, role, scope, password_hash, totp_secret, oidc_issuer, oidc_subject, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.role)
    .bind(p.scope.as_deref())
    .bind(new.password_hash)
    .bind(new.totp_secret)
    .bind(p.oidc_issuer.as_deref())
    .bind(p.oidc_subject.as_deref())
    .bind(&p.created_at)
    .bind(&p.created_by)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn by_name<'e, E>(executor: E, name: &str) -> Result<Option<(User, Secrets)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE name = $1")))
        .bind(name)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(person).transpose()
}

pub async fn by_id<'e, E>(executor: E, id: &str) -> Result<Option<(User, Secrets)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(person).transpose()
}

/// The person who signs in as `subject` at the OpenID Connect provider `issuer`.
pub async fn by_oidc<'e, E>(executor: E, issuer: &str, subject: &str) -> Result<Option<(User, Secrets)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE oidc_issuer = $1 AND oidc_subject = $2"
    )))
    .bind(issuer)
    .bind(subject)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(person).transpose()
}

/// The people of one role and scope (both given) or all (neither), by name.
pub async fn list<'e, E>(executor: E, role_and_scope: Option<(&str, Option<&str>)>) -> Result<Vec<User>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (role, scope) = role_and_scope.unzip();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE ($1 IS NULL OR (role = $1 AND scope = $2)) ORDER BY name"
    )))
    .bind(role)
    .bind(scope.flatten())
    .fetch_all(executor)
    .await?;
    rows.iter().map(|r| person(r).map(|(u, _)| u)).collect()
}

/// Disables a person and ends their sessions. Answers whether an enabled person was disabled.
pub async fn disable(c: &mut AnyConnection, id: &str, now: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE console_users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut *c)
        .await?;
    end_sessions_of(c, id, now).await?;
    Ok(done.rows_affected() > 0)
}

/// Sets a new password hash (and ends the person's sessions: a changed password signs everyone out).
pub async fn set_password(c: &mut AnyConnection, id: &str, hash: &str, now: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE console_users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(&mut *c)
        .await?;
    end_sessions_of(c, id, now).await?;
    Ok(done.rows_affected() > 0)
}

/// Records the TOTP step a code was accepted for, only if it is later than the last one: answers false when the
/// step was used already (a replayed code).
pub async fn use_totp_step(c: &mut AnyConnection, id: &str, step: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE console_users SET totp_last_step = $2 WHERE id = $1 \
         AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: String,
    pub csrf: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub ended_at: Option<String>,
}

/// Starts a session for a person who has just signed in (and records the sign-in).
pub async fn start_session(c: &mut AnyConnection, id_sha256: &str, user_id: &str, csrf: &str, now: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO console_sessions (id_sha256, user_id, csrf, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(id_sha256)
    .bind(user_id)
    .bind(csrf)
    .bind(now)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE console_users SET last_signed_in_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn session<'e, E>(executor: E, id_sha256: &str) -> Result<Option<Session>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT user_id, csrf, created_at, last_seen_at, ended_at FROM console_sessions WHERE id_sha256 = $1",
    )
    .bind(id_sha256)
    .fetch_optional(executor)
    .await?;
    row.map(|r| {
        Ok(Session {
            user_id: r.try_get("user_id")?,
            csrf: r.try_get("csrf")?,
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            ended_at: r.try_get("ended_at")?,
        })
    })
    .transpose()
}

/// Records activity on a session.
pub async fn touch_session(c: &mut AnyConnection, id_sha256: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE console_sessions SET last_seen_at = $2 WHERE id_sha256 = $1 AND ended_at IS NULL")
        .bind(id_sha256)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends one session (signing out, or found expired).
pub async fn end_session(c: &mut AnyConnection, id_sha256: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE console_sessions SET ended_at = $2 WHERE id_sha256 = $1 AND ended_at IS NULL")
        .bind(id_sha256)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

async fn end_sessions_of(c: &mut AnyConnection, user_id: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE console_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}
