//! Client machinery for driving a `snitflade` server from the outside: mTLS
//! clients built from a demo data directory, the machine-hours registration
//! message, the admin API, a supervised server process, a closed-loop load
//! generator and the crash (durability) check.
//!
//! The `snitflade-load` binary is a thin CLI over this library; the
//! project's integration tests use the same pieces.
//!
//! Layout of a demo data directory as created by `snitflade serve --demo`:
//!
//! ```text
//! DIR/pki/ca.pem                       CA that signs server and client certs
//! DIR/pki/clients/<system>.pem         client certificate (chain)
//! DIR/pki/clients/<system>-key.pem     its unencrypted PEM private key
//! DIR/admin-token                      bearer token for the admin API
//! ```

pub mod absence;
pub mod admin;
pub mod beskedfordeler;
pub mod ceiling;
pub mod console;
pub mod crash;
pub mod duration;
pub mod employee_list;
pub mod hostile;
pub mod load;
pub mod message;
pub mod onetime;
pub mod personalemappe;
pub mod report;
pub mod server;
pub mod soak;
pub mod tls;
pub mod zlpe_import;

pub use admin::{Admin, admin_token};
pub use crash::{CrashCheckConfig, RoundResult, run_crash_check};
pub use duration::{format_duration, parse_duration};
pub use load::{AckWriter, LoadConfig, LoadControl, LoadHandle, LoadOutcome, StopCondition, start_load};
pub use message::{
    REGISTRATION_PATH, Registration, SOAP_ACTION, new_ex_ident, registration_url, registration_xml, send_registration,
};
pub use report::{LatencySummary, LoadReport};
pub use server::{ServerOptions, ServerProcess, parse_ready_line};
pub use tls::{
    DEFAULT_SYSTEM, client_from_config, client_without_certificate, mtls_client, mtls_client_config,
    trust_only_client_config,
};
