//! Brugere og nøgler: the people and API tokens within the signed-in person's scope — created (a new token's
//! secret and a new person's TOTP set-up shown once), disabled or revoked — through the API's own rules (the
//! operator for any role, a municipality or vendor only for itself).

use super::{Ok_, done, frame, unavailable};
use crate::console::api;
use crate::console::view::{J, Page, html};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    page: Page,
    people: J<'a>,
    tokens: J<'a>,
    /// A secret just created, shown this once: (what, secret).
    shown: Option<(&'static str, String)>,
    /// (name, label) of the OpenID Connect providers a new person may be linked to.
    providers: Vec<(String, String)>,
}

async fn render(
    s: &ConsoleState,
    signed: &Signed,
    page: Page,
    shown: Option<(&'static str, String)>,
    status: StatusCode,
) -> Response {
    let (people, tokens) = match tokio::try_join!(
        api::get(s, &signed.principal, "/api/v1/users"),
        api::get(s, &signed.principal, "/api/v1/tokens"),
    ) {
        Ok(r) => r,
        Err(f) => return unavailable(signed, "/brugere", f),
    };
    html(
        status,
        UsersPage {
            page,
            people: J(&people),
            tokens: J(&tokens),
            shown,
            providers: s.admin.oidc.buttons(),
        }
        .render(),
    )
}

/// `GET /brugere`.
pub(crate) async fn page(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<Ok_>) -> Response {
    let page = frame(&signed, "/brugere", q.ok.as_deref());
    render(&s, &signed, page, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct NewPerson {
    name: String,
    role: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: Option<String>,
    /// The name of the OpenID Connect provider the person signs in through, if any …
    #[serde(default)]
    provider: String,
    /// … and their subject there.
    #[serde(default)]
    subject: String,
}

/// `POST /brugere/ny`.
pub(crate) async fn create(State(s): State<ConsoleState>, signed: Signed, Form(f): Form<NewPerson>) -> Response {
    let mut body = json!({ "name": f.name, "role": f.role, "totp": f.totp.is_some() });
    if !f.scope.trim().is_empty() {
        body["scope"] = f.scope.trim().into();
    }
    if !f.password.is_empty() {
        body["password"] = f.password.into();
    }
    if !f.provider.is_empty() {
        // An unknown name gets no issuer, and the API says what is missing.
        body["oidc_issuer"] = s.admin.oidc.issuer_of(&f.provider).into();
        body["oidc_subject"] = f.subject.trim().into();
    }
    match api::call(&s, &signed.principal, Method::POST, "/api/v1/users", Some(body)).await {
        Ok(v) => match v["totp_url"].as_str() {
            Some(url) => {
                let page = Page::new(&signed, "/brugere").ok(signed.lang.s("Personen er oprettet."));
                render(&s, &signed, page, Some(("TOTP", url.to_owned())), StatusCode::CREATED).await
            }
            None => done("/brugere", "bruger"),
        },
        Err(f) if f.status.is_client_error() => {
            let page = Page::new(&signed, "/brugere").refused(f.message);
            render(&s, &signed, page, None, f.status).await
        }
        Err(f) => unavailable(&signed, "/brugere", f),
    }
}

/// `POST /brugere/{id}/deaktiver`.
pub(crate) async fn disable(State(s): State<ConsoleState>, signed: Signed, Path(id): Path<String>) -> Response {
    let path = format!("/api/v1/users/{}", api::segment(&id));
    match api::call(&s, &signed.principal, Method::DELETE, &path, None).await {
        Ok(_) => done("/brugere", "deaktiveret"),
        Err(f) => unavailable(&signed, "/brugere", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct NewToken {
    name: String,
    role: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    expires: String,
}

/// `POST /brugere/tokens`: an API token; its secret is on the answering page this once.
pub(crate) async fn create_token(State(s): State<ConsoleState>, signed: Signed, Form(f): Form<NewToken>) -> Response {
    let mut body = json!({ "name": f.name, "role": f.role });
    if !f.scope.trim().is_empty() {
        body["scope"] = f.scope.trim().into();
    }
    if !f.expires.trim().is_empty() {
        body["expires"] = f.expires.trim().into();
    }
    match api::call(&s, &signed.principal, Method::POST, "/api/v1/tokens", Some(body)).await {
        Ok(v) => {
            let secret = v["secret"].as_str().unwrap_or_default().to_owned();
            render(
                &s,
                &signed,
                Page::new(&signed, "/brugere"),
                Some(("API", secret)),
                StatusCode::CREATED,
            )
            .await
        }
        Err(f) if f.status.is_client_error() => {
            let page = Page::new(&signed, "/brugere").refused(f.message);
            render(&s, &signed, page, None, f.status).await
        }
        Err(f) => unavailable(&signed, "/brugere", f),
    }
}

/// `POST /brugere/tokens/{id}/tilbagekald`: revoked from the next request on.
pub(crate) async fn revoke_token(State(s): State<ConsoleState>, signed: Signed, Path(id): Path<String>) -> Response {
    let path = format!("/api/v1/tokens/{}", api::segment(&id));
    match api::call(&s, &signed.principal, Method::DELETE, &path, None).await {
        Ok(_) => done("/brugere", "tilbagekaldt"),
        Err(f) => unavailable(&signed, "/brugere", f),
    }
}
