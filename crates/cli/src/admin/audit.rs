//! `snitflade admin audit|audit-admin`: the two audit logs — reads and writes of personal data through the
//! services, and the admin actions.

use clap::Args;
use snitflade_domain::{Kommunekode, Pernr};

use super::args::{interface_ids, parse_pernr};
use super::request::{Request, text};
use crate::zlpe::parse_municipality;

#[derive(Args, Debug)]
pub(crate) struct AuditArgs {
    /// The municipality's code (e.g. 0751 or 751).
    #[arg(long, value_parser = parse_municipality)]
    municipality: Option<Kommunekode>,
    /// The calling system's name.
    #[arg(long)]
    system: Option<String>,
    /// The interface called.
    #[arg(long, value_parser = interface_ids())]
    interface: Option<String>,
    /// The employee's personnel number.
    #[arg(long, value_parser = parse_pernr)]
    pernr: Option<Pernr>,
    /// The earliest entry (yyyy-mm-dd or RFC 3339, passed on as given).
    #[arg(long)]
    from: Option<String>,
    /// The latest entry (yyyy-mm-dd or RFC 3339, passed on as given).
    #[arg(long)]
    to: Option<String>,
    /// At most this many entries [server default: 100].
    #[arg(long)]
    limit: Option<u32>,
}

impl AuditArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/audit", &[]).query([
            ("municipality", text(&self.municipality)),
            ("system", self.system.clone()),
            ("interface", self.interface.clone()),
            ("pernr", text(&self.pernr)),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("limit", text(&self.limit)),
        ])
    }
}

#[derive(Args, Debug)]
pub(crate) struct AdminAuditArgs {
    /// At most this many entries.
    #[arg(long)]
    limit: Option<u32>,
    /// Only actions on this kind of object (e.g. vendor, system, order).
    #[arg(long)]
    object_type: Option<String>,
}

impl AdminAuditArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/audit/admin", &[])
            .query([("limit", text(&self.limit)), ("object_type", self.object_type.clone())])
    }
}
