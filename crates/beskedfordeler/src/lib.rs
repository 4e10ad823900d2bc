//! The Beskedfordeler (KOMBIT SF1460): every accepted change in the outbox becomes a `Haendelsesbesked`
//! (`envelope`), routed by subscriptions (`filter`) into dueslag (`dueslag`), and delivered from the database by
//! HTTPS push (`distributor`, SF1460_A) — no RabbitMQ needed. With RabbitMQ (`amqp`), pull dueslag are queues
//! (SF1460_D) and other systems publish their own messages (SF1460_C, `received`, with `tokens`). A dueslag receives
//! only what its system's grants let it see (`visibility`).

pub mod amqp;
pub mod certificate_expiry;
pub mod distributor;
pub mod dueslag;
pub mod envelope;
pub mod filter;
pub mod lease;
pub mod readings;
pub mod received;
pub mod tokens;
pub mod visibility;

pub use distributor::{DeliveryConfig, Distributor, QueueType};
