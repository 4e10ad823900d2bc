//! RabbitMQ (with `--amqp-url`): SF1460_D, where every active dueslag without a push endpoint is a durable queue
//! named by its UUID that snitflade fills from the database (persistent messages, publisher confirms; a message is
//! marked delivered only once RabbitMQ has confirmed it, and it leaves the queue only when the reader acks it); and
//! SF1460_C, where other systems publish to the exchange `AFSEND_BESKED_EXCHANGE` and snitflade answers each
//! message with a `StandardRetur` on its `replyTo`.
//!
//! The database stays the source of truth: the connection may drop at any time, and the next session picks up
//! where the last confirmed message left off.

mod forward;
mod publish;

pub use publish::{StatusKode, standard_retur};

use crate::DeliveryConfig;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use snitflade_access::AccessControl;
use snitflade_store::Store;
use std::time::Duration;

/// The exchange publishers send to (SF1460_C).
pub const AFSEND_EXCHANGE: &str = "AFSEND_BESKED_EXCHANGE";

/// The AMQP side of the Beskedfordeler.
pub struct Amqp {
    url: String,
    store: Store,
    access: AccessControl,
    config: DeliveryConfig,
}

impl Amqp {
    pub fn new(url: String, store: Store, access: AccessControl, config: DeliveryConfig) -> Self {
        Self {
            url,
            store,
            access,
            config,
        }
    }

    /// Runs until `shutdown` completes, reconnecting (with backoff) whenever the connection is lost.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut failures = 0i64;
        loop {
            let session = self.session();
            tokio::select! {
                _ = &mut shutdown => return,
                outcome = session => {
                    failures += 1;
                    match outcome {
                        Ok(()) => tracing::warn!("the RabbitMQ session ended; reconnecting"),
                        Err(e) => tracing::warn!(error = %e, "RabbitMQ is unavailable; reconnecting"),
                    }
                }
            }
            metrics::counter!("snitflade_amqp_reconnects_total").increment(1);
            let wait = self.config.backoff(failures.min(8));
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One connection: topology, the inbound consumer and the forwarder, until one of them fails.
    async fn session(&self) -> Result<(), lapin::Error> {
        let conn = Connection::connect(&self.url, ConnectionProperties::default()).await?;
        let setup = conn.create_channel().await?;
        setup
            .exchange_declare(
                AFSEND_EXCHANGE.into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        let queue = self.config.amqp_inbound_queue.as_str();
        setup
            .queue_declare(queue.into(), QueueDeclareOptions::durable(), FieldTable::default())
            .await?;
        setup
            .queue_bind(
                queue.into(),
                AFSEND_EXCHANGE.into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        tracing::info!(exchange = AFSEND_EXCHANGE, queue, "connected to RabbitMQ");
        let inbound = publish::Inbound::start(&conn, self.store.clone(), self.access.clone(), &self.config).await?;
        let forwarder = forward::Forwarder::start(&conn, self.store.clone(), self.config.clone()).await?;
        let outcome = tokio::select! {
            r = inbound.run() => r,
            r = forwarder.run() => r,
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), conn.close(200, "snitflade".into())).await;
        outcome
    }
}
