//! The landscape's admin API under `/api/v1/landscape` (issue 8): the merged landscape, its systems, relations and
//! interfaces (read; write and delete the stored ones), and the questions asked of it — impact analysis, diagrams,
//! KOMBIT's requirement check, CSV import and export, and JSON export. Each handler maps HTTP to one operation of
//! [`crate::landscape`] or one call into `snitflade_landscape`; the changes log themselves in the admin audit log.
//! The calls into `snitflade_landscape` (CSV checks, impact, diagrams, requirement check, export) are CPU-bound on
//! a large landscape, so they run on the blocking pool, never on the async runtime's threads. A municipality sees
//! the shared catalogue (systems, interfaces) and its own part of the landscape — its relations — which alone it may
//! change; its questions are answered from its own part (issue 17).

use crate::admin::{ActorQuery, AdminState, error, query, store_error};
use crate::admin_json::Body;
use crate::auth::Caller;
use crate::landscape::{self as ops, LandscapeError};
use crate::scope::{forbidden, hidden};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_landscape::diagram::{self, Format, View};
use snitflade_landscape::exchange::ImportContext;
use snitflade_landscape::{Interface, Landscape, Relation, System, csv_export, exchange, impact, requirements};

/// Largest CSV import.
const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/landscape", get(landscape))
        .route("/landscape/systems", get(systems))
        .route(
            "/landscape/systems/{id}",
            get(system).put(put_system).delete(delete_system),
        )
        .route("/landscape/relations", get(relations))
        .route(
            "/landscape/relations/{id}",
            get(relation).put(put_relation).delete(delete_relation),
        )
        .route(
            "/landscape/interfaces/{id}/{version}",
            get(interface).put(put_interface),
        )
        .route("/landscape/impact", get(impact))
        .route("/landscape/diagram", get(diagram))
        .route("/landscape/requirements", post(requirements))
        .route(
            "/landscape/import/{kind}",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/landscape/export", get(export))
        .route("/landscape/export/{kind}", get(export_csv))
}

fn landscape_error(e: LandscapeError) -> Response {
    match e {
        LandscapeError::NotFound(what) => error(StatusCode::NOT_FOUND, format!("{what} findes ikke")),
        LandscapeError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
        LandscapeError::ReadOnly(m) => error(StatusCode::CONFLICT, m),
        LandscapeError::Problems(problems) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "the change would leave the landscape inconsistent",
                "problems": problems,
            })),
        )
            .into_response(),
        LandscapeError::Catalogue(m) => {
            tracing::error!(error = %m, "the landscape catalogue");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
        LandscapeError::Store(e) => store_error(e),
    }
}

fn reply<T: Serialize>(r: Result<T, LandscapeError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => landscape_error(e),
    }
}

/// 201 with the record when a put created it, 200 when it replaced one.
fn put_reply<T: Serialize>(r: Result<(bool, T), LandscapeError>) -> Response {
    match r {
        Ok((true, v)) => (StatusCode::CREATED, Json(v)).into_response(),
        Ok((false, v)) => Json(v).into_response(),
        Err(e) => landscape_error(e),
    }
}

fn deleted<T>(r: Result<T, LandscapeError>) -> Response {
    match r {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => landscape_error(e),
    }
}

#[derive(Deserialize)]
struct MunicipalityQuery {
    municipality: Option<String>,
}

/// `GET /landscape`: catalogue, stored records and snitflade's own traffic in one.
async fn landscape(
    State(s): State<AdminState>,
    caller: Caller,
    q: Result<Query<MunicipalityQuery>, QueryRejection>,
) -> Response {
    let q = query!(q);
    let municipality = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    reply(ops::landscape(s.services.store(), municipality.as_deref()).await)
}

/// The landscape the caller's questions are answered from: a municipality's own part, else the whole.
async fn landscape_of(s: &AdminState, caller: &Caller) -> Result<Landscape, Response> {
    ops::landscape(s.services.store(), caller.own_municipality().as_deref())
        .await
        .map_err(landscape_error)
}

/// Whether a relation is in the caller's part of the landscape (a municipality's own, or any for the operator).
fn own_relation(caller: &Caller, r: &Relation) -> bool {
    caller
        .own_municipality()
        .is_none_or(|own| ops::municipality_form(&r.municipality).ok() == Some(own))
}

async fn systems(State(s): State<AdminState>) -> Response {
    reply(ops::landscape(s.services.store(), None).await.map(|l| l.systems))
}

async fn system(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    reply(ops::system(s.services.store(), &id).await)
}

async fn put_system(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<ActorQuery>, QueryRejection>,
    Body(b): Body<System>,
) -> Response {
    let _ = query!(q);
    put_reply(ops::put_system(s.services.store(), &id, b, &caller.actor()).await)
}

async fn delete_system(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<ActorQuery>, QueryRejection>,
) -> Response {
    let _ = query!(q);
    deleted(ops::delete_system(s.services.store(), &id, &caller.actor()).await)
}

#[derive(Deserialize)]
struct RelationQuery {
    system: Option<String>,
    municipality: Option<String>,
}

async fn relations(
    State(s): State<AdminState>,
    caller: Caller,
    q: Result<Query<RelationQuery>, QueryRejection>,
) -> Response {
    let q = query!(q);
    let municipality = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    reply(ops::relations(s.services.store(), q.system.as_deref(), municipality.as_deref()).await)
}

/// The relation `id` if it is in the caller's part of the landscape (another municipality's does not exist for
/// it); `Ok(None)` when there is none.
async fn seen_relation(s: &AdminState, caller: &Caller, id: &str) -> Result<Option<Relation>, Response> {
    match ops::relation(s.services.store(), id).await {
        Ok(r) if own_relation(caller, &r) => Ok(Some(r)),
        Ok(_) => Err(hidden(&format!("relationen {id}"))),
        Err(LandscapeError::NotFound(_)) => Ok(None),
        Err(e) => Err(landscape_error(e)),
    }
}

async fn relation(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    match seen_relation(&s, &caller, &id).await {
        Ok(Some(r)) => Json(r).into_response(),
        Ok(None) => reply(ops::relation(s.services.store(), &id).await),
        Err(r) => r,
    }
}

/// A municipality creates and replaces relations in its own municipality only.
async fn put_relation(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<ActorQuery>, QueryRejection>,
    Body(b): Body<Relation>,
) -> Response {
    let _ = query!(q);
    if let Err(r) = seen_relation(&s, &caller, &id).await {
        return r;
    }
    if !own_relation(&caller, &b) {
        return forbidden(format!(
            "you act for municipality {}: relations in it only",
            caller.own_municipality().unwrap_or_default()
        ));
    }
    put_reply(ops::put_relation(s.services.store(), &id, b, &caller.actor()).await)
}

async fn delete_relation(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<ActorQuery>, QueryRejection>,
) -> Response {
    let _ = query!(q);
    if let Err(r) = seen_relation(&s, &caller, &id).await {
        return r;
    }
    deleted(ops::delete_relation(s.services.store(), &id, &caller.actor()).await)
}

async fn interface(State(s): State<AdminState>, Path((id, version)): Path<(String, String)>) -> Response {
    reply(ops::interface(s.services.store(), &id, &version).await)
}

async fn put_interface(
    State(s): State<AdminState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
    q: Result<Query<ActorQuery>, QueryRejection>,
    Body(b): Body<Interface>,
) -> Response {
    let _ = query!(q);
    let body = b;
    put_reply(ops::put_interface(s.services.store(), &id, &version, body, &caller.actor()).await)
}

// ---------------------------------------------------------------------------------------------------------------
// The questions asked of the landscape. Each request is read and checked here; the answer comes from one call
// into `snitflade_landscape` (the `answer_*` / `parse_import` functions at the end of this file).

/// The output formats of an impact analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ImpactFormat {
    Json,
    Text,
}

#[derive(Deserialize)]
struct ImpactQuery {
    system: Option<String>,
    municipality: Option<String>,
    depth: Option<u32>,
    format: Option<ImpactFormat>,
}

/// An impact analysis asked for: what depends on `system` (in `municipality`, `depth` relations away).
#[derive(Debug, Clone)]
struct ImpactRequest {
    system: String,
    /// The landscape's form (four digits, `0340`).
    municipality: Option<String>,
    depth: Option<u32>,
    format: ImpactFormat,
}

/// Deepest impact analysis asked for.
const MAX_DEPTH: u32 = 20;

/// Why a question is not answered: the status and the `error` text.
#[derive(Debug)]
struct Refusal(StatusCode, String);

impl Refusal {
    /// A 500 whose cause has been logged; the answer says nothing of it.
    fn internal() -> Refusal {
        Refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

/// Runs a CPU-bound call into `snitflade_landscape` on the blocking pool. A panic in it is logged and answered
/// with a 500, as is a task the runtime could not finish.
async fn blocking<T, F>(f: F) -> Result<T, Refusal>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Refusal> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a landscape computation failed");
        Err(Refusal::internal())
    })
}

/// The system a question is about: required, and in the landscape.
fn subject(l: &Landscape, system: Option<String>) -> Result<String, Refusal> {
    let Some(system) = system.filter(|s| !s.trim().is_empty()) else {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "the query parameter system is required".into(),
        ));
    };
    if l.system(&system).is_none() {
        return Err(Refusal(StatusCode::NOT_FOUND, format!("systemet {system} findes ikke")));
    }
    Ok(system)
}

fn municipality(m: Option<&str>) -> Result<Option<String>, Refusal> {
    m.map(ops::municipality_form)
        .transpose()
        .map_err(|e| Refusal(StatusCode::BAD_REQUEST, e.to_string()))
}

/// An answer in `content_type`.
fn typed(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `GET /landscape/impact?system=&municipality=&depth=&format=json|text`.
async fn impact(
    State(s): State<AdminState>,
    caller: Caller,
    q: Result<Query<ImpactQuery>, QueryRejection>,
) -> Response {
    let q = query!(q);
    let asked = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    let l = match landscape_of(&s, &caller).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let request = match (subject(&l, q.system), municipality(asked.as_deref())) {
        (Ok(system), Ok(municipality)) => ImpactRequest {
            system,
            municipality,
            depth: q.depth.map(|d| d.clamp(1, MAX_DEPTH)),
            format: q.format.unwrap_or(ImpactFormat::Json),
        },
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let format = request.format;
    match blocking(move || answer_impact(&l, &request)).await {
        Ok(body) if format == ImpactFormat::Json => typed("application/json", body),
        Ok(body) => typed("text/plain; charset=utf-8", body),
        Err(r) => r.into_response(),
    }
}

#[derive(Deserialize)]
struct DiagramQuery {
    system: Option<String>,
    municipality: Option<String>,
    view: Option<View>,
    format: Option<Format>,
}

/// A map asked for: `system` and its relations (in `municipality`), as is or with the transition decisions.
#[derive(Debug, Clone)]
struct DiagramRequest {
    system: String,
    municipality: Option<String>,
    view: View,
    format: Format,
}

/// `GET /landscape/diagram?system=&municipality=&view=as-is|transition&format=svg|dot|mermaid`.
async fn diagram(
    State(s): State<AdminState>,
    caller: Caller,
    q: Result<Query<DiagramQuery>, QueryRejection>,
) -> Response {
    let q = query!(q);
    let asked = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    let l = match landscape_of(&s, &caller).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let request = match (subject(&l, q.system), municipality(asked.as_deref())) {
        (Ok(system), Ok(municipality)) => DiagramRequest {
            system,
            municipality,
            view: q.view.unwrap_or(View::AsIs),
            format: q.format.unwrap_or(Format::Svg),
        },
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let content_type = request.format.content_type();
    match blocking(move || answer_diagram(&l, &request)).await {
        Ok(body) => typed(content_type, body),
        Err(r) => r.into_response(),
    }
}

/// `POST /landscape/requirements`: what KOMBIT requires of a supplier's system (KOMBIT's integration requirements,
/// docs/src/landscape.md#kombits-requirement-check).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsRequest {
    /// The system checked, if it is in the landscape; blank is the same as absent.
    system: Option<String>,
    /// The information objects the system handles (`Sag`, `Dokument`, …).
    information_objects: Vec<String>,
    /// Public integrations the system already has directly: a requirement lapses when the system integrates directly
    /// with the interface's public alternative (an exception in §2.3 of KOMBIT's integration requirements).
    #[serde(default)]
    direct_public_integrations: Vec<String>,
}

async fn requirements(State(s): State<AdminState>, caller: Caller, Body(b): Body<RequirementsRequest>) -> Response {
    let mut request = b;
    request.system = request.system.filter(|s| !s.trim().is_empty());
    let l = match landscape_of(&s, &caller).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Some(system) = &request.system
        && let Err(r) = subject(&l, Some(system.clone()))
    {
        return r.into_response();
    }
    match blocking(move || answer_requirements(&l, &request)).await {
        Ok(v) => Json(v).into_response(),
        Err(r) => r.into_response(),
    }
}

/// What a CSV import holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportKind {
    Systems,
    Relations,
    Interfaces,
}

impl ImportKind {
    fn parse(kind: &str) -> Option<ImportKind> {
        match kind {
            "systems" => Some(ImportKind::Systems),
            "relations" => Some(ImportKind::Relations),
            "interfaces" => Some(ImportKind::Interfaces),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct ImportQuery {
    /// Check only [default: true]; `false` stores.
    dry_run: Option<bool>,
    /// Accepted and ignored: the caller's principal is recorded.
    #[serde(rename = "actor")]
    _actor: Option<String>,
}

/// `POST /landscape/import/{systems|relations|interfaces}?dry_run=`: a CSV file (UTF-8 or Windows-1252, `,` or `;`, at most
/// 5 MiB) checked row by row against the landscape and, unless a dry run, its accepted rows stored in one
/// transaction. The answer reports every row (created / updated / unchanged / rejected with the reasons).
async fn import(
    State(s): State<AdminState>,
    caller: Caller,
    Path(kind): Path<String>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: Bytes,
) -> Response {
    let q = query!(q);
    let Some(kind) = ImportKind::parse(&kind) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("unknown import '{kind}' (systems, relations or interfaces)"),
        );
    };
    let parts = match ops::Parts::read(s.services.store()).await {
        Ok(p) => p,
        Err(e) => return landscape_error(e),
    };
    // The rows are checked one by one against the merged landscape (catalogue and derived records read-only: such
    // a row is rejected on its own), then the accepted ones as a whole.
    let checked = blocking(move || {
        let rows = parse_import(&parts, kind, &body)?;
        let checked = ops::check_import(&parts, rows.accepted.clone());
        Ok((rows, checked))
    })
    .await;
    let (rows, checked) = match checked {
        Ok((rows, Ok(checked))) => (rows, checked),
        // The accepted rows together would leave the landscape inconsistent: 422, with the rows' report still.
        Ok((rows, Err(LandscapeError::Problems(problems)))) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": "the accepted rows together would leave the landscape inconsistent",
                    "problems": problems,
                    "rows": rows,
                })),
            )
                .into_response();
        }
        Ok((_, Err(e))) => return landscape_error(e),
        Err(r) => return r.into_response(),
    };
    let actor = caller.actor();
    let dry_run = q.dry_run.unwrap_or(true);
    match ops::import(s.services.store(), checked, dry_run, &actor).await {
        Ok(stored) => Json(json!({ "dry_run": dry_run, "rows": rows, "stored": stored })).into_response(),
        Err(e) => landscape_error(e),
    }
}

/// `GET /landscape/export`: the merged landscape as the JSON document of `snitflade_landscape::exchange`.
async fn export(State(s): State<AdminState>, caller: Caller) -> Response {
    let l = match landscape_of(&s, &caller).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    match blocking(move || answer_export(&l)).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"snitflade-landscape.json\"",
                ),
            ],
            body,
        )
            .into_response(),
        Err(r) => r.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvExportQuery {
    /// `windows-1252` (default) or `utf-8`.
    encoding: Option<csv_export::Encoding>,
    /// `;` (default) or `,`.
    delimiter: Option<String>,
}

/// `GET /landscape/export/{systems|relations|interfaces}?encoding=windows-1252|utf-8&delimiter=;|,`: the stored
/// records (the ones the CSV import can write; the catalogue's and the derived ones are in the JSON export) as a CSV
/// file with the import's columns. Windows-1252 and `;` unless asked otherwise; a text Windows-1252 cannot hold is
/// refused (422, naming it) rather than altered.
async fn export_csv(
    State(s): State<AdminState>,
    caller: Caller,
    Path(kind): Path<String>,
    q: Result<Query<CsvExportQuery>, QueryRejection>,
) -> Response {
    let q = query!(q);
    let Some(kind) = ImportKind::parse(&kind) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("unknown export '{kind}' (systems, relations or interfaces)"),
        );
    };
    let delimiter = match q.delimiter.as_deref() {
        None | Some(";") => b';',
        Some(",") => b',',
        Some(other) => {
            return error(StatusCode::BAD_REQUEST, format!("delimiter {other:?}: use ; or ,"));
        }
    };
    let format = csv_export::CsvFormat {
        encoding: q.encoding.unwrap_or_default(),
        delimiter,
    };
    let mut parts = match ops::Parts::read(s.services.store()).await {
        Ok(p) => p,
        Err(e) => return landscape_error(e),
    };
    parts.stored.relations.retain(|r| own_relation(&caller, r));
    match blocking(move || answer_csv_export(parts.stored, kind, format)).await {
        Ok((name, body)) => (
            [
                (
                    header::CONTENT_TYPE,
                    format!("text/csv; charset={}", format.encoding.charset()),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"snitflade-{name}.csv\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(r) => r.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The calls into `snitflade_landscape`.

/// The stored records of `kind` as CSV, by `snitflade_landscape::csv_export`, in natural order of their ids.
fn answer_csv_export(
    mut stored: Landscape,
    kind: ImportKind,
    format: csv_export::CsvFormat,
) -> Result<(&'static str, Vec<u8>), Refusal> {
    use snitflade_landscape::naming::natural_cmp;
    let refused = |e: csv_export::ExportError| Refusal(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
    match kind {
        ImportKind::Systems => {
            stored.systems.sort_by(|a, b| natural_cmp(&a.id, &b.id));
            Ok((
                "systems",
                csv_export::systems_csv(&stored.systems, format).map_err(refused)?,
            ))
        }
        ImportKind::Relations => {
            stored.relations.sort_by(|a, b| natural_cmp(&a.id, &b.id));
            Ok((
                "relations",
                csv_export::relations_csv(&stored.relations, format).map_err(refused)?,
            ))
        }
        ImportKind::Interfaces => {
            stored
                .interfaces
                .sort_by(|a, b| natural_cmp(&a.id, &b.id).then_with(|| natural_cmp(&a.version, &b.version)));
            Ok((
                "interfaces",
                csv_export::interfaces_csv(&stored.interfaces, format).map_err(refused)?,
            ))
        }
    }
}

/// The impact analysis as JSON or text, by `snitflade_landscape::impact`.
fn answer_impact(landscape: &Landscape, request: &ImpactRequest) -> Result<String, Refusal> {
    let query = impact::ImpactQuery {
        system: request.system.clone(),
        municipality: request.municipality.clone(),
        depth: request.depth.unwrap_or(1),
        today: snitflade_lifecycle::today(),
    };
    let report = impact::analyse(landscape, &query).map_err(|e| Refusal(StatusCode::NOT_FOUND, e.to_string()))?;
    Ok(match request.format {
        ImpactFormat::Json => serde_json::to_string(&report).map_err(internal)?,
        ImpactFormat::Text => report.render_text(),
    })
}

/// The map in the format asked for, by `snitflade_landscape::diagram`.
fn answer_diagram(landscape: &Landscape, request: &DiagramRequest) -> Result<String, Refusal> {
    diagram::render(
        landscape,
        &request.system,
        request.municipality.as_deref(),
        request.view,
        request.format,
    )
    .map_err(|e| Refusal(StatusCode::NOT_FOUND, e.to_string()))
}

/// The requirement check's answer (JSON), by `snitflade_landscape::requirements`.
fn answer_requirements(landscape: &Landscape, request: &RequirementsRequest) -> Result<serde_json::Value, Refusal> {
    let query = requirements::RequirementQuery {
        system: request.system.clone(),
        information_objects: request.information_objects.clone(),
        direct_public_integrations: request.direct_public_integrations.clone(),
        today: snitflade_lifecycle::today(),
    };
    let report = requirements::check(landscape, &query);
    let text = report.render_text();
    let mut v = serde_json::to_value(&report).map_err(internal)?;
    v["text"] = serde_json::Value::String(text);
    Ok(v)
}

/// The row-by-row report of a CSV file against the merged landscape, by `snitflade_landscape::exchange` (a file
/// that cannot be read as a whole: 400 saying why). Rows naming the catalogue's or derived records are rejected.
fn parse_import(parts: &ops::Parts, kind: ImportKind, csv: &[u8]) -> Result<exchange::ImportReport, Refusal> {
    let merged = parts.merged();
    let context = ImportContext::new(&merged).with_catalogue(&parts.catalogue);
    let report = match kind {
        ImportKind::Systems => context.systems_csv(csv),
        ImportKind::Relations => context.relations_csv(csv),
        ImportKind::Interfaces => context.interfaces_csv(csv),
    };
    report.map_err(|e| Refusal(StatusCode::BAD_REQUEST, e.to_string()))
}

/// The JSON export, by `snitflade_landscape::exchange`.
fn answer_export(landscape: &Landscape) -> Result<String, Refusal> {
    serde_json::to_string_pretty(&exchange::export_json(landscape)).map_err(internal)
}

/// A serialisation that failed: logged, answered with a 500 that does not repeat it.
fn internal(e: serde_json::Error) -> Refusal {
    tracing::error!(error = %e, "serialising a landscape answer");
    Refusal::internal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_is_logged_not_answered() {
        let e = serde_json::from_str::<u8>("\"not a number\"").unwrap_err();
        let cause = e.to_string();
        let Refusal(status, text) = internal(e);
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(text, "internal error");
        assert!(!text.contains(&cause));
    }

    #[tokio::test]
    async fn a_computation_that_panics_is_a_500() {
        let r: Result<(), Refusal> = blocking(|| panic!("a bug in the landscape crate")).await;
        let Err(Refusal(status, text)) = r else {
            panic!("answered")
        };
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        );
        assert_eq!(blocking(|| Ok(7)).await.unwrap(), 7);
    }
}
