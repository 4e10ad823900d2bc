//! `snitflade admin payroll-catalogue|absence-types|document-types`: a municipality's catalogues, each shown and
//! replaced whole — the payroll catalogue (wage types, cost centres, PSP elements) that Engangsydelser and IND01
//! check against, the absence types Opret fravær accepts, and Personalemappe's document types with their KLE
//! folders. What `show` prints is what `set` takes, so a catalogue is changed by editing the shown file.

use std::path::PathBuf;

use clap::Subcommand;
use reqwest::Method;
use snitflade_domain::Kommunekode;

use super::request::{Body, Request};
use crate::zlpe::parse_municipality;

/// The route of each catalogue, by its command.
pub(crate) const PAYROLL: &str = "/api/v1/municipalities/{code}/payroll-catalogue";
pub(crate) const ABSENCE_TYPES: &str = "/api/v1/municipalities/{code}/absence-types";
pub(crate) const DOCUMENT_TYPES: &str = "/api/v1/municipalities/{code}/document-types";

#[derive(Subcommand, Debug)]
pub(crate) enum CatalogueCommand {
    /// The catalogue in force in the municipality (the built-in one until it is replaced).
    Show {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
    },
    /// Replace the municipality's catalogue with a JSON file in the shape `show` prints; the server checks it as a
    /// whole and answers the catalogue stored. What is registered keeps its codes.
    Set {
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The JSON file (`-`: standard input).
        file: PathBuf,
    },
}

impl CatalogueCommand {
    /// The request on the catalogue at `route` (one of the constants above).
    pub(crate) fn request(&self, route: &'static str) -> Request {
        match self {
            Self::Show { municipality } => Request::get(route, &[&municipality.to_string()]),
            Self::Set { municipality, file } => Request::new(
                Method::PUT,
                route,
                &[&municipality.to_string()],
                Body::JsonFile(file.clone()),
            ),
        }
    }
}
