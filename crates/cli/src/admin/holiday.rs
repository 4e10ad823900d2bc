//! `snitflade admin holiday-transfers`: an employee's holiday transfers (overførsel af ferie) — days moved to the
//! next holiday year by a written agreement (Ferieloven §21) or because a hindrance kept the employee from taking
//! them (§22); the quotas and the FERIE export show what moves.

use clap::Subcommand;
use clap::builder::PossibleValuesParser;
use jiff::civil::Date;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;
use snitflade_domain::{Kommunekode, Pernr};

use super::args::parse_pernr;
use super::request::{Body, Request, json_body, text};
use crate::zlpe::parse_municipality;

const ROUTE: &str = "/api/v1/municipalities/{code}/employees/{pernr}/holiday-transfers";

#[derive(Subcommand, Debug)]
pub(crate) enum HolidayTransferCommand {
    /// The employee's transfers, each with the days the rules move (`moved_days`).
    List {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The employee's personnel number.
        #[arg(value_parser = parse_pernr)]
        pernr: Pernr,
    },
    /// Register a transfer to the next holiday year (one per holiday year and reason).
    Add {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The employee's personnel number.
        #[arg(value_parser = parse_pernr)]
        pernr: Pernr,
        /// The holiday year the days come from, by the year it starts (2025 = 2025/26).
        #[arg(long)]
        holiday_year: i16,
        /// agreement: a written agreement on days beyond 4 weeks (§21); hindrance: days of the first 4 weeks the
        /// employee was kept from taking (§22).
        #[arg(long, value_parser = PossibleValuesParser::new(["agreement", "hindrance"]))]
        reason: String,
        /// Days, e.g. 5 or 2.5.
        #[arg(long)]
        days: Decimal,
        /// The agreement's date, yyyy-mm-dd (agreements only, and required for them).
        #[arg(long)]
        agreed_on: Option<Date>,
        /// A note kept with the transfer (at most 200 characters).
        #[arg(long)]
        note: Option<String>,
    },
    /// Remove a transfer.
    Remove {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The employee's personnel number.
        #[arg(value_parser = parse_pernr)]
        pernr: Pernr,
        /// The transfer's id.
        id: String,
    },
}

impl HolidayTransferCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::List { municipality, pernr } => Request::get(ROUTE, &[&municipality.to_string(), &pernr.to_string()]),
            Self::Add {
                municipality,
                pernr,
                holiday_year,
                reason,
                days,
                agreed_on,
                note,
            } => Request::new(
                Method::POST,
                ROUTE,
                &[&municipality.to_string(), &pernr.to_string()],
                json_body(json!({
                    "holiday_year": holiday_year, "reason": reason, "days": days.to_string(),
                    "agreed_on": text(agreed_on), "note": note,
                })),
            ),
            Self::Remove {
                municipality,
                pernr,
                id,
            } => Request::new(
                Method::DELETE,
                "/api/v1/municipalities/{code}/employees/{pernr}/holiday-transfers/{id}",
                &[&municipality.to_string(), &pernr.to_string(), id],
                Body::None,
            ),
        }
    }
}
