//! `snitflade admin health|ready|metrics|openapi`: the admin listener's open routes, which need no token — liveness,
//! readiness, the Prometheus metrics, and the OpenAPI document describing every route.

use std::path::PathBuf;

use clap::Args;

use super::request::Request;

/// `health`: 200 while the process runs.
pub(crate) fn health() -> Request {
    Request::get("/healthz", &[]).open()
}

/// `ready`: 200 when the database takes writes (and RabbitMQ is connected, when configured); else exit code 1.
pub(crate) fn ready() -> Request {
    Request::get("/readyz", &[]).open()
}

/// `metrics`: the Prometheus text format.
pub(crate) fn metrics() -> Request {
    Request::get("/metrics", &[]).open()
}

#[derive(Args, Debug)]
pub(crate) struct OpenApiArgs {
    /// Write the document to this file instead of stdout.
    #[arg(short = 'o', long = "out")]
    pub(crate) out: Option<PathBuf>,
}

impl OpenApiArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/openapi.json", &[]).open()
    }
}
