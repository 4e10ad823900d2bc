//! Health on the admin listener, both open (no token). `GET /healthz`: the process is alive and serving — it never
//! touches the database, so it answers at once whatever the database does. `GET /readyz`: whether snitflade can do
//! its work now — the database takes writes, RabbitMQ is connected when configured — 200 or 503 with each check,
//! and whether this instance holds the delivery lease (reported, not required: of several instances only one
//! holds it). Both answer within a second.

use crate::admin::AdminState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use snitflade_beskedfordeler::amqp::AmqpStatus;
use snitflade_beskedfordeler::lease::Lease;
use snitflade_store::{Engine, Store};
use std::sync::Arc;
use std::time::Duration;

/// What `/readyz` looks at.
#[derive(Clone)]
pub struct Readiness {
    pub store: Store,
    /// `None` without `--amqp-url`.
    pub amqp: Option<AmqpStatus>,
    pub lease: Arc<Lease>,
}

/// How long the database's write probe may take, well inside the second `/readyz` answers within.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({ "status": "ok" }))).into_response()
}

async fn readyz(State(state): State<AdminState>) -> Response {
    let r = &state.readiness;
    let engine = match r.store.engine() {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let (writable, database) = match r.store.check_writable(PROBE_TIMEOUT).await {
        Ok(()) => (true, json!({ "engine": engine, "writable": true })),
        Err(e) => (
            false,
            json!({ "engine": engine, "writable": false, "error": e.to_string() }),
        ),
    };
    let (connected, rabbitmq) = match &r.amqp {
        None => (true, json!({ "configured": false })),
        Some(s) if s.connected() => (true, json!({ "configured": true, "connected": true })),
        Some(s) => (
            false,
            json!({ "configured": true, "connected": false, "error": s.error() }),
        ),
    };
    let ready = writable && connected;
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": database,
        "rabbitmq": rabbitmq,
        "delivery_lease": { "held": r.lease.is_held() },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
