//! `snitflade admin price-list|invoices`: what access costs — the price list orders are priced by, and the fees of
//! one period per municipality.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jiff::civil::Date;
use reqwest::Method;
use snitflade_domain::Kommunekode;

use super::request::{Body, Request, text};
use crate::zlpe::parse_municipality;

#[derive(Subcommand, Debug)]
pub(crate) enum PriceListCommand {
    /// The price list in force.
    Show,
    /// Set a new price list version from a JSON file (the shape `price-list show` prints; its `version` is ignored).
    Set {
        /// The JSON file (`-`: standard input).
        file: PathBuf,
    },
}

impl PriceListCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        match self {
            Self::Show => Request::get("/api/v1/price-list", &[]),
            Self::Set { file } => Request::new(
                Method::PUT,
                "/api/v1/price-list",
                &[],
                Body::PriceList(file.clone(), actor.clone()),
            ),
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct InvoiceArgs {
    /// The billing period, yyyy-mm.
    #[arg(long, value_parser = parse_period)]
    period: String,
    /// The municipality's code (e.g. 0751 or 751) [default: every municipality].
    #[arg(long, value_parser = parse_municipality)]
    municipality: Option<Kommunekode>,
    /// CSV instead of JSON.
    #[arg(long)]
    csv: bool,
}

impl InvoiceArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/invoices", &[]).query([
            ("period", Some(self.period.clone())),
            ("municipality", text(&self.municipality)),
            ("format", self.csv.then(|| "csv".to_owned())),
        ])
    }
}

/// A billing period, `yyyy-mm`.
fn parse_period(s: &str) -> Result<String, String> {
    let ok = s.len() == 7 && s.as_bytes()[4] == b'-' && format!("{s}-01").parse::<Date>().is_ok();
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!("{s:?} is not a period yyyy-mm"))
    }
}
