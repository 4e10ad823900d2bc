//! The console's OpenID Connect sign-ins in progress (migration 0028), in the database so that a sign-in started on
//! one instance can finish on another: kept under the SHA-256 of the flow cookie, bounded in all and per address,
//! taken once, forgotten when too old.

use crate::Result;
use sqlx::{AnyConnection, Row};

/// One started sign-in: what the callback needs to finish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect: String,
    pub address: Option<String>,
    /// Seconds since the epoch.
    pub started_at: i64,
}

/// How many flows may be in progress.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub total: i64,
    pub per_address: i64,
}

/// Keeps `flow` under `digest` unless `bounds` are reached (then `false`); forgets, in the same transaction, the
/// flows started before `forget_before`.
pub async fn remember(
    c: &mut AnyConnection,
    digest: &str,
    flow: &Flow,
    bounds: Bounds,
    forget_before: i64,
) -> Result<bool> {
    sqlx::query("DELETE FROM oidc_flows WHERE started_at < $1")
        .bind(forget_before)
        .execute(&mut *c)
        .await?;
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM oidc_flows) AS total, \
         (SELECT COUNT(*) FROM oidc_flows WHERE address = $1) AS here",
    )
    .bind(flow.address.as_deref())
    .fetch_one(&mut *c)
    .await?;
    let (total, here): (i64, i64) = (row.try_get("total")?, row.try_get("here")?);
    if total >= bounds.total || here >= bounds.per_address {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO oidc_flows (flow_digest, provider, state, nonce, verifier, redirect, address, started_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(digest)
    .bind(&flow.provider)
    .bind(&flow.state)
    .bind(&flow.nonce)
    .bind(&flow.verifier)
    .bind(&flow.redirect)
    .bind(flow.address.as_deref())
    .bind(flow.started_at)
    .execute(&mut *c)
    .await?;
    Ok(true)
}

/// Takes out the flow kept under `digest` (once), if it started at or after `started_after`.
pub async fn take(c: &mut AnyConnection, digest: &str, started_after: i64) -> Result<Option<Flow>> {
    let row = sqlx::query(
        "SELECT provider, state, nonce, verifier, redirect, address, started_at FROM oidc_flows WHERE flow_digest = $1",
    )
    .bind(digest)
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    sqlx::query("DELETE FROM oidc_flows WHERE flow_digest = $1")
        .bind(digest)
        .execute(&mut *c)
        .await?;
    let flow = Flow {
        provider: row.try_get("provider")?,
        state: row.try_get("state")?,
        nonce: row.try_get("nonce")?,
        verifier: row.try_get("verifier")?,
        redirect: row.try_get("redirect")?,
        address: row.try_get("address")?,
        started_at: row.try_get("started_at")?,
    };
    Ok((flow.started_at >= started_after).then_some(flow))
}
