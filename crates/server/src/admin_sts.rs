//! The Security Token Service as operators see it (issue 20): `GET /sts/services` lists each service that accepts
//! tokens with its entityID and where it is called, the token endpoint, and the STS's signing certificate — what an
//! operator hands a vendor whose system will call with tokens — and, in a test environment,
//! `POST /systems/{name}/test-token`: a token that is wrong on purpose (expired, for another service, with a broken
//! signature), so a vendor can prove its client handles each refusal.

use crate::admin::{AdminState, error};
use crate::admin_json::Body;
use crate::admin_onboarding::own_system_in_test;
use crate::auth::Caller;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use snitflade_services::adgangsstyring::{BESKEDFORDELER_ENTITY_ID, Scope};

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/sts/services", get(services))
        .route("/systems/{name}/test-token", axum::routing::post(test_token))
}

/// `POST /systems/{name}/test-token`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TestTokenRequest {
    /// The SHA-256 (hex) of the system's certificate the token is bound to.
    certificate_sha256: String,
    /// The municipality's CVR.
    cvr: String,
    /// The service [default: the first that accepts tokens].
    entity_id: Option<String>,
    /// `none`, `expired`, `wrong_audience` or `bad_signature`.
    flaw: String,
}

/// The check a token with each flaw fails at a service.
const FLAWS: &[(&str, &str)] = &[
    ("none", ""),
    ("expired", "expired"),
    ("wrong_audience", "wrong_audience"),
    ("bad_signature", "not_trusted"),
];

async fn test_token(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    Body(b): Body<TestTokenRequest>,
) -> Response {
    let system = match own_system_in_test(&s, &caller, &name, "flawed tokens").await {
        Ok(system) => system,
        Err(r) => return r,
    };
    let Some((_, expected)) = FLAWS.iter().find(|(f, _)| *f == b.flaw) else {
        return error(
            StatusCode::BAD_REQUEST,
            "flaw: none, expired, wrong_audience or bad_signature (a replay is of a message, not a token: send the \
             same signed WS-Trust request or service call twice)",
        );
    };
    let fingerprint = b.certificate_sha256.to_ascii_lowercase();
    let holder = match s.services.access().system(&fingerprint) {
        Ok(holder) if holder.name == system.name => holder,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("certificate_sha256: not a certificate of '{name}'"),
            );
        }
    };
    let scope = Scope {
        entity_id: b.entity_id.unwrap_or_else(|| BESKEDFORDELER_ENTITY_ID.to_owned()),
        cvr: b.cvr,
    };
    let cert = hex::decode(&fingerprint).unwrap_or_default();
    let issued = match s.services.issue_token(&s.sts, &holder, &cert, &scope).await {
        Ok(i) => i,
        Err(refusal) => return error(StatusCode::BAD_REQUEST, refusal.to_string()),
    };
    let key = match s.sts.key() {
        Ok(k) => k,
        Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "the STS's key cannot be used"),
    };
    let mut claims = issued.claims;
    let token = match b.flaw.as_str() {
        "expired" => {
            let hours = |h: i64| h * 3600;
            claims.iat -= hours(9);
            claims.nbf -= hours(9);
            claims.exp = claims.iat + hours(8);
            snitflade_sts::jwt::issue(&key, &claims)
        }
        "wrong_audience" => {
            claims.aud = "http://entityid.kombit.dk/service/ukendt/1".into();
            claims.sub = claims.aud.clone();
            snitflade_sts::jwt::issue(&key, &claims)
        }
        "bad_signature" => {
            let token = issued.token;
            // The last base64url character of the signature changed: a signature that no longer verifies.
            let (rest, last) = token.split_at(token.len() - 1);
            format!("{rest}{}", if last == "A" { "B" } else { "A" })
        }
        _ => issued.token,
    };
    tracing::info!(system = %name, flaw = %b.flaw, id = %claims.jti, "test token issued");
    Json(json!({
        "access_token": token,
        "token_type": "Holder-of-key",
        "flaw": b.flaw,
        "refused_by_check": (!expected.is_empty()).then_some(*expected),
    }))
    .into_response()
}

/// `GET /sts/services`.
async fn services(State(s): State<AdminState>, _caller: Caller) -> Response {
    let key = match s.sts.key() {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "the STS key cannot be used");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the STS's key cannot be used; see the server's log",
            );
        }
    };
    Json(json!({
        "issuer": snitflade_sts::ISSUER,
        "token_endpoints": { "jwt": crate::sts_http::ISSUE_PATH, "wstrust": crate::sts_http::WSTRUST_PATH },
        "certificate_pem": key.cert_pem,
        "certificate_sha256": key.cert_sha256_hex(),
        "token_lifetime_secs": s.services.config().token_lifetime_secs,
        "services": s.sts.entities(),
    }))
    .into_response()
}
