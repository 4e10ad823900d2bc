//! A signed-in person's session: a cookie holding 32 random bytes (only their SHA-256 is stored, like API tokens),
//! `HttpOnly`, `SameSite=Strict`, `Secure` with the `__Host-` prefix when the admin listener speaks TLS; ended after
//! `idle_timeout_secs` without a request or `absolute_timeout_secs` after sign-in, when the person is disabled or
//! their password changes. Every state-changing request carries the session's CSRF token — the `X-CSRF-Token`
//! header (htmx sends it), a form's `csrf` field, or for a file upload's form `?csrf=` in its action — and, when the
//! browser names one, an `Origin` of this host.

use super::ConsoleState;
use super::texts::Lang;
use crate::auth::{constant_time_eq, digest};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use snitflade_access::principal::{Credential, Principal, Role, RoleKind};
use snitflade_store::users;

/// The session cookie's name: `__Host-` (bound to this host, `Secure`, path `/`) under TLS.
pub(crate) fn cookie_name(tls: bool) -> &'static str {
    if tls { "__Host-snitflade" } else { "snitflade_session" }
}

/// Largest form a state-changing request may carry (a certificate upload is the largest; the API bounds it too).
const MAX_FORM: usize = 2 * 1024 * 1024;

/// The signed-in person of a request (set by [`require`]).
#[derive(Clone)]
pub(crate) struct Signed {
    pub principal: Principal,
    pub name: String,
    pub csrf: String,
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<Signed>()
            .cloned()
            .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// 32 random bytes in hex.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).expect("system randomness");
    hex::encode(bytes)
}

/// The `Set-Cookie` that starts a session with `value`.
pub(crate) fn set_cookie(tls: bool, value: &str) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookie_name(tls)
    ))
    .expect("a cookie of hex is a header value")
}

/// The `Set-Cookie` that ends it.
pub(crate) fn clear_cookie(tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
        cookie_name(tls)
    ))
    .expect("a header value")
}

/// Why there is no signed-in person.
enum Absent {
    /// No cookie, or one that names no session.
    None,
    /// A session that ended by time (the sign-in page says so).
    Expired,
}

/// The session of the request's cookie, checked against the clock and the person.
async fn signed(state: &ConsoleState, headers: &HeaderMap) -> Result<Signed, Absent> {
    let tls = state.admin.admin_tls;
    let value = cookie(headers, cookie_name(tls)).ok_or(Absent::None)?;
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Absent::None);
    }
    let id = digest(&value);
    let store = state.admin.services.store();
    let session = users::session(store.pool(), &id)
        .await
        .ok()
        .flatten()
        .ok_or(Absent::None)?;
    if session.ended_at.is_some() {
        return Err(Absent::None);
    }
    let config = &state.admin.console;
    let now = jiff::Timestamp::now();
    let age = |t: &str| t.parse::<jiff::Timestamp>().map(|t| now.duration_since(t).as_secs());
    let idle = age(&session.last_seen_at).unwrap_or(i64::MAX);
    let lived = age(&session.created_at).unwrap_or(i64::MAX);
    let as_i64 = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    if idle >= as_i64(config.idle_timeout_secs) || lived >= as_i64(config.absolute_timeout_secs) {
        end(state, &id).await;
        return Err(Absent::Expired);
    }
    let (person, _) = users::by_id(store.pool(), &session.user_id)
        .await
        .ok()
        .flatten()
        .ok_or(Absent::None)?;
    if person.disabled_at.is_some() {
        return Err(Absent::None);
    }
    let role = RoleKind::parse(&person.role)
        .and_then(|k| Role::from_parts(k, person.scope.as_deref()).ok())
        .ok_or(Absent::None)?;
    // Activity is written at most every quarter of the idle timeout (and at most once a minute).
    let touch_every = as_i64((config.idle_timeout_secs / 4).clamp(1, 60));
    if idle >= touch_every {
        let id = id.clone();
        let touched = store
            .write(move |c| {
                let id = id.clone();
                Box::pin(async move { users::touch_session(c, &id, &snitflade_store::now_text()).await })
            })
            .await;
        if let Err(e) = touched {
            tracing::warn!(error = %e, "recording a console session's activity failed");
        }
    }
    Ok(Signed {
        principal: Principal {
            role,
            credential: Credential::Person {
                id: person.id,
                name: person.name.clone(),
            },
        },
        name: person.name,
        csrf: session.csrf,
        lang: Lang::of(headers),
    })
}

/// Ends the session with this digest.
pub(crate) async fn end(state: &ConsoleState, id_sha256: &str) {
    let id = id_sha256.to_owned();
    let ended = state
        .admin
        .services
        .store()
        .write(move |c| {
            let id = id.clone();
            Box::pin(async move { users::end_session(c, &id, &snitflade_store::now_text()).await })
        })
        .await;
    if let Err(e) = ended {
        tracing::warn!(error = %e, "ending a console session failed");
    }
}

/// To the sign-in page (htmx follows `HX-Redirect`; a browser the 303).
fn to_sign_in(headers: &HeaderMap, expired: bool) -> Response {
    let to = if expired { "/logind?udloebet=1" } else { "/logind" };
    if headers.contains_key("hx-request") {
        return (StatusCode::UNAUTHORIZED, [("hx-redirect", to)]).into_response();
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// A refused change: 403 with the reason as a small HTML page.
fn refused(lang: Lang, reason: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>403</title>\
         <link rel=\"stylesheet\" href=\"/assets/{}\"></head><body><main><h1>403</h1><p>{}</p>\
         <p><a href=\"/\">{}</a></p></main></body></html>",
        lang.code(),
        super::assets::CSS,
        reason,
        lang.s("Overblik")
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Whether the browser-named `Origin` (if any) is this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

/// The `csrf` field of an URL-encoded form.
fn csrf_field(form: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(form)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
}

/// The middleware in front of every page: the signed-in person into the request (the sign-in page otherwise) and,
/// for a change, the CSRF token and origin checked.
pub(crate) async fn require(State(state): State<ConsoleState>, req: Request, next: Next) -> Response {
    let signed = match signed(&state, req.headers()).await {
        Ok(s) => s,
        Err(Absent::Expired) => return to_sign_in(req.headers(), true),
        Err(Absent::None) => return to_sign_in(req.headers(), false),
    };
    let (mut parts, body) = req.into_parts();
    let req = if parts.method == Method::GET || parts.method == Method::HEAD {
        Request::from_parts(parts, body)
    } else {
        if !same_origin(&parts.headers) {
            return refused(signed.lang, "Anmodningen kom fra en anden side (Origin).");
        }
        // The header (htmx), or the query of a file upload's form (a multipart body is not read here).
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| parts.uri.query().and_then(|q| csrf_field(q.as_bytes())));
        let (token, body) = match header_token {
            Some(t) => (Some(t), body),
            None => {
                let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
                    Ok(b) => b,
                    Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response(),
                };
                (csrf_field(&bytes), Body::from(bytes))
            }
        };
        let valid = token.is_some_and(|t| constant_time_eq(t.as_bytes(), signed.csrf.as_bytes()));
        if !valid {
            tracing::warn!(person = %signed.name, path = %parts.uri.path(), "a console change without its CSRF token was refused");
            return refused(
                signed.lang,
                "Anmodningen manglede sidens sikkerhedsnøgle (CSRF). Genindlæs siden og prøv igen.",
            );
        }
        parts.extensions.insert(signed.clone());
        Request::from_parts(parts, body)
    };
    let mut req = req;
    req.extensions_mut().insert(signed);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; snitflade_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "snitflade_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let set = set_cookie(true, "ff").to_str().unwrap().to_owned();
        assert_eq!(set, "__Host-snitflade=ff; Path=/; HttpOnly; SameSite=Strict; Secure");
        assert!(!set_cookie(false, "ff").to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn origins_must_be_this_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn the_csrf_field_is_found_in_a_form() {
        assert_eq!(csrf_field(b"note=x&csrf=abc%2B1").as_deref(), Some("abc+1"));
        assert_eq!(csrf_field(b"note=x"), None);
    }
}
