//! Engangsydelser (interface id `engangsydelse`): the JSON web service for one-time payments,
//! `POST /lpe/update-onetime-payments` and `POST /lpe/read-onetime-payments` on the services listener, and the
//! legacy IND01 file it replaces (`snitflade import ind01`).
//!
//! - [`request`] reads the JSON the clients send (field names as in `reference/README.md`);
//! - [`update`] validates a request's payments all-or-nothing and registers them (`Kun_Valider: "1"` only
//!   validates; `OpdateringsID` makes a resend answer the first answer again);
//! - [`read`] answers an employee's payments in a `VirkningFilter` period;
//! - [`answer`] builds the answers: `Header` with `Status`, and `Meddelelse` entries with KMD's codes (119, 138,
//!   151, 167) or snitflade's own (9xx, listed in the README);
//! - [`ind01`] imports an IND01 file through the same rules.
//!
//! The calling system's certificate must hold the `engangsydelse` grant for the municipality named by
//! `Header.ClientID`, of level `read-write` for an update (HTTP 403 otherwise).

mod answer;
pub mod ind01;
mod read;
mod request;
mod update;

pub use answer::JsonReply;

use crate::dispatch::Services;
use answer::Message;
use snitflade_access::SystemInfo;
use snitflade_domain::InterfaceId;
use snitflade_domain::maskintimer::copenhagen_day;

/// Most payments in one update.
pub const MAX_ITEMS: usize = 999;

/// The outbox event of each registered payment.
pub const EVENT_REGISTERED: &str = "onetime_payment.registered";

/// The idempotency table's interface name.
const INTERFACE: InterfaceId = InterfaceId::Engangsydelse;

/// The two operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Update,
    Read,
}

impl Operation {
    /// The operation served at `path` (`/lpe/update-onetime-payments`, `/lpe/read-onetime-payments`).
    pub fn from_path(path: &str) -> Option<Self> {
        [Self::Update, Self::Read].into_iter().find(|op| op.path() == path)
    }

    /// `update` or `read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Update => "update",
            Self::Read => "read",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Update => "/lpe/update-onetime-payments",
            Self::Read => "/lpe/read-onetime-payments",
        }
    }

    /// The operation in the access table: what access level it needs.
    pub fn access(self) -> &'static snitflade_domain::access_level::Operation {
        snitflade_domain::access_level::operation(self.path(), None).expect("both paths are in the access table")
    }
}

impl Services {
    /// Handles one Engangsydelser call from `system`.
    pub async fn handle_onetime_payments(&self, op: Operation, system: &SystemInfo, body: &[u8]) -> JsonReply {
        let now = jiff::Timestamp::now();
        let reply = self.onetime_payments(op, system, body, now).await;
        metrics::counter!("snitflade_json_requests_total",
            "interface" => INTERFACE.as_str(), "operation" => op.as_str(), "status" => reply.status.to_string())
        .increment(1);
        reply
    }

    async fn onetime_payments(
        &self,
        op: Operation,
        system: &SystemInfo,
        body: &[u8],
        now: jiff::Timestamp,
    ) -> JsonReply {
        let day = copenhagen_day(now);
        if let Err(d) = self.access().admit(system, op.access(), day) {
            self.note_refusal(system, INTERFACE, &d, day);
            return denied(&d, now);
        }
        if body.len() > self.config().max_body_bytes {
            return JsonReply::refused(
                413,
                now,
                Message::error(
                    now,
                    900,
                    format!("Anmodningen er for stor (højst {} bytes)", self.config().max_body_bytes),
                ),
            );
        }
        let parsed = match request::Envelope::parse(body, op) {
            Ok(p) => p,
            Err(m) => return JsonReply::refused(400, now, Message::error(now, m.code, m.text)),
        };
        let municipality = match self.authorize(system, op.access(), Some(parsed.municipality), day) {
            Ok(m) => m,
            Err(d) => return denied(&d, now),
        };
        // Keys the operation does not know, once the caller may use the municipality at all.
        let unknown = parsed.unknown_keys();
        if !unknown.is_empty() {
            let messages = unknown
                .into_iter()
                .map(|m| Message::error(now, m.code, m.text))
                .collect();
            return JsonReply::refused_all(400, now, messages);
        }
        match op {
            Operation::Update => update::handle(self, system, municipality, parsed, now).await,
            Operation::Read => read::handle(self, system, municipality, parsed, now).await,
        }
    }
}

/// The 403 of a refused access check (logged and counted by `Services::note_refusal`).
fn denied(d: &snitflade_access::Denied, now: jiff::Timestamp) -> JsonReply {
    JsonReply::refused(403, now, Message::error(now, 403, d.to_string()))
}
