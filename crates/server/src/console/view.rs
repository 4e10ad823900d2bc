//! What every console page hands its template: the frame (who is signed in, their language, the CSRF token, which
//! page is open, a notice) and [`J`], a view of the admin API's JSON that templates read field by field.

use super::session::Signed;
use super::texts::Lang;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::fmt;

/// The frame of a page.
pub(crate) struct Page {
    pub t: Lang,
    /// The person's name and principal (`municipality:0340`).
    pub person: String,
    pub principal: String,
    pub role: &'static str,
    pub csrf: String,
    /// The path of the open page (for the navigation's `aria-current`).
    pub current: &'static str,
    /// A notice shown above the page: (kind `ok`/`fejl`, text).
    pub notice: Option<(&'static str, String)>,
}

/// The navigation: (path, Danish title, roles that see it).
pub(crate) const NAV: &[(&str, &str, &[&str])] = &[
    ("/", "Overblik", &["operator", "municipality", "vendor", "auditor"]),
    ("/fejl", "Fejlhåndtering", &["operator", "municipality", "vendor"]),
    ("/adgang", "Adgang", &["operator", "municipality", "vendor"]),
    (
        "/beskedfordeler",
        "Beskedfordeler",
        &["operator", "municipality", "vendor"],
    ),
    ("/landskab", "Landskab", &["operator", "municipality"]),
    ("/revision", "Revision", &["operator", "municipality", "auditor"]),
    ("/brugere", "Brugere og nøgler", &["operator", "municipality", "vendor"]),
];

impl Page {
    pub(crate) fn new(signed: &Signed, current: &'static str) -> Page {
        Page {
            t: signed.lang,
            person: signed.name.clone(),
            principal: signed.principal.role.to_string(),
            role: signed.principal.role.kind().as_str(),
            csrf: signed.csrf.clone(),
            current,
            notice: None,
        }
    }

    /// The navigation entries this person's role sees.
    pub(crate) fn nav(&self) -> Vec<(&'static str, &'static str)> {
        NAV.iter()
            .filter(|(_, _, roles)| roles.contains(&self.role))
            .map(|(p, title, _)| (*p, self.t.s(title)))
            .collect()
    }

    pub(crate) fn ok(mut self, text: impl Into<String>) -> Page {
        self.notice = Some(("ok", text.into()));
        self
    }

    pub(crate) fn refused(mut self, text: impl Into<String>) -> Page {
        self.notice = Some(("fejl", text.into()));
        self
    }

    pub(crate) fn is(&self, path: &str) -> bool {
        self.current == path
    }

    pub(crate) fn css(&self) -> &'static str {
        super::assets::CSS
    }

    pub(crate) fn icon(&self) -> &'static str {
        super::assets::ICON
    }

    pub(crate) fn htmx(&self) -> &'static str {
        super::assets::HTMX
    }
}

/// A rendered template as the answer (a template that fails to render is a 500, logged).
pub(crate) fn html(status: StatusCode, rendered: askama::Result<String>) -> Response {
    match rendered {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>".to_owned())).into_response()
        }
    }
}

/// A view of a JSON value for templates: `{{ row.f("name") }}` shows a string as it is, a number or boolean as
/// written, null as nothing; `row.items()` walks an array, `row.fields()` an object.
#[derive(Clone, Copy)]
pub(crate) struct J<'a>(pub &'a Value);

static NULL: Value = Value::Null;

impl<'a> J<'a> {
    /// The field `key` of an object (null when absent).
    pub(crate) fn f(&self, key: &str) -> J<'a> {
        J(self.0.get(key).unwrap_or(&NULL))
    }

    pub(crate) fn items(&self) -> Vec<J<'a>> {
        self.0.as_array().map(|a| a.iter().map(J).collect()).unwrap_or_default()
    }

    /// The fields of an object in order: (name, value).
    pub(crate) fn fields(&self) -> Vec<(&'a str, J<'a>)> {
        self.0
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.as_str(), J(v))).collect())
            .unwrap_or_default()
    }

    /// Whether there is something to show (not null, false, "", [] or {}).
    pub(crate) fn is(&self) -> bool {
        match self.0 {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        }
    }

    pub(crate) fn eq(&self, s: &str) -> bool {
        self.0.as_str() == Some(s)
    }

    /// The value as indented JSON (a structured answer shown as it is).
    pub(crate) fn pretty(&self) -> String {
        serde_json::to_string_pretty(self.0).unwrap_or_default()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.as_array().map_or(0, Vec::len)
    }

    /// A time as `2026-12-07 09:14` (see [`local_time`]).
    pub(crate) fn time(&self) -> String {
        local_time(&self.to_string())
    }
}

/// An RFC 3339 time as Copenhagen's `2026-12-07 09:14`; other text as it is.
pub(crate) fn local_time(s: &str) -> String {
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => t
            .to_zoned(jiff::tz::TimeZone::get("Europe/Copenhagen").unwrap_or(jiff::tz::TimeZone::UTC))
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => s.to_owned(),
    }
}

impl fmt::Display for J<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Null => Ok(()),
            Value::String(s) => f.write_str(s),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_shown_plainly() {
        let v = json!({"a": "x<y", "n": 3, "z": null, "l": [1, 2], "at": "2026-07-01T10:00:00Z"});
        let j = J(&v);
        assert_eq!(j.f("a").to_string(), "x<y");
        assert_eq!(j.f("n").to_string(), "3");
        assert_eq!(j.f("z").to_string(), "");
        assert_eq!(j.f("missing").to_string(), "");
        assert!(!j.f("z").is() && j.f("l").is() && j.f("a").eq("x<y"));
        assert_eq!(j.f("l").items().len(), 2);
        assert_eq!(j.f("at").time(), "2026-07-01 12:00");
        assert_eq!(j.fields().len(), 5);
    }
}
