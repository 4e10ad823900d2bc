//! Fejlhåndtering: the error-handling table — requests and file lines that could not be processed — with filters
//! and pages; one entry field by field with the validation reason beside the field it names, corrected and
//! resubmitted, discarded or resolved with a note, and its history.

use super::{Ok_, done, frame, unavailable};
use crate::console::api::{self, query};
use crate::console::view::{J, Page, html};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Rows per page.
const PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub(crate) struct Filter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    interface: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    side: usize,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "errors.html")]
struct List<'a> {
    page: Page,
    rows: J<'a>,
    status: &'a str,
    interface: &'a str,
    municipality: &'a str,
    side: usize,
    more: bool,
    previous: String,
    next: String,
}

/// `GET /fejl`.
pub(crate) async fn list(State(s): State<ConsoleState>, signed: Signed, Query(f): Query<Filter>) -> Response {
    let offset = (f.side * PAGE).to_string();
    let limit = (PAGE + 1).to_string();
    let path = format!(
        "/api/v1/errors{}",
        query(&[
            ("status", &f.status),
            ("interface", &f.interface),
            ("municipality", &f.municipality),
            ("limit", &limit),
            ("offset", &offset),
        ])
    );
    let rows = match api::get(&s, &signed.principal, &path).await {
        Ok(v) => v,
        Err(e) => return unavailable(&signed, "/fejl", e),
    };
    let mut rows = rows;
    let more = rows.as_array().is_some_and(|a| a.len() > PAGE);
    if let Some(a) = rows.as_array_mut() {
        a.truncate(PAGE);
    }
    let link = |side: usize| {
        let side = side.to_string();
        format!(
            "/fejl{}",
            query(&[
                ("status", &f.status),
                ("interface", &f.interface),
                ("municipality", &f.municipality),
                ("side", &side),
            ])
        )
    };
    let page = List {
        page: frame(&signed, "/fejl", f.ok.as_deref()),
        rows: J(&rows),
        status: &f.status,
        interface: &f.interface,
        municipality: &f.municipality,
        side: f.side,
        more,
        previous: link(f.side.saturating_sub(1)),
        next: link(f.side + 1),
    };
    html(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "error.html")]
struct Entry<'a> {
    page: Page,
    e: J<'a>,
    /// (field, value, the reason when the message names the field).
    fields: Vec<(String, String, Option<String>)>,
}

impl Entry<'_> {
    fn open(&self) -> bool {
        self.e.f("status").eq("open")
    }
}

/// The payload's fields with the entry's reason beside each field its message names.
fn fields(entry: &Value) -> Vec<(String, String, Option<String>)> {
    let message = entry["message"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    if let Some(payload) = entry["payload"].as_object() {
        for (k, v) in payload {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let named = message.contains(k.as_str());
            out.push((k.clone(), value, named.then(|| message.to_owned())));
        }
    }
    out
}

async fn entry_page(s: &ConsoleState, signed: &Signed, id: &str, page: Page, status: StatusCode) -> Response {
    let path = format!("/api/v1/errors/{}", api::segment(id));
    let e = match api::get(s, &signed.principal, &path).await {
        Ok(v) => v,
        Err(e) => return unavailable(signed, "/fejl", e),
    };
    let fields = fields(&e);
    html(status, Entry { page, e: J(&e), fields }.render())
}

/// `GET /fejl/{id}`.
pub(crate) async fn show(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<Ok_>,
) -> Response {
    let page = frame(&signed, "/fejl", q.ok.as_deref());
    entry_page(&s, &signed, &id, page, StatusCode::OK).await
}

/// `POST /fejl/{id}/genindsend`: the form's `f.<FIELD>` values as the corrected payload (an emptied field is
/// removed). Registered: back to the entry with the notice; still refused: the entry with the new reason.
pub(crate) async fn resubmit(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut payload = Map::new();
    for (k, v) in &form {
        if let Some(field) = k.strip_prefix("f.") {
            let v = v.trim();
            payload.insert(field.to_owned(), if v.is_empty() { Value::Null } else { v.into() });
        }
    }
    let path = format!("/api/v1/errors/{}/resubmit", api::segment(&id));
    let answer = api::call(
        &s,
        &signed.principal,
        Method::POST,
        &path,
        Some(json!({ "payload": payload })),
    )
    .await;
    match answer {
        Ok(e) if e["status"] == "open" => {
            let reason = e["message"].as_str().unwrap_or_default().to_owned();
            let page = Page::new(&signed, "/fejl").refused(reason);
            entry_page(&s, &signed, &id, page, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Ok(_) => done(&format!("/fejl/{}", api::segment(&id)), "genindsendt"),
        Err(f) if f.status.is_client_error() && f.status != StatusCode::NOT_FOUND => {
            let page = Page::new(&signed, "/fejl").refused(f.message);
            entry_page(&s, &signed, &id, page, f.status).await
        }
        Err(f) => unavailable(&signed, "/fejl", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn close(s: ConsoleState, signed: Signed, id: String, step: &str, ok: &str, note: String) -> Response {
    let path = format!("/api/v1/errors/{}/{step}", api::segment(&id));
    let body = (!note.trim().is_empty()).then(|| json!({ "note": note.trim() }));
    match api::call(&s, &signed.principal, Method::POST, &path, body).await {
        Ok(_) => done(&format!("/fejl/{}", api::segment(&id)), ok),
        Err(f) if f.status == StatusCode::CONFLICT => {
            let page = Page::new(&signed, "/fejl").refused(f.message);
            entry_page(&s, &signed, &id, page, StatusCode::CONFLICT).await
        }
        Err(f) => unavailable(&signed, "/fejl", f),
    }
}

/// `POST /fejl/{id}/afvis`.
pub(crate) async fn discard(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    close(s, signed, id, "discard", "afvist", f.note).await
}

/// `POST /fejl/{id}/loes`.
pub(crate) async fn resolve(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    close(s, signed, id, "resolve", "loest", f.note).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_stands_beside_the_field_it_names() {
        let e = json!({"message": "ACT_WORK: 25 timer er mere end et døgn", "payload": {"ACT_WORK": "25", "PLANT": "0751"}});
        let f = fields(&e);
        assert_eq!(
            f[0],
            (
                "ACT_WORK".into(),
                "25".into(),
                Some("ACT_WORK: 25 timer er mere end et døgn".into())
            )
        );
        assert_eq!(f[1], ("PLANT".into(), "0751".into(), None));
    }
}
