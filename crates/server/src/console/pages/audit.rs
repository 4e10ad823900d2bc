//! Revision: for the municipality's data protection officer, who read or changed which employee's data, when and
//! through which system (filtered by employee and period); for the operator and the auditor also the admin audit
//! log — every change made through the API or the console, with the person or token that made it.

use super::unavailable;
use crate::console::api::{self, query};
use crate::console::view::{J, Page, html};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

/// Rows shown of each log.
const SHOWN: usize = 200;

#[derive(Deserialize, Default)]
pub(crate) struct Filter {
    #[serde(default)]
    pernr: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    page: Page,
    reads: J<'a>,
    admin: Option<J<'a>>,
    pernr: &'a str,
    from: &'a str,
    to: &'a str,
}

/// `GET /revision?pernr=&from=&to=`.
pub(crate) async fn page(State(s): State<ConsoleState>, signed: Signed, Query(f): Query<Filter>) -> Response {
    let limit = SHOWN.to_string();
    let path = format!(
        "/api/v1/audit{}",
        query(&[("pernr", &f.pernr), ("from", &f.from), ("to", &f.to), ("limit", &limit)])
    );
    let reads = match api::get(&s, &signed.principal, &path).await {
        Ok(v) => v,
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let page = Page::new(&signed, "/revision").refused(e.message);
            let empty = json!([]);
            return html(
                StatusCode::BAD_REQUEST,
                AuditPage {
                    page,
                    reads: J(&empty),
                    admin: None,
                    pernr: &f.pernr,
                    from: &f.from,
                    to: &f.to,
                }
                .render(),
            );
        }
        Err(e) => return unavailable(&signed, "/revision", e),
    };
    // The admin log is the operator's and the auditor's; a municipality's API call is refused (and not shown).
    let admin = api::get(&s, &signed.principal, &format!("/api/v1/audit/admin?limit={SHOWN}"))
        .await
        .ok();
    let page = AuditPage {
        page: Page::new(&signed, "/revision"),
        reads: J(&reads),
        admin: admin.as_ref().map(J),
        pernr: &f.pernr,
        from: &f.from,
        to: &f.to,
    };
    html(StatusCode::OK, page.render())
}
