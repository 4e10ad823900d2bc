//! Durable storage for snitflade: one API over SQLite (the embedded default) and PostgreSQL.
//!
//! Both engines run the same portable SQL through sqlx's `Any` driver; what differs (connection pragmas) is in
//! [`db`]. Every write goes through one writer task ([`writer`]) that commits batches: a caller is answered only
//! after its change is committed (durable before acknowledged), and many callers share one fsync.

pub mod absence;
pub mod access;
pub mod admin_audit;
pub mod api_tokens;
mod batch_tail;
pub mod catalogues;
pub mod changes;
pub mod data_dir;
pub mod db;
pub mod document_files;
pub mod documents;
pub mod dueslag;
pub mod errors;
pub mod fixed_supplements;
mod gathered;
pub mod holiday_transfers;
pub mod hr;
pub mod hr_derived;
pub mod hr_reads;
pub mod idempotency;
pub mod landscape;
pub mod leases;
pub mod maskintimer;
pub mod oidc_flows;
pub mod onetime;
pub mod orders;
pub mod outbox;

pub mod payroll;
pub mod publishing;
mod query_plans;
pub mod retention;
pub mod retry;
pub mod schedules;
pub mod stats;
pub mod sts_messages;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod time_data;
pub mod traffic;
pub mod users;
pub mod vaerdilister;
pub mod vendors;
pub mod writer;

pub use db::{Engine, Store};
pub use writer::{BoxFuture, Tx};

/// A storage failure. Callers map it to a `Server` fault or HTTP 500; the message names no personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// The write was not committed: the writer has stopped, or the batch it was in failed before it ran.
    #[error("the write was not committed (the writer stopped or its batch failed)")]
    Closed,
    /// The database cannot be reached (its connection was lost and is not back yet). The write was not committed
    /// — or, when the connection was lost while committing, its outcome is unknown; a resend is safe either way
    /// (the interfaces' idempotency keys answer a resend of a stored write as the first one).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database URL names no engine snitflade has.
    #[error("{0}")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// Whether a unique constraint refused the write (the thing exists already).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// Whether the database could not be reached (rather than refusing the operation): the connection was lost
    /// or is not back, or the read pool found none in time.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Db(e) => db::is_connection_error(e) || matches!(e, sqlx::Error::PoolTimedOut),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The current time as stored: RFC 3339 UTC with microseconds, so that text order is time order.
pub fn now_text() -> String {
    timestamp_text(jiff::Timestamp::now())
}

pub fn timestamp_text(t: jiff::Timestamp) -> String {
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}
