//! Landskab: the municipality's systems and relations, the map of one system drawn inline (as it is, or with the
//! transition decisions), the impact of phasing the system out as a readable report, and KOMBIT's requirement
//! check for a system.

use super::unavailable;
use crate::console::api::{self, query};
use crate::console::view::{J, Page, html};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
pub(crate) struct Shown {
    #[serde(default)]
    system: String,
    #[serde(default)]
    view: String,
}

#[derive(Template)]
#[template(path = "landscape.html")]
struct LandscapePage<'a> {
    page: Page,
    systems: J<'a>,
    relations: J<'a>,
    system: &'a str,
    transition: bool,
    /// The map (SVG from the landscape's own writer: no script, every text escaped).
    map: String,
    impact: String,
    /// The requirement check's answer, when one was asked.
    check: Option<J<'a>>,
    objects: &'a str,
    /// A CSV import checked or applied: its kind, its text (to apply after the check) and the API's answer.
    import: Option<(&'a str, &'a str, J<'a>)>,
}

impl LandscapePage<'_> {
    fn imports(&self) -> bool {
        self.page.role == "operator"
    }
}

/// What a page shows besides the map: a requirement check's answer (with the objects asked), a CSV import's report
/// (with its kind and text).
#[derive(Default)]
struct Answers<'a> {
    check: Option<(&'a Value, &'a str)>,
    import: Option<(&'a str, &'a str, &'a Value)>,
}

async fn render(
    s: &ConsoleState,
    signed: &Signed,
    shown: &Shown,
    answers: Answers<'_>,
    status: StatusCode,
) -> Response {
    let check = answers.check;
    let (systems, relations) = match tokio::try_join!(
        api::get(s, &signed.principal, "/api/v1/landscape/systems"),
        api::get(s, &signed.principal, "/api/v1/landscape/relations"),
    ) {
        Ok(r) => r,
        Err(f) => return unavailable(signed, "/landskab", f),
    };
    let system = if shown.system.is_empty() {
        systems[0]["id"].as_str().unwrap_or_default().to_owned()
    } else {
        shown.system.clone()
    };
    let transition = shown.view == "transition";
    let view = if transition { "transition" } else { "as-is" };
    let (mut map, mut impact) = (String::new(), String::new());
    if !system.is_empty() {
        let diagram = format!(
            "/api/v1/landscape/diagram{}",
            query(&[("system", &system), ("view", view), ("format", "svg")])
        );
        if let Ok(raw) = api::send(s, &signed.principal, Method::GET, &diagram, None).await {
            map = String::from_utf8_lossy(&raw.body)
                .trim_start_matches(|c| c != '<')
                .to_owned();
            // The writer's document prologue stays out of the page.
            if let Some(at) = map.find("<svg") {
                map = map[at..].to_owned();
            }
        }
        let path = format!(
            "/api/v1/landscape/impact{}",
            query(&[("system", &system), ("format", "text")])
        );
        if let Ok(raw) = api::send(s, &signed.principal, Method::GET, &path, None).await {
            impact = String::from_utf8_lossy(&raw.body).into_owned();
        }
    }
    let page = LandscapePage {
        page: Page::new(signed, "/landskab"),
        systems: J(&systems),
        relations: J(&relations),
        system: &system,
        transition,
        map,
        impact,
        check: check.map(|(v, _)| J(v)),
        objects: check.map_or("", |(_, o)| o),
        import: answers.import.map(|(k, t, v)| (k, t, J(v))),
    };
    html(status, page.render())
}

/// `GET /landskab?system=&view=as-is|transition`.
pub(crate) async fn page(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<Shown>) -> Response {
    render(&s, &signed, &q, Answers::default(), StatusCode::OK).await
}

/// `GET /landskab/kort.svg?system=&view=`: the map alone (to open or save).
pub(crate) async fn diagram(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<Shown>) -> Response {
    let view = if q.view == "transition" { "transition" } else { "as-is" };
    let path = format!(
        "/api/v1/landscape/diagram{}",
        query(&[("system", &q.system), ("view", view), ("format", "svg")])
    );
    match api::send(&s, &signed.principal, Method::GET, &path, None).await {
        Ok(raw) => ([(header::CONTENT_TYPE, raw.content_type)], raw.body).into_response(),
        Err(f) => unavailable(&signed, "/landskab", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct Check {
    #[serde(default)]
    system: String,
    #[serde(default)]
    objects: String,
}

/// `POST /landskab/krav`: KOMBIT's requirements for a system handling the given information objects.
pub(crate) async fn requirements(State(s): State<ConsoleState>, signed: Signed, Form(f): Form<Check>) -> Response {
    let objects: Vec<&str> = f.objects.split(',').map(str::trim).filter(|o| !o.is_empty()).collect();
    let body = json!({ "system": f.system, "information_objects": objects });
    let answer = match api::call(
        &s,
        &signed.principal,
        Method::POST,
        "/api/v1/landscape/requirements",
        Some(body),
    )
    .await
    {
        Ok(v) => v,
        Err(f) => json!({ "error": f.message }),
    };
    let shown = Shown {
        system: f.system.clone(),
        view: String::new(),
    };
    let answers = Answers {
        check: Some((&answer, &f.objects)),
        import: None,
    };
    render(&s, &signed, &shown, answers, StatusCode::OK).await
}

/// `POST /landskab/import?csrf=`: a CSV file (dropped or chosen) or the text of one, of `kind` (systems, relations
/// or interfaces): checked first (a dry run: every row's outcome shown), stored when `apply` is sent with the text
/// the check showed.
pub(crate) async fn import(State(s): State<ConsoleState>, signed: Signed, form: axum::extract::Multipart) -> Response {
    let fields = match super::multipart_fields(form).await {
        Ok(f) => f,
        Err(e) => {
            let f = api::Failed::new(StatusCode::BAD_REQUEST, e);
            return unavailable(&signed, "/landskab", f);
        }
    };
    let text = |name: &str| {
        fields
            .get(name)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default()
    };
    let kind = match text("kind").as_str() {
        k @ ("systems" | "relations" | "interfaces") => k.to_owned(),
        _ => "systems".to_owned(),
    };
    // The file when one was given, else the text (the apply step sends the text the check showed).
    let csv = match fields
        .get("fil")
        .filter(|f| !f.bytes.is_empty() && f.file_name.is_some())
    {
        Some(f) => f.bytes.clone(),
        None => bytes::Bytes::from(text("csv").into_bytes()),
    };
    let apply = fields.contains_key("apply");
    let path = format!("/api/v1/landscape/import/{kind}?dry_run={}", !apply);
    let (status, answer) = match api::send(
        &s,
        &signed.principal,
        Method::POST,
        &path,
        Some(("text/csv", csv.clone())),
    )
    .await
    {
        Ok(raw) => (StatusCode::OK, serde_json::from_slice(&raw.body).unwrap_or(Value::Null)),
        // A refused import still reports its rows (422 with `rows` and `problems`): shown the same way.
        Err(f) if f.detail.get("rows").is_some() => (f.status, f.detail),
        Err(f) => (f.status, json!({ "error": f.message })),
    };
    let text = String::from_utf8_lossy(&csv).into_owned();
    let answers = Answers {
        check: None,
        import: Some((&kind, &text, &answer)),
    };
    render(&s, &signed, &Shown::default(), answers, status).await
}
