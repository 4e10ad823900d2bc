//! The console's static files, compiled into the binary: htmx (vendored from npm `htmx.org@2.0.11`, BSD-0, see
//! `assets/htmx-LICENSE.txt`) the stylesheet and the icon. Their names carry a version, so browsers may keep them a year.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) const HTMX: &str = "htmx-2.0.11.min.js";
/// The stylesheet's name changes with the package version (a new release is fetched afresh).
pub(crate) const CSS: &str = concat!("console-", env!("CARGO_PKG_VERSION"), ".css");

pub(crate) const ICON: &str = "icon-1.svg";

const FILES: &[(&str, &str, &[u8])] = &[
    (
        HTMX,
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx-2.0.11.min.js"),
    ),
    (
        CSS,
        "text/css; charset=utf-8",
        include_bytes!("../../assets/console.css"),
    ),
    (ICON, "image/svg+xml", include_bytes!("../../assets/icon.svg")),
];

/// `GET /assets/{file}`.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
