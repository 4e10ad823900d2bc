//! Signing in and out. A person gives their name, password and — when set up — a TOTP code; an unknown name costs
//! the same argon2id work as a wrong password, the answer never says which part was wrong, failures are throttled
//! per name and address (`throttle`), a TOTP step is accepted once. Success starts a session (`session`) and is
//! written to the admin audit log; signing out ends it.

use super::ConsoleState;
use super::session::{self, Signed};
use super::texts::Lang;
use super::view::html;
use crate::listener::RemoteAddr;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use snitflade_access::passwords;
use snitflade_store::{admin_audit, users};
use std::net::IpAddr;
use std::time::Instant;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    t: Lang,
    css: &'static str,
    name: &'a str,
    /// (kind, text) shown above the form.
    notice: Option<(&'static str, &'static str)>,
    /// (name, label) of each OpenID Connect provider people may sign in through.
    providers: Vec<(String, String)>,
}

impl<'a> SignInPage<'a> {
    fn new(state: &ConsoleState, t: Lang, name: &'a str, notice: Option<(&'static str, &'static str)>) -> Self {
        SignInPage {
            t,
            css: super::assets::CSS,
            name,
            notice,
            providers: state.admin.oidc.buttons(),
        }
    }
}

/// The sign-in page with a refusal above the form.
pub(crate) fn refused(state: &ConsoleState, t: Lang, status: StatusCode, text: &'static str) -> Response {
    html(
        status,
        SignInPage::new(state, t, "", Some(("fejl", t.s(text)))).render(),
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct SignInQuery {
    udloebet: Option<String>,
    ude: Option<String>,
}

/// `GET /logind`.
pub(crate) async fn form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Response {
    let t = Lang::of(&headers);
    let notice = if q.udloebet.is_some() {
        Some(("fejl", t.s("Din session er udløbet. Log ind igen.")))
    } else if q.ude.is_some() {
        Some(("ok", t.s("Du er logget ud.")))
    } else {
        None
    };
    html(StatusCode::OK, SignInPage::new(&state, t, "", notice).render())
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    name: String,
    password: String,
    #[serde(default)]
    code: String,
}

/// Why a sign-in failed (never shown apart: the page says the same for all).
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Unknown,
    Disabled,
    Password,
    Code,
}

/// The person if name, password and code are right.
async fn check(state: &ConsoleState, f: &SignInForm) -> Result<snitflade_store::users::User, Failure> {
    let store = state.admin.services.store();
    let found = users::by_name(store.pool(), f.name.trim()).await.ok().flatten();
    let stored = found
        .as_ref()
        .and_then(|(_, s)| s.password_hash.clone())
        .unwrap_or_else(|| passwords::decoy().to_owned());
    let password = f.password.clone();
    let matches = tokio::task::spawn_blocking(move || passwords::verify(&password, &stored))
        .await
        .unwrap_or(false);
    let (person, secrets) = found.ok_or(Failure::Unknown)?;
    if !matches || secrets.password_hash.is_none() {
        return Err(Failure::Password);
    }
    if person.disabled_at.is_some() {
        return Err(Failure::Disabled);
    }
    if let Some(secret) = &secrets.totp_secret {
        let now = jiff::Timestamp::now().as_second().max(0).unsigned_abs();
        let step = passwords::totp_step(secret, &f.code, now).ok_or(Failure::Code)?;
        let id = person.id.clone();
        let fresh = store
            .write(move |c| {
                let id = id.clone();
                Box::pin(async move { users::use_totp_step(c, &id, step).await })
            })
            .await
            .unwrap_or(false);
        if !fresh {
            return Err(Failure::Code);
        }
    }
    Ok(person)
}

/// `POST /logind`.
pub(crate) async fn sign_in(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    remote: Option<axum::Extension<RemoteAddr>>,
    Form(f): Form<SignInForm>,
) -> Response {
    let t = Lang::of(&headers);
    let ip: Option<IpAddr> = remote.map(|r| r.0.0.ip());
    let page = |status, notice| {
        html(
            status,
            SignInPage::new(&state, t, f.name.trim(), Some(("fejl", notice))).render(),
        )
    };
    if f.name.len() > 200 || f.password.len() > passwords::MAX_PASSWORD * 4 {
        return page(
            StatusCode::BAD_REQUEST,
            t.s("Forkert navn, adgangskode eller engangskode."),
        );
    }
    if !state.throttle.allows(&f.name, ip, Instant::now()) {
        tracing::warn!(name = %f.name.trim(), ip = ?ip, "console sign-in throttled");
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            t.s("For mange forsøg. Prøv igen senere."),
        );
    }
    let person = match check(&state, &f).await {
        Ok(p) => p,
        Err(why) => {
            state.throttle.failed(&f.name, ip, Instant::now());
            tracing::info!(name = %f.name.trim(), ip = ?ip, reason = ?why, "console sign-in refused");
            return page(
                StatusCode::UNAUTHORIZED,
                t.s("Forkert navn, adgangskode eller engangskode."),
            );
        }
    };
    state.throttle.succeeded(&f.name, ip);
    match begin(&state, &person, ip, "password").await {
        Ok(cookie) => {
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            r.headers_mut().insert(header::SET_COOKIE, cookie);
            r
        }
        Err(r) => r,
    }
}

/// Starts a session for a person who proved who they are (`method`: `password` or `oidc:<provider>`), writes the
/// sign-in to the admin audit log; the `Set-Cookie` that carries it.
pub(crate) async fn begin(
    state: &ConsoleState,
    person: &users::User,
    ip: Option<IpAddr>,
    method: &str,
) -> Result<HeaderValue, Response> {
    let value = session::random_hex();
    let (id, csrf) = (crate::auth::digest(&value), session::random_hex());
    let actor = format!(
        "{} (person {})",
        match &person.scope {
            Some(s) => format!("{}:{s}", person.role),
            None => person.role.clone(),
        },
        person.name
    );
    let person_id = person.id.clone();
    let detail = json!({ "ip": ip.map(|i| i.to_string()), "method": method });
    let started = state
        .admin
        .services
        .store()
        .write(move |c| {
            let (id, csrf, person_id, actor, detail) = (
                id.clone(),
                csrf.clone(),
                person_id.clone(),
                actor.clone(),
                detail.clone(),
            );
            Box::pin(async move {
                let now = snitflade_store::now_text();
                users::start_session(c, &id, &person_id, &csrf, &now).await?;
                admin_audit::record(c, &actor, "console.sign_in", "user", &person_id, &detail, &now).await
            })
        })
        .await;
    if let Err(e) = started {
        tracing::error!(error = %e, "starting a console session failed");
        return Err((
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable; try again later",
        )
            .into_response());
    }
    Ok(session::set_cookie(state.admin.admin_tls, &value))
}

/// `POST /logud` (behind the session check, so with its CSRF token).
pub(crate) async fn sign_out(State(state): State<ConsoleState>, headers: HeaderMap, _signed: Signed) -> Response {
    let tls = state.admin.admin_tls;
    if let Some(value) = session::cookie(&headers, session::cookie_name(tls)) {
        session::end(&state, &crate::auth::digest(&value)).await;
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/logind?ude=1")]).into_response();
    r.headers_mut().insert(header::SET_COOKIE, session::clear_cookie(tls));
    r
}
