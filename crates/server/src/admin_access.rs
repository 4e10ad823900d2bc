//! The admin API of the access lifecycle (issue 6): customers, vendors, systems and their certificates, CRLs,
//! standard integrations, the price list, orders (create, advance, close), urgent closing, invoices and the admin
//! audit log. Each handler maps HTTP to one `snitflade_lifecycle` operation; urgent closing and revocation also
//! drop the affected systems' open service connections.

use crate::admin::{ActorQuery, AdminState, error, store_error};
use crate::admin_json::{Body, BodyOrDefault};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::Serialize;
use snitflade_lifecycle::closing::UrgentClose;
use snitflade_lifecycle::orders::{Advance, Close, NewOrder, PriceListInput};
use snitflade_lifecycle::parties::{CustomerInput, StandardIntegrationInput, SystemInput, VendorInput};
use snitflade_lifecycle::{LifecycleError, certificates::WARN_DAYS};
use snitflade_store::admin_audit;

/// Largest certificate or CRL upload.
const MAX_UPLOAD_BYTES: usize = 1024 * 1024;

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/municipalities/{code}", axum::routing::put(put_municipality))
        .route("/vendors", get(vendors).post(add_vendor))
        .route("/vendors/{id}", get(vendor).put(update_vendor))
        .route("/systems", get(systems).post(add_system))
        .route("/systems/{name}", axum::routing::put(set_system_vendor))
        .route(
            "/systems/{name}/certificates",
            post(upload_certificate).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/systems/{name}/urgent-close", post(urgent_close))
        .route("/certificates", get(certificates))
        .route("/certificates/warnings", get(warnings))
        .route(
            "/crls",
            get(crls).post(add_crl).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/standard-integrations",
            get(standard_integrations).post(add_standard_integration),
        )
        .route("/price-list", get(price_list).put(set_price_list))
        .route("/orders", get(orders).post(create_order))
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/advance", post(advance_order))
        .route("/orders/{id}/close", post(close_order))
        .route("/invoices", get(invoices))
        .route("/audit/admin", get(admin_audit_log))
}

fn lifecycle_error(e: LifecycleError) -> Response {
    match e {
        LifecycleError::NotFound(what) => error(StatusCode::NOT_FOUND, format!("{what} findes ikke")),
        LifecycleError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
        LifecycleError::Conflict(m) => error(StatusCode::CONFLICT, m),
        LifecycleError::Refused(m) => error(StatusCode::UNPROCESSABLE_ENTITY, m),
        LifecycleError::Store(e) => store_error(e),
    }
}

/// The answer to an operation: `status` with its JSON, or the error.
fn reply<T: Serialize>(status: StatusCode, r: Result<T, LifecycleError>) -> Response {
    match r {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => lifecycle_error(e),
    }
}

async fn put_municipality(
    State(s): State<AdminState>,
    Path(code): Path<String>,
    Body(b): Body<CustomerInput>,
) -> Response {
    match s.lifecycle.put_municipality(&code, b).await {
        Ok((true, m)) => (StatusCode::CREATED, Json(m)).into_response(),
        Ok((false, m)) => Json(m).into_response(),
        Err(e) => lifecycle_error(e),
    }
}

async fn vendors(State(s): State<AdminState>) -> Response {
    reply(StatusCode::OK, s.lifecycle.vendors().await)
}

async fn vendor(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    reply(StatusCode::OK, s.lifecycle.vendor(&id).await)
}

async fn add_vendor(State(s): State<AdminState>, Body(b): Body<VendorInput>) -> Response {
    reply(StatusCode::CREATED, s.lifecycle.add_vendor(b).await)
}

async fn update_vendor(State(s): State<AdminState>, Path(id): Path<String>, Body(b): Body<VendorInput>) -> Response {
    reply(StatusCode::OK, s.lifecycle.update_vendor(&id, b).await)
}

/// A system with the fingerprints of its certificates.
#[derive(Serialize)]
struct SystemView {
    #[serde(flatten)]
    system: snitflade_store::access::SystemRecord,
    certificates: Vec<String>,
}

async fn systems(State(s): State<AdminState>) -> Response {
    let pool = s.services.store().pool();
    let (systems, certs) = match (
        snitflade_store::access::systems(pool).await,
        snitflade_store::access::certificates(pool).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
    };
    let out: Vec<SystemView> = systems
        .into_iter()
        .map(|system| SystemView {
            certificates: certs
                .iter()
                .filter(|c| c.system_id == system.id)
                .map(|c| c.fingerprint.clone())
                .collect(),
            system,
        })
        .collect();
    Json(out).into_response()
}

async fn add_system(State(s): State<AdminState>, Body(b): Body<SystemInput>) -> Response {
    reply(StatusCode::CREATED, s.lifecycle.add_system(b).await)
}

async fn set_system_vendor(
    State(s): State<AdminState>,
    Path(name): Path<String>,
    Body(b): Body<SystemInput>,
) -> Response {
    reply(StatusCode::OK, s.lifecycle.set_system_vendor(&name, b).await)
}

async fn upload_certificate(
    State(s): State<AdminState>,
    Path(name): Path<String>,
    Query(q): Query<ActorQuery>,
    bytes: axum::body::Bytes,
) -> Response {
    match s.lifecycle.upload_certificate(&name, &bytes, q.actor.as_deref()).await {
        Ok(u) if u.created => (StatusCode::CREATED, Json(u.certificate)).into_response(),
        Ok(u) => Json(u.certificate).into_response(),
        Err(e) => lifecycle_error(e),
    }
}

async fn urgent_close(State(s): State<AdminState>, Path(name): Path<String>, Body(b): Body<UrgentClose>) -> Response {
    match s.lifecycle.urgent_close(&name, b).await {
        Ok(mut closed) => {
            closed.connections_dropped = s.connections.drop_certificates(&closed.fingerprints);
            Json(closed).into_response()
        }
        Err(e) => lifecycle_error(e),
    }
}

async fn certificates(State(s): State<AdminState>) -> Response {
    reply(StatusCode::OK, s.lifecycle.certificates().await)
}

#[derive(Deserialize)]
struct WarningQuery {
    days: Option<i64>,
}

async fn warnings(State(s): State<AdminState>, Query(q): Query<WarningQuery>) -> Response {
    let days = q.days.unwrap_or(WARN_DAYS).clamp(0, 3650);
    reply(StatusCode::OK, s.lifecycle.expiry_warnings(days).await)
}

async fn crls(State(s): State<AdminState>) -> Response {
    reply(StatusCode::OK, s.lifecycle.crls().await)
}

async fn add_crl(State(s): State<AdminState>, Query(q): Query<ActorQuery>, bytes: axum::body::Bytes) -> Response {
    match s.lifecycle.add_crl(&bytes, q.actor.as_deref()).await {
        Ok(added) => {
            s.connections.drop_certificates(&added.revoked);
            Json(added).into_response()
        }
        Err(e) => lifecycle_error(e),
    }
}

async fn standard_integrations(State(s): State<AdminState>) -> Response {
    reply(StatusCode::OK, s.lifecycle.standard_integrations().await)
}

async fn add_standard_integration(State(s): State<AdminState>, Body(b): Body<StandardIntegrationInput>) -> Response {
    reply(StatusCode::CREATED, s.lifecycle.add_standard_integration(b).await)
}

async fn price_list(State(s): State<AdminState>) -> Response {
    let today = snitflade_lifecycle::today().to_string();
    match s.lifecycle.price_list_on(&today).await {
        Ok(Some(p)) => Json(price_list_view(p)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "der er ingen gældende prisliste"),
        Err(e) => lifecycle_error(e),
    }
}

/// The price list with its version and first day beside the prices.
fn price_list_view(p: snitflade_store::orders::PriceListRecord) -> serde_json::Value {
    let mut doc = p.document;
    if let Some(o) = doc.as_object_mut() {
        o.insert("version".into(), p.version.into());
        o.insert("valid_from".into(), p.valid_from.into());
    }
    doc
}

async fn set_price_list(State(s): State<AdminState>, Body(b): Body<PriceListInput>) -> Response {
    reply(StatusCode::OK, s.lifecycle.set_price_list(b).await.map(price_list_view))
}

#[derive(Deserialize)]
struct OrderQuery {
    municipality: Option<String>,
    system: Option<String>,
    state: Option<String>,
}

async fn orders(State(s): State<AdminState>, Query(q): Query<OrderQuery>) -> Response {
    let r = s
        .lifecycle
        .orders(q.municipality.as_deref(), q.system.as_deref(), q.state.as_deref())
        .await;
    reply(StatusCode::OK, r)
}

async fn order(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    reply(StatusCode::OK, s.lifecycle.order(&id).await)
}

async fn create_order(State(s): State<AdminState>, Body(b): Body<NewOrder>) -> Response {
    reply(StatusCode::CREATED, s.lifecycle.create_order(b).await)
}

async fn advance_order(State(s): State<AdminState>, Path(id): Path<String>, Body(b): Body<Advance>) -> Response {
    reply(StatusCode::OK, s.lifecycle.advance_order(&id, b).await)
}

async fn close_order(
    State(s): State<AdminState>,
    Path(id): Path<String>,
    BodyOrDefault(b): BodyOrDefault<Close>,
) -> Response {
    reply(StatusCode::OK, s.lifecycle.close_order(&id, b).await)
}

#[derive(Deserialize)]
struct InvoiceQuery {
    period: Option<String>,
    municipality: Option<String>,
    format: Option<String>,
}

async fn invoices(State(s): State<AdminState>, Query(q): Query<InvoiceQuery>) -> Response {
    let Some(period) = q.period else {
        return error(
            StatusCode::BAD_REQUEST,
            "the query parameter period (yyyy-mm) is required",
        );
    };
    match s.lifecycle.invoices(&period, q.municipality.as_deref()).await {
        Ok(inv) if q.format.as_deref() == Some("csv") => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"snitflade-{}.csv\"", inv.period),
                ),
            ],
            inv.to_csv(),
        )
            .into_response(),
        Ok(inv) => Json(inv).into_response(),
        Err(e) => lifecycle_error(e),
    }
}

#[derive(Deserialize)]
struct AdminAuditQuery {
    object_type: Option<String>,
    limit: Option<i64>,
}

async fn admin_audit_log(State(s): State<AdminState>, Query(q): Query<AdminAuditQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    match admin_audit::list(s.services.store().pool(), q.object_type.as_deref(), limit).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => store_error(e),
    }
}
