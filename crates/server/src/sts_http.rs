//! The Security Token Service's token endpoint on the services listener, at KOMBIT's path so a client changes only
//! the host: `POST /runtime/api/rest/oauth/v1/issue` (the JWT variant of SF1514) — an OAuth 2.0 client-credentials
//! request over mutual TLS — `client_id=<entityID>&grant_type=client_credentials&scope=entityid:<entityID>,
//! anvenderkontekst:<CVR>`, in the form body or the query string as KOMBIT's clients send it — answered as KOMBIT's
//! STS does (`token_type` `Holder-of-key`: the token is bound to the client certificate), or with an OAuth error
//! (RFC 6749 §5.2) whose description names the check that failed — and the WS-Trust endpoint
//! `POST /runtime/services/kombittrust/14/certificatemixed`: a signed `RequestSecurityToken` answered with a SAML
//! holder-of-key assertion (`snitflade_sts::wstrust`), or a SOAP fault of the request's version naming the check.

use crate::listener::Peer;
use crate::services_http::ServicesState;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use snitflade_services::adgangsstyring::{Scope, note_refusal};
use snitflade_sts::Refusal;

/// KOMBIT's path of the REST token endpoint.
pub const ISSUE_PATH: &str = "/runtime/api/rest/oauth/v1/issue";
/// KOMBIT's path of the WS-Trust (SOAP) endpoint.
pub const WSTRUST_PATH: &str = "/runtime/services/kombittrust/14/certificatemixed";

/// Largest WS-Trust request read (a signed request with its certificate is a few KiB).
const MAX_WSTRUST_REQUEST: usize = 256 * 1024;

/// Largest token request read (three short form fields).
const MAX_REQUEST: usize = 16 * 1024;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        json!({ "error": error, "error_description": description }).to_string(),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /runtime/api/rest/oauth/v1/issue`.
pub(crate) async fn issue(
    State(state): State<ServicesState>,
    Extension(peer): Extension<Peer>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: Body,
) -> Response {
    let system = match state.services.access().system(&peer.0.fingerprint) {
        Ok(s) => s,
        Err(d) => {
            note_refusal(
                &Refusal::NotGranted {
                    service: "-".into(),
                    cvr: "-".into(),
                },
                "issue",
            );
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &d.to_string());
        }
    };
    let read = tokio::time::timeout(state.request_timeout, axum::body::to_bytes(body, MAX_REQUEST)).await;
    let Ok(Ok(bytes)) = read else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("anmodningen kunne ikke læses (højst {MAX_REQUEST} bytes)"),
        );
    };
    let (mut grant_type, mut scope, mut client_id) = (None, None, None);
    let query = query.unwrap_or_default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()).chain(url::form_urlencoded::parse(&bytes)) {
        let slot = match k.as_ref() {
            "grant_type" => &mut grant_type,
            "scope" => &mut scope,
            "client_id" => &mut client_id,
            _ => continue,
        };
        if slot.is_some() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("{k} er givet mere end én gang"),
            );
        }
        *slot = Some(v.into_owned());
    }
    if grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type skal være client_credentials",
        );
    }
    let scope = match scope.as_deref().map(Scope::parse) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            note_refusal(&Refusal::Malformed(e.clone()), "issue");
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &e);
        }
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "scope mangler"),
    };
    if client_id.as_ref().is_some_and(|c| *c != scope.entity_id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "client_id skal være den entityID, scope nævner",
        );
    }
    let Ok(cert_sha256) = hex::decode(&peer.0.fingerprint) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "klientcertifikatet kan ikke læses",
        );
    };
    match state
        .services
        .issue_token(&state.sts, &system, &cert_sha256, &scope)
        .await
    {
        Ok(issued) => {
            let mut r = axum::Json(json!({
                "access_token": issued.token,
                "token_type": "Holder-of-key",
                "expires_in": issued.expires_in,
            }))
            .into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(refusal) => {
            note_refusal(&refusal, "issue");
            tracing::info!(system = %system.name, check = refusal.check(), "token refused");
            oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &refusal.to_string())
        }
    }
}

/// The token of a request's `Authorization` header (scheme `Holder-of-key`, as the STS names it, or `Bearer`):
/// `None` without the header, `Err` for one that holds no token.
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<Result<&str, Refusal>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|t| t.split_once(' '))
        .and_then(|(scheme, token)| {
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("holder-of-key"))
                .then_some(token.trim())
                .filter(|t| !t.is_empty())
        });
    Some(token.ok_or_else(|| {
        Refusal::Malformed("Authorization-headeren er ikke 'Holder-of-key <token>' eller 'Bearer <token>'".into())
    }))
}

/// A SOAP fault of `soap`'s version (1.2: `Sender`, HTTP 400; 1.1: `Client`, HTTP 500) with `text`.
fn soap_fault(soap: &str, text: &str) -> Response {
    let text = snitflade_sts::saml::escape(text);
    let (status, body, content_type) = if soap == snitflade_sts::wstrust::SOAP11 {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "<s:Envelope xmlns:s=\"{soap}\"><s:Body><s:Fault><faultcode>s:Client</faultcode>\
                 <faultstring xml:lang=\"da\">{text}</faultstring></s:Fault></s:Body></s:Envelope>"
            ),
            "text/xml; charset=utf-8",
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!(
                "<s:Envelope xmlns:s=\"{soap}\"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code>\
                 <s:Reason><s:Text xml:lang=\"da\">{text}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"
            ),
            "application/soap+xml; charset=utf-8",
        )
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// `POST /runtime/services/kombittrust/14/certificatemixed`.
pub(crate) async fn issue_wstrust(State(state): State<ServicesState>, body: Body) -> Response {
    let read = tokio::time::timeout(state.request_timeout, axum::body::to_bytes(body, MAX_WSTRUST_REQUEST)).await;
    let soap12 = snitflade_sts::wstrust::SOAP12;
    let Ok(Ok(bytes)) = read else {
        return soap_fault(
            soap12,
            &format!("Anmodningen kunne ikke læses (højst {MAX_WSTRUST_REQUEST} bytes)"),
        );
    };
    let Ok(xml) = std::str::from_utf8(&bytes) else {
        return soap_fault(soap12, "Anmodningen er ikke UTF-8");
    };
    // The answer's SOAP version is the request's, as far as it can be told.
    let soap = if xml.contains(snitflade_sts::wstrust::SOAP11) && !xml.contains(soap12) {
        snitflade_sts::wstrust::SOAP11
    } else {
        soap12
    };
    let now = jiff::Timestamp::now().as_second();
    let refused = |refusal: Refusal| {
        note_refusal(&refusal, "issue");
        tracing::info!(check = refusal.check(), "WS-Trust request refused");
        soap_fault(soap, &refusal.to_string())
    };
    let request = match snitflade_sts::wstrust::read_request(xml, now) {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    // The caller is the system whose certificate signed the request.
    let fingerprint = hex::encode(ring::digest::digest(&ring::digest::SHA256, &request.certificate));
    let system = match state.services.access().system(&fingerprint) {
        Ok(s) => s,
        Err(_) => {
            return refused(Refusal::NotGranted {
                service: request.applies_to.clone(),
                cvr: request.cvr.clone(),
            });
        }
    };
    if let Err(e) = state
        .services
        .first_use(&request.message_id, request.expires, now)
        .await
    {
        return refused(e);
    }
    match state.services.issue_assertion(&state.sts, &system, &request).await {
        Ok(answer) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(if soap == soap12 {
                    "application/soap+xml; charset=utf-8"
                } else {
                    "text/xml; charset=utf-8"
                }),
            )],
            answer,
        )
            .into_response(),
        Err(e) => refused(e),
    }
}
