//! Authentication on the admin listener (issue 17): every request under `/api/v1/` presents a bearer token and is
//! turned into a [`Principal`] — the admin token file's contents are the operator's break-glass credential, a
//! named API token (`snf_…`) is looked up by the SHA-256 of its secret on every request (no cache, so a revocation
//! holds from the very next request) — or answered 401 in the admin API's JSON error shape. Handlers take the
//! principal with the [`Caller`] extractor.

use crate::admin::{AdminState, error, store_error};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use snitflade_access::principal::{Credential, Principal, Role, RoleKind};
use snitflade_store::api_tokens;

/// The prefix of every API token's secret, so a leaked one is recognisable (e.g. by secret scanners).
pub(crate) const SECRET_PREFIX: &str = "snf_";

/// How stale `last_used_at` may get before a use is written again (at most one write a minute per token).
const TOUCH_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The authenticated caller of a handler.
pub(crate) struct Caller(pub Principal);

impl std::ops::Deref for Caller {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        // Set by `authenticate`, which wraps every route under /api/v1.
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| unauthorized(WRONG_TOKEN))
    }
}

const WRONG_TOKEN: &str = "missing or wrong bearer token (see <data-dir>/admin-token, or create an API token)";

fn unauthorized(message: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, message);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    r
}

/// Compares in time independent of where the inputs differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The hex SHA-256 of a token's secret: what is stored and looked up.
pub(crate) fn digest(secret: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()))
}

/// A principal authenticated before the request reached the API: the console's signed-in person, whose page
/// calls the API in-process (`console::api`). Only code can put it into a request's extensions — never a client.
#[derive(Clone)]
pub(crate) struct InProcess(pub Principal);

/// The middleware: the request's principal into its extensions, or the 401 (503 while the database is away).
pub(crate) async fn authenticate(State(state): State<AdminState>, mut req: Request, next: Next) -> Response {
    if let Some(InProcess(p)) = req.extensions_mut().remove::<InProcess>() {
        req.extensions_mut().insert(p);
        return next.run(req).await;
    }
    // The scheme is case-insensitive (RFC 7235 §2.1).
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let principal = match presented {
        Some(t) => principal_of(&state, &t).await,
        None => Err(unauthorized(WRONG_TOKEN)),
    };
    match principal {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(r) => r,
    }
}

/// Who presents `token`.
async fn principal_of(state: &AdminState, token: &str) -> Result<Principal, Response> {
    if constant_time_eq(token.as_bytes(), state.token.as_bytes()) {
        return Ok(Principal::break_glass());
    }
    if !token.starts_with(SECRET_PREFIX) {
        return Err(unauthorized(WRONG_TOKEN));
    }
    let store = state.services.store();
    let t = api_tokens::by_digest(store.pool(), &digest(token))
        .await
        .map_err(store_error)?
        .ok_or_else(|| unauthorized(WRONG_TOKEN))?;
    if let Some(at) = &t.revoked_at {
        return Err(unauthorized(&format!("the token '{}' was revoked at {at}", t.name)));
    }
    let now = jiff::Timestamp::now();
    let expired = t
        .expires_at
        .as_deref()
        .is_some_and(|e| e.parse::<jiff::Timestamp>().map_or(true, |e| e <= now));
    if expired {
        return Err(unauthorized(&format!(
            "the token '{}' expired at {}",
            t.name,
            t.expires_at.as_deref().unwrap_or_default()
        )));
    }
    let role = RoleKind::parse(&t.role)
        .ok_or(())
        .and_then(|k| Role::from_parts(k, t.scope.as_deref()).map_err(|_| ()))
        .map_err(|()| {
            tracing::error!(token = %t.id, role = %t.role, "an API token with an unreadable role is refused");
            unauthorized(WRONG_TOKEN)
        })?;
    let stale = t
        .last_used_at
        .as_deref()
        .and_then(|u| u.parse::<jiff::Timestamp>().ok())
        .is_none_or(|u| now.duration_since(u) >= TOUCH_EVERY);
    if stale {
        let id = t.id.clone();
        let touched = store
            .write(move |c| {
                let id = id.clone();
                Box::pin(async move { api_tokens::touch(c, &id, &snitflade_store::now_text()).await })
            })
            .await;
        if let Err(e) = touched {
            // The request goes on: the time of last use is a convenience, not a control.
            tracing::warn!(error = %e, token = %t.id, "recording an API token's use failed");
        }
    }
    Ok(Principal {
        role,
        credential: Credential::ApiToken {
            id: t.id,
            name: t.name,
            expires_at: t.expires_at,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_digest_is_hex_sha256() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
