//! `snitflade admin dueslag`: the Beskedfordeler's dueslag (a receiving system's message box) — creating and
//! changing one, its subscriptions (the filter built from options or given as JSON, checked as the server checks
//! it) and its deliveries, with the fejlkø.

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use snitflade_beskedfordeler::filter::Filter;

use super::request::{Body, Request, text, write_body};

#[derive(Subcommand, Debug)]
pub(crate) enum DueslagCommand {
    /// All dueslag.
    List,
    /// One dueslag.
    Show {
        /// The dueslag's id.
        id: String,
    },
    /// Create a dueslag for a receiving system (its id is also its AMQP queue name).
    Create {
        /// The dueslag's name.
        #[arg(long)]
        name: String,
        /// The receiving system's name.
        #[arg(long)]
        system: String,
        /// The https endpoint of push delivery (SF1460_A) [default: none, read over AMQP].
        #[arg(long)]
        push_url: Option<String>,
        /// Create it inactive (it receives nothing until activated) [default: active].
        #[arg(long)]
        inactive: bool,
        /// Delivery attempts before a message goes to the fejlkø [server default: 10].
        #[arg(long)]
        max_attempts: Option<u32>,
        /// The dueslag's UUID, when it must match an existing queue [default: a fresh one].
        #[arg(long)]
        id: Option<String>,
    },
    /// Change a dueslag's name, activity, push endpoint or attempts (only the options given).
    Change {
        /// The dueslag's id.
        id: String,
        #[command(flatten)]
        change: DueslagChangeArgs,
    },
    /// Activate a dueslag: deliveries resume.
    Activate {
        /// The dueslag's id.
        id: String,
    },
    /// Deactivate a dueslag: it receives nothing until activated again.
    Deactivate {
        /// The dueslag's id.
        id: String,
    },
    /// A dueslag's subscriptions.
    Subscriptions {
        /// The dueslag's id.
        id: String,
    },
    /// Attach a subscription: a filter as --filter JSON, or built from the field options.
    Subscribe {
        /// The dueslag's id.
        id: String,
        // Boxed: the largest variant by far.
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// Remove a subscription.
    Unsubscribe {
        /// The dueslag's id.
        id: String,
        /// The subscription's id.
        sid: String,
    },
    /// A dueslag's deliveries, in order.
    Deliveries {
        /// The dueslag's id.
        id: String,
        /// Only these: `dead` is the fejlkø; `filtered` = not delivered, the system lacks a grant.
        #[arg(long, value_parser = PossibleValuesParser::new(["pending", "delivered", "dead", "filtered"]))]
        state: Option<String>,
        /// Only events after this sequence number.
        #[arg(long)]
        after: Option<i64>,
        /// At most this many [server default: 1000].
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Put a message from the fejlkø back in the queue (its attempts start over).
    Requeue {
        /// The dueslag's id.
        id: String,
        /// The event's outbox sequence number.
        seq: i64,
    },
    /// Move a pending message to the fejlkø.
    Fejlkoe {
        /// The dueslag's id.
        id: String,
        /// The event's outbox sequence number.
        seq: i64,
    },
}

impl DueslagCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        let write = |fields| write_body(actor, fields);
        let actor_query = || [("actor", actor.clone())];
        match self {
            Self::List => Request::get("/api/v1/dueslag", &[]),
            Self::Show { id } => Request::get("/api/v1/dueslag/{id}", &[id]),
            Self::Create {
                name,
                system,
                push_url,
                inactive,
                max_attempts,
                id,
            } => Request::new(
                Method::POST,
                "/api/v1/dueslag",
                &[],
                write(json!({
                    "name": name, "system": system, "push_url": push_url, "active": inactive.then_some(false),
                    "max_attempts": max_attempts, "id": id,
                })),
            ),
            Self::Change { id, change: c } => Request::new(
                Method::PUT,
                "/api/v1/dueslag/{id}",
                &[id],
                write(json!({
                    "name": c.name, "active": c.active, "push_url": c.push_url, "max_attempts": c.max_attempts,
                })),
            ),
            Self::Activate { id } => Request::new(
                Method::PUT,
                "/api/v1/dueslag/{id}",
                &[id],
                write(json!({"active": true})),
            ),
            Self::Deactivate { id } => Request::new(
                Method::PUT,
                "/api/v1/dueslag/{id}",
                &[id],
                write(json!({"active": false})),
            ),
            Self::Subscriptions { id } => Request::get("/api/v1/dueslag/{id}/subscriptions", &[id]),
            Self::Subscribe { id, filter } => Request::new(
                Method::POST,
                "/api/v1/dueslag/{id}/subscriptions",
                &[id],
                write(json!({"filter": filter.filter()})),
            ),
            Self::Unsubscribe { id, sid } => Request::new(
                Method::DELETE,
                "/api/v1/dueslag/{id}/subscriptions/{sid}",
                &[id, sid],
                Body::None,
            )
            .query(actor_query()),
            Self::Deliveries {
                id,
                state,
                after,
                limit,
            } => Request::get("/api/v1/dueslag/{id}/deliveries", &[id]).query([
                ("state", state.clone()),
                ("after", text(after)),
                ("limit", text(limit)),
            ]),
            Self::Requeue { id, seq } => Request::new(
                Method::POST,
                "/api/v1/dueslag/{id}/deliveries/{seq}/requeue",
                &[id, &seq.to_string()],
                Body::None,
            )
            .query(actor_query()),
            Self::Fejlkoe { id, seq } => Request::new(
                Method::POST,
                "/api/v1/dueslag/{id}/deliveries/{seq}/fejlkoe",
                &[id, &seq.to_string()],
                Body::None,
            )
            .query(actor_query()),
        }
    }
}

/// What `dueslag change` changes: at least one.
#[derive(Args, Debug)]
#[group(required = true, multiple = true)]
pub(crate) struct DueslagChangeArgs {
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    /// Whether it receives messages: true or false.
    #[arg(long)]
    active: Option<bool>,
    /// The https endpoint of push delivery; "" removes it.
    #[arg(long)]
    push_url: Option<String>,
    /// Delivery attempts before a message goes to the fejlkø.
    #[arg(long)]
    max_attempts: Option<u32>,
}

/// A subscription's filter: every field given must match, a field with several values matches when any does.
/// `--filter '{}'` subscribes to every event.
#[derive(Args, Debug)]
#[group(required = true, multiple = true)]
pub(crate) struct FilterArgs {
    /// The whole filter as a JSON object, e.g. '{"beskedtype": ["absence.created"], "myndighed": ["0340"]}'.
    #[arg(
        long,
        value_parser = parse_filter,
        conflicts_with_all = ["beskedtype", "myndighed", "objekttype", "objekthandling", "kle", "vaerdiliste"]
    )]
    filter: Option<Filter>,
    /// An event kind (absence.created) or its Beskedtype UUID; repeat the option (or separate by commas) for more.
    #[arg(long, value_delimiter = ',', value_parser = filter_value("beskedtype"))]
    beskedtype: Vec<String>,
    /// A municipality: CVR number, urn:oio:cvr-nr:<CVR> or kommunekode; repeatable.
    #[arg(long, value_delimiter = ',', value_parser = filter_value("myndighed"))]
    myndighed: Vec<String>,
    /// An object kind (medarbejder, fravaer, …) or its UUID; repeatable.
    #[arg(long, value_delimiter = ',', value_parser = filter_value("objekttype"))]
    objekttype: Vec<String>,
    /// An action (oprettet, aendret, slettet, afsluttet) or its UUID; repeatable.
    #[arg(long, value_delimiter = ',', value_parser = filter_value("objekthandling"))]
    objekthandling: Vec<String>,
    /// A KLE prefix of the OpgaveEmne, e.g. 81.03.
    #[arg(long, value_parser = filter_value("kle"))]
    kle: Option<String>,
    /// The UUID of a værdiliste (SF1460_B) the event's ObjektId must be on.
    #[arg(long, value_parser = filter_value("vaerdiliste"))]
    vaerdiliste: Option<String>,
}

impl FilterArgs {
    /// The filter given as JSON, else the one of the field options.
    fn filter(&self) -> Filter {
        self.filter.clone().unwrap_or_else(|| Filter {
            beskedtype: self.beskedtype.clone(),
            myndighed: self.myndighed.clone(),
            objekttype: self.objekttype.clone(),
            objekthandling: self.objekthandling.clone(),
            kle: self.kle.clone(),
            vaerdiliste: self.vaerdiliste.clone(),
        })
    }
}

/// A `--filter` argument: a JSON object of the filter language, its values checked as the server checks them.
/// (An array is refused although serde would read one as the fields in order: `[]` would match every event.)
fn parse_filter(s: &str) -> Result<Filter, String> {
    let value: Value = serde_json::from_str(s).map_err(|e| format!("not a subscription filter: {e}"))?;
    if !value.is_object() {
        return Err("not a subscription filter: not a JSON object".into());
    }
    let filter: Filter =
        snitflade_domain::json::from_value(value).map_err(|e| format!("not a subscription filter: {e}"))?;
    filter.validate()?;
    Ok(filter)
}

/// A parser of one filter field option's value, checked as the server checks it.
fn filter_value(field: &'static str) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let value = if matches!(field, "kle" | "vaerdiliste") {
            json!(s)
        } else {
            json!([s])
        };
        let filter: Filter = serde_json::from_value(json!({ field: value })).map_err(|e| e.to_string())?;
        filter.validate()?;
        Ok(s.to_owned())
    }
}
