//! What a service answers: an HTTP status and a SOAP envelope (a response or a fault).

use crate::spool::Spooled;
use snitflade_access::Denied;
use snitflade_soap::{EMPTY_RESPONSE, Fault};
use snitflade_store::StoreError;
use snitflade_store::retry::RepeatLog;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapReply {
    pub status: u16,
    pub body: String,
    /// Part of the answer kept in a file ([`crate::spool`]), to be sent at byte `.0` of `body`.
    pub spooled: Option<(usize, Spooled)>,
}

impl SoapReply {
    pub fn ok(body: String) -> Self {
        Self {
            status: 200,
            body,
            spooled: None,
        }
    }

    /// A 200 answer whose middle is in a file: `frame` up to byte `at`, the file, then the rest of `frame`.
    pub fn ok_spooled(frame: String, at: usize, spooled: Spooled) -> Self {
        debug_assert!(frame.is_char_boundary(at));
        Self {
            status: 200,
            body: frame,
            spooled: Some((at, spooled)),
        }
    }

    /// The empty SOAP body SAP PI answers an accepted asynchronous message with.
    pub fn accepted() -> Self {
        Self::ok(EMPTY_RESPONSE.to_owned())
    }

    /// A SOAP 1.1 fault: HTTP 500, as the SOAP HTTP binding requires.
    pub fn fault(fault: Fault) -> Self {
        Self {
            status: 500,
            body: fault.to_xml(),
            spooled: None,
        }
    }

    /// A `Client` fault with a Danish text.
    pub fn client_fault(text: impl Into<String>) -> Self {
        Self::fault(Fault::client(text))
    }

    /// An internal failure: no detail leaks to the client.
    pub fn server_error() -> Self {
        Self::fault(Fault::server("Intern fejl i snitflade; forsøg igen senere"))
    }

    /// Access refused: HTTP 403 with a `Client` fault naming what is missing.
    pub fn denied(d: &Denied) -> Self {
        Self {
            status: 403,
            body: Fault::client(d.to_string()).to_xml(),
            spooled: None,
        }
    }

    /// A body over the size limit: HTTP 413 with a `Client` fault.
    pub fn too_large(limit: usize) -> Self {
        Self {
            status: 413,
            body: Fault::client(format!("Beskeden er for stor (højst {limit} bytes)")).to_xml(),
            spooled: None,
        }
    }
}

/// Logs (at debug: one line per refused request) and counts an access refusal of a call to `interface`, in
/// `snitflade_access_denied_total{interface, reason}`.
pub fn note_refusal(system: Option<&str>, interface: snitflade_domain::InterfaceId, d: &Denied) {
    tracing::debug!(system, %interface, reason = %d, "access refused");
    metrics::counter!("snitflade_access_denied_total", "interface" => interface.as_str(), "reason" => d.reason())
        .increment(1);
}

/// Logs a request's storage failure. While the database cannot be reached every request fails the same way, so
/// those failures share one rate-limited line ([`RepeatLog`]) instead of one line per request; any other failure
/// points at a fault of its own and is logged each time.
pub fn log_store_failure(what: &str, e: &StoreError) {
    static UNAVAILABLE: RepeatLog = RepeatLog::new("answering requests while the database is unavailable");
    if e.is_unavailable() {
        UNAVAILABLE.failed(&format_args!("{what}: {e}"));
    } else {
        tracing::error!(error = %e, "{what} failed");
    }
}

/// A storage failure: logged (see [`log_store_failure`]), answered with a `Server` fault that names nothing.
pub fn store_failed(what: &str, e: &StoreError) -> SoapReply {
    log_store_failure(what, e);
    SoapReply::server_error()
}
