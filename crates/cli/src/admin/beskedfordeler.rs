//! `snitflade admin events|envelope|beskedtyper|publisher-tokens|amqp-credentials`: the Beskedfordeler apart from
//! the dueslag — the event outbox, an event as a subscriber receives it, the Beskedtyper, and the credentials of
//! the systems that publish (SF1460_C tokens) and pull (their own RabbitMQ login).

use clap::{Args, Subcommand};
use reqwest::Method;

use super::request::{Body, Request, text, write_body};

/// The event outbox in distribution order.
#[derive(Args, Debug)]
pub(crate) struct EventArgs {
    /// Only events after this sequence number [default: from the first].
    #[arg(long)]
    after: Option<i64>,
    /// At most this many [server default: 1000, at most 10000].
    #[arg(long)]
    limit: Option<u32>,
}

impl EventArgs {
    pub(crate) fn request(&self) -> Request {
        Request::get("/api/v1/events", &[]).query([("after", text(&self.after)), ("limit", text(&self.limit))])
    }
}

/// `envelope SEQ`: the event as the Haendelsesbesked (XML) a subscriber receives.
pub(crate) fn envelope(seq: i64) -> Request {
    Request::get("/api/v1/events/{seq}/envelope", &[&seq.to_string()])
}

/// `beskedtyper`: every event kind with its Beskedtype UUID.
pub(crate) fn beskedtyper() -> Request {
    Request::get("/api/v1/beskedtyper", &[])
}

#[derive(Subcommand, Debug)]
pub(crate) enum PublisherTokenCommand {
    /// Issue a token for a system; the answer is the only place the token itself ever appears.
    Issue {
        /// The publishing system's name.
        system: String,
        /// Valid this many days [server default: 30].
        #[arg(long, conflicts_with = "valid_seconds")]
        valid_days: Option<u32>,
        /// Valid this many seconds (a short-lived token).
        #[arg(long)]
        valid_seconds: Option<u32>,
    },
    /// A system's tokens, newest first (without the tokens themselves).
    List {
        /// The publishing system's name.
        system: String,
    },
    /// Revoke one of a system's tokens.
    Revoke {
        /// The publishing system's name.
        system: String,
        /// The token's id (not the token).
        id: String,
    },
}

impl PublisherTokenCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        const ROUTE: &str = "/api/v1/systems/{name}/publisher-tokens";
        match self {
            Self::Issue {
                system,
                valid_days,
                valid_seconds,
            } => Request::new(
                Method::POST,
                ROUTE,
                &[system],
                write_body(
                    actor,
                    serde_json::json!({"valid_days": valid_days, "valid_seconds": valid_seconds}),
                ),
            ),
            Self::List { system } => Request::get(ROUTE, &[system]),
            // The server takes the actor of a revocation from the query.
            Self::Revoke { system, id } => Request::new(
                Method::DELETE,
                "/api/v1/systems/{name}/publisher-tokens/{id}",
                &[system, id],
                Body::None,
            )
            .query([("actor", actor.clone())]),
        }
    }
}

/// A pulling system's own RabbitMQ login, limited by the broker to its own dueslag's queues (needs a server with
/// --amqp-url).
#[derive(Subcommand, Debug)]
pub(crate) enum AmqpCredentialCommand {
    /// Create (or re-create, with a new password) the system's login; the answer is the only place the password
    /// ever appears.
    Issue {
        /// The receiving system's name.
        system: String,
    },
    /// Delete the system's login; the broker closes its open connections.
    Revoke {
        /// The receiving system's name.
        system: String,
    },
}

impl AmqpCredentialCommand {
    pub(crate) fn request(&self) -> Request {
        const ROUTE: &str = "/api/v1/systems/{name}/amqp-credentials";
        match self {
            Self::Issue { system } => Request::new(Method::POST, ROUTE, &[system], Body::None),
            Self::Revoke { system } => Request::new(Method::DELETE, ROUTE, &[system], Body::None),
        }
    }
}
