//! The Security Token Service as operators see it (issue 20): `GET /sts/services` lists each service that accepts
//! tokens with its entityID and where it is called, the token endpoint, and the STS's signing certificate — what an
//! operator hands a vendor whose system will call with tokens.

use crate::admin::{AdminState, error};
use crate::auth::Caller;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use snitflade_services::adgangsstyring::ENTITIES;

pub fn routes() -> Router<AdminState> {
    Router::new().route("/sts/services", get(services))
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
        "services": ENTITIES,
    }))
    .into_response()
}
