//! The admin listener (docs/src/admin.md): open `/healthz`, `/readyz` (see `health`), `/metrics` and the OpenAPI
//! document `/api/v1/openapi.json` (it describes the API, it discloses nothing); everything else under `/api/v1/`
//! behind the bearer token: the error-handling table, machine-hours registrations, systems, grants, municipalities and
//! their absence type catalogues and document types, events, and the audit trail of reads and changes of employee data.

use crate::admin_json::{Body, refused};
use crate::admin_payroll;
use crate::auth::Caller;
use crate::scope::{vendor_of_system_named, vendors_by_system};
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use snitflade_domain::absence::{AbsenceType, validate_catalogue};
use snitflade_domain::documents::{DocumentType, validate_document_types};
use snitflade_domain::json::JsonError;
use snitflade_domain::{ErrorStatus, Kommunekode, Pernr};
use snitflade_services::Services;
use snitflade_services::error_handling::AdminError;
use snitflade_store::catalogues::{self, Catalogue};
use snitflade_store::errors::ErrorFilter;
use snitflade_store::{StoreError, absence, access, documents, errors, hr, maskintimer, outbox};
use std::sync::Arc;

#[derive(Clone)]
pub struct AdminState {
    pub services: Services,
    pub lifecycle: snitflade_lifecycle::Lifecycle,
    pub connections: crate::listener::Connections,
    pub token: Arc<str>,
    pub metrics: Option<crate::metrics::Exporter>,
    pub readiness: crate::health::Readiness,
    /// RabbitMQ's management API, with `--amqp-url`: per-system broker logins for the pull queues.
    pub broker: Option<snitflade_beskedfordeler::amqp::Broker>,
    /// The console's sessions.
    pub console: crate::console::ConsoleConfig,
    /// The OpenID Connect providers of `[[console.oidc]]` and the sign-ins through them in progress.
    pub oidc: Arc<crate::console::oidc::Oidc>,
    /// The Security Token Service (its key and certificate are listed for operators).
    pub sts: Arc<snitflade_services::adgangsstyring::TokenService>,
    /// Whether the admin listener speaks TLS (the console's cookies are then `Secure` and `__Host-`).
    pub admin_tls: bool,
    /// The PKI directory: with the demo CA's key in it (a test environment), vendors get test certificates.
    pub pki_dir: Arc<std::path::Path>,
    /// The test municipalities a startup package grants access in.
    pub test_municipalities: Arc<[String]>,
}

pub(crate) const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: AdminState) -> Router {
    let api = api(state.clone());
    let console = crate::console::router(crate::console::ConsoleState::new(
        state.clone(),
        Router::new().nest("/api/v1", api.clone()).with_state(state.clone()),
    ));
    Router::new()
        .merge(crate::health::routes())
        .route("/metrics", get(metrics))
        // Outside the nested router, so that no token is asked for.
        .route("/api/v1/openapi.json", get(openapi))
        .nest("/api/v1", api)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
        .with_state(state)
        .merge(console)
        .layer(middleware::map_response(crate::admin_json::json_errors))
        .layer(middleware::from_fn(crate::observe::observe))
}

/// Everything under `/api/v1` but the OpenAPI document: authenticated, gated by role.
fn api(state: AdminState) -> Router<AdminState> {
    Router::new()
        .route("/errors", get(list_errors))
        .route("/errors/counts", get(count_errors))
        .route("/errors/{id}", get(get_error))
        .route("/errors/{id}/resubmit", post(resubmit))
        .route("/errors/{id}/discard", post(discard))
        .route("/errors/{id}/resolve", post(resolve))
        .route("/maskintimer/registrations", get(registrations))
        .route("/municipalities", get(municipalities))
        .route("/events", get(events))
        .route("/audit", get(audit))
        .route(
            "/municipalities/{code}/absence-types",
            get(absence_types).put(put_absence_types),
        )
        .route(
            "/municipalities/{code}/payroll-catalogue",
            get(admin_payroll::catalogue).put(admin_payroll::put_catalogue),
        )
        .route("/municipalities/{code}/employee-locks", get(admin_payroll::locks))
        .route(
            "/municipalities/{code}/employee-locks/{pernr}",
            axum::routing::put(admin_payroll::lock).delete(admin_payroll::unlock),
        )
        .route(
            "/municipalities/{code}/document-types",
            get(document_types).put(put_document_types),
        )
        .route(
            "/municipalities/{code}/employees/{pernr}/holiday-transfers",
            get(crate::admin_holiday::list).post(crate::admin_holiday::add),
        )
        .route(
            "/municipalities/{code}/employees/{pernr}/holiday-transfers/{id}",
            axum::routing::delete(crate::admin_holiday::delete),
        )
        // The routes above log their changes by method, path and status; those below log their own.
        .route_layer(middleware::from_fn_with_state(state.clone(), audit_change))
        .route("/grants", get(grants).post(add_grant))
        .merge(crate::admin_access::routes())
        .merge(crate::admin_beskedfordeler::routes())
        .merge(crate::admin_landscape::routes())
        .merge(crate::admin_tokens::routes())
        .merge(crate::admin_users::routes())
        .merge(crate::admin_traffic::routes())
        .merge(crate::admin_onboarding::routes())
        .merge(crate::admin_sts::routes())
        // Which roles may call each route (openapi.json's x-roles), once the caller is known …
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::roles::gate))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
        // … and who the caller is: every request under /api/v1, unknown paths too.
        .layer(middleware::from_fn_with_state(state, crate::auth::authenticate))
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

pub(crate) fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::NotFound => error(StatusCode::NOT_FOUND, "not found"),
        StoreError::Conflict(m) => error(StatusCode::CONFLICT, m),
        other if other.is_unavailable() => {
            tracing::warn!(error = %other, "admin API: the database is unavailable");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; try again later",
            )
        }
        other => {
            tracing::error!(error = %other, "admin API storage failure");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// The value of a query, or (returned from the handler) the 400 answer naming what is wrong with it.
macro_rules! query {
    ($q:expr) => {
        match $q {
            Ok(axum::extract::Query(v)) => v,
            Err(e) => return $crate::admin::error(axum::http::StatusCode::BAD_REQUEST, e.body_text()),
        }
    };
}
pub(crate) use query;

/// The `?actor=` that changes used to take: still read (so a malformed query is still a 400) and ignored — the
/// caller's principal is what is recorded.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ActorQuery {
    #[serde(rename = "actor")]
    _actor: Option<String>,
}

fn admin_error(e: AdminError) -> Response {
    match e {
        AdminError::NotFound => error(StatusCode::NOT_FOUND, "not found"),
        AdminError::Conflict(m) => error(StatusCode::CONFLICT, m),
        AdminError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
        AdminError::Store(e) => store_error(e),
    }
}

/// Appends every change made through the routes it wraps (not GET) to the admin audit log: method, path and the
/// answer's status. Bodies are not logged (a resubmitted payload may hold personal data).
async fn audit_change(State(state): State<AdminState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if method == http::Method::GET || method == http::Method::HEAD {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let actor = req
        .extensions()
        .get::<snitflade_access::Principal>()
        .map_or_else(|| "admin".to_owned(), |p| p.actor());
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let trimmed = path.trim_start_matches('/');
    let (object_type, object_id) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let (object_type, object_id) = (object_type.to_owned(), object_id.to_owned());
    let action = format!("{method} {path}");
    let detail = json!({ "status": status });
    let logged = state
        .services
        .store()
        .write(move |c| {
            let (actor, action, object_type, object_id, detail) = (
                actor.clone(),
                action.clone(),
                object_type.clone(),
                object_id.clone(),
                detail.clone(),
            );
            Box::pin(async move {
                let now = snitflade_store::now_text();
                snitflade_store::admin_audit::record(c, &actor, &action, &object_type, &object_id, &detail, &now).await
            })
        })
        .await;
    if let Err(e) = logged {
        tracing::error!(error = %e, "an admin action could not be written to the audit log");
    }
    response
}

async fn metrics(State(state): State<AdminState>) -> Response {
    let body = state.metrics.as_ref().map(|m| m.render()).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
        .into_response()
}

async fn openapi() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Debug, Deserialize)]
struct ErrorQuery {
    status: Option<String>,
    interface: Option<String>,
    municipality: Option<String>,
    external_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The entries a query asks for, within the caller's scope: a municipality's are its municipality's entries, a
/// vendor's those of messages its systems sent.
fn error_filter(caller: &Caller, q: ErrorQuery) -> Result<ErrorFilter, crate::scope::Refused> {
    let status = q
        .status
        .as_deref()
        .map(|s| ErrorStatus::parse(s).ok_or(s))
        .transpose()
        .map_err(|s| crate::scope::Refused(StatusCode::BAD_REQUEST, format!("unknown status '{s}'")))?;
    let municipality = caller.municipality_filter(q.municipality.as_deref())?;
    Ok(ErrorFilter {
        status,
        interface: q.interface,
        municipality,
        external_id: q.external_id,
        vendor_id: caller.own_vendor(),
        limit: q.limit.unwrap_or(1000).clamp(1, 10_000),
        offset: q.offset.unwrap_or(0).max(0),
    })
}

/// `GET /errors`.
async fn list_errors(State(state): State<AdminState>, caller: Caller, Query(q): Query<ErrorQuery>) -> Response {
    let filter = match error_filter(&caller, q) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    match errors::list(state.services.store().pool(), &filter).await {
        Ok(items) => Json(items).into_response(),
        Err(e) => store_error(e),
    }
}

/// `GET /errors/counts`: the entries `GET /errors` would list (without paging), counted per municipality,
/// interface and status.
async fn count_errors(State(state): State<AdminState>, caller: Caller, Query(q): Query<ErrorQuery>) -> Response {
    let filter = match error_filter(&caller, q) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    match errors::counts(state.services.store().pool(), &filter).await {
        Ok(counts) => Json(counts).into_response(),
        Err(e) => store_error(e),
    }
}

/// An error-table entry the caller may see and handle: its municipality's, or its sending system's vendor's.
async fn visible_error(state: &AdminState, caller: &Caller, id: &str) -> Result<errors::ErrorItem, Response> {
    let item = errors::get(state.services.store().pool(), id)
        .await
        .map_err(store_error)?;
    if !caller.is_operator() {
        let vendor = vendor_of_system_named(state, &item.system).await?;
        let owner = snitflade_access::Owner::new(item.municipality.as_deref(), vendor.as_deref());
        caller
            .visible(&owner, "not found")
            .map_err(|_| error(StatusCode::NOT_FOUND, "not found"))?;
    }
    Ok(item)
}

async fn get_error(State(state): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    match visible_error(&state, &caller, &id).await {
        Ok(item) => Json(item).into_response(),
        Err(r) => r,
    }
}

/// The optional body of resubmit: `{"payload": {...}, "note": "..."}`, or the corrected fields directly; of
/// discard/resolve (`payload: false`): `{"note": "..."}` alone. `null` counts as absent for `payload` and `note`;
/// in a correction it keeps its meaning (it removes the field, see `merge_payload`). With `payload` given, any key
/// but `note` is unknown; discard and resolve know only `note`.
fn parse_body(body: &[u8], payload: bool) -> Result<(Option<Value>, Option<String>), JsonError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, None));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| JsonError::at("", format!("not valid JSON: {e}")))?;
    let Value::Object(mut o) = v else {
        return Err(JsonError::at("", "the body must be a JSON object"));
    };
    let note = match o.remove("note") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => Some(n),
        Some(_) => return Err(JsonError::at("note", "expected a string")),
    };
    let correction = o.remove("payload").filter(|p| !p.is_null());
    if (correction.is_some() || !payload)
        && let Some(key) = o.keys().next()
    {
        return Err(JsonError::unknown_key(key));
    }
    let correction = match correction {
        Some(p) => Some(p),
        None if o.is_empty() => None,
        None => Some(Value::Object(o)),
    };
    Ok((correction, note))
}

async fn resubmit(
    State(state): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (payload, _) = match parse_body(&body, true) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    if let Err(r) = visible_error(&state, &caller, &id).await {
        return r;
    }
    match state.services.resubmit_error(&id, payload, &caller.actor()).await {
        Ok(item) => Json(item).into_response(),
        Err(e) => admin_error(e),
    }
}

async fn close(
    state: AdminState,
    caller: Caller,
    id: String,
    body: axum::body::Bytes,
    status: ErrorStatus,
) -> Response {
    let (_, note) = match parse_body(&body, false) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    if let Err(r) = visible_error(&state, &caller, &id).await {
        return r;
    }
    match state.services.close_error(&id, status, note, &caller.actor()).await {
        Ok(item) => Json(item).into_response(),
        Err(e) => admin_error(e),
    }
}

async fn discard(
    State(state): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    close(state, caller, id, body, ErrorStatus::Discarded).await
}

async fn resolve(
    State(state): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    close(state, caller, id, body, ErrorStatus::Resolved).await
}

#[derive(Debug, Deserialize)]
struct RegistrationQuery {
    ex_ident: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
}

/// `GET /maskintimer/registrations`: a municipality's are its municipality's, a vendor's its systems'.
async fn registrations(
    State(state): State<AdminState>,
    caller: Caller,
    Query(q): Query<RegistrationQuery>,
) -> Response {
    let limit = q.limit.unwrap_or(1000).clamp(1, 10_000);
    let scope = maskintimer::RegistrationScope {
        municipality: caller.own_municipality(),
        vendor_id: caller.own_vendor(),
    };
    match maskintimer::registrations_in(
        state.services.store().pool(),
        q.ex_ident.as_deref(),
        q.after.as_deref(),
        limit,
        &scope,
    )
    .await
    {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => store_error(e),
    }
}

/// `GET /municipalities`: a municipality's is itself.
async fn municipalities(State(state): State<AdminState>, caller: Caller) -> Response {
    let own = caller.own_municipality();
    match access::municipalities(state.services.store().pool()).await {
        Ok(mut rows) => {
            rows.retain(|m| own.as_ref().is_none_or(|own| *own == m.code));
            Json(rows).into_response()
        }
        Err(e) => store_error(e),
    }
}

/// `GET /grants`: a municipality's are the grants in its municipality, a vendor's its systems' grants.
async fn grants(State(state): State<AdminState>, caller: Caller) -> Response {
    let vendors = match vendors_by_system(&state).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match access::grants(state.services.store().pool()).await {
        Ok(mut rows) => {
            rows.retain(|g| {
                let vendor = vendors.get(&g.system_id).cloned().flatten();
                caller.sees(&snitflade_access::Owner::new(Some(&g.municipality), vendor.as_deref()))
            });
            Json(rows).into_response()
        }
        Err(e) => store_error(e),
    }
}

/// `POST /api/v1/grants`: grants a system an interface for a municipality (e.g. one a ZLPE import created), at
/// an access level (`read`, `read-write`; default the interface's, `snitflade_domain::access_level`).
/// The in-memory access table is reloaded before the answer, so the grant holds for the next call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGrant {
    system: String,
    interface: String,
    municipality: String,
    access: Option<snitflade_domain::AccessLevel>,
    valid_from: Option<jiff::civil::Date>,
    valid_to: Option<jiff::civil::Date>,
}

async fn add_grant(State(state): State<AdminState>, caller: Caller, Body(g): Body<NewGrant>) -> Response {
    let pool = state.services.store().pool();
    let Some(interface) = snitflade_domain::InterfaceId::parse(&g.interface) else {
        return error(StatusCode::BAD_REQUEST, format!("unknown interface '{}'", g.interface));
    };
    let municipality = match Kommunekode::parse(&g.municipality) {
        Ok(m) => m.to_string(),
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("municipality: {e}")),
    };
    let level = match snitflade_domain::access_level::grant_level(interface, g.access) {
        Ok(level) => level,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("access: {e}")),
    };
    let (systems, municipalities) = match (access::systems(pool).await, access::municipalities(pool).await) {
        (Ok(s), Ok(m)) => (s, m),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
    };
    let Some(system) = systems.into_iter().find(|s| s.name == g.system) else {
        return error(StatusCode::BAD_REQUEST, format!("unknown system '{}'", g.system));
    };
    if !municipalities.iter().any(|m| m.code == municipality) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("municipality {municipality} is not set up"),
        );
    }
    let valid_from = g.valid_from.unwrap_or_else(|| jiff::Zoned::now().date());
    if g.valid_to.is_some_and(|to| to < valid_from) {
        return error(StatusCode::BAD_REQUEST, "valid_to lies before valid_from");
    }
    let record = access::GrantRecord {
        id: uuid::Uuid::new_v4().to_string(),
        system_id: system.id,
        interface: interface.as_str().into(),
        municipality,
        access: level,
        valid_from: valid_from.to_string(),
        valid_to: g.valid_to.map(|d| d.to_string()),
        ..access::GrantRecord::default()
    };
    let (insert, actor) = (record.clone(), caller.actor());
    if let Err(e) = state
        .services
        .store()
        .write(move |c| {
            let (g, actor) = (insert.clone(), actor.clone());
            Box::pin(async move {
                access::insert_grant(c, &g).await?;
                let detail = serde_json::to_value(&g).unwrap_or_default();
                let now = snitflade_store::now_text();
                snitflade_store::admin_audit::record(c, &actor, "grant.add", "grant", &g.id, &detail, &now).await
            })
        })
        .await
    {
        if e.is_unique_violation() {
            return error(
                StatusCode::CONFLICT,
                "that grant exists already (same system, interface, municipality and start)",
            );
        }
        return store_error(e);
    }
    if let Err(e) = state.lifecycle.access_changed().await {
        tracing::error!(error = %e, "reloading the access table failed");
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the grant is stored but not yet in force",
        );
    }
    (StatusCode::CREATED, Json(record)).into_response()
}

#[derive(Debug, Deserialize)]
struct EventQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

async fn events(State(state): State<AdminState>, Query(q): Query<EventQuery>) -> Response {
    let limit = q.limit.unwrap_or(1000).clamp(1, 10_000);
    match outbox::after(state.services.store().pool(), q.after.unwrap_or(0), limit).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    municipality: Option<String>,
    system: Option<String>,
    interface: Option<String>,
    pernr: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/audit`: reads and writes of personal data through the services, newest first, filtered by
/// municipality, system, interface, employee and time (`from` inclusive, `to` exclusive; a day or RFC 3339).
/// A municipality's are the reads and writes of its own employees.
async fn audit(State(state): State<AdminState>, caller: Caller, Query(q): Query<AuditQuery>) -> Response {
    let asked = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    let municipality = match asked.as_deref().map(Kommunekode::parse).transpose() {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("municipality: {e}")),
    };
    let pernr = match q.pernr.as_deref().map(Pernr::parse).transpose() {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("pernr: {e}")),
    };
    // Stored times are UTC text, so a bound is compared in the same form.
    let bound = |name: &str, t: Option<String>| -> Result<Option<String>, String> {
        let Some(t) = t else { return Ok(None) };
        if let Ok(ts) = t.parse::<jiff::Timestamp>() {
            Ok(Some(snitflade_store::timestamp_text(ts)))
        } else if let Ok(d) = t.parse::<jiff::civil::Date>() {
            Ok(Some(d.to_string()))
        } else {
            Err(format!("{name}: expected a day or an RFC 3339 time"))
        }
    };
    let (from, to) = match (bound("from", q.from), bound("to", q.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(m), _) | (_, Err(m)) => return error(StatusCode::BAD_REQUEST, m),
    };
    let filter = hr::AuditFilter {
        municipality,
        system: q.system,
        interface: q.interface,
        pernr,
        from,
        to,
        limit: q.limit.unwrap_or(100).clamp(1, 10_000),
    };
    match hr::audit_search(state.services.store().pool(), &filter).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => store_error(e),
    }
}

/// A municipality code from the path that is set up, or the error answer.
pub(crate) async fn known_municipality(state: &AdminState, code: &str) -> Result<Kommunekode, Response> {
    let m = Kommunekode::parse(code).map_err(|e| error(StatusCode::BAD_REQUEST, format!("municipality: {e}")))?;
    let all = access::municipalities(state.services.store().pool())
        .await
        .map_err(store_error)?;
    if all.iter().any(|x| x.code == m.to_string()) {
        Ok(m)
    } else {
        Err(error(StatusCode::NOT_FOUND, format!("municipality {m} is not set up")))
    }
}

/// `GET /api/v1/municipalities/{code}/absence-types`: the absence types Opret fravær accepts there.
async fn absence_types(State(state): State<AdminState>, Path(code): Path<String>) -> Response {
    let m = match known_municipality(&state, &code).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match absence::catalogue(state.services.store().pool(), m).await {
        Ok(types) => Json(types).into_response(),
        Err(e) => store_error(e),
    }
}

/// `PUT /api/v1/municipalities/{code}/absence-types`: replaces the municipality's catalogue (validated whole).
/// Registered absences keep their type code; a type taken out of the catalogue only stops new registrations.
async fn put_absence_types(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    body: Body<Vec<AbsenceType>>,
) -> Response {
    put_catalogue(&state, &caller, &code, body, Catalogue::Absence, |t| {
        validate_catalogue(t).map_err(|e| e.to_string())
    })
    .await
}

/// Replaces a municipality's catalogue of kind `which` with the body, once `validate` accepts it; answers the
/// catalogue stored.
pub(crate) async fn put_catalogue<T>(
    state: &AdminState,
    caller: &Caller,
    code: &str,
    Body(value): Body<T>,
    which: Catalogue,
    validate: impl Fn(&T) -> Result<(), String>,
) -> Response
where
    T: serde::Serialize + Send + Sync + 'static,
{
    let m = match known_municipality(state, code).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Err(e) = validate(&value) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let stored = Arc::new(value);
    let (written, actor) = (stored.clone(), caller.actor());
    let result = state
        .services
        .store()
        .write(move |c| {
            let (value, actor) = (written.clone(), actor.clone());
            Box::pin(async move { catalogues::set(c, which, m, &*value, &actor, &snitflade_store::now_text()).await })
        })
        .await;
    match result {
        Ok(()) => Json(&*stored).into_response(),
        Err(e) => store_error(e),
    }
}

/// `GET /api/v1/municipalities/{code}/document-types`: the document types Personalemappe accepts there, with
/// their KLE folders.
async fn document_types(State(state): State<AdminState>, Path(code): Path<String>) -> Response {
    let m = match known_municipality(&state, &code).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match documents::document_types(state.services.store().pool(), m).await {
        Ok(types) => Json(types).into_response(),
        Err(e) => store_error(e),
    }
}

/// `PUT /api/v1/municipalities/{code}/document-types`: replaces the municipality's document types (validated
/// whole). Registered documents keep the folder they were filed in.
async fn put_document_types(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    Body(types): Body<Vec<DocumentType>>,
) -> Response {
    let m = match known_municipality(&state, &code).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Err(e) = validate_document_types(&types) {
        return error(StatusCode::BAD_REQUEST, e.to_string());
    }
    let (stored, actor) = (Arc::new(types.clone()), caller.actor());
    let result = state
        .services
        .store()
        .write(move |c| {
            let (types, actor) = (stored.clone(), actor.clone());
            Box::pin(
                async move { documents::set_document_types(c, m, &types, &actor, &snitflade_store::now_text()).await },
            )
        })
        .await;
    match result {
        Ok(()) => Json(types).into_response(),
        Err(e) => store_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resubmit_bodies() {
        assert_eq!(parse_body(b"", true).unwrap(), (None, None));
        let (p, n) = parse_body(br#"{"payload":{"PLANT":"0020"},"note":"x"}"#, true).unwrap();
        assert_eq!(p.unwrap()["PLANT"], "0020");
        assert_eq!(n.as_deref(), Some("x"));
        let (p, _) = parse_body(br#"{"PLANT":"0020","WORK_CNTR":null}"#, true).unwrap();
        assert_eq!(p.unwrap(), json!({"PLANT": "0020", "WORK_CNTR": null}));
        assert_eq!(
            parse_body(br#"{"payload":null,"note":null}"#, true).unwrap(),
            (None, None)
        );
        assert!(parse_body(b"[1]", true).is_err());
        assert!(parse_body(b"{", true).is_err());
        // Beside `payload`, and in a discard, only `note` is known.
        let path = |body: &[u8], payload| parse_body(body, payload).unwrap_err().path;
        assert_eq!(path(br#"{"payload":{},"note":"x","noet":"y"}"#, true), "noet");
        assert_eq!(path(br#"{"note":"x","reason":"y"}"#, false), "reason");
        assert_eq!(path(br#"{"note":1}"#, false), "note");
        assert_eq!(parse_body(br#"{"note":"x"}"#, false).unwrap(), (None, Some("x".into())));
    }
}
