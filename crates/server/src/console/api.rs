//! The console's calls to the admin API, made in-process through the API's own router as the signed-in person's
//! principal: the role gate, the scope checks and the audit log run exactly as for a token holder calling over
//! HTTP, and the answer is the API's JSON (or its `{"error": …}` with the status).

use super::ConsoleState;
use crate::auth::InProcess;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use snitflade_access::Principal;
use tower::ServiceExt;

/// Largest API answer a page reads (a page shows a bounded page of rows; this is a guard, not a limit in use).
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// An API call that did not succeed: its status and the API's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failed {
    pub status: StatusCode,
    pub message: String,
    /// The API's whole JSON answer, when it was JSON (some refusals carry more than the message).
    pub detail: Value,
}

impl Failed {
    fn internal(message: impl Into<String>) -> Failed {
        Failed::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Failed {
        Failed {
            status,
            message: message.into(),
            detail: Value::Null,
        }
    }
}

/// The raw answer of an API call (for the bodies that are not JSON: CSV, SVG).
pub(crate) struct Raw {
    pub content_type: String,
    pub body: bytes::Bytes,
}

/// Calls `method path_and_query` with a JSON body (or none) as `principal`; the answer's JSON (`null` for 204).
pub(crate) async fn call(
    state: &ConsoleState,
    principal: &Principal,
    method: Method,
    path_and_query: &str,
    body: Option<Value>,
) -> Result<Value, Failed> {
    let raw = send(
        state,
        principal,
        method,
        path_and_query,
        body.map(|b| ("application/json", b.to_string().into())),
    )
    .await?;
    if raw.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&raw.body).map_err(|e| Failed::internal(format!("the API's answer is not JSON: {e}")))
}

/// A GET as `principal`.
pub(crate) async fn get(state: &ConsoleState, principal: &Principal, path_and_query: &str) -> Result<Value, Failed> {
    call(state, principal, Method::GET, path_and_query, None).await
}

/// Any call as `principal`, the body given as bytes with its Content-Type; the answer as it came.
pub(crate) async fn send(
    state: &ConsoleState,
    principal: &Principal,
    method: Method,
    path_and_query: &str,
    body: Option<(&str, bytes::Bytes)>,
) -> Result<Raw, Failed> {
    let mut builder = Request::builder().method(method).uri(path_and_query);
    let body = match body {
        Some((content_type, bytes)) => {
            builder = builder.header(header::CONTENT_TYPE, content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let mut request = builder.body(body).map_err(|e| Failed::internal(e.to_string()))?;
    request.extensions_mut().insert(InProcess(principal.clone()));
    let response = state
        .api
        .clone()
        .oneshot(request)
        .await
        .map_err(|never| match never {})?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
        .await
        .map_err(|e| Failed::internal(e.to_string()))?;
    if status.is_success() {
        return Ok(Raw { content_type, body });
    }
    let detail = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let message = detail["error"]
        .as_str()
        .map_or_else(|| String::from_utf8_lossy(&body).into_owned(), str::to_owned);
    Err(Failed {
        status,
        message,
        detail,
    })
}

/// What a path segment keeps as it is: RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path segment percent-encoded for a path the console builds (names of systems can hold spaces).
pub(crate) fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// A query string of the given pairs, the empty values left out (`?a=1&b=x`; empty when none).
pub(crate) fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        q.append_pair(k, v);
        any = true;
    }
    if any { format!("?{}", q.finish()) } else { String::new() }
}
