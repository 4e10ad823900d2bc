//! `snitflade admin errors`: the error-handling table — requests and file lines that could not be processed, to
//! correct and resubmit, discard or mark resolved.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use reqwest::Method;

use super::request::{Body, Request, note_body, text};

/// The filters `list` and `counts` share.
#[derive(Args, Debug)]
pub(crate) struct ErrorFilter {
    /// Only errors in this state.
    #[arg(long, value_parser = PossibleValuesParser::new(["open", "resubmitted", "discarded", "resolved"]))]
    status: Option<String>,
    /// Only errors of this interface (e.g. engangsydelse, maskintimer).
    #[arg(long)]
    interface: Option<String>,
    /// Only errors of this municipality (e.g. 0340).
    #[arg(long)]
    municipality: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ErrorCommand {
    /// Errors, oldest first, filtered by any of the options.
    List {
        #[command(flatten)]
        filter: ErrorFilter,
        /// Only errors with this external id (the caller's message or registration id, an IND01 line's key).
        #[arg(long)]
        external_id: Option<String>,
        /// At most this many [server default: 1000, at most 10000].
        #[arg(long)]
        limit: Option<u32>,
        /// Skip this many first (for paging).
        #[arg(long)]
        offset: Option<u32>,
    },
    /// How many errors there are per municipality, interface and status, filtered by any of the options.
    Counts {
        #[command(flatten)]
        filter: ErrorFilter,
    },
    /// One error with its payload and history.
    Show {
        /// The error's id.
        id: String,
    },
    /// Resubmit an error's payload — as stored, or corrected — through the interface it came from.
    Resubmit {
        /// The error's id.
        id: String,
        /// A JSON file with the corrected payload (the whole payload, or the fields to replace); without it the
        /// stored payload is resubmitted as it is.
        #[arg(long, value_name = "FILE")]
        payload: Option<PathBuf>,
        /// A note kept with the error.
        #[arg(long)]
        note: Option<String>,
    },
    /// Drop an error: it will not be processed.
    Discard {
        /// The error's id.
        id: String,
        /// Why it is dropped, kept with the error.
        #[arg(long)]
        note: Option<String>,
    },
    /// Mark an error as handled outside snitflade.
    Resolve {
        /// The error's id.
        id: String,
        /// How it was handled, kept with the error.
        #[arg(long)]
        note: Option<String>,
    },
}

impl ErrorCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::List {
                filter,
                external_id,
                limit,
                offset,
            } => Request::get("/api/v1/errors", &[]).query([
                ("status", filter.status.clone()),
                ("interface", filter.interface.clone()),
                ("municipality", filter.municipality.clone()),
                ("external_id", external_id.clone()),
                ("limit", text(limit)),
                ("offset", text(offset)),
            ]),
            Self::Counts { filter } => Request::get("/api/v1/errors/counts", &[]).query([
                ("status", filter.status.clone()),
                ("interface", filter.interface.clone()),
                ("municipality", filter.municipality.clone()),
            ]),
            Self::Show { id } => Request::get("/api/v1/errors/{id}", &[id]),
            Self::Resubmit { id, payload, note } => Request::new(
                Method::POST,
                "/api/v1/errors/{id}/resubmit",
                &[id],
                match payload {
                    Some(file) => Body::Payload(file.clone(), note.clone()),
                    None => note_body(note),
                },
            ),
            Self::Discard { id, note } => {
                Request::new(Method::POST, "/api/v1/errors/{id}/discard", &[id], note_body(note))
            }
            Self::Resolve { id, note } => {
                Request::new(Method::POST, "/api/v1/errors/{id}/resolve", &[id], note_body(note))
            }
        }
    }
}
