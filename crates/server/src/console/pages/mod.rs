//! One module per console page, named after it; each reads and acts through the admin API (`super::api`) as the
//! signed-in person and renders its template. What they share is here: the answer to a refused read, the
//! redirect after a change, and the notices such a redirect can carry.

pub(crate) mod access;
pub(crate) mod audit;
pub(crate) mod beskedfordeler;
pub(crate) mod errors;
pub(crate) mod landscape;
pub(crate) mod overview;
pub(crate) mod users;

use super::api::Failed;
use super::session::Signed;
use super::view::{Page, html};
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    page: Page,
    title: &'static str,
}

/// A read the page needs was refused (403/404 with the API's reason) or failed.
pub(crate) fn unavailable(signed: &Signed, current: &'static str, f: Failed) -> Response {
    let t = signed.lang;
    let title = match f.status {
        StatusCode::FORBIDDEN => t.s("Du har ikke adgang til denne side."),
        StatusCode::NOT_FOUND => t.s("Findes ikke."),
        _ => t.s("Handlingen blev afvist:"),
    };
    let page = Page::new(signed, current).refused(f.message);
    html(f.status, Message { page, title }.render())
}

/// After a change: back to `to` (303), with the notice `ok` names.
pub(crate) fn done(to: &str, ok: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("{to}{sep}ok={ok}"))]).into_response()
}

/// The notices a redirect after a change can carry (`?ok=<code>`), in Danish (the English table has them).
pub(crate) const NOTICES: &[(&str, &str)] = &[
    ("genindsendt", "Genindsendt."),
    ("afvist", "Afvist."),
    ("loest", "Markeret som løst."),
    ("trin", "Trinnet er udført."),
    ("ordre", "Ordren er oprettet."),
    ("lukket", "Systemets adgang er lukket."),
    ("certifikat", "Certifikatet er tilføjet."),
    ("opstartspakke", "Opstartspakken er givet."),
    ("ordre-lukket", "Ordren er lukket."),
    ("abonnement", "Abonnementet er oprettet."),
    ("tilbagekaldt", "Nøglen er tilbagekaldt."),
    ("genkoet", "Sat i kø igen."),
    ("bruger", "Personen er oprettet."),
    ("deaktiveret", "Personen er deaktiveret."),
];

/// The notice `?ok=<code>` names, if any.
pub(crate) fn notice(code: Option<&str>) -> Option<&'static str> {
    let code = code?;
    NOTICES.iter().find(|(c, _)| *c == code).map(|(_, text)| *text)
}

/// The page's frame with the notice of `?ok=…`, if any.
pub(crate) fn frame(signed: &Signed, current: &'static str, ok: Option<&str>) -> Page {
    let page = Page::new(signed, current);
    match notice(ok) {
        Some(text) => {
            let text = signed.lang.s(text).to_owned();
            page.ok(text)
        }
        None => page,
    }
}

/// One field of a submitted multipart form: its file name (for a file) and its bytes.
pub(crate) struct Field {
    pub file_name: Option<String>,
    pub bytes: bytes::Bytes,
}

/// The fields of a multipart form (a file upload) by name; the reason when it cannot be read (too large, broken).
pub(crate) async fn multipart_fields(
    mut form: axum::extract::Multipart,
) -> Result<std::collections::HashMap<String, Field>, String> {
    let mut fields = std::collections::HashMap::new();
    while let Some(field) = form.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| e.body_text())?;
        fields.insert(name, Field { file_name, bytes });
    }
    Ok(fields)
}

/// Query parameters every page takes: the notice after a change.
#[derive(serde::Deserialize, Default)]
pub(crate) struct Ok_ {
    pub ok: Option<String>,
}
