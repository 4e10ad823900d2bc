//! The console (issue 19): the web pages people use — municipality, vendor, operator, auditor — served at `/` of
//! the admin listener. Server-rendered HTML (askama templates compiled into the binary), Danish first with English
//! switchable, htmx (vendored) for partial updates; every page reads without JavaScript.
//!
//! The console is an adapter over the admin API, never beside it: a page authenticates the person to their
//! principal (`session`), then reads and acts through the API's own router in-process as that principal (`api`),
//! so the role gate, every scope check and the admin audit log are the very code the API runs. No rule lives here.
//!
//! Every answer carries a strict Content-Security-Policy (no inline script or style), and every state-changing
//! request a CSRF token (`session`).

mod api;
mod assets;
pub mod oidc;
mod pages;
mod session;
mod signin;
mod texts;
mod throttle;
mod view;

use crate::admin::AdminState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;

pub(crate) use session::Signed;

/// The console's sessions (the `[console]` table of the config file).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// A session ends after this many seconds without a request.
    pub idle_timeout_secs: u64,
    /// A session ends this many seconds after sign-in, however busy.
    pub absolute_timeout_secs: u64,
    /// Failed sign-ins allowed per name and address within `signin_window_secs` before further tries are refused.
    pub signin_failures: u32,
    /// The window the failed sign-ins are counted in, in seconds.
    pub signin_window_secs: u64,
    /// The address people reach the console at (e.g. `https://snitflade.kommune.dk:8443`), for the OpenID Connect
    /// redirect URIs; without it they are built from the request's `Host` header.
    pub public_url: Option<String>,
    /// OpenID Connect providers people may sign in through (each a `[[console.oidc]]` table).
    pub oidc: Vec<oidc::OidcProviderConfig>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 30 * 60,
            absolute_timeout_secs: 12 * 3600,
            signin_failures: 5,
            signin_window_secs: 15 * 60,
            public_url: None,
            oidc: Vec::new(),
        }
    }
}

impl ConsoleConfig {
    /// Refuses zero timeouts, naming the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (key, v) in [
            ("idle_timeout_secs", self.idle_timeout_secs),
            ("absolute_timeout_secs", self.absolute_timeout_secs),
            ("signin_failures", u64::from(self.signin_failures)),
            ("signin_window_secs", self.signin_window_secs),
        ] {
            if v == 0 {
                anyhow::bail!("[console] {key} must be at least 1");
            }
        }
        if let Some(u) = &self.public_url {
            let parsed = url::Url::parse(u).map_err(|e| anyhow::anyhow!("[console] public_url '{u}': {e}"))?;
            if !matches!(parsed.scheme(), "https" | "http") || !parsed.path().trim_end_matches('/').is_empty() {
                anyhow::bail!("[console] public_url '{u}' must be http(s)://host[:port] with no path");
            }
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.oidc {
            p.validate()?;
            if !names.insert(p.name.as_str()) {
                anyhow::bail!("[[console.oidc]] name '{}' is given twice", p.name);
            }
        }
        Ok(())
    }
}

/// What the console's handlers share.
#[derive(Clone)]
pub struct ConsoleState {
    pub(crate) admin: AdminState,
    /// The admin API's router (`/api/v1/…`), called in-process as the signed-in person.
    pub(crate) api: Router,
    pub(crate) throttle: Arc<throttle::Throttle>,
}

impl ConsoleState {
    pub fn new(admin: AdminState, api: Router) -> Self {
        let c = &admin.console;
        let throttle = throttle::Throttle::new(c.signin_failures, std::time::Duration::from_secs(c.signin_window_secs));
        Self {
            admin,
            api,
            throttle: Arc::new(throttle),
        }
    }
}

/// The console's routes (no fallback: unknown paths get the admin listener's 404).
pub fn router(state: ConsoleState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::overview::page))
        .route("/fejl", get(pages::errors::list))
        .route("/fejl/{id}", get(pages::errors::show))
        .route("/fejl/{id}/genindsend", post(pages::errors::resubmit))
        .route("/fejl/{id}/afvis", post(pages::errors::discard))
        .route("/fejl/{id}/loes", post(pages::errors::resolve))
        .route("/adgang", get(pages::access::page))
        .route("/adgang/ordrer", post(pages::access::new_order))
        .route("/adgang/ordrer/{id}", get(pages::access::order))
        .route("/adgang/ordrer/{id}/trin", post(pages::access::advance))
        .route(
            "/adgang/systemer/{name}/luk",
            get(pages::access::confirm_close).post(pages::access::urgent_close),
        )
        .route(
            "/adgang/systemer/{name}/certifikater",
            post(pages::access::upload_certificate),
        )
        .route(
            "/adgang/systemer/{name}/testcertifikat",
            post(pages::access::test_certificate),
        )
        .route(
            "/adgang/systemer/{name}/opstartspakke",
            post(pages::access::startup_package),
        )
        .route("/adgang/ordrer/{id}/luk", post(pages::access::close_order))
        .route("/adgang/fakturaer.csv", get(pages::access::invoices_csv))
        .route("/beskedfordeler", get(pages::beskedfordeler::page))
        .route(
            "/beskedfordeler/{id}/abonnementer",
            post(pages::beskedfordeler::subscribe),
        )
        .route(
            "/beskedfordeler/{id}/fejlkoe/{seq}/genkoe",
            post(pages::beskedfordeler::requeue),
        )
        .route("/beskedfordeler/tokens", post(pages::beskedfordeler::publisher_token))
        .route("/landskab", get(pages::landscape::page))
        .route("/landskab/kort.svg", get(pages::landscape::diagram))
        .route("/landskab/krav", post(pages::landscape::requirements))
        .route(
            "/landskab/import",
            post(pages::landscape::import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/revision", get(pages::audit::page))
        .route("/brugere", get(pages::users::page))
        .route("/brugere/ny", post(pages::users::create))
        .route("/brugere/{id}/deaktiver", post(pages::users::disable))
        .route("/brugere/tokens", post(pages::users::create_token))
        .route("/brugere/tokens/{id}/tilbagekald", post(pages::users::revoke_token))
        .route("/logud", post(signin::sign_out))
        // A page needs a signed-in person (the sign-in page otherwise), and a change its session's CSRF token.
        .route_layer(middleware::from_fn_with_state(state.clone(), session::require));
    Router::new()
        .merge(pages)
        .route("/logind", get(signin::form).post(signin::sign_in))
        .route("/logind/oidc/{name}", get(oidc::start))
        .route("/logind/oidc/{name}/callback", get(oidc::callback))
        .route("/sprog/{lang}", get(texts::choose))
        .route("/assets/{file}", get(assets::serve))
        .with_state(state)
        .layer(middleware::from_fn(security_headers))
}

/// Largest CSV import form (the API takes files up to 5 MiB).
const IMPORT_LIMIT: usize = 6 * 1024 * 1024;

/// The Content-Security-Policy of every console answer: only the console's own script and style, no inline code,
/// not framed, forms only to itself.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                              connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
