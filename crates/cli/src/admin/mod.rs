//! `snitflade admin …`: a command-line client of every route of the admin API (the landscape's are `snitflade
//! landscape`, in [`crate::landscape`]). Each area is a file of its own: its subcommands and the one request each
//! makes (pure, unit-tested); [`routes`] lists every route with a command that calls it, and a test holds the list
//! against `openapi.json` both ways. [`run`] sends the request with the bearer token (`--token`: an API token acting
//! as its role, else the admin token) and prints the answer — pretty JSON (CSV and text as they come) on stdout; on
//! a non-2xx answer the server's `error` text on stderr and exit code 1.

mod args;
mod audit;
mod beskedfordeler;
mod billing;
mod catalogues;
mod certificates;
mod client;
mod dueslag;
mod errors;
mod grants;
mod holiday;
mod locks;
mod orders;
mod registrations;
pub(crate) mod request;
#[cfg(test)]
mod routes;
mod server;
mod sts;
mod systems;
mod tokens;
mod traffic;
mod users;
mod vendors;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

pub use client::AdminConnection;
pub(crate) use request::{Body, Request, text};

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
    Vendors(vendors::VendorCommand),
    /// The customers: municipalities.
    #[command(subcommand)]
    Municipalities(vendors::MunicipalityCommand),
    /// External systems, their vendor and certificates, urgent closing.
    #[command(subcommand)]
    Systems(systems::SystemCommand),
    /// The systems' certificates and the ones about to expire.
    #[command(subcommand)]
    Certificates(certificates::CertificateCommand),
    /// Certificate revocation lists.
    #[command(subcommand)]
    Crls(certificates::CrlCommand),
    /// Standard integration agreements (vendor, system, interfaces, certificate).
    #[command(subcommand)]
    StandardIntegrations(orders::StandardIntegrationCommand),
    /// The price list orders are priced by.
    #[command(subcommand)]
    PriceList(billing::PriceListCommand),
    /// Orders of access (the contract addendum) and their steps.
    #[command(subcommand)]
    Orders(orders::OrderCommand),
    /// The fees of one period, per municipality.
    Invoices(billing::InvoiceArgs),
    /// Grants: which system may call which interface in which municipality, at which access level.
    #[command(subcommand, alias = "grant")]
    Grants(grants::GrantCommand),
    /// A municipality's payroll catalogue (wage types, cost centres, PSP elements) that Engangsydelser and IND01
    /// check against.
    #[command(subcommand)]
    PayrollCatalogue(catalogues::CatalogueCommand),
    /// Employees locked for payroll changes (one-time payments for them are refused with KMD's code 138).
    #[command(subcommand, alias = "employee-lock")]
    EmployeeLocks(locks::LockCommand),
    /// A municipality's absence types: the catalogue Opret fravær accepts.
    #[command(subcommand)]
    AbsenceTypes(catalogues::CatalogueCommand),
    /// A municipality's document types for Personalemappe and the KLE folders they are filed in.
    #[command(subcommand)]
    DocumentTypes(catalogues::CatalogueCommand),
    /// An employee's holiday transfers to the next holiday year (Ferieloven §§ 21-22).
    #[command(subcommand, alias = "holiday-transfer")]
    HolidayTransfers(holiday::HolidayTransferCommand),
    /// Accepted machine-hours (Maskintimer) registrations, ordered by EX_IDENT.
    Registrations(registrations::RegistrationArgs),
    /// One day's calls and refusals per municipality, interface and calling system.
    Traffic(traffic::TrafficArgs),
    /// The Security Token Service (Adgangsstyring, SF1514).
    #[command(subcommand)]
    Sts(sts::StsCommand),
    /// Reads and writes of personal data through the services, newest first.
    Audit(audit::AuditArgs),
    /// Admin actions, newest first.
    AuditAdmin(audit::AdminAuditArgs),
    /// The Beskedfordeler's dueslag (a receiving system's message box), their subscriptions and deliveries.
    #[command(subcommand)]
    Dueslag(dueslag::DueslagCommand),
    /// The event outbox in distribution order (every event, before any subscription filter).
    Events(beskedfordeler::EventArgs),
    /// Every event kind with its stable Beskedtype UUID.
    Beskedtyper,
    /// An event as the Haendelsesbesked (XML) a subscriber receives.
    Envelope {
        /// The event's outbox sequence number.
        seq: i64,
    },
    /// The tokens a system puts in the messages it publishes over AMQP (SF1460_C).
    #[command(subcommand, alias = "publisher-token")]
    PublisherTokens(beskedfordeler::PublisherTokenCommand),
    /// A pulling system's own RabbitMQ login, limited to its own dueslag's queues.
    #[command(subcommand)]
    AmqpCredentials(beskedfordeler::AmqpCredentialCommand),
    /// The error-handling table: requests and file lines that could not be processed, to correct and resubmit,
    /// discard or mark resolved.
    #[command(subcommand, alias = "error")]
    Errors(errors::ErrorCommand),
    /// Named API tokens: each authenticates its holder as one role (operator, municipality, vendor, auditor).
    #[command(subcommand, alias = "token")]
    Tokens(tokens::TokenCommand),
    /// The console's people: each signs in to the console and acts as one role, like a token.
    #[command(subcommand, alias = "user")]
    Users(users::UserCommand),
    /// Who the token (--token, else admin-token in the data dir) authenticates.
    Whoami,
    /// Liveness: exit code 0 while the server runs (no token needed).
    Health,
    /// Readiness: exit code 0 when the server takes requests (database writable, RabbitMQ connected when
    /// configured), else 1 with the reason (no token needed).
    Ready,
    /// The Prometheus metrics, as a scraper sees them (no token needed).
    Metrics,
    /// The OpenAPI document describing every admin route (no token needed).
    Openapi(server::OpenApiArgs),
}

/// The request a subcommand makes.
fn request(command: &AdminCommand, actor: &Option<String>) -> Request {
    use AdminCommand as C;
    match command {
        C::Vendors(c) => c.request(actor),
        C::Municipalities(c) => c.request(actor),
        C::Systems(c) => c.request(actor),
        C::Certificates(c) => c.request(),
        C::Crls(c) => c.request(),
        C::StandardIntegrations(c) => c.request(actor),
        C::PriceList(c) => c.request(actor),
        C::Orders(c) => c.request(actor),
        C::Invoices(a) => a.request(),
        C::Grants(c) => c.request(),
        C::PayrollCatalogue(c) => c.request(catalogues::PAYROLL),
        C::EmployeeLocks(c) => c.request(),
        C::AbsenceTypes(c) => c.request(catalogues::ABSENCE_TYPES),
        C::DocumentTypes(c) => c.request(catalogues::DOCUMENT_TYPES),
        C::HolidayTransfers(c) => c.request(),
        C::Registrations(a) => a.request(),
        C::Traffic(a) => a.request(),
        C::Sts(c) => c.request(),
        C::Audit(a) => a.request(),
        C::AuditAdmin(a) => a.request(),
        C::Dueslag(c) => c.request(actor),
        C::Events(a) => a.request(),
        C::Beskedtyper => beskedfordeler::beskedtyper(),
        C::Envelope { seq } => beskedfordeler::envelope(*seq),
        C::PublisherTokens(c) => c.request(actor),
        C::AmqpCredentials(c) => c.request(),
        C::Errors(c) => c.request(),
        C::Tokens(c) => c.request(),
        C::Users(c) => c.request(),
        C::Whoami => tokens::whoami(),
        C::Health => server::health(),
        C::Ready => server::ready(),
        C::Metrics => server::metrics(),
        C::Openapi(a) => a.request(),
    }
}

/// The file a subcommand writes its answer to, if any.
fn output(command: &AdminCommand) -> Option<&Path> {
    match command {
        AdminCommand::Openapi(a) => a.out.as_deref(),
        _ => None,
    }
}

/// The request of a parsed `snitflade admin` command line (for the route table's test).
#[cfg(test)]
pub(crate) fn request_of(args: &AdminArgs) -> Request {
    request(&args.command, &args.connection.actor)
}

/// Runs one `snitflade admin` subcommand. Exit code 0: a 2xx answer, printed on stdout (or written to the `-o`
/// file); 1: an error answer (its text on stderr) or no answer.
pub async fn run(args: AdminArgs) -> Result<ExitCode> {
    let request = request(&args.command, &args.connection.actor);
    args.connection.run(&request, output(&args.command)).await
}

#[cfg(test)]
mod tests;
