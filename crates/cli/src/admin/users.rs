//! `snitflade admin users`: the console's people — each signs in (password, optionally a TOTP code, or their
//! organisation's OpenID Connect provider) and acts as one role, like an API token.

use clap::Subcommand;
use clap::builder::PossibleValuesParser;
use reqwest::Method;
use serde_json::json;

use super::request::{Body, Request, Source, json_body};

#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
    /// Create a person; with --totp the answer's `totp_url` (for the authenticator app) is shown this once.
    Add {
        /// The name the person signs in with.
        name: String,
        /// The role the person acts as.
        #[arg(long, value_parser = PossibleValuesParser::new(["operator", "municipality", "vendor", "auditor"]))]
        role: String,
        /// The kommunekode (municipality) or vendor id (vendor) [default for a municipality's or vendor's own
        /// people: its own].
        #[arg(long)]
        scope: Option<String>,
        /// Read the password (12 to 256 characters) from the first line of standard input [needed unless the
        /// person signs in through OpenID Connect].
        #[arg(long, required_unless_present = "oidc_subject")]
        password_stdin: bool,
        /// Ask for a TOTP code after the password.
        #[arg(long, requires = "password_stdin")]
        totp: bool,
        /// The issuer of a configured OpenID Connect provider (`[[console.oidc]] issuer`) the person signs in
        /// through …
        #[arg(long, requires = "oidc_subject", value_name = "URL")]
        oidc_issuer: Option<String>,
        /// … as this subject (the `sub` of the provider's ID tokens).
        #[arg(long, requires = "oidc_issuer", value_name = "SUB")]
        oidc_subject: Option<String>,
    },
    /// The people in your scope (never their password hash or TOTP secret).
    List,
    /// Set a person's password (read from standard input); their console sessions end.
    Password {
        /// The person's id.
        id: String,
    },
    /// Disable a person; their console sessions end at once.
    Disable {
        /// The person's id.
        id: String,
    },
}

impl UserCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::Add {
                name,
                role,
                scope,
                password_stdin,
                totp,
                oidc_issuer,
                oidc_subject,
            } => {
                let fields = json!({
                    "name": name, "role": role, "scope": scope, "totp": totp.then_some(true),
                    "oidc_issuer": oidc_issuer, "oidc_subject": oidc_subject,
                });
                let Body::Json(fields) = json_body(fields) else {
                    unreachable!()
                };
                let body = if *password_stdin {
                    Body::Filled(fields, "password", Source::StdinLine)
                } else {
                    Body::Json(fields)
                };
                Request::new(Method::POST, "/api/v1/users", &[], body)
            }
            Self::List => Request::get("/api/v1/users", &[]),
            Self::Password { id } => Request::new(
                Method::PUT,
                "/api/v1/users/{id}/password",
                &[id],
                Body::Filled(json!({}), "password", Source::StdinLine),
            ),
            Self::Disable { id } => Request::new(Method::DELETE, "/api/v1/users/{id}", &[id], Body::None),
        }
    }
}
