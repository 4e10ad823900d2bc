//! `snitflade admin tokens|whoami`: the admin API's own credentials — named API tokens, each authenticating its
//! holder as one role — and who the token in use authenticates.

use clap::Subcommand;
use clap::builder::PossibleValuesParser;
use reqwest::Method;
use serde_json::json;

use super::request::{Body, Request, json_body};

#[derive(Subcommand, Debug)]
pub(crate) enum TokenCommand {
    /// Create a token; the answer's `secret` is the only time the token itself is shown.
    Create {
        /// A name saying whose or what the token is (e.g. "sorø-løn").
        name: String,
        /// The role the token acts as.
        #[arg(long, value_parser = PossibleValuesParser::new(["operator", "municipality", "vendor", "auditor"]))]
        role: String,
        /// The kommunekode (municipality) or vendor id (vendor) [default for a municipality's or vendor's own
        /// token: its own].
        #[arg(long)]
        scope: Option<String>,
        /// An RFC 3339 time, a duration (30s, 15m, 12h, 90d) or "never" [server default: 90d].
        #[arg(long)]
        expires: Option<String>,
    },
    /// The tokens in your scope, newest first, with their last use (never their secret).
    List,
    /// Revoke a token: refused from the next request on.
    Revoke {
        /// The token's id (not its secret).
        id: String,
    },
}

impl TokenCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::Create {
                name,
                role,
                scope,
                expires,
            } => Request::new(
                Method::POST,
                "/api/v1/tokens",
                &[],
                json_body(json!({"name": name, "role": role, "scope": scope, "expires": expires})),
            ),
            Self::List => Request::get("/api/v1/tokens", &[]),
            Self::Revoke { id } => Request::new(Method::DELETE, "/api/v1/tokens/{id}", &[id], Body::None),
        }
    }
}

/// `whoami`: the principal, role and scope of the token in use.
pub(crate) fn whoami() -> Request {
    Request::get("/api/v1/whoami", &[])
}
