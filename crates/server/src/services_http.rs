//! HTTP routes of the services listener (docs/src/interfaces/conventions.md#urls): the SAP PI form
//! `/XISOAPAdapter/MessageServlet?…&interface=<ServiceInterface>&interfaceNamespace=<ns>`, the clean form
//! `/ws/<ServiceInterface>`, and `GET /ws/<ServiceInterface>?wsdl`; the Beskedfordeler's value-list service at KOMBIT's
//! path `/sts-bf-soap/StsbeskedfordelerImpl` (`?wsdl`, its XSDs below `/sts-bf-soap/xsd/`). Everything here is about
//! HTTP; the SOAP work is in `snitflade-services`.

use crate::listener::Peer;
use crate::observe::Endpoint;
use axum::body::Body;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use http_body_util::BodyExt;
use snitflade_domain::{InterfaceId, Kommunekode};
use snitflade_services::beskedfordeler;
use snitflade_services::engangsydelse::{JsonReply, Operation};
use snitflade_services::reply::note_refusal;
use snitflade_services::{ServiceInterfaceDef, Services, SoapReply, find_service};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Clone)]
pub struct ServicesState {
    pub services: Services,
    pub request_timeout: Duration,
    /// The address clients reach this listener at, used when a request carries no usable Host header.
    pub fallback_authority: String,
    /// The Security Token Service (Adgangsstyring).
    pub sts: std::sync::Arc<snitflade_services::adgangsstyring::TokenService>,
}

pub fn router(state: ServicesState) -> Router {
    Router::new()
        .route("/XISOAPAdapter/MessageServlet", post(sap_pi))
        .route("/ws/{service}", post(clean).get(wsdl))
        .route(beskedfordeler::PATH, post(beskedfordeler_call).get(beskedfordeler_wsdl))
        .route("/sts-bf-soap/xsd/{*path}", axum::routing::get(beskedfordeler_xsd))
        .route(crate::sts_http::ISSUE_PATH, post(crate::sts_http::issue))
        .route(crate::sts_http::WSTRUST_PATH, post(crate::sts_http::issue_wstrust))
        .route(
            "/lpe/update-onetime-payments",
            post(onetime_payments).fallback(json_method_not_allowed),
        )
        .route(
            "/lpe/read-onetime-payments",
            post(onetime_payments).fallback(json_method_not_allowed),
        )
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(crate::observe::observe))
}

fn xml(reply: SoapReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    )];
    let Some((at, spooled)) = reply.spooled else {
        return (status, headers, reply.body).into_response();
    };
    // A streamed body has no length of its own; this one's is known.
    let length = reply.body.len() as u64 + spooled.len();
    let mut response = (status, headers, crate::spooled_body::body(reply.body, at, spooled)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

async fn not_found() -> Response {
    let mut r = xml(SoapReply::client_fault(
        "Ukendt adresse. Brug /XISOAPAdapter/MessageServlet?interface=<ServiceInterface>&interfaceNamespace=<ns> \
         eller /ws/<ServiceInterface>",
    ));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

fn unknown_service(name: &str) -> Response {
    let mut r = xml(SoapReply::client_fault(format!(
        "Ukendt service interface '{}'",
        clip(name)
    )));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

async fn sap_pi(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(name) = query.get("interface") else {
        return xml(SoapReply::client_fault(
            "URL'en mangler parameteren interface=<ServiceInterface>",
        ));
    };
    let Some(def) = find_service(name) else {
        return unknown_service(name);
    };
    if let Some(ns) = query.get("interfaceNamespace").filter(|ns| !ns.is_empty())
        && ns != def.namespace
    {
        return xml(SoapReply::client_fault(format!(
            "interfaceNamespace '{}' passer ikke til {} (forventet {})",
            clip(ns),
            def.name,
            def.namespace
        )));
    }
    call(&state, &peer, def, &query, &headers, body).await
}

async fn clean(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    Path(service): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(def) = find_service(&service) else {
        return unknown_service(&service);
    };
    call(&state, &peer, def, &query, &headers, body).await
}

async fn call(
    state: &ServicesState,
    peer: &Peer,
    def: &'static ServiceInterfaceDef,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let endpoint = Endpoint {
        wire: "soap",
        interface: def.interface,
        operation: def.name,
    };
    let kommune = match query.get("kommune").map(|k| Kommunekode::parse(k)).transpose() {
        Ok(k) => k,
        Err(e) => {
            return marked(
                xml(SoapReply::client_fault(format!("URL-parameteren kommune: {e}"))),
                endpoint,
            );
        }
    };
    let services = state.services.clone();
    let limit = services.body_limit(def);
    let limits = BodyLimits {
        bytes: limit,
        // A service with a larger body limit (document upload) refuses a caller without its grant before reading.
        admit: &|system| {
            if limit > services.config().max_body_bytes {
                services.admit(def, system).err().map(xml)
            } else {
                None
            }
        },
        too_large: &|| xml(services.too_large(def)),
    };
    let handler = services.clone();
    let sts = state.sts.clone();
    let bearer = owned_bearer(headers);
    // Its charset counts towards the body's encoding, with the BOM and the XML declaration.
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = serve(
        state,
        peer,
        headers,
        body,
        endpoint,
        Wire::Soap,
        limits,
        |system, bytes| async move {
            use snitflade_services::adgangsstyring::{TokenUse, UNDERSTOOD};
            // A token (Adgangsstyring) is checked where the service accepts them: a JWT in the Authorization
            // header, or an assertion in the WS-Security header.
            let cert = hex::decode(&peer.0.fingerprint).unwrap_or_default();
            let bearer = bearer.as_ref().map(|b| b.as_deref().map_err(Clone::clone));
            let checked = handler
                .check_call(&sts, def.interface, &system, &cert, bearer, Some(&bytes))
                .await;
            match checked {
                Ok(TokenUse::Assertion(_)) => {
                    let reply = handler.handle_understanding(
                        def,
                        &system,
                        kommune,
                        content_type.as_deref(),
                        &bytes,
                        UNDERSTOOD,
                    );
                    return xml(reply.await);
                }
                Ok(_) => {}
                Err(refusal) => return xml(SoapReply::client_fault(refused_token(&refusal))),
            }
            let reply = handler.handle_with_content_type(def, &system, kommune, content_type.as_deref(), &bytes);
            xml(reply.await)
        },
    )
    .await;
    marked(response, endpoint)
}

/// The token of a request's `Authorization` header, owned (see [`crate::sts_http::bearer`]).
fn owned_bearer(headers: &HeaderMap) -> Option<Result<String, snitflade_sts::Refusal>> {
    crate::sts_http::bearer(headers).map(|b| b.map(str::to_owned))
}

/// The text of a refused token, counted and logged by its check (never the token).
fn refused_token(refusal: &snitflade_sts::Refusal) -> String {
    snitflade_services::adgangsstyring::note_refusal(refusal, "call");
    tracing::info!(check = refusal.check(), "a call's token refused");
    refusal.to_string()
}

/// `response` marked as the answer to a call of `endpoint` (the labels of its latency).
fn marked(mut response: Response, endpoint: Endpoint) -> Response {
    response.extensions_mut().insert(endpoint);
    response
}

/// `POST /lpe/update-onetime-payments` and `POST /lpe/read-onetime-payments` (Engangsydelser, JSON).
async fn onetime_payments(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(op) = Operation::from_path(uri.path()) else {
        return json(JsonReply::transport(404, "Ukendt adresse"));
    };
    let services = state.services.clone();
    let sts = state.sts.clone();
    let bearer = owned_bearer(&headers);
    let cert = hex::decode(&peer.0.fingerprint).unwrap_or_default();
    let limit = services.config().max_body_bytes;
    let limits = BodyLimits {
        bytes: limit,
        admit: &|_| None,
        too_large: &|| Wire::Json.too_large(limit),
    };
    let endpoint = Endpoint {
        wire: "json",
        interface: InterfaceId::Engangsydelse,
        operation: op.as_str(),
    };
    let response = serve(
        &state,
        &peer,
        &headers,
        body,
        endpoint,
        Wire::Json,
        limits,
        |system, bytes| async move {
            let bearer = bearer.as_ref().map(|b| b.as_deref().map_err(Clone::clone));
            let checked = services
                .check_call(&sts, InterfaceId::Engangsydelse, &system, &cert, bearer, None)
                .await;
            if let Err(refusal) = checked {
                return json(JsonReply::transport(401, refused_token(&refusal)));
            }
            json(services.handle_onetime_payments(op, &system, &bytes).await)
        },
    )
    .await;
    marked(response, endpoint)
}

/// Any method but POST on the JSON routes: HTTP 405 with a JSON answer.
async fn json_method_not_allowed() -> Response {
    let mut r = json(JsonReply::transport(405, "Brug POST"));
    r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

fn json(reply: JsonReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        reply.body,
    )
        .into_response()
}

/// How refusals of the transport are written: a SOAP fault or a JSON answer.
#[derive(Clone, Copy)]
enum Wire {
    Soap,
    Json,
}

impl Wire {
    fn too_large(self, limit: usize) -> Response {
        match self {
            Self::Soap => xml(SoapReply::too_large(limit)),
            Self::Json => json(JsonReply::transport(
                413,
                format!("Anmodningen er for stor (højst {limit} bytes)"),
            )),
        }
    }

    fn unreadable(self) -> Response {
        let text = "Beskeden kunne ikke læses";
        match self {
            Self::Soap => xml(SoapReply::client_fault(text)),
            Self::Json => json(JsonReply::transport(400, text)),
        }
    }

    fn denied(self, d: &snitflade_access::Denied) -> Response {
        match self {
            Self::Soap => xml(SoapReply::denied(d)),
            Self::Json => json(JsonReply::transport(403, d.to_string())),
        }
    }

    fn timed_out(self) -> Response {
        let text = "Tidsgrænsen for modtagelse og behandling af beskeden blev overskredet";
        match self {
            Self::Soap => xml(SoapReply::fault(snitflade_soap::Fault::server(text))),
            Self::Json => json(JsonReply::transport(500, text)),
        }
    }
}

/// The body limit of a call: its size, the check of the caller before any of the body is read, and the answer
/// to a body over the limit.
struct BodyLimits<'a> {
    bytes: usize,
    /// `Some(refusal)` for a caller refused before its body is read.
    admit: &'a (dyn Fn(&snitflade_access::SystemInfo) -> Option<Response> + Sync),
    too_large: &'a (dyn Fn() -> Response + Sync),
}

/// What every call shares: the caller's system from its certificate, the body within the size limit, and one
/// deadline for reading the body and handling it (a client that stalls mid-body is cut off too).
#[allow(clippy::too_many_arguments)]
async fn serve<F, Fut>(
    state: &ServicesState,
    peer: &Peer,
    headers: &HeaderMap,
    body: Body,
    endpoint: Endpoint,
    wire: Wire,
    limits: BodyLimits<'_>,
    handle: F,
) -> Response
where
    F: FnOnce(snitflade_access::SystemInfo, bytes::Bytes) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let system = match state.services.access().system(&peer.0.fingerprint) {
        Ok(s) => s,
        Err(d) => {
            note_refusal(None, endpoint.interface, &d);
            return wire.denied(&d);
        }
    };
    if let Some(refused) = (limits.admit)(&system) {
        // Dropped unread, the body is drained in the background while the answer goes out (the listener's
        // `DrainOnDrop`), so the client sees the answer.
        drop(body);
        return closing(refused);
    }
    let limit = limits.bytes;
    let too_large = || closing((limits.too_large)());
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        drop(body);
        return too_large();
    }
    let work = async {
        // A declared length (within the limit) is allocated once, so a large upload is not copied while growing
        // (the pages of a large allocation cost memory only as the data arrives).
        let capacity = declared.map_or(0, |n| n as usize);
        match read_body(body, limit, capacity).await {
            BodyRead::Complete(bytes) => handle(system, bytes).await,
            BodyRead::TooLarge(rest) => {
                drop(rest);
                too_large()
            }
            BodyRead::Broken => closing(wire.unreadable()),
        }
    };
    match tokio::time::timeout(state.request_timeout, work).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request timed out");
            metrics::counter!("snitflade_request_timeouts_total").increment(1);
            closing(wire.timed_out())
        }
    }
}

enum BodyRead {
    Complete(bytes::Bytes),
    /// Over the limit; what is left of the body.
    TooLarge(Body),
    Broken,
}

/// Reads a body of at most `limit` bytes into a buffer of `capacity` (grown if the body is longer).
async fn read_body(mut body: Body, limit: usize, capacity: usize) -> BodyRead {
    let mut buf = bytes::BytesMut::with_capacity(capacity.min(limit));
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyRead::Broken;
        };
        let Ok(data) = frame.into_data() else { continue };
        if buf.len() + data.len() > limit {
            return BodyRead::TooLarge(body);
        }
        buf.extend_from_slice(&data);
    }
    BodyRead::Complete(buf.freeze())
}

/// Asks hyper to close the connection after this response (its request body may not have been read).
fn closing(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// A Host header fit to be put into a WSDL: host name or address characters and a port, nothing else.
fn safe_authority(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let ok = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    ok.then_some(host)
}

async fn wsdl(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    Path(service): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !query.is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        let mut r = xml(SoapReply::client_fault(format!(
            "Brug GET /ws/{}?wsdl for at hente WSDL'en",
            clip(&service)
        )));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    if let Err(d) = state.services.access().system(&peer.0.fingerprint) {
        return xml(SoapReply::denied(&d));
    }
    let Some(def) = find_service(&service) else {
        return unknown_service(&service);
    };
    let authority = safe_authority(&headers).unwrap_or(&state.fallback_authority);
    let base = format!("https://{authority}");
    let body = if def.name == beskedfordeler::BESKEDFORDELER.name {
        beskedfordeler::wsdl_for(&base)
    } else {
        def.wsdl_for(&base)
    };
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `POST /sts-bf-soap/StsbeskedfordelerImpl`: the value-list service (the operation is the body's root element).
async fn beskedfordeler_call(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // A token (Adgangsstyring) is checked by `call`, as for every service that accepts them.
    call(&state, &peer, &beskedfordeler::BESKEDFORDELER, &query, &headers, body).await
}

/// `GET /sts-bf-soap/StsbeskedfordelerImpl?wsdl`: KOMBIT's WSDL, its address and imports on this server.
async fn beskedfordeler_wsdl(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !query.is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        let mut r = xml(SoapReply::client_fault(format!(
            "Brug GET {}?wsdl for at hente WSDL'en",
            beskedfordeler::PATH
        )));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    if let Err(d) = state.services.access().system(&peer.0.fingerprint) {
        return xml(SoapReply::denied(&d));
    }
    let authority = safe_authority(&headers).unwrap_or(&state.fallback_authority);
    let body = beskedfordeler::wsdl_for(&format!("https://{authority}"));
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `GET /sts-bf-soap/xsd/<path>`: an XSD the Beskedfordeler WSDL imports.
async fn beskedfordeler_xsd(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    Path(path): Path<String>,
) -> Response {
    if let Err(d) = state.services.access().system(&peer.0.fingerprint) {
        return xml(SoapReply::denied(&d));
    }
    match beskedfordeler::schema_file(&path) {
        Some(text) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            )],
            text,
        )
            .into_response(),
        None => {
            let mut r = xml(SoapReply::client_fault(format!("Ukendt XSD '{}'", clip(&path))));
            *r.status_mut() = StatusCode::NOT_FOUND;
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_authorities_reach_the_wsdl() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("localhost:8443"));
        assert_eq!(safe_authority(&h), Some("localhost:8443"));
        h.insert(header::HOST, HeaderValue::from_static("evil\"/><x"));
        assert_eq!(safe_authority(&h), None);
        h.insert(header::HOST, HeaderValue::from_static("[::1]:8443"));
        assert_eq!(safe_authority(&h), Some("[::1]:8443"));
    }
}
