//! The admin API's own credentials (issue 17): named API tokens — created for a role and scope (by the operator
//! for any, by a municipality or vendor only for itself), their secret shown once and stored only as its SHA-256,
//! listed with their last use, revoked with effect from the next request — and `whoami`.

use crate::admin::{AdminState, error, store_error};
use crate::admin_json::Body;
use crate::auth::{Caller, SECRET_PREFIX, digest};
use crate::scope::{Refused, forbidden, hidden};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_access::principal::{Credential, Role, RoleKind};
use snitflade_store::api_tokens::{self, ApiToken};
use snitflade_store::{access, admin_audit, now_text, timestamp_text, vendors};

/// A new token's validity when none is asked for.
const DEFAULT_DAYS: i64 = 90;
/// Longest validity given as a duration (ten years).
const MAX_DAYS: i64 = 3660;

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
        .route("/whoami", get(whoami))
}

/// `POST /tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    role: String,
    /// The kommunekode (municipality) or vendor id (vendor); a municipality or vendor may leave out its own.
    scope: Option<String>,
    /// An RFC 3339 time, a duration (`30s`, `15m`, `12h`, `90d`) or `never` [default: 90 days].
    expires: Option<String>,
}

/// A token as listed: the stored record and the principal it authenticates.
#[derive(Serialize)]
struct TokenView {
    #[serde(flatten)]
    token: ApiToken,
    principal: String,
}

fn view(token: ApiToken) -> TokenView {
    let principal = match &token.scope {
        Some(s) => format!("{}:{s}", token.role),
        None => token.role.clone(),
    };
    TokenView { token, principal }
}

/// What the caller asked for as the token's expiry: `Ok(None)` is never.
fn expiry(asked: Option<&str>, now: jiff::Timestamp) -> Result<Option<jiff::Timestamp>, String> {
    let day = 24 * 3600;
    let Some(asked) = asked.map(str::trim) else {
        return Ok(Some(now + jiff::SignedDuration::from_secs(DEFAULT_DAYS * day)));
    };
    if asked == "never" {
        return Ok(None);
    }
    if let Ok(t) = asked.parse::<jiff::Timestamp>() {
        return if t > now {
            Ok(Some(t))
        } else {
            Err(format!("expires {asked} lies in the past"))
        };
    }
    let bad = || format!("expires: '{asked}' is no RFC 3339 time, duration (30s, 15m, 12h, 90d) or 'never'");
    let unit = asked.chars().last().ok_or_else(bad)?;
    let n: i64 = asked[..asked.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let seconds = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        'd' => n.saturating_mul(day),
        _ => return Err(bad()),
    };
    if !(1..=MAX_DAYS * day).contains(&seconds) {
        return Err(format!("expires: a duration from 1 second to {MAX_DAYS} days"));
    }
    Ok(Some(now + jiff::SignedDuration::from_secs(seconds)))
}

/// A fresh secret: `snf_` and 32 random bytes in hex.
fn secret() -> Result<String, Refused> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| Refused(StatusCode::INTERNAL_SERVER_ERROR, "no system randomness".into()))?;
    Ok(format!("{SECRET_PREFIX}{}", hex::encode(bytes)))
}

pub(crate) fn name(n: &str) -> Result<String, Refused> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(Refused(
            StatusCode::BAD_REQUEST,
            "name: 1 to 100 characters, no control characters".into(),
        ));
    }
    Ok(n.to_owned())
}

/// The role asked for a new credential (a token, a person), its scope defaulting to the caller's own for a caller
/// of the same kind; 400 for a role that cannot be read or names a municipality or vendor that does not exist, 403
/// for one the caller may not issue.
pub(crate) async fn role(
    state: &AdminState,
    caller: &Caller,
    asked: &str,
    scope: Option<&str>,
) -> Result<Role, Response> {
    let kind = RoleKind::parse(asked.trim()).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            format!("unknown role '{asked}' (operator, municipality, vendor or auditor)"),
        )
    })?;
    let own_scope = (caller.role.kind() == kind).then(|| caller.role.scope()).flatten();
    let scope = scope.map(str::to_owned).or(own_scope);
    let role = Role::from_parts(kind, scope.as_deref()).map_err(|e| error(StatusCode::BAD_REQUEST, e.to_string()))?;
    if !caller.role.may_issue(&role) {
        return Err(forbidden(format!(
            "you are {}: you may create credentials for {} only",
            caller.role,
            if matches!(caller.role, Role::Auditor) {
                "nobody".to_owned()
            } else {
                caller.role.to_string()
            }
        )));
    }
    let pool = state.services.store().pool();
    match &role {
        Role::Municipality(k) => {
            let set_up = access::municipalities(pool)
                .await
                .map_err(store_error)?
                .iter()
                .any(|m| m.code == k.to_string());
            if !set_up {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("municipality {k} is not set up"),
                ));
            }
        }
        Role::Vendor(v) => {
            if vendors::vendor_by_id(pool, v).await.map_err(store_error)?.is_none() {
                return Err(error(StatusCode::BAD_REQUEST, format!("unknown vendor '{v}'")));
            }
        }
        Role::Operator | Role::Auditor => {}
    }
    Ok(role)
}

async fn create(State(s): State<AdminState>, caller: Caller, Body(t): Body<NewToken>) -> Response {
    let name = match name(&t.name) {
        Ok(n) => n,
        Err(r) => return r.into_response(),
    };
    let role = match role(&s, &caller, &t.role, t.scope.as_deref()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let now = jiff::Timestamp::now();
    let mut expires = match expiry(t.expires.as_deref(), now) {
        Ok(e) => e,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    // A token cannot outlive the token that creates it: the default is cut to it, a later expiry asked is refused.
    if let Credential::ApiToken {
        expires_at: Some(own), ..
    } = &caller.credential
        && let Ok(own) = own.parse::<jiff::Timestamp>()
        && expires.is_none_or(|e| e > own)
    {
        if t.expires.is_some() {
            return forbidden(format!(
                "a token cannot outlive the token that creates it (expires {own})"
            ));
        }
        expires = Some(own);
    }
    let secret = match secret() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let record = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        role: role.kind().as_str().into(),
        scope: role.scope(),
        created_at: timestamp_text(now),
        created_by: caller.actor(),
        expires_at: expires.map(timestamp_text),
        last_used_at: None,
        revoked_at: None,
    };
    let (rec, hash) = (record.clone(), digest(&secret));
    let stored = s
        .services
        .store()
        .write(move |c| {
            let (t, hash) = (rec.clone(), hash.clone());
            Box::pin(async move {
                api_tokens::insert(c, &t, &hash).await?;
                let detail = json!({ "name": t.name, "role": t.role, "scope": t.scope, "expires_at": t.expires_at });
                admin_audit::record(
                    c,
                    &t.created_by,
                    "api_token.create",
                    "api_token",
                    &t.id,
                    &detail,
                    &t.created_at,
                )
                .await
            })
        })
        .await;
    if let Err(e) = stored {
        return store_error(e);
    }
    let mut answer = serde_json::to_value(view(record)).unwrap_or_default();
    // The only place the secret ever appears.
    answer["secret"] = secret.into();
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// `GET /tokens`: the operator's are all; a municipality's or vendor's those of its own role and scope.
async fn list(State(s): State<AdminState>, caller: Caller) -> Response {
    let filter = caller.credential_filter();
    let filter = filter.as_ref().map(|(r, scope)| (*r, scope.as_deref()));
    match api_tokens::list(s.services.store().pool(), filter).await {
        Ok(rows) => Json(rows.into_iter().map(view).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

/// `DELETE /tokens/{id}`: revoked at once (every request looks the token up); a token out of the caller's scope
/// is not found. Revoking a revoked token changes nothing.
async fn revoke(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    let pool = s.services.store().pool();
    let token = match api_tokens::by_id(pool, &id).await {
        Ok(Some(t)) => t,
        Ok(None) => return hidden(&format!("tokenet {id}")),
        Err(e) => return store_error(e),
    };
    if !caller.manages(&token.role, token.scope.as_deref()) {
        return hidden(&format!("tokenet {id}"));
    }
    end_credential(&s, &caller, id, ("api_token", "api_token.revoke"), |c, id, now| {
        Box::pin(api_tokens::revoke(c, id, now))
    })
    .await
}

/// The shape of a store function that ends a credential (`api_tokens::revoke`, `users::disable`): whether it ended
/// one that was live.
pub(crate) type EndFn = for<'c> fn(
    &'c mut snitflade_store::Tx,
    &'c str,
    &'c str,
) -> snitflade_store::BoxFuture<'c, snitflade_store::Result<bool>>;

/// Ends the credential `id` with `end` and, when it was live, writes `action` on the object type `kind` to the admin
/// audit log in the same transaction; 204 either way.
pub(crate) async fn end_credential(
    s: &AdminState,
    caller: &Caller,
    id: String,
    (kind, action): (&'static str, &'static str),
    end: EndFn,
) -> Response {
    let actor = caller.actor();
    let done = s
        .services
        .store()
        .write(move |c| {
            let (id, actor) = (id.clone(), actor.clone());
            Box::pin(async move {
                let now = now_text();
                if end(c, &id, &now).await? {
                    admin_audit::record(c, &actor, action, kind, &id, &json!({}), &now).await?;
                }
                Ok(())
            })
        })
        .await;
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

/// `GET /whoami`: the principal, its role and scope, and the credential presented.
async fn whoami(caller: Caller) -> Response {
    let credential = match &caller.credential {
        Credential::AdminToken => json!({ "kind": "admin_token" }),
        Credential::ApiToken { id, name, expires_at } => {
            json!({ "kind": "api_token", "id": id, "name": name, "expires_at": expires_at })
        }
        Credential::Person { id, name } => json!({ "kind": "person", "id": id, "name": name }),
    };
    Json(json!({
        "principal": caller.role.to_string(),
        "role": caller.role.kind().as_str(),
        "scope": caller.role.scope(),
        "actor": caller.actor(),
        "credential": credential,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_asked_for() {
        let now: jiff::Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        let at = |s: &str| expiry(Some(s), now).unwrap().unwrap().to_string();
        assert_eq!(at("90d"), "2026-05-30T12:00:00Z");
        assert_eq!(at("12h"), "2026-03-02T00:00:00Z");
        assert_eq!(at("30s"), "2026-03-01T12:00:30Z");
        assert_eq!(at("15m"), "2026-03-01T12:15:00Z");
        assert_eq!(at("2026-04-01T00:00:00Z"), "2026-04-01T00:00:00Z");
        assert_eq!(expiry(None, now).unwrap().unwrap().to_string(), "2026-05-30T12:00:00Z");
        assert_eq!(expiry(Some("never"), now).unwrap(), None);
        for bad in [
            "2026-01-01T00:00:00Z",
            "0s",
            "-1d",
            "3661d",
            "90",
            "d",
            "9x",
            "",
            "soon",
        ] {
            assert!(expiry(Some(bad), now).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_recognisable_and_fresh() {
        let (a, b) = (secret().unwrap(), secret().unwrap());
        assert!(a.starts_with("snf_") && a.len() == 4 + 64, "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(name("  sorø løn  ").unwrap(), "sorø løn");
        assert!(name("").is_err() && name("a\nb").is_err() && name(&"x".repeat(101)).is_err());
    }
}
