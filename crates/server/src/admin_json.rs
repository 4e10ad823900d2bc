//! The admin API's JSON at its edges: request bodies read by the strict rule of [`snitflade_domain::json`] (an
//! unknown key is a 400 naming the key and its path, `null` counts as absent) through the [`Body`] and
//! [`BodyOrDefault`] extractors, and every error answered as JSON `{"error": …}` — axum's own rejections too (413
//! for a body over the route's limit, 405, a path or query that does not parse, …), by [`json_errors`].

use crate::admin::error;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;
use snitflade_domain::json::{self as strict, JsonError};

/// A JSON request body (`Content-Type: application/json`) read strictly; the refusal is the JSON answer.
pub(crate) struct Body<T>(pub T);

/// Like [`Body`], but an empty body is `T::default()`, and a JSON body may also come without a `Content-Type`.
pub(crate) struct BodyOrDefault<T>(pub T);

/// Whether the request declares a JSON body (`application/json`, or a `+json` type).
fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || (v.starts_with("application/") && v.ends_with("+json")))
}

fn unsupported() -> Response {
    error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "expected a JSON body with Content-Type: application/json",
    )
}

/// The body's bytes, within the route's `DefaultBodyLimit` (413 past it).
async fn bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Response> {
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| error(rejection.status(), rejection.body_text()))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        if !declares_json(req.headers()) {
            return Err(unsupported());
        }
        strict::from_slice(&bytes(req, state).await?).map(Body).map_err(refused)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for BodyOrDefault<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        if req.headers().contains_key(header::CONTENT_TYPE) && !declares_json(req.headers()) {
            return Err(unsupported());
        }
        let body = bytes(req, state).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(BodyOrDefault(T::default()));
        }
        strict::from_slice(&body).map(BodyOrDefault).map_err(refused)
    }
}

/// The 400 answer to a body the strict rule refused: `{"error": "invalid JSON body: <path>: <why>", "path"}`.
pub(crate) fn refused(e: JsonError) -> Response {
    let mut body = json!({ "error": format!("invalid JSON body: {e}") });
    if !e.path.is_empty() {
        body["path"] = e.path.into();
    }
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// Largest error text of a non-JSON answer carried over into the JSON one.
const MAX_ERROR_TEXT: usize = 4096;

/// Makes every error answer JSON (but the console's HTML pages): a 4xx or 5xx whose body is not JSON (axum's rejections are plain text, a 405 is
/// empty) becomes `{"error": <its text, or the status's reason>}` with the same status and other headers (`Allow`,
/// `WWW-Authenticate`, …).
pub(crate) async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_ERROR_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let text = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let mut answer = error(status, text);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            declares_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!declares_json(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn a_plain_text_error_becomes_json_with_its_headers() {
        let plain = (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET,HEAD")], "").into_response();
        let answer = json_errors(plain).await;
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.headers()[header::ALLOW], "GET,HEAD");
        assert_eq!(answer.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(answer.into_body(), 1000).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v, json!({"error": "Method Not Allowed"}));
        // Success and JSON answers pass as they are.
        let ok = json_errors((StatusCode::OK, "text").into_response()).await;
        assert_eq!(ok.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    }
}
