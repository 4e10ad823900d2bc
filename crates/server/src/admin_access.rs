//! The admin API of the access lifecycle (issue 6): customers, vendors, systems and their certificates, CRLs,
//! standard integrations, the price list, orders (create, advance, close), urgent closing, invoices and the admin
//! audit log. Each handler maps HTTP to one `snitflade_lifecycle` operation, limited to the caller's scope and
//! recorded as the caller's (issue 17); urgent closing and revocation also drop the affected systems' open service
//! connections.

use crate::admin::{AdminState, error, store_error};
use crate::admin_json::{Body, BodyOrDefault};
use crate::auth::Caller;
use crate::scope::{Refused, forbidden, hidden, own_system};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::Serialize;
use snitflade_access::{Owner, Role};
use snitflade_domain::Kommunekode;
use snitflade_domain::orders::Party;
use snitflade_lifecycle::closing::UrgentClose;
use snitflade_lifecycle::orders::{Advance, Close, NewOrder, OrderView, PriceListInput};
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

pub(crate) fn lifecycle_error(e: LifecycleError) -> Response {
    match e {
        LifecycleError::NotFound(what) => error(StatusCode::NOT_FOUND, format!("{what} findes ikke")),
        LifecycleError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
        LifecycleError::Conflict(m) => error(StatusCode::CONFLICT, m),
        LifecycleError::Refused(m) => error(StatusCode::UNPROCESSABLE_ENTITY, m),
        LifecycleError::Forbidden(m) => error(StatusCode::FORBIDDEN, m),
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

/// A municipality may replace its own details (the gate has checked `{code}`), not create one.
async fn put_municipality(
    State(s): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    Body(mut b): Body<CustomerInput>,
) -> Response {
    b.actor = Some(caller.actor());
    match s.lifecycle.put_municipality(&code, b).await {
        Ok((true, m)) => (StatusCode::CREATED, Json(m)).into_response(),
        Ok((false, m)) => Json(m).into_response(),
        Err(e) => lifecycle_error(e),
    }
}

/// A vendor's list is itself.
async fn vendors(State(s): State<AdminState>, caller: Caller) -> Response {
    let own = caller.own_vendor();
    let r = s.lifecycle.vendors().await.map(|mut all| {
        all.retain(|v| own.as_ref().is_none_or(|own| *own == v.id));
        all
    });
    reply(StatusCode::OK, r)
}

/// Another vendor does not exist for a vendor.
fn own_vendor(caller: &Caller, id: &str) -> Result<(), Refused> {
    match caller.own_vendor() {
        Some(own) if own != id => Err(Refused::hidden(&format!("leverandøren {id}"))),
        _ => Ok(()),
    }
}

async fn vendor(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    if let Err(r) = own_vendor(&caller, &id) {
        return r.into_response();
    }
    reply(StatusCode::OK, s.lifecycle.vendor(&id).await)
}

async fn add_vendor(State(s): State<AdminState>, caller: Caller, Body(mut b): Body<VendorInput>) -> Response {
    b.actor = Some(caller.actor());
    reply(StatusCode::CREATED, s.lifecycle.add_vendor(b).await)
}

async fn update_vendor(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(mut b): Body<VendorInput>,
) -> Response {
    if let Err(r) = own_vendor(&caller, &id) {
        return r.into_response();
    }
    b.actor = Some(caller.actor());
    reply(StatusCode::OK, s.lifecycle.update_vendor(&id, b).await)
}

/// A system with the fingerprints of its certificates.
#[derive(Serialize)]
struct SystemView {
    #[serde(flatten)]
    system: snitflade_store::access::SystemRecord,
    certificates: Vec<String>,
}

/// A vendor's list is its own systems; a municipality's all (the systems it can order).
async fn systems(State(s): State<AdminState>, caller: Caller) -> Response {
    let pool = s.services.store().pool();
    let (systems, certs) = match (
        snitflade_store::access::systems(pool).await,
        snitflade_store::access::certificates(pool).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
    };
    let own = caller.own_vendor();
    let out: Vec<SystemView> = systems
        .into_iter()
        .filter(|system| own.is_none() || system.vendor_id == own)
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

/// A vendor registers systems of its own only.
async fn add_system(State(s): State<AdminState>, caller: Caller, Body(mut b): Body<SystemInput>) -> Response {
    if let Some(own) = caller.own_vendor()
        && own != b.vendor
    {
        return forbidden(format!("you act for vendor {own}: a system of yours only"));
    }
    b.actor = Some(caller.actor());
    reply(StatusCode::CREATED, s.lifecycle.add_system(b).await)
}

async fn set_system_vendor(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    Body(mut b): Body<SystemInput>,
) -> Response {
    b.actor = Some(caller.actor());
    reply(StatusCode::OK, s.lifecycle.set_system_vendor(&name, b).await)
}

/// A vendor uploads certificates of its own systems only (another's is 404).
async fn upload_certificate(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    bytes: axum::body::Bytes,
) -> Response {
    if let Err(r) = own_system(&s, &caller, &name).await {
        return r;
    }
    match s
        .lifecycle
        .upload_certificate(&name, &bytes, Some(&caller.actor()))
        .await
    {
        Ok(u) if u.created => (StatusCode::CREATED, Json(u.certificate)).into_response(),
        Ok(u) => Json(u.certificate).into_response(),
        Err(e) => lifecycle_error(e),
    }
}

async fn urgent_close(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    Body(mut b): Body<UrgentClose>,
) -> Response {
    b.actor = Some(caller.actor());
    match s.lifecycle.urgent_close(&name, b).await {
        Ok(mut closed) => {
            closed.connections_dropped = drop_everywhere(&s, &closed.fingerprints).await;
            Json(closed).into_response()
        }
        Err(e) => lifecycle_error(e),
    }
}

/// The names of the caller's own systems (a vendor's), or `None`: every system is in scope.
async fn own_system_names(s: &AdminState, caller: &Caller) -> Result<Option<Vec<String>>, Response> {
    let Some(own) = caller.own_vendor() else {
        return Ok(None);
    };
    let systems = snitflade_store::access::systems(s.services.store().pool())
        .await
        .map_err(store_error)?;
    Ok(Some(
        systems
            .into_iter()
            .filter(|x| x.vendor_id.as_deref() == Some(own.as_str()))
            .map(|x| x.name)
            .collect(),
    ))
}

/// A vendor's are its systems' certificates.
async fn certificates(State(s): State<AdminState>, caller: Caller) -> Response {
    let names = match own_system_names(&s, &caller).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let r = s.lifecycle.certificates().await.map(|mut all| {
        all.retain(|c| names.as_ref().is_none_or(|n| n.contains(&c.system)));
        all
    });
    reply(StatusCode::OK, r)
}

#[derive(Deserialize)]
struct WarningQuery {
    days: Option<i64>,
}

async fn warnings(State(s): State<AdminState>, caller: Caller, Query(q): Query<WarningQuery>) -> Response {
    let days = q.days.unwrap_or(WARN_DAYS).clamp(0, 3650);
    let names = match own_system_names(&s, &caller).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let r = s.lifecycle.expiry_warnings(days).await.map(|mut all| {
        all.retain(|w| names.as_ref().is_none_or(|n| n.contains(&w.system)));
        all
    });
    reply(StatusCode::OK, r)
}

async fn crls(State(s): State<AdminState>) -> Response {
    reply(StatusCode::OK, s.lifecycle.crls().await)
}

async fn add_crl(State(s): State<AdminState>, caller: Caller, bytes: axum::body::Bytes) -> Response {
    match s.lifecycle.add_crl(&bytes, Some(&caller.actor())).await {
        Ok(added) => {
            drop_everywhere(&s, &added.revoked).await;
            Json(added).into_response()
        }
        Err(e) => lifecycle_error(e),
    }
}

/// Cuts the open connections of `fingerprints` here, and announces it so that every other instance on the same
/// database cuts its own (`crate::coherence`); answers how many were cut here.
async fn drop_everywhere(s: &AdminState, fingerprints: &[String]) -> usize {
    let here = s.connections.drop_certificates(fingerprints);
    if !fingerprints.is_empty() {
        let change = snitflade_store::changes::Change::DropConnections(fingerprints.to_vec());
        if let Err(e) = snitflade_store::changes::announce(s.services.store(), &change).await {
            tracing::warn!(error = %e, "announcing closed connections to the other instances failed");
        }
    }
    here
}

/// A vendor's are its own.
async fn standard_integrations(State(s): State<AdminState>, caller: Caller) -> Response {
    let own = caller.own_vendor();
    let r = s.lifecycle.standard_integrations().await.map(|mut all| {
        all.retain(|si| own.as_ref().is_none_or(|own| *own == si.vendor_id));
        all
    });
    reply(StatusCode::OK, r)
}

/// A vendor registers its own (the operation checks that the system is the vendor's).
async fn add_standard_integration(
    State(s): State<AdminState>,
    caller: Caller,
    Body(mut b): Body<StandardIntegrationInput>,
) -> Response {
    if let Some(own) = caller.own_vendor()
        && own != b.vendor
    {
        return forbidden(format!("you act for vendor {own}: your own standard integrations only"));
    }
    b.actor = Some(caller.actor());
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

async fn set_price_list(State(s): State<AdminState>, caller: Caller, Body(mut b): Body<PriceListInput>) -> Response {
    b.actor = Some(caller.actor());
    reply(StatusCode::OK, s.lifecycle.set_price_list(b).await.map(price_list_view))
}

#[derive(Deserialize)]
struct OrderQuery {
    municipality: Option<String>,
    system: Option<String>,
    state: Option<String>,
}

/// The id of an order's vendor, as the order recorded it.
fn order_vendor(o: &OrderView) -> Option<&str> {
    o.vendor.get("id").and_then(serde_json::Value::as_str)
}

/// A municipality's are its orders, a vendor's the orders of its systems.
async fn orders(State(s): State<AdminState>, caller: Caller, Query(q): Query<OrderQuery>) -> Response {
    let municipality = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    let r = s
        .lifecycle
        .orders(municipality.as_deref(), q.system.as_deref(), q.state.as_deref())
        .await
        .map(|mut all| {
            all.retain(|o| caller.sees(&Owner::new(Some(&o.municipality), order_vendor(o))));
            all
        });
    reply(StatusCode::OK, r)
}

/// The order `id` and the caller's party in it; 404 for an order the caller is no party to.
async fn order_and_party(s: &AdminState, caller: &Caller, id: &str) -> Result<(OrderView, Party), Response> {
    let o = s.lifecycle.order(id).await.map_err(lifecycle_error)?;
    match caller.role.party_in(&o.municipality, order_vendor(&o)) {
        Some(p) => Ok((o, p)),
        None => Err(hidden(&format!("bestillingen {id}"))),
    }
}

async fn order(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    match order_and_party(&s, &caller, &id).await {
        Ok((o, _)) => Json(o).into_response(),
        Err(r) => r,
    }
}

/// Proposed by the municipality (for itself) or the vendor (for a system of its own), or by the operator.
async fn create_order(State(s): State<AdminState>, caller: Caller, Body(mut b): Body<NewOrder>) -> Response {
    let party = match &caller.role {
        Role::Municipality(_) => match Kommunekode::parse(&b.municipality) {
            Ok(k) => match caller.on_municipality(k) {
                Ok(()) => Party::Municipality,
                Err(r) => return r.into_response(),
            },
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("municipality: {e}")),
        },
        Role::Vendor(_) => match own_system(&s, &caller, &b.system).await {
            Ok(_) => Party::Vendor,
            Err(r) => return r,
        },
        Role::Operator => Party::Operator,
        // The gate lets no other role here.
        Role::Auditor => return forbidden("the auditor changes nothing"),
    };
    b.actor = Some(caller.actor());
    reply(StatusCode::CREATED, s.lifecycle.create_order(b, party).await)
}

/// Each step belongs to a party of the order (KMD's ordering process, docs/src/access/lifecycle.md; see
/// `snitflade_domain::orders::step_parties`): the wrong party is refused with 403 and the reason.
async fn advance_order(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(mut b): Body<Advance>,
) -> Response {
    let party = match order_and_party(&s, &caller, &id).await {
        Ok((_, p)) => p,
        Err(r) => return r,
    };
    b.actor = Some(caller.actor());
    reply(StatusCode::OK, s.lifecycle.advance_order(&id, b, party).await)
}

async fn close_order(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    BodyOrDefault(mut b): BodyOrDefault<Close>,
) -> Response {
    let party = match order_and_party(&s, &caller, &id).await {
        Ok((_, p)) => p,
        Err(r) => return r,
    };
    b.actor = Some(caller.actor());
    reply(StatusCode::OK, s.lifecycle.close_order(&id, b, party).await)
}

#[derive(Deserialize)]
struct InvoiceQuery {
    period: Option<String>,
    municipality: Option<String>,
    format: Option<String>,
}

/// A municipality's is its own invoice.
async fn invoices(State(s): State<AdminState>, caller: Caller, Query(q): Query<InvoiceQuery>) -> Response {
    let Some(period) = q.period else {
        return error(
            StatusCode::BAD_REQUEST,
            "the query parameter period (yyyy-mm) is required",
        );
    };
    let municipality = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    match s.lifecycle.invoices(&period, municipality.as_deref()).await {
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
