//! `snitflade admin …`: a command-line client of the admin API, mainly for issue 6's access lifecycle (vendors,
//! municipalities, systems, certificates and CRLs, standard integrations, the price list, orders and their
//! closing, invoices, the audit logs) and the Beskedfordeler's administration (dueslag, their subscriptions and
//! deliveries, the Beskedtyper, event envelopes, publisher tokens) and the error-handling table (list, show,
//! resubmit, discard, resolve), and the admin API's own named tokens and `whoami`. Every subcommand is one HTTP
//! request: [`request`] maps the parsed arguments to method, path, query and body (pure, unit-tested below),
//! [`run`] sends it with the bearer token (`--token`: an API token acting as its role, else the admin token) and
//! prints the answer — pretty JSON (CSV as it comes) on stdout; on a non-2xx answer the server's `error` text on
//! stderr and exit code 1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use jiff::civil::Date;
use reqwest::Method;
use serde_json::{Value, json};
use snitflade_beskedfordeler::filter::Filter;
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};

use crate::zlpe::parse_municipality;

/// How a CLI command reaches the admin API (shared by `snitflade admin` and `snitflade landscape`).
#[derive(Args, Debug)]
pub struct AdminConnection {
    /// The admin listener's base URL.
    #[arg(
        long,
        env = "SNITFLADE_ADMIN_URL",
        default_value = "http://127.0.0.1:8080",
        global = true,
        help_heading = "Admin API"
    )]
    pub admin_url: String,
    /// The bearer token: an API token (`snf_…`, acting as its role) or the admin token [default: the contents
    /// of <data-dir>/admin-token, the operator's break-glass credential].
    #[arg(
        long,
        env = "SNITFLADE_ADMIN_TOKEN",
        hide_env_values = true,
        global = true,
        help_heading = "Admin API"
    )]
    pub token: Option<String>,
    /// The server's data dir, read for admin-token when no --token is given.
    #[arg(
        long,
        env = "SNITFLADE_DATA_DIR",
        default_value = "./snitflade-data",
        global = true,
        help_heading = "Admin API"
    )]
    pub data_dir: PathBuf,
    /// Ignored by the server since roles exist (kept so that old scripts still run): order steps and the admin
    /// audit log record the token's principal instead.
    #[arg(long, global = true, help_heading = "Admin API")]
    pub actor: Option<String>,
}

impl AdminConnection {
    /// Sends `request` with the token (`--token`, else `<data-dir>/admin-token`) and hands a 2xx answer to the
    /// output: `-o FILE` when given, else stdout. Exit code 1 with
    /// the error's text on stderr for an error answer.
    pub(crate) async fn run(&self, request: &Request, output: Option<&Path>) -> Result<ExitCode> {
        let token = read_token(self.token.as_deref(), &self.data_dir)?;
        let (status, bytes) = send_bytes(request, &self.admin_url, &token).await?;
        if !status.is_success() {
            eprintln!("{}", error_message(status, &String::from_utf8_lossy(&bytes)));
            return Ok(ExitCode::FAILURE);
        }
        if let Some(path) = output {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            return Ok(ExitCode::SUCCESS);
        }
        let printed = match std::str::from_utf8(&bytes) {
            Ok(body) => print_answer(body),
            // A Windows-1252 CSV export: byte for byte.
            Err(_) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes).and_then(|()| out.flush())
            }
        };
        match printed {
            // The reader (e.g. `| head`) has had enough.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => r.context("writing to stdout")?,
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(Args, Debug)]
pub struct AdminArgs {
    #[command(flatten)]
    connection: AdminConnection,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Vendors: the companies behind the external systems.
    #[command(subcommand)]
    Vendors(VendorCommand),
    /// The customers: municipalities.
    #[command(subcommand)]
    Municipalities(MunicipalityCommand),
    /// External systems, their vendor and certificates, urgent closing.
    #[command(subcommand)]
    Systems(SystemCommand),
    /// The systems' certificates and the ones about to expire.
    #[command(subcommand)]
    Certificates(CertificateCommand),
    /// Certificate revocation lists.
    #[command(subcommand)]
    Crls(CrlCommand),
    /// Standard integration agreements (vendor, system, interfaces, certificate).
    #[command(subcommand)]
    StandardIntegrations(StandardIntegrationCommand),
    /// The price list orders are priced by.
    #[command(subcommand)]
    PriceList(PriceListCommand),
    /// Orders of access (the contract addendum) and their steps.
    #[command(subcommand)]
    Orders(OrderCommand),
    /// The fees of one period, per municipality.
    Invoices(InvoiceArgs),
    /// Reads and writes of personal data through the services, newest first.
    Audit(AuditArgs),
    /// Admin actions, newest first.
    AuditAdmin(AdminAuditArgs),
    /// The Beskedfordeler's dueslag (a receiving system's message box), their subscriptions and deliveries.
    #[command(subcommand)]
    Dueslag(DueslagCommand),
    /// Every event kind with its stable Beskedtype UUID.
    Beskedtyper,
    /// An event as the Haendelsesbesked (XML) a subscriber receives.
    Envelope {
        /// The event's outbox sequence number.
        seq: i64,
    },
    /// The tokens a system puts in the messages it publishes over AMQP (SF1460_C).
    #[command(subcommand, alias = "publisher-token")]
    PublisherTokens(PublisherTokenCommand),
    /// The error-handling table: requests and file lines that could not be processed, to correct and resubmit,
    /// discard or mark resolved.
    #[command(subcommand, alias = "error")]
    Errors(ErrorCommand),
    /// Named API tokens: each authenticates its holder as one role (operator, municipality, vendor, auditor).
    #[command(subcommand, alias = "token")]
    Tokens(TokenCommand),
    /// Who the token (--token, else <data-dir>/admin-token) authenticates.
    Whoami,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
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

#[derive(Subcommand, Debug)]
enum ErrorCommand {
    /// Errors, newest first, filtered by any of the options.
    List {
        /// Only errors in this state.
        #[arg(long, value_parser = PossibleValuesParser::new(["open", "resubmitted", "discarded", "resolved"]))]
        status: Option<String>,
        /// Only errors of this interface (e.g. engangsydelse, maskintimer).
        #[arg(long)]
        interface: Option<String>,
        /// Only errors of this municipality (e.g. 0340).
        #[arg(long)]
        municipality: Option<String>,
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

/// A vendor's fields: all required, by POST and PUT alike.
#[derive(Args, Debug)]
struct VendorFields {
    #[arg(long)]
    name: String,
    #[arg(long)]
    cvr: String,
    #[arg(long)]
    contact_name: String,
    #[arg(long)]
    contact_phone: String,
    #[arg(long)]
    contact_email: String,
}

#[derive(Subcommand, Debug)]
enum VendorCommand {
    /// All vendors.
    List,
    /// Register a vendor (refused if one with the CVR exists).
    Add(VendorFields),
    /// One vendor.
    Show { id: String },
    /// Replace a vendor's fields (all of them are given again).
    Update {
        id: String,
        #[command(flatten)]
        fields: VendorFields,
    },
}

#[derive(Subcommand, Debug)]
enum MunicipalityCommand {
    /// All municipalities.
    List,
    /// Create or update a municipality.
    Set {
        /// The municipality's code (e.g. 0751 or 751).
        #[arg(value_parser = parse_municipality)]
        code: Kommunekode,
        #[arg(long)]
        name: String,
        #[arg(long)]
        cvr: String,
        #[arg(long)]
        contact_name: Option<String>,
        #[arg(long)]
        contact_phone: Option<String>,
        #[arg(long)]
        contact_email: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum SystemCommand {
    /// All external systems with vendor and certificate fingerprints.
    List,
    /// Register a system of a vendor.
    Add {
        name: String,
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
    },
    /// Link an existing system to a vendor (the CVR must match its certificates').
    SetVendor {
        name: String,
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
    },
    /// Upload a certificate: a .pem (leaf and chain) or a .zip of .pem files, at most 1 MiB.
    UploadCertificate { name: String, file: PathBuf },
    /// Close all of the system's access at once (in one municipality, or everywhere) and drop its connections.
    UrgentClose {
        name: String,
        #[arg(long)]
        reason: String,
        /// Only there [default: every municipality]; the code, e.g. 0751 or 751.
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
    },
}

#[derive(Subcommand, Debug)]
enum CertificateCommand {
    /// All certificates with their status.
    List,
    /// Certificates expired or expiring within --days, and the certificates that renew them.
    Warnings {
        /// [server default: 30]
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Subcommand, Debug)]
enum CrlCommand {
    /// The CRLs loaded.
    List,
    /// Load a CRL (DER or PEM); certificates it lists are marked revoked.
    Upload { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum StandardIntegrationCommand {
    /// All standard integrations.
    List,
    /// Register a standard integration agreement.
    Add {
        /// The Standardintegration ID, e.g. SI-0042.
        #[arg(long)]
        id: String,
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
        /// The system's name.
        #[arg(long)]
        system: String,
        /// An interface id; repeat the option (or separate by commas) for more.
        #[arg(long = "interface", required = true, value_delimiter = ',', value_parser = interface_ids())]
        interfaces: Vec<String>,
        /// The agreed certificate's fingerprint.
        #[arg(long)]
        certificate: String,
    },
}

#[derive(Subcommand, Debug)]
enum PriceListCommand {
    /// The price list in force.
    Show,
    /// Set a new price list version from a JSON file (the shape `price-list show` prints; its `version` is ignored).
    Set { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum OrderCommand {
    /// Orders, optionally filtered.
    List {
        /// The municipality's code (e.g. 0751 or 751).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
        /// The system's name.
        #[arg(long)]
        system: Option<String>,
        #[arg(long, value_parser = PossibleValuesParser::new(STATES))]
        state: Option<String>,
    },
    /// One order with its steps and cost.
    Show { id: String },
    /// Propose an order (state proposed).
    Create {
        /// The municipality's code (e.g. 0751 or 751).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Kommunekode,
        /// The system's name.
        #[arg(long)]
        system: String,
        /// An interface id; repeat the option (or separate by commas) for more.
        #[arg(long = "interface", required_unless_present = "package", value_delimiter = ',', value_parser = interface_ids())]
        interfaces: Vec<String>,
        /// An interface's access level, `<interface>=read` or `<interface>=read-write`; repeatable [default: read
        /// for medarbejderoplysninger and the read-only interfaces, read-write for the others].
        #[arg(long = "access", value_parser = parse_access)]
        access: Vec<(String, String)>,
        /// An integration package instead of single interfaces.
        #[arg(long)]
        package: bool,
        /// The standard integration's id [default: none, an individual integration].
        #[arg(long)]
        standard_integration: Option<String>,
        /// The certificate's fingerprint.
        #[arg(long)]
        certificate: Option<String>,
        /// yyyy-mm-dd
        #[arg(long)]
        valid_from: Option<Date>,
        /// A note recorded with the step.
        #[arg(long)]
        note: Option<String>,
    },
    /// Take the order's next step.
    Advance {
        id: String,
        #[arg(value_parser = PossibleValuesParser::new(STATES))]
        to: String,
        /// With `clarified`: an interface the customer's contract covers; repeatable.
        #[arg(long, value_delimiter = ',', value_parser = interface_ids())]
        covered: Vec<String>,
        /// The certificate's fingerprint.
        #[arg(long)]
        certificate: Option<String>,
        /// A note recorded with the step.
        #[arg(long)]
        note: Option<String>,
    },
    /// Cancel an order (before access is set up): advance to `cancelled`.
    Cancel {
        id: String,
        /// A note recorded with the step.
        #[arg(long)]
        note: Option<String>,
    },
    /// Close an order normally: its grants end and its running fees stop on --on.
    Close {
        id: String,
        /// yyyy-mm-dd [server default: today]
        #[arg(long)]
        on: Option<Date>,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Args, Debug)]
struct InvoiceArgs {
    /// yyyy-mm
    #[arg(long, value_parser = parse_period)]
    period: String,
    /// The municipality's code (e.g. 0751 or 751).
    #[arg(long, value_parser = parse_municipality)]
    municipality: Option<Kommunekode>,
    /// CSV instead of JSON.
    #[arg(long)]
    csv: bool,
}

#[derive(Args, Debug)]
struct AuditArgs {
    /// The municipality's code (e.g. 0751 or 751).
    #[arg(long, value_parser = parse_municipality)]
    municipality: Option<Kommunekode>,
    /// The calling system's name.
    #[arg(long)]
    system: Option<String>,
    #[arg(long, value_parser = interface_ids())]
    interface: Option<String>,
    /// The employee's personnel number.
    #[arg(long, value_parser = |s: &str| Pernr::parse(s).map_err(|e| e.to_string()))]
    pernr: Option<Pernr>,
    /// The earliest entry (yyyy-mm-dd or RFC 3339, passed on as given).
    #[arg(long)]
    from: Option<String>,
    /// The latest entry (yyyy-mm-dd or RFC 3339, passed on as given).
    #[arg(long)]
    to: Option<String>,
    /// At most this many entries.
    #[arg(long)]
    limit: Option<u32>,
}

#[derive(Args, Debug)]
struct AdminAuditArgs {
    /// At most this many entries.
    #[arg(long)]
    limit: Option<u32>,
    /// Only actions on this kind of object (e.g. vendor, system, order).
    #[arg(long)]
    object_type: Option<String>,
}

#[derive(Subcommand, Debug)]
enum DueslagCommand {
    /// All dueslag.
    List,
    /// One dueslag.
    Show { id: String },
    /// Create a dueslag for a receiving system (its id is also its AMQP queue name).
    Create {
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
        id: String,
        #[command(flatten)]
        change: DueslagChangeArgs,
    },
    /// Activate a dueslag: deliveries resume.
    Activate { id: String },
    /// Deactivate a dueslag: it receives nothing until activated again.
    Deactivate { id: String },
    /// A dueslag's subscriptions.
    Subscriptions { id: String },
    /// Attach a subscription: a filter as --filter JSON, or built from the field options.
    Subscribe {
        id: String,
        // Boxed: the largest variant by far.
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// Remove a subscription.
    Unsubscribe {
        id: String,
        /// The subscription's id.
        sid: String,
    },
    /// A dueslag's deliveries, in order.
    Deliveries {
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
        id: String,
        /// The event's outbox sequence number.
        seq: i64,
    },
    /// Move a pending message to the fejlkø.
    Fejlkoe {
        id: String,
        /// The event's outbox sequence number.
        seq: i64,
    },
}

/// What `dueslag change` changes: at least one.
#[derive(Args, Debug)]
#[group(required = true, multiple = true)]
struct DueslagChangeArgs {
    #[arg(long)]
    name: Option<String>,
    /// true or false.
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
struct FilterArgs {
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

#[derive(Subcommand, Debug)]
enum PublisherTokenCommand {
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
    List { system: String },
    /// Revoke one of a system's tokens.
    Revoke {
        system: String,
        /// The token's id (not the token).
        id: String,
    },
}

/// The order states, in order (the wire names of `snitflade_domain::orders::OrderState`; a test keeps them so).
const STATES: [&str; 8] = [
    "proposed",
    "clarified",
    "certificates_clarified",
    "addendum_signed",
    "delivery_ordered",
    "access_set_up",
    "notified",
    "cancelled",
];

fn interface_ids() -> PossibleValuesParser {
    PossibleValuesParser::new(InterfaceId::ALL.map(InterfaceId::as_str))
}

/// `<interface>=<level>` of `orders create --access`.
fn parse_access(s: &str) -> Result<(String, String), String> {
    let (interface, level) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not <interface>=read or <interface>=read-write"))?;
    if InterfaceId::parse(interface).is_none() {
        return Err(format!("unknown interface {interface:?}"));
    }
    if snitflade_domain::AccessLevel::parse(level).is_none() {
        return Err(format!("access level {level:?}: read or read-write"));
    }
    Ok((interface.to_owned(), level.to_owned()))
}

/// A billing period, `yyyy-mm`.
fn parse_period(s: &str) -> Result<String, String> {
    let ok = s.len() == 7 && s.as_bytes()[4] == b'-' && format!("{s}-01").parse::<Date>().is_ok();
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!("{s:?} is not a period yyyy-mm"))
    }
}

/// One admin API request, before the base URL and the token are added.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Request {
    pub(crate) method: Method,
    /// Path segments after the base URL (`api`, `v1`, …), unencoded.
    pub(crate) path: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    None,
    Json(Value),
    /// A file's raw bytes with this Content-Type.
    File(PathBuf, &'static str),
    /// A price list file: its JSON object without `version`, with `actor` when one is given.
    PriceList(PathBuf, Option<String>),
    /// A JSON file sent as `{"payload": <its contents>}` (a corrected error payload).
    Payload(PathBuf),
}

/// `{"note": …}` when a note is given (the error table's discard and resolve).
fn note_body(note: &Option<String>) -> Body {
    note.as_ref().map_or(Body::None, |n| Body::Json(json!({ "note": n })))
}

impl Request {
    pub(crate) fn new(method: Method, path: &[&str], body: Body) -> Self {
        Self {
            method,
            path: ["api", "v1"].iter().chain(path).map(|s| s.to_string()).collect(),
            query: Vec::new(),
            body,
        }
    }

    pub(crate) fn get(path: &[&str]) -> Self {
        Self::new(Method::GET, path, Body::None)
    }

    /// The given query parameters, without the absent ones.
    pub(crate) fn query<const N: usize>(mut self, pairs: [(&'static str, Option<String>); N]) -> Self {
        self.query = pairs.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        self
    }

    /// `/api/v1/…` (unencoded; for messages and tests).
    pub(crate) fn path(&self) -> String {
        format!("/{}", self.path.join("/"))
    }

    /// The full URL: `base` (which may have a path of its own) with the encoded segments and query.
    pub(crate) fn url(&self, base: &str) -> Result<reqwest::Url> {
        let mut url = reqwest::Url::parse(base).with_context(|| format!("the admin URL {base:?}"))?;
        url.path_segments_mut()
            .map_err(|()| anyhow::anyhow!("the admin URL {base:?} cannot have a path"))?
            .pop_if_empty()
            .extend(&self.path);
        url.set_query(None);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }
}

/// A JSON object body of `fields` without the absent (null) ones, with `actor` when one is given.
fn write_body(actor: &Option<String>, fields: Value) -> Body {
    let Value::Object(mut map) = fields else {
        unreachable!("write bodies are objects")
    };
    map.retain(|_, v| !v.is_null());
    if let Some(actor) = actor {
        map.insert("actor".into(), actor.as_str().into());
    }
    Body::Json(Value::Object(map))
}

/// The Content-Type of an uploaded certificate file.
fn certificate_type(file: &Path) -> &'static str {
    let zip = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if zip {
        "application/zip"
    } else {
        "application/x-pem-file"
    }
}

pub(crate) fn text<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(T::to_string)
}

/// The request a subcommand makes.
fn request(command: &AdminCommand, actor: &Option<String>) -> Request {
    use AdminCommand as C;
    let write = |fields: Value| write_body(actor, fields);
    let vendor = |f: &VendorFields| {
        write(json!({
            "name": f.name, "cvr": f.cvr,
            "contact_name": f.contact_name, "contact_phone": f.contact_phone, "contact_email": f.contact_email,
        }))
    };
    match command {
        C::Vendors(VendorCommand::List) => Request::get(&["vendors"]),
        C::Vendors(VendorCommand::Add(f)) => Request::new(Method::POST, &["vendors"], vendor(f)),
        C::Vendors(VendorCommand::Show { id }) => Request::get(&["vendors", id]),
        C::Vendors(VendorCommand::Update { id, fields }) => Request::new(Method::PUT, &["vendors", id], vendor(fields)),

        C::Municipalities(MunicipalityCommand::List) => Request::get(&["municipalities"]),
        C::Municipalities(MunicipalityCommand::Set {
            code,
            name,
            cvr,
            contact_name,
            contact_phone,
            contact_email,
        }) => Request::new(
            Method::PUT,
            &["municipalities", &code.to_string()],
            write(json!({
                "name": name, "cvr": cvr,
                "contact_name": contact_name, "contact_phone": contact_phone, "contact_email": contact_email,
            })),
        ),

        C::Systems(SystemCommand::List) => Request::get(&["systems"]),
        C::Systems(SystemCommand::Add { name, vendor }) => Request::new(
            Method::POST,
            &["systems"],
            write(json!({"name": name, "vendor": vendor})),
        ),
        C::Systems(SystemCommand::SetVendor { name, vendor }) => {
            Request::new(Method::PUT, &["systems", name], write(json!({"vendor": vendor})))
        }
        C::Systems(SystemCommand::UploadCertificate { name, file }) => Request::new(
            Method::POST,
            &["systems", name, "certificates"],
            Body::File(file.clone(), certificate_type(file)),
        ),
        C::Systems(SystemCommand::UrgentClose {
            name,
            reason,
            municipality,
        }) => Request::new(
            Method::POST,
            &["systems", name, "urgent-close"],
            write(json!({"reason": reason, "municipality": text(municipality)})),
        ),

        C::Certificates(CertificateCommand::List) => Request::get(&["certificates"]),
        C::Certificates(CertificateCommand::Warnings { days }) => {
            Request::get(&["certificates", "warnings"]).query([("days", text(days))])
        }
        C::Crls(CrlCommand::List) => Request::get(&["crls"]),
        C::Crls(CrlCommand::Upload { file }) => Request::new(
            Method::POST,
            &["crls"],
            Body::File(file.clone(), "application/pkix-crl"),
        ),

        C::StandardIntegrations(StandardIntegrationCommand::List) => Request::get(&["standard-integrations"]),
        C::StandardIntegrations(StandardIntegrationCommand::Add {
            id,
            vendor,
            system,
            interfaces,
            certificate,
        }) => Request::new(
            Method::POST,
            &["standard-integrations"],
            write(json!({
                "id": id, "vendor": vendor, "system": system, "interfaces": interfaces, "certificate": certificate,
            })),
        ),

        C::PriceList(PriceListCommand::Show) => Request::get(&["price-list"]),
        C::PriceList(PriceListCommand::Set { file }) => Request::new(
            Method::PUT,
            &["price-list"],
            Body::PriceList(file.clone(), actor.clone()),
        ),

        C::Orders(OrderCommand::List {
            municipality,
            system,
            state,
        }) => Request::get(&["orders"]).query([
            ("municipality", text(municipality)),
            ("system", system.clone()),
            ("state", state.clone()),
        ]),
        C::Orders(OrderCommand::Show { id }) => Request::get(&["orders", id]),
        C::Orders(OrderCommand::Create {
            municipality,
            system,
            interfaces,
            access,
            package,
            standard_integration,
            certificate,
            valid_from,
            note,
        }) => Request::new(
            Method::POST,
            &["orders"],
            write(json!({
                "municipality": municipality.to_string(), "system": system, "interfaces": interfaces,
                "access": (!access.is_empty()).then(|| access.iter().cloned().collect::<std::collections::BTreeMap<_, _>>()),
                "package": package, "standard_integration": standard_integration, "certificate": certificate,
                "valid_from": text(valid_from), "note": note,
            })),
        ),
        C::Orders(OrderCommand::Advance {
            id,
            to,
            covered,
            certificate,
            note,
        }) => Request::new(
            Method::POST,
            &["orders", id, "advance"],
            write(json!({
                "to": to, "covered_by_contract": (!covered.is_empty()).then_some(covered),
                "certificate": certificate, "note": note,
            })),
        ),
        C::Orders(OrderCommand::Cancel { id, note }) => Request::new(
            Method::POST,
            &["orders", id, "advance"],
            write(json!({"to": "cancelled", "note": note})),
        ),
        C::Orders(OrderCommand::Close { id, on, reason }) => Request::new(
            Method::POST,
            &["orders", id, "close"],
            write(json!({"on": text(on), "reason": reason})),
        ),

        C::Invoices(a) => Request::get(&["invoices"]).query([
            ("period", Some(a.period.clone())),
            ("municipality", text(&a.municipality)),
            ("format", a.csv.then(|| "csv".to_owned())),
        ]),
        C::Audit(a) => Request::get(&["audit"]).query([
            ("municipality", text(&a.municipality)),
            ("system", a.system.clone()),
            ("interface", a.interface.clone()),
            ("pernr", text(&a.pernr)),
            ("from", a.from.clone()),
            ("to", a.to.clone()),
            ("limit", text(&a.limit)),
        ]),
        C::AuditAdmin(a) => {
            Request::get(&["audit", "admin"]).query([("limit", text(&a.limit)), ("object_type", a.object_type.clone())])
        }

        C::Dueslag(DueslagCommand::List) => Request::get(&["dueslag"]),
        C::Dueslag(DueslagCommand::Show { id }) => Request::get(&["dueslag", id]),
        C::Dueslag(DueslagCommand::Create {
            name,
            system,
            push_url,
            inactive,
            max_attempts,
            id,
        }) => Request::new(
            Method::POST,
            &["dueslag"],
            write(json!({
                "name": name, "system": system, "push_url": push_url, "active": inactive.then_some(false),
                "max_attempts": max_attempts, "id": id,
            })),
        ),
        C::Dueslag(DueslagCommand::Change { id, change: c }) => Request::new(
            Method::PUT,
            &["dueslag", id],
            write(json!({
                "name": c.name, "active": c.active, "push_url": c.push_url, "max_attempts": c.max_attempts,
            })),
        ),
        C::Dueslag(DueslagCommand::Activate { id }) => {
            Request::new(Method::PUT, &["dueslag", id], write(json!({"active": true})))
        }
        C::Dueslag(DueslagCommand::Deactivate { id }) => {
            Request::new(Method::PUT, &["dueslag", id], write(json!({"active": false})))
        }
        C::Dueslag(DueslagCommand::Subscriptions { id }) => Request::get(&["dueslag", id, "subscriptions"]),
        C::Dueslag(DueslagCommand::Subscribe { id, filter }) => Request::new(
            Method::POST,
            &["dueslag", id, "subscriptions"],
            write(json!({"filter": filter.filter()})),
        ),
        C::Dueslag(DueslagCommand::Unsubscribe { id, sid }) => {
            Request::new(Method::DELETE, &["dueslag", id, "subscriptions", sid], Body::None)
                .query([("actor", actor.clone())])
        }
        C::Dueslag(DueslagCommand::Deliveries {
            id,
            state,
            after,
            limit,
        }) => Request::get(&["dueslag", id, "deliveries"]).query([
            ("state", state.clone()),
            ("after", text(after)),
            ("limit", text(limit)),
        ]),
        C::Dueslag(DueslagCommand::Requeue { id, seq }) => Request::new(
            Method::POST,
            &["dueslag", id, "deliveries", &seq.to_string(), "requeue"],
            Body::None,
        )
        .query([("actor", actor.clone())]),
        C::Dueslag(DueslagCommand::Fejlkoe { id, seq }) => Request::new(
            Method::POST,
            &["dueslag", id, "deliveries", &seq.to_string(), "fejlkoe"],
            Body::None,
        )
        .query([("actor", actor.clone())]),
        C::Errors(ErrorCommand::List {
            status,
            interface,
            municipality,
            external_id,
            limit,
            offset,
        }) => Request::get(&["errors"]).query([
            ("status", status.clone()),
            ("interface", interface.clone()),
            ("municipality", municipality.clone()),
            ("external_id", external_id.clone()),
            ("limit", text(limit)),
            ("offset", text(offset)),
        ]),
        C::Errors(ErrorCommand::Show { id }) => Request::get(&["errors", id]),
        C::Errors(ErrorCommand::Resubmit { id, payload }) => Request::new(
            Method::POST,
            &["errors", id, "resubmit"],
            payload.as_ref().map_or(Body::None, |f| Body::Payload(f.clone())),
        ),
        C::Errors(ErrorCommand::Discard { id, note }) => {
            Request::new(Method::POST, &["errors", id, "discard"], note_body(note))
        }
        C::Errors(ErrorCommand::Resolve { id, note }) => {
            Request::new(Method::POST, &["errors", id, "resolve"], note_body(note))
        }
        C::Beskedtyper => Request::get(&["beskedtyper"]),
        C::Envelope { seq } => Request::get(&["events", &seq.to_string(), "envelope"]),

        C::PublisherTokens(PublisherTokenCommand::Issue {
            system,
            valid_days,
            valid_seconds,
        }) => Request::new(
            Method::POST,
            &["systems", system, "publisher-tokens"],
            write(json!({"valid_days": valid_days, "valid_seconds": valid_seconds})),
        ),
        C::PublisherTokens(PublisherTokenCommand::List { system }) => {
            Request::get(&["systems", system, "publisher-tokens"])
        }
        // The server takes the actor of a revocation from the query.
        C::PublisherTokens(PublisherTokenCommand::Revoke { system, id }) => {
            Request::new(Method::DELETE, &["systems", system, "publisher-tokens", id], Body::None)
                .query([("actor", actor.clone())])
        }
        C::Tokens(TokenCommand::Create {
            name,
            role,
            scope,
            expires,
        }) => Request::new(
            Method::POST,
            &["tokens"],
            write_body(
                &None,
                json!({"name": name, "role": role, "scope": scope, "expires": expires}),
            ),
        ),
        C::Tokens(TokenCommand::List) => Request::get(&["tokens"]),
        C::Tokens(TokenCommand::Revoke { id }) => Request::new(Method::DELETE, &["tokens", id], Body::None),
        C::Whoami => Request::get(&["whoami"]),
    }
}

/// A price list file as the PUT body: a JSON object, its `version` (as `price-list show` prints it) dropped.
fn price_list_body(text: &str, actor: &Option<String>) -> Result<Value> {
    let Value::Object(mut map) = serde_json::from_str(text).context("not JSON")? else {
        bail!("not a JSON object");
    };
    map.remove("version");
    Ok(match write_body(actor, Value::Object(map)) {
        Body::Json(v) => v,
        _ => unreachable!(),
    })
}

/// `token` when given, else `<data_dir>/admin-token` (trimmed).
fn read_token(token: Option<&str>, data_dir: &Path) -> Result<String> {
    if let Some(t) = token {
        return Ok(t.to_owned());
    }
    let path = data_dir.join("admin-token");
    let raw = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the admin token {} (or give --token)", path.display()))?;
    let token = raw.trim();
    if token.is_empty() {
        bail!("the admin token file {} is empty", path.display());
    }
    Ok(token.to_owned())
}

/// What a non-2xx answer says: its `error` text, else the body, else the status.
fn error_message(status: reqwest::StatusCode, body: &str) -> String {
    let error = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned());
    if error.is_empty() {
        format!("error: {status}")
    } else {
        format!("error: {error} ({status})")
    }
}

/// Runs one `snitflade admin` subcommand. Exit code 0: a 2xx answer, printed on stdout; 1: an error answer
/// (its text on stderr) or no answer.
pub async fn run(args: AdminArgs) -> Result<ExitCode> {
    let request = request(&args.command, &args.connection.actor);
    args.connection.run(&request, None).await
}

/// Sends `request` to the admin API at `admin_url` with the bearer `token`; answers the status and the body as the
/// server sent it (UTF-8, apart from CSV exports in Windows-1252).
async fn send_bytes(request: &Request, admin_url: &str, token: &str) -> Result<(reqwest::StatusCode, Vec<u8>)> {
    let url = request.url(admin_url)?;
    // reqwest builds a TLS configuration even for plain HTTP and needs a crypto provider for it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let builder = client.request(request.method.clone(), url).bearer_auth(token);
    let builder = match &request.body {
        Body::None => builder,
        Body::Json(v) => builder.json(v),
        Body::File(path, content_type) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            builder.header(reqwest::header::CONTENT_TYPE, *content_type).body(bytes)
        }
        Body::PriceList(path, actor) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            builder.json(&price_list_body(&text, actor).with_context(|| format!("reading {}", path.display()))?)
        }
        Body::Payload(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let payload: Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
            builder.json(&json!({ "payload": payload }))
        }
    };
    let what = format!("{} {}", request.method, request.path());
    let response = builder.send().await.with_context(|| what.clone())?;
    let status = response.status();
    let body = response.bytes().await.with_context(|| what.clone())?;
    Ok((status, body.to_vec()))
}

/// A 2xx answer on stdout: JSON pretty-printed, anything else (CSV) as it is, with a final line end.
fn print_answer(body: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Err(_) => {
            out.write_all(body.as_bytes())?;
            if !body.is_empty() && !body.ends_with('\n') {
                writeln!(out)?;
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        admin: AdminArgs,
    }

    fn parse(args: &[&str]) -> AdminArgs {
        let argv = std::iter::once("admin").chain(args.iter().copied());
        Cli::try_parse_from(argv)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .admin
    }

    fn req(args: &[&str]) -> Request {
        let a = parse(args);
        request(&a.command, &a.connection.actor)
    }

    /// (method, path, query, JSON body or null) of a command line.
    fn mapped(args: &[&str]) -> (Method, String, Vec<(&'static str, String)>, Value) {
        let r = req(args);
        let body = match &r.body {
            Body::None => Value::Null,
            Body::Json(v) => v.clone(),
            other => panic!("{args:?}: {other:?}"),
        };
        (r.method.clone(), r.path(), r.query, body)
    }

    fn q(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn reads_map_to_gets() {
        /// Arguments, path, query.
        type Case = (
            &'static [&'static str],
            &'static str,
            &'static [(&'static str, &'static str)],
        );
        let cases: &[Case] = &[
            (&["vendors", "list"], "/api/v1/vendors", &[]),
            (&["vendors", "show", "v1"], "/api/v1/vendors/v1", &[]),
            (&["municipalities", "list"], "/api/v1/municipalities", &[]),
            (&["systems", "list"], "/api/v1/systems", &[]),
            (&["certificates", "list"], "/api/v1/certificates", &[]),
            (&["certificates", "warnings"], "/api/v1/certificates/warnings", &[]),
            (
                &["certificates", "warnings", "--days", "60"],
                "/api/v1/certificates/warnings",
                &[("days", "60")],
            ),
            (&["crls", "list"], "/api/v1/crls", &[]),
            (&["standard-integrations", "list"], "/api/v1/standard-integrations", &[]),
            (&["price-list", "show"], "/api/v1/price-list", &[]),
            (&["orders", "list"], "/api/v1/orders", &[]),
            (
                &[
                    "orders",
                    "list",
                    "--state",
                    "access_set_up",
                    "--municipality",
                    "751",
                    "--system",
                    "vikar",
                ],
                "/api/v1/orders",
                &[
                    ("municipality", "0751"),
                    ("system", "vikar"),
                    ("state", "access_set_up"),
                ],
            ),
            (&["orders", "show", "o-1"], "/api/v1/orders/o-1", &[]),
            (
                &["invoices", "--period", "2026-03"],
                "/api/v1/invoices",
                &[("period", "2026-03")],
            ),
            (
                &["invoices", "--period", "2026-03", "--municipality", "0340", "--csv"],
                "/api/v1/invoices",
                &[("period", "2026-03"), ("municipality", "0340"), ("format", "csv")],
            ),
            (&["audit"], "/api/v1/audit", &[]),
            (
                &[
                    "audit",
                    "--municipality",
                    "340",
                    "--system",
                    "vikar",
                    "--interface",
                    "opret-fravaer",
                    "--pernr",
                    "12345",
                    "--from",
                    "2026-01-01",
                    "--to",
                    "2026-02-01",
                    "--limit",
                    "5",
                ],
                "/api/v1/audit",
                &[
                    ("municipality", "0340"),
                    ("system", "vikar"),
                    ("interface", "opret-fravaer"),
                    ("pernr", "00012345"),
                    ("from", "2026-01-01"),
                    ("to", "2026-02-01"),
                    ("limit", "5"),
                ],
            ),
            (
                &["audit-admin", "--limit", "10", "--object-type", "order"],
                "/api/v1/audit/admin",
                &[("limit", "10"), ("object_type", "order")],
            ),
            (&["dueslag", "list"], "/api/v1/dueslag", &[]),
            (&["dueslag", "show", "d-1"], "/api/v1/dueslag/d-1", &[]),
            (
                &["dueslag", "subscriptions", "d-1"],
                "/api/v1/dueslag/d-1/subscriptions",
                &[],
            ),
            (&["dueslag", "deliveries", "d-1"], "/api/v1/dueslag/d-1/deliveries", &[]),
            (
                &[
                    "dueslag",
                    "deliveries",
                    "d-1",
                    "--limit",
                    "50",
                    "--state",
                    "dead",
                    "--after",
                    "17",
                ],
                "/api/v1/dueslag/d-1/deliveries",
                &[("state", "dead"), ("after", "17"), ("limit", "50")],
            ),
            (&["beskedtyper"], "/api/v1/beskedtyper", &[]),
            (&["envelope", "42"], "/api/v1/events/42/envelope", &[]),
            (&["errors", "list"], "/api/v1/errors", &[]),
            (
                &[
                    "errors",
                    "list",
                    "--status",
                    "open",
                    "--interface",
                    "engangsydelse",
                    "--municipality",
                    "0340",
                    "--external-id",
                    "x-1",
                    "--limit",
                    "5",
                    "--offset",
                    "10",
                ],
                "/api/v1/errors",
                &[
                    ("status", "open"),
                    ("interface", "engangsydelse"),
                    ("municipality", "0340"),
                    ("external_id", "x-1"),
                    ("limit", "5"),
                    ("offset", "10"),
                ],
            ),
            (&["errors", "show", "e-1"], "/api/v1/errors/e-1", &[]),
            (
                &["publisher-tokens", "list", "dagtilbud"],
                "/api/v1/systems/dagtilbud/publisher-tokens",
                &[],
            ),
            (
                &["publisher-token", "list", "dagtilbud"],
                "/api/v1/systems/dagtilbud/publisher-tokens",
                &[],
            ),
            (&["tokens", "list"], "/api/v1/tokens", &[]),
            (&["whoami"], "/api/v1/whoami", &[]),
        ];
        for (args, path, query) in cases {
            assert_eq!(
                mapped(args),
                (Method::GET, path.to_string(), q(query), Value::Null),
                "{args:?}"
            );
        }
    }

    #[test]
    fn writes_map_to_json_bodies() {
        let vendor = ["--name", "Vikar A/S", "--cvr", "12345678", "--contact-name", "Ann"];
        let vendor = [&vendor[..], &["--contact-phone", "12", "--contact-email", "a@b.dk"]].concat();
        let vendor_body = json!({"name": "Vikar A/S", "cvr": "12345678", "contact_name": "Ann",
            "contact_phone": "12", "contact_email": "a@b.dk"});
        let cases: Vec<(Vec<&str>, Method, &str, Value)> = vec![
            (
                [&["vendors", "add"][..], &vendor].concat(),
                Method::POST,
                "/api/v1/vendors",
                vendor_body.clone(),
            ),
            (
                [&["vendors", "update", "v1"][..], &vendor].concat(),
                Method::PUT,
                "/api/v1/vendors/v1",
                vendor_body,
            ),
            (
                vec!["municipalities", "set", "340", "--name", "Assens", "--cvr", "29189684"],
                Method::PUT,
                "/api/v1/municipalities/0340",
                json!({"name": "Assens", "cvr": "29189684"}),
            ),
            (
                vec!["systems", "add", "vikar", "--vendor", "v1"],
                Method::POST,
                "/api/v1/systems",
                json!({"name": "vikar", "vendor": "v1"}),
            ),
            (
                vec!["systems", "set-vendor", "vikar", "--vendor", "v2"],
                Method::PUT,
                "/api/v1/systems/vikar",
                json!({"vendor": "v2"}),
            ),
            (
                vec!["errors", "resolve", "e-1", "--note", "rettet i Opus"],
                Method::POST,
                "/api/v1/errors/e-1/resolve",
                json!({"note": "rettet i Opus"}),
            ),
            (
                vec!["errors", "discard", "e-1", "--note", "dublet"],
                Method::POST,
                "/api/v1/errors/e-1/discard",
                json!({"note": "dublet"}),
            ),
            (
                vec!["errors", "discard", "e-1"],
                Method::POST,
                "/api/v1/errors/e-1/discard",
                Value::Null,
            ),
            (
                vec!["errors", "resubmit", "e-1"],
                Method::POST,
                "/api/v1/errors/e-1/resubmit",
                Value::Null,
            ),
            (
                vec![
                    "systems",
                    "urgent-close",
                    "vikar",
                    "--reason",
                    "leak",
                    "--municipality",
                    "751",
                ],
                Method::POST,
                "/api/v1/systems/vikar/urgent-close",
                json!({"reason": "leak", "municipality": "0751"}),
            ),
            (
                vec![
                    "standard-integrations",
                    "add",
                    "--id",
                    "SI-0042",
                    "--vendor",
                    "v1",
                    "--system",
                    "vikar",
                    "--interface",
                    "medarbejderoplysninger",
                    "--interface",
                    "opret-fravaer,maskintimer",
                    "--certificate",
                    "ab12",
                ],
                Method::POST,
                "/api/v1/standard-integrations",
                json!({"id": "SI-0042", "vendor": "v1", "system": "vikar",
                    "interfaces": ["medarbejderoplysninger", "opret-fravaer", "maskintimer"], "certificate": "ab12"}),
            ),
            (
                vec![
                    "orders",
                    "create",
                    "--municipality",
                    "751",
                    "--system",
                    "vikar",
                    "--interface",
                    "opret-fravaer",
                ],
                Method::POST,
                "/api/v1/orders",
                json!({"municipality": "0751", "system": "vikar", "interfaces": ["opret-fravaer"], "package": false}),
            ),
            (
                vec![
                    "orders",
                    "create",
                    "--municipality",
                    "340",
                    "--system",
                    "vikar",
                    "--interface",
                    "medarbejderoplysninger,engangsydelse",
                    "--access",
                    "medarbejderoplysninger=read-write",
                    "--access",
                    "engangsydelse=read",
                ],
                Method::POST,
                "/api/v1/orders",
                json!({"municipality": "0340", "system": "vikar",
                    "interfaces": ["medarbejderoplysninger", "engangsydelse"], "package": false,
                    "access": {"medarbejderoplysninger": "read-write", "engangsydelse": "read"}}),
            ),
            (
                vec![
                    "orders",
                    "create",
                    "--municipality",
                    "751",
                    "--system",
                    "vikar",
                    "--package",
                    "--standard-integration",
                    "SI-0042",
                    "--certificate",
                    "ab12",
                    "--valid-from",
                    "2026-04-01",
                    "--note",
                    "n",
                ],
                Method::POST,
                "/api/v1/orders",
                json!({"municipality": "0751", "system": "vikar", "interfaces": [], "package": true,
                    "standard_integration": "SI-0042", "certificate": "ab12", "valid_from": "2026-04-01", "note": "n"}),
            ),
            (
                vec![
                    "orders",
                    "advance",
                    "o-1",
                    "clarified",
                    "--covered",
                    "opret-fravaer",
                    "--note",
                    "ok",
                ],
                Method::POST,
                "/api/v1/orders/o-1/advance",
                json!({"to": "clarified", "covered_by_contract": ["opret-fravaer"], "note": "ok"}),
            ),
            (
                vec!["orders", "advance", "o-1", "access_set_up", "--certificate", "ab12"],
                Method::POST,
                "/api/v1/orders/o-1/advance",
                json!({"to": "access_set_up", "certificate": "ab12"}),
            ),
            (
                vec!["orders", "cancel", "o-1"],
                Method::POST,
                "/api/v1/orders/o-1/advance",
                json!({"to": "cancelled"}),
            ),
            (
                vec!["orders", "close", "o-1"],
                Method::POST,
                "/api/v1/orders/o-1/close",
                json!({}),
            ),
            (
                vec!["orders", "close", "o-1", "--on", "2026-06-30", "--reason", "ended"],
                Method::POST,
                "/api/v1/orders/o-1/close",
                json!({"on": "2026-06-30", "reason": "ended"}),
            ),
            (
                vec!["dueslag", "create", "--name", "Fravær", "--system", "dagtilbud"],
                Method::POST,
                "/api/v1/dueslag",
                json!({"name": "Fravær", "system": "dagtilbud"}),
            ),
            (
                vec![
                    "dueslag",
                    "create",
                    "--name",
                    "Fravær",
                    "--system",
                    "dagtilbud",
                    "--push-url",
                    "https://modtager.example/modtag",
                    "--inactive",
                    "--max-attempts",
                    "3",
                    "--id",
                    "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c",
                ],
                Method::POST,
                "/api/v1/dueslag",
                json!({"name": "Fravær", "system": "dagtilbud", "push_url": "https://modtager.example/modtag",
                    "active": false, "max_attempts": 3, "id": "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c"}),
            ),
            (
                vec!["dueslag", "change", "d-1", "--name", "Ny"],
                Method::PUT,
                "/api/v1/dueslag/d-1",
                json!({"name": "Ny"}),
            ),
            (
                vec![
                    "dueslag",
                    "change",
                    "d-1",
                    "--active",
                    "false",
                    "--push-url",
                    "",
                    "--max-attempts",
                    "5",
                ],
                Method::PUT,
                "/api/v1/dueslag/d-1",
                json!({"active": false, "push_url": "", "max_attempts": 5}),
            ),
            (
                vec!["dueslag", "change", "d-1", "--active", "true"],
                Method::PUT,
                "/api/v1/dueslag/d-1",
                json!({"active": true}),
            ),
            (
                vec!["dueslag", "activate", "d-1"],
                Method::PUT,
                "/api/v1/dueslag/d-1",
                json!({"active": true}),
            ),
            (
                vec!["dueslag", "deactivate", "d-1"],
                Method::PUT,
                "/api/v1/dueslag/d-1",
                json!({"active": false}),
            ),
            (
                vec![
                    "dueslag",
                    "subscribe",
                    "d-1",
                    "--filter",
                    r#"{"beskedtype": ["absence.created"], "myndighed": ["0340"], "kle": "81.03"}"#,
                ],
                Method::POST,
                "/api/v1/dueslag/d-1/subscriptions",
                json!({"filter": {"beskedtype": ["absence.created"], "myndighed": ["0340"], "kle": "81.03"}}),
            ),
            (
                vec!["dueslag", "subscribe", "d-1", "--filter", "{}"],
                Method::POST,
                "/api/v1/dueslag/d-1/subscriptions",
                json!({"filter": {}}),
            ),
            (
                vec!["dueslag", "requeue", "d-1", "17"],
                Method::POST,
                "/api/v1/dueslag/d-1/deliveries/17/requeue",
                Value::Null,
            ),
            (
                vec!["dueslag", "fejlkoe", "d-1", "17"],
                Method::POST,
                "/api/v1/dueslag/d-1/deliveries/17/fejlkoe",
                Value::Null,
            ),
            (
                vec!["dueslag", "unsubscribe", "d-1", "s-1"],
                Method::DELETE,
                "/api/v1/dueslag/d-1/subscriptions/s-1",
                Value::Null,
            ),
            (
                vec!["publisher-tokens", "issue", "dagtilbud"],
                Method::POST,
                "/api/v1/systems/dagtilbud/publisher-tokens",
                json!({}),
            ),
            (
                vec!["publisher-tokens", "issue", "dagtilbud", "--valid-days", "7"],
                Method::POST,
                "/api/v1/systems/dagtilbud/publisher-tokens",
                json!({"valid_days": 7}),
            ),
            (
                vec!["publisher-token", "issue", "dagtilbud", "--valid-seconds", "90"],
                Method::POST,
                "/api/v1/systems/dagtilbud/publisher-tokens",
                json!({"valid_seconds": 90}),
            ),
            (
                vec!["publisher-tokens", "revoke", "dagtilbud", "t-1"],
                Method::DELETE,
                "/api/v1/systems/dagtilbud/publisher-tokens/t-1",
                Value::Null,
            ),
            (
                vec![
                    "tokens",
                    "create",
                    "sorø-løn",
                    "--role",
                    "municipality",
                    "--scope",
                    "0340",
                ],
                Method::POST,
                "/api/v1/tokens",
                json!({"name": "sorø-løn", "role": "municipality", "scope": "0340"}),
            ),
            (
                vec!["token", "create", "revisor", "--role", "auditor", "--expires", "30d"],
                Method::POST,
                "/api/v1/tokens",
                json!({"name": "revisor", "role": "auditor", "expires": "30d"}),
            ),
            (
                vec!["tokens", "revoke", "t-1"],
                Method::DELETE,
                "/api/v1/tokens/t-1",
                Value::Null,
            ),
        ];
        for (args, method, path, body) in cases {
            assert_eq!(mapped(&args), (method, path.to_string(), vec![], body), "{args:?}");
        }
    }

    #[test]
    fn the_actor_goes_into_every_write_body_and_may_come_anywhere() {
        let (_, _, _, body) = mapped(&["--actor", "kmd-am", "orders", "cancel", "o-1"]);
        assert_eq!(body, json!({"to": "cancelled", "actor": "kmd-am"}));
        let (_, _, _, body) = mapped(&["orders", "close", "o-1", "--actor", "kmd-am"]);
        assert_eq!(body, json!({"actor": "kmd-am"}));
        let (_, _, _, body) = mapped(&["systems", "add", "s", "--vendor", "v", "--actor", "x"]);
        assert_eq!(body, json!({"name": "s", "vendor": "v", "actor": "x"}));
        // Reads carry no body.
        assert_eq!(mapped(&["--actor", "x", "orders", "list"]).3, Value::Null);
        let (_, _, _, body) = mapped(&["dueslag", "deactivate", "d-1", "--actor", "x"]);
        assert_eq!(body, json!({"active": false, "actor": "x"}));
        let (_, _, _, body) = mapped(&["--actor", "x", "dueslag", "subscribe", "d-1", "--kle", "81"]);
        assert_eq!(body, json!({"filter": {"kle": "81"}, "actor": "x"}));
        let (_, _, _, body) = mapped(&["--actor", "x", "publisher-tokens", "issue", "s"]);
        assert_eq!(body, json!({"actor": "x"}));
        let (_, _, _, body) = mapped(&["--actor", "x", "dueslag", "create", "--name", "n", "--system", "s"]);
        assert_eq!(body, json!({"name": "n", "system": "s", "actor": "x"}));
        // A revocation's actor goes in the query, where the server reads it.
        let (method, path, query, body) = mapped(&["--actor", "x", "publisher-tokens", "revoke", "s", "t-1"]);
        assert_eq!(
            (method, path, query, body),
            (
                Method::DELETE,
                "/api/v1/systems/s/publisher-tokens/t-1".into(),
                q(&[("actor", "x")]),
                Value::Null
            )
        );
    }

    #[test]
    fn a_subscription_filter_is_built_from_the_field_options() {
        let (method, path, _, body) = mapped(&[
            "dueslag",
            "subscribe",
            "d-1",
            "--beskedtype",
            "absence.created",
            "--beskedtype",
            "absence.changed,absence.deleted",
            "--myndighed",
            "0340",
            "--myndighed",
            "urn:oio:cvr-nr:29189730",
            "--objekttype",
            "fravaer",
            "--objekthandling",
            "oprettet,slettet",
            "--kle",
            "81.03",
            "--vaerdiliste",
            "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c",
        ]);
        assert_eq!(
            (method, path.as_str()),
            (Method::POST, "/api/v1/dueslag/d-1/subscriptions")
        );
        assert_eq!(
            body,
            json!({"filter": {
                "beskedtype": ["absence.created", "absence.changed", "absence.deleted"],
                "myndighed": ["0340", "urn:oio:cvr-nr:29189730"],
                "objekttype": ["fravaer"],
                "objekthandling": ["oprettet", "slettet"],
                "kle": "81.03",
                "vaerdiliste": "6f1c3a52-5b0e-4c57-9a55-0d1e2f3a4b5c",
            }})
        );
        // Fields not given are left out, not sent empty.
        let (_, _, _, body) = mapped(&["dueslag", "subscribe", "d-1", "--myndighed", "29189730"]);
        assert_eq!(body, json!({"filter": {"myndighed": ["29189730"]}}));
        // What is sent is a filter the server's own parser and checks accept.
        let filter: Filter = serde_json::from_value(body["filter"].clone()).unwrap();
        assert_eq!(filter.validate(), Ok(()));
    }

    #[test]
    fn an_invalid_filter_is_refused_before_anything_is_sent() {
        for (args, says) in [
            (&["--filter", "{"][..], "not a subscription filter"),
            (&["--filter", "[]"], "not a JSON object"),
            (&["--filter", r#"[["absence.created"]]"#], "not a JSON object"),
            (&["--filter", r#"{"beskedtype": 5}"#], "a string or a list of strings"),
            (&["--filter", r#"{"kommune": ["0340"]}"#], "unknown field `kommune`"),
            (&["--filter", r#"{"myndighed": ["Sorø"]}"#], "myndighed: 'Sorø'"),
            (&["--filter", r#"{"vaerdiliste": "x"}"#], "vaerdiliste: 'x'"),
            (&["--myndighed", "Sorø"], "myndighed: 'Sorø'"),
            (&["--kle", "81.x"], "kle: '81.x'"),
            (&["--vaerdiliste", "not-a-uuid"], "vaerdiliste: 'not-a-uuid'"),
            (&["--beskedtype", ""], "beskedtype: ugyldig værdi ''"),
            (&["--filter", "{}", "--kle", "81"], "cannot be used with"),
            (&[], "required arguments were not provided"),
        ] {
            let argv = ["admin", "dueslag", "subscribe", "d-1"]
                .into_iter()
                .chain(args.iter().copied());
            let e = Cli::try_parse_from(argv)
                .err()
                .unwrap_or_else(|| panic!("{args:?} parsed"));
            assert_eq!(e.exit_code(), 2, "{args:?}");
            let text = e.to_string();
            assert!(text.contains(says), "{args:?}: {text}");
        }
    }

    #[test]
    fn an_invalid_access_level_is_refused_before_anything_is_sent() {
        for (access, says) in [
            ("medarbejderoplysninger", "is not <interface>=read"),
            ("medarbejderoplysninger=write", "read or read-write"),
            ("nope=read", "unknown interface"),
        ] {
            let argv = [
                "admin",
                "orders",
                "create",
                "--municipality",
                "340",
                "--system",
                "vikar",
                "--interface",
                "medarbejderoplysninger",
                "--access",
                access,
            ];
            let e = Cli::try_parse_from(argv)
                .err()
                .unwrap_or_else(|| panic!("{access} parsed"));
            assert_eq!(e.exit_code(), 2, "{access}");
            assert!(e.to_string().contains(says), "{access}: {e}");
        }
    }

    #[test]
    fn uploads_send_the_file_with_its_type() {
        let r = req(&["systems", "upload-certificate", "vikar", "certs/Vikar.ZIP"]);
        assert_eq!(
            (r.method.clone(), r.path()),
            (Method::POST, "/api/v1/systems/vikar/certificates".into())
        );
        assert_eq!(r.body, Body::File("certs/Vikar.ZIP".into(), "application/zip"));
        let r = req(&["systems", "upload-certificate", "vikar", "leaf+chain.pem"]);
        assert_eq!(r.body, Body::File("leaf+chain.pem".into(), "application/x-pem-file"));
        let r = req(&["crls", "upload", "ca.crl"]);
        assert_eq!((r.method.clone(), r.path()), (Method::POST, "/api/v1/crls".into()));
        assert_eq!(r.body, Body::File("ca.crl".into(), "application/pkix-crl"));
        let r = req(&["price-list", "set", "p.json", "--actor", "x"]);
        assert_eq!((r.method.clone(), r.path()), (Method::PUT, "/api/v1/price-list".into()));
        assert_eq!(r.body, Body::PriceList("p.json".into(), Some("x".into())));
    }

    #[test]
    fn a_price_list_file_loses_its_version() {
        let shown = r#"{"startup_fee": {"opret-fravaer": "40000.00"}, "running_fee": {}, "package_running_fee": "1.00",
            "setup_fee_standard": "2.00", "setup_fee_individual": "3.00", "valid_from": "2026-01-01", "version": 3}"#;
        let body = price_list_body(shown, &Some("me".into())).unwrap();
        assert_eq!(body.get("version"), None);
        assert_eq!(body["startup_fee"]["opret-fravaer"], "40000.00");
        assert_eq!(body["actor"], "me");
        assert!(price_list_body(shown, &None).unwrap().get("actor").is_none());
        assert!(price_list_body("[1]", &None).is_err());
        assert!(price_list_body("{", &None).is_err());
    }

    #[test]
    fn urls_encode_segments_and_keep_the_base_path() {
        let r = req(&["systems", "set-vendor", "a b/c?", "--vendor", "v"]);
        assert_eq!(
            r.url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/api/v1/systems/a%20b%2Fc%3F"
        );
        let r = req(&["orders", "list", "--system", "a&b=c"]);
        assert_eq!(
            r.url("https://admin.example/snitflade/").unwrap().as_str(),
            "https://admin.example/snitflade/api/v1/orders?system=a%26b%3Dc"
        );
        assert!(r.url("not a url").is_err());
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for args in [
            &["orders", "advance", "o-1", "done"][..],
            &["orders", "create", "--municipality", "751", "--system", "s"],
            &[
                "orders",
                "create",
                "--municipality",
                "751",
                "--system",
                "s",
                "--interface",
                "nope",
            ],
            &["orders", "create", "--municipality", "x", "--system", "s", "--package"],
            &["orders", "close", "o-1", "--on", "30-06-2026"],
            &["invoices", "--period", "2026-3"],
            &["invoices", "--period", "2026-13"],
            &["invoices"],
            &["vendors", "add", "--name", "x"],
            &[
                "standard-integrations",
                "add",
                "--id",
                "x",
                "--vendor",
                "v",
                "--system",
                "s",
                "--certificate",
                "f",
            ],
            &["systems", "urgent-close", "s"],
            &["dueslag", "create", "--name", "n"],
            &[
                "dueslag",
                "create",
                "--name",
                "n",
                "--system",
                "s",
                "--max-attempts",
                "-1",
            ],
            &["dueslag", "change", "d-1"],
            &["dueslag", "change", "d-1", "--active", "yes"],
            &["dueslag", "deliveries", "d-1", "--state", "fejlkoe"],
            &["dueslag", "requeue", "d-1", "x"],
            &["dueslag", "unsubscribe", "d-1"],
            &["envelope", "x"],
            &[
                "publisher-tokens",
                "issue",
                "s",
                "--valid-days",
                "1",
                "--valid-seconds",
                "1",
            ],
            &["publisher-tokens", "issue", "s", "--valid-days", "-3"],
            &["publisher-tokens", "revoke", "s"],
        ] {
            let argv = std::iter::once("admin").chain(args.iter().copied());
            let e = Cli::try_parse_from(argv)
                .err()
                .unwrap_or_else(|| panic!("{args:?} parsed"));
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn the_states_are_the_domain_states_in_order() {
        use snitflade_domain::orders::OrderState;
        let states: Vec<OrderState> = STATES
            .iter()
            .map(|s| serde_json::from_value(json!(s)).unwrap())
            .collect();
        for (s, state) in STATES.iter().zip(&states) {
            assert_eq!(state.as_str(), *s);
        }
        assert!(states[..7].windows(2).all(|w| w[0] < w[1]));
        assert_eq!(states[7], OrderState::Cancelled);
    }

    #[test]
    fn the_token_comes_from_the_option_or_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let token = |a: &AdminArgs| read_token(a.connection.token.as_deref(), &a.connection.data_dir);
        assert_eq!(token(&parse(&["--token", "t", "vendors", "list"])).unwrap(), "t");
        let from_dir = parse(&["vendors", "list", "--data-dir", d]);
        assert!(token(&from_dir).is_err());
        std::fs::write(dir.path().join("admin-token"), " s3cret\n").unwrap();
        assert_eq!(token(&from_dir).unwrap(), "s3cret");
        std::fs::write(dir.path().join("admin-token"), "\n").unwrap();
        assert!(token(&from_dir).is_err());
    }

    #[test]
    fn error_answers_show_the_servers_text() {
        use reqwest::StatusCode;
        assert_eq!(
            error_message(
                StatusCode::CONFLICT,
                r#"{"error": "a vendor with CVR 12345678 exists"}"#
            ),
            "error: a vendor with CVR 12345678 exists (409 Conflict)"
        );
        assert_eq!(
            error_message(StatusCode::BAD_GATEWAY, "upstream down\n"),
            "error: upstream down (502 Bad Gateway)"
        );
        assert_eq!(error_message(StatusCode::NOT_FOUND, ""), "error: 404 Not Found");
    }
}
