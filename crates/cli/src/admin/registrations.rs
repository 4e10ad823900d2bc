//! `snitflade admin registrations`: the machine-hours registrations (Maskintimer) snitflade accepted.

use clap::Args;

use super::request::{Request, text};

#[derive(Args, Debug)]
pub(crate) struct RegistrationArgs {
    /// Only the registration with this EX_IDENT (the caller's registration id).
    #[arg(long)]
    ex_ident: Option<String>,
    /// Only registrations after this EX_IDENT (for paging; they are ordered by it).
    #[arg(long)]
    after: Option<String>,
    /// At most this many [server default: 1000, at most 10000].
    #[arg(long)]
    limit: Option<u32>,
}

impl RegistrationArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/maskintimer/registrations", &[]).query([
            ("ex_ident", self.ex_ident.clone()),
            ("after", self.after.clone()),
            ("limit", text(&self.limit)),
        ])
    }
}
