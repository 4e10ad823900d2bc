//! What every request on both listeners gets: an id — the caller's `X-Request-Id` when it is a short token, else a
//! new UUID (v7, so ids sort by time) — carried by a log span around everything logged while the request is handled;
//! the id back in the `X-Request-Id` response header and in the `<detail>` of a SOAP fault that has none
//! (`snitflade_soap::fault::with_request_id`); one debug line when it is answered; and, for a call of an interface
//! (a handler marks it with an [`Endpoint`]), its latency in `snitflade_request_duration_seconds`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use snitflade_soap::FaultCode;
use snitflade_soap::fault::{code_of, with_request_id};
use std::time::Instant;
use tracing::Instrument;

/// The request id's header, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest request id taken from a caller.
const MAX_ID_LEN: usize = 64;

/// Faults larger than this are answered as they are (ours are a few hundred bytes).
const MAX_FAULT_BYTES: u64 = 64 * 1024;

/// The interface call a response answers, put in its extensions by the handler: the labels of its latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// `soap` or `json`.
    pub wire: &'static str,
    pub interface: snitflade_domain::InterfaceId,
    /// The service interface (SOAP) or the operation (JSON).
    pub operation: &'static str,
}

/// The caller's `X-Request-Id`, if it is 1 to 64 characters of letters, digits, `-`, `_`, `.` and `:`: safe in a
/// log line, a header and XML as it is.
fn incoming_id(headers: &HeaderMap) -> Option<String> {
    let id = headers.get(REQUEST_ID)?.to_str().ok()?;
    let sane = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| id.to_owned())
}

/// The middleware (`axum::middleware::from_fn(observe)`), outermost on both routers.
pub async fn observe(req: Request, next: Next) -> Response {
    let id = incoming_id(req.headers()).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!("request", request_id = %id);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    async move {
        let response = next.run(req).await;
        let (mut response, fault) = mark_fault(response, &id).await;
        if let Ok(v) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, v);
        }
        let elapsed = started.elapsed();
        let status = response.status();
        if let Some(endpoint) = response.extensions().get::<Endpoint>() {
            let outcome = match fault {
                Some(FaultCode::Server) => "server_error",
                Some(_) => "client_error",
                None if status.is_server_error() => "server_error",
                None if status.is_client_error() => "client_error",
                None => "ok",
            };
            metrics::histogram!(crate::metrics::REQUEST_DURATION,
                "wire" => endpoint.wire, "interface" => endpoint.interface.as_str(), "operation" => endpoint.operation,
                "status" => status.as_str().to_owned(), "outcome" => outcome)
            .record(elapsed.as_secs_f64());
        }
        tracing::debug!(%method, path, status = status.as_u16(), duration_ms = elapsed.as_secs_f64() * 1000.0,
            "request answered");
        response
    }
    .instrument(span)
    .await
}

/// A SOAP fault's code, with the request id put into its detail when it has none; any other response as it is.
async fn mark_fault(response: Response, id: &str) -> (Response, Option<FaultCode>) {
    let xml = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/xml"));
    let small = axum::body::HttpBody::size_hint(response.body())
        .exact()
        .is_some_and(|n| n <= MAX_FAULT_BYTES);
    if !xml || response.status().is_success() || !small {
        return (response, None);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await else {
        return (Response::from_parts(parts, Body::empty()), None);
    };
    let bytes = collected.to_bytes();
    let Some(text) = std::str::from_utf8(&bytes).ok() else {
        return (Response::from_parts(parts, Body::from(bytes)), None);
    };
    let code = code_of(text);
    let body = match with_request_id(text, id) {
        Some(marked) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(marked)
        }
        None => Body::from(bytes),
    };
    (Response::from_parts(parts, body), code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_tokens_are_taken_as_request_ids() {
        let id = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(REQUEST_ID, HeaderValue::from_str(v).unwrap());
            incoming_id(&h)
        };
        assert_eq!(id("abc-123_X.y:z").as_deref(), Some("abc-123_X.y:z"));
        assert_eq!(id(&"a".repeat(64)).map(|s| s.len()), Some(64));
        assert_eq!(id(&"a".repeat(65)), None);
        assert_eq!(id(""), None);
        assert_eq!(id("a b"), None);
        assert_eq!(id("a\"<x>"), None);
        assert_eq!(incoming_id(&HeaderMap::new()), None);
    }
}
