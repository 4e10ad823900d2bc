//! `snitflade admin vendors|municipalities`: the parties of the access lifecycle — the vendors behind the external
//! systems and the municipalities (the customers).

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::json;
use snitflade_domain::Kommunekode;

use super::request::{Request, write_body};
use crate::zlpe::parse_municipality;

/// A vendor's fields: all required, by POST and PUT alike.
#[derive(Args, Debug)]
pub(crate) struct VendorFields {
    /// The company's name.
    #[arg(long)]
    name: String,
    /// The company's CVR number (8 digits); its systems' certificates must carry the same.
    #[arg(long)]
    cvr: String,
    /// The contact person's name.
    #[arg(long)]
    contact_name: String,
    /// The contact person's phone number.
    #[arg(long)]
    contact_phone: String,
    /// The contact person's e-mail address.
    #[arg(long)]
    contact_email: String,
}

#[derive(Subcommand, Debug)]
pub(crate) enum VendorCommand {
    /// All vendors.
    List,
    /// Register a vendor (refused if one with the CVR exists).
    Add(VendorFields),
    /// One vendor.
    Show {
        /// The vendor's id.
        id: String,
    },
    /// Replace a vendor's fields (all of them are given again).
    Update {
        /// The vendor's id.
        id: String,
        #[command(flatten)]
        fields: VendorFields,
    },
}

impl VendorCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        let body = |f: &VendorFields| {
            write_body(
                actor,
                json!({
                    "name": f.name, "cvr": f.cvr,
                    "contact_name": f.contact_name, "contact_phone": f.contact_phone, "contact_email": f.contact_email,
                }),
            )
        };
        match self {
            Self::List => Request::get("/api/v1/vendors", &[]),
            Self::Add(f) => Request::new(Method::POST, "/api/v1/vendors", &[], body(f)),
            Self::Show { id } => Request::get("/api/v1/vendors/{id}", &[id]),
            Self::Update { id, fields } => Request::new(Method::PUT, "/api/v1/vendors/{id}", &[id], body(fields)),
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum MunicipalityCommand {
    /// All municipalities.
    List,
    /// Create or update a municipality.
    Set {
        /// The municipality's code (e.g. 0751 or 751).
        #[arg(value_parser = parse_municipality)]
        code: Kommunekode,
        /// The municipality's name.
        #[arg(long)]
        name: String,
        /// The municipality's CVR number.
        #[arg(long)]
        cvr: String,
        /// The contact person's name.
        #[arg(long)]
        contact_name: Option<String>,
        /// The contact person's phone number.
        #[arg(long)]
        contact_phone: Option<String>,
        /// The contact person's e-mail address.
        #[arg(long)]
        contact_email: Option<String>,
    },
}

impl MunicipalityCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        match self {
            Self::List => Request::get("/api/v1/municipalities", &[]),
            Self::Set {
                code,
                name,
                cvr,
                contact_name,
                contact_phone,
                contact_email,
            } => Request::new(
                Method::PUT,
                "/api/v1/municipalities/{code}",
                &[&code.to_string()],
                write_body(
                    actor,
                    json!({
                        "name": name, "cvr": cvr,
                        "contact_name": contact_name, "contact_phone": contact_phone, "contact_email": contact_email,
                    }),
                ),
            ),
        }
    }
}
