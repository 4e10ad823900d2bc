//! `snitflade admin employee-locks`: employees locked for payroll changes — a one-time payment for one is refused
//! with KMD's code 138 ("Medarbejderen er låst") until the lock is lifted.

use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use snitflade_domain::{Kommunekode, Pernr};

use super::args::parse_pernr;
use super::request::{Body, Request, json_body};
use crate::zlpe::parse_municipality;

#[derive(Subcommand, Debug)]
pub(crate) enum LockCommand {
    /// The municipality's locked employees, with the reason and who locked them.
    List {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
    },
    /// Lock an employee for payroll changes (locking again replaces the reason).
    Lock {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The employee's personnel number.
        #[arg(value_parser = parse_pernr)]
        pernr: Pernr,
        /// Why (1-200 characters), shown with the lock.
        #[arg(long)]
        reason: String,
    },
    /// Lift an employee's lock.
    Unlock {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The employee's personnel number.
        #[arg(value_parser = parse_pernr)]
        pernr: Pernr,
    },
}

impl LockCommand {
    pub(crate) fn request(&self) -> Request {
        const ONE: &str = "/api/v1/municipalities/{code}/employee-locks/{pernr}";
        match self {
            Self::List { municipality } => Request::get(
                "/api/v1/municipalities/{code}/employee-locks",
                &[&municipality.to_string()],
            ),
            Self::Lock {
                municipality,
                pernr,
                reason,
            } => Request::new(
                Method::PUT,
                ONE,
                &[&municipality.to_string(), &pernr.to_string()],
                json_body(json!({ "reason": reason })),
            ),
            Self::Unlock { municipality, pernr } => Request::new(
                Method::DELETE,
                ONE,
                &[&municipality.to_string(), &pernr.to_string()],
                Body::None,
            ),
        }
    }
}
