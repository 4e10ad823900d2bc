//! `snitflade admin traffic`: one day's calls and refusals per municipality, interface and calling system.

use clap::Args;

use super::request::Request;

#[derive(Args, Debug)]
pub(crate) struct TrafficArgs {
    /// The day (YYYY-MM-DD) [server default: today in Copenhagen].
    #[arg(long)]
    day: Option<String>,
    /// Only this municipality's calls (e.g. 0340).
    #[arg(long)]
    municipality: Option<String>,
}

impl TrafficArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/traffic", &[])
            .query([("day", self.day.clone()), ("municipality", self.municipality.clone())])
    }
}
