//! The Beskedfordeler (KOMBIT SF1460): every accepted change in the outbox becomes a `Haendelsesbesked`
//! (`envelope`), routed by subscriptions (`filter`) into dueslag (`dueslag`), and delivered from the database by
//! HTTPS push (`distributor`, SF1460_A) — no RabbitMQ needed.

pub mod distributor;
pub mod dueslag;
pub mod envelope;
pub mod filter;

pub use distributor::{DeliveryConfig, Distributor};
