//! `snitflade admin orders|standard-integrations`: the agreements behind access — standard integration agreements,
//! and orders of access (the contract addendum) with their steps and their closing.

use clap::Subcommand;
use clap::builder::PossibleValuesParser;
use jiff::civil::Date;
use reqwest::Method;
use serde_json::json;
use snitflade_domain::Kommunekode;

use super::args::{interface_ids, parse_access};
use super::request::{Request, text, write_body};
use crate::zlpe::parse_municipality;

/// The order states, in order (the wire names of `snitflade_domain::orders::OrderState`; a test keeps them so).
pub(crate) const STATES: [&str; 8] = [
    "proposed",
    "clarified",
    "certificates_clarified",
    "addendum_signed",
    "delivery_ordered",
    "access_set_up",
    "notified",
    "cancelled",
];

#[derive(Subcommand, Debug)]
pub(crate) enum StandardIntegrationCommand {
    /// All standard integrations.
    List,
    /// Register a standard integration agreement.
    Add {
        /// The Standardintegration ID, e.g. SI-0042.
        #[arg(long)]
        id: String,
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
        /// The system's name.
        #[arg(long)]
        system: String,
        /// An interface id; repeat the option (or separate by commas) for more.
        #[arg(long = "interface", required = true, value_delimiter = ',', value_parser = interface_ids())]
        interfaces: Vec<String>,
        /// The agreed certificate's fingerprint.
        #[arg(long)]
        certificate: String,
    },
}

impl StandardIntegrationCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        match self {
            Self::List => Request::get("/api/v1/standard-integrations", &[]),
            Self::Add {
                id,
                vendor,
                system,
                interfaces,
                certificate,
            } => Request::new(
                Method::POST,
                "/api/v1/standard-integrations",
                &[],
                write_body(
                    actor,
                    json!({
                        "id": id, "vendor": vendor, "system": system, "interfaces": interfaces,
                        "certificate": certificate,
                    }),
                ),
            ),
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum OrderCommand {
    /// Orders, optionally filtered.
    List {
        /// The municipality's code (e.g. 0751 or 751).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
        /// The system's name.
        #[arg(long)]
        system: Option<String>,
        /// Only orders in this state.
        #[arg(long, value_parser = PossibleValuesParser::new(STATES))]
        state: Option<String>,
    },
    /// One order with its steps and cost.
    Show {
        /// The order's id.
        id: String,
    },
    /// Propose an order (state proposed).
    Create {
        /// The municipality's code (e.g. 0751 or 751).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The system's name.
        #[arg(long)]
        system: String,
        /// An interface id; repeat the option (or separate by commas) for more.
        #[arg(long = "interface", required_unless_present = "package", value_delimiter = ',', value_parser = interface_ids())]
        interfaces: Vec<String>,
        /// An interface's access level, `<interface>=read` or `<interface>=read-write`; repeatable [default: read
        /// for medarbejderoplysninger and the read-only interfaces, read-write for the others].
        #[arg(long = "access", value_parser = parse_access)]
        access: Vec<(String, String)>,
        /// An integration package instead of single interfaces.
        #[arg(long)]
        package: bool,
        /// The standard integration's id [default: none, an individual integration].
        #[arg(long)]
        standard_integration: Option<String>,
        /// The certificate's fingerprint.
        #[arg(long)]
        certificate: Option<String>,
        /// The first day of access, yyyy-mm-dd.
        #[arg(long)]
        valid_from: Option<Date>,
        /// A note recorded with the step.
        #[arg(long)]
        note: Option<String>,
    },
    /// Take the order's next step.
    Advance {
        /// The order's id.
        id: String,
        /// The state to move to.
        #[arg(value_parser = PossibleValuesParser::new(STATES))]
        to: String,
        /// With `clarified`: an interface the customer's contract covers; repeatable.
        #[arg(long, value_delimiter = ',', value_parser = interface_ids())]
        covered: Vec<String>,
        /// The certificate's fingerprint.
        #[arg(long)]
        certificate: Option<String>,
        /// A note recorded with the step.
        #[arg(long)]
        note: Option<String>,
    },
    /// Cancel an order (before access is set up): advance to `cancelled`.
    Cancel {
        /// The order's id.
        id: String,
        /// A note recorded with the step.
        #[arg(long)]
        note: Option<String>,
    },
    /// Close an order normally: its grants end and its running fees stop on --on.
    Close {
        /// The order's id.
        id: String,
        /// The last day, yyyy-mm-dd [server default: today].
        #[arg(long)]
        on: Option<Date>,
        /// Why the order is closed, recorded with it.
        #[arg(long)]
        reason: Option<String>,
    },
}

impl OrderCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        let write = |fields| write_body(actor, fields);
        match self {
            Self::List {
                municipality,
                system,
                state,
            } => Request::get("/api/v1/orders", &[]).query([
                ("municipality", text(municipality)),
                ("system", system.clone()),
                ("state", state.clone()),
            ]),
            Self::Show { id } => Request::get("/api/v1/orders/{id}", &[id]),
            Self::Create {
                municipality,
                system,
                interfaces,
                access,
                package,
                standard_integration,
                certificate,
                valid_from,
                note,
            } => Request::new(
                Method::POST,
                "/api/v1/orders",
                &[],
                write(json!({
                    "municipality": municipality.to_string(), "system": system, "interfaces": interfaces,
                    "access": (!access.is_empty())
                        .then(|| access.iter().cloned().collect::<std::collections::BTreeMap<_, _>>()),
                    "package": package, "standard_integration": standard_integration, "certificate": certificate,
                    "valid_from": text(valid_from), "note": note,
                })),
            ),
            Self::Advance {
                id,
                to,
                covered,
                certificate,
                note,
            } => Request::new(
                Method::POST,
                "/api/v1/orders/{id}/advance",
                &[id],
                write(json!({
                    "to": to, "covered_by_contract": (!covered.is_empty()).then_some(covered),
                    "certificate": certificate, "note": note,
                })),
            ),
            Self::Cancel { id, note } => Request::new(
                Method::POST,
                "/api/v1/orders/{id}/advance",
                &[id],
                write(json!({"to": "cancelled", "note": note})),
            ),
            Self::Close { id, on, reason } => Request::new(
                Method::POST,
                "/api/v1/orders/{id}/close",
                &[id],
                write(json!({"on": text(on), "reason": reason})),
            ),
        }
    }
}
