//! `snitflade admin grants`: the grants in force — system × interface × municipality with an access level — and
//! granting one directly (outside an order, e.g. for a system a ZLPE import created).

use clap::Subcommand;
use jiff::civil::Date;
use reqwest::Method;
use serde_json::json;
use snitflade_domain::Kommunekode;

use super::args::{access_levels, interface_ids};
use super::request::{Request, json_body, text};
use crate::zlpe::parse_municipality;

#[derive(Subcommand, Debug)]
pub(crate) enum GrantCommand {
    /// The grants in your scope, with access level and period.
    List,
    /// Grant a system an interface in a municipality; in force from the next call.
    Add {
        /// The system's name.
        #[arg(long)]
        system: String,
        /// The interface granted.
        #[arg(long, value_parser = interface_ids())]
        interface: String,
        /// The municipality's code (e.g. 0340 or 340); it must be set up.
        #[arg(long, value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The access level [default: the interface's: read for medarbejderoplysninger and the read-only
        /// interfaces, read-write for the others].
        #[arg(long, value_parser = access_levels())]
        access: Option<String>,
        /// The first day, yyyy-mm-dd [server default: today].
        #[arg(long)]
        valid_from: Option<Date>,
        /// The last day, yyyy-mm-dd [default: open-ended].
        #[arg(long)]
        valid_to: Option<Date>,
    },
}

impl GrantCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::List => Request::get("/api/v1/grants", &[]),
            Self::Add {
                system,
                interface,
                municipality,
                access,
                valid_from,
                valid_to,
            } => Request::new(
                Method::POST,
                "/api/v1/grants",
                &[],
                json_body(json!({
                    "system": system, "interface": interface, "municipality": municipality.to_string(),
                    "access": access, "valid_from": text(valid_from), "valid_to": text(valid_to),
                })),
            ),
        }
    }
}
