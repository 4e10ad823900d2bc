//! RabbitMQ (with `--amqp-url`): SF1460_D, where every active dueslag without a push endpoint is a durable queue
//! named by its system and its UUID ([`queue_name`]), read by the system with its own broker login
//! (`credentials`), that snitflade fills from the database (persistent messages, publisher confirms; a message is
//! marked delivered only once RabbitMQ has confirmed it, and it leaves the queue only when the reader acks it); and
//! SF1460_C, where other systems publish to the exchange `AFSEND_BESKED_EXCHANGE` and snitflade answers each
//! message with a `StandardRetur` on its `replyTo`.
//!
//! The database stays the source of truth: the connection may drop at any time, and the next session picks up
//! where the last confirmed message left off. Forwarding is delivery, like pushing: of several instances on one
//! database only the holder of the delivery lease (`crate::lease`) forwards.

pub mod credentials;
mod forward;
mod publish;

pub use credentials::{Broker, queue_name};
pub use publish::{StatusKode, standard_retur};

use crate::DeliveryConfig;
use crate::distributor::QueueType;
use crate::lease::Lease;
use crate::readings::Readings;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::uri::AMQPUri;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use snitflade_access::AccessControl;
use snitflade_store::Store;
use snitflade_store::retry::{Backoff, RepeatLog};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The error queue of `queue`: where a quorum queue puts a message delivered more than its delivery limit.
pub fn error_queue(queue: &str) -> String {
    format!("{queue}.fejl")
}

/// Declares the durable `queue` as configured (`amqp_queue_type`): a quorum queue with a delivery limit gets its
/// error queue first, and sends a message that reached the limit there.
pub(crate) async fn declare_queue(channel: &Channel, queue: &str, config: &DeliveryConfig) -> Result<(), lapin::Error> {
    let mut arguments = FieldTable::default();
    if config.amqp_queue_type == QueueType::Quorum {
        let quorum = || AMQPValue::LongString("quorum".into());
        arguments.insert("x-queue-type".into(), quorum());
        if config.amqp_delivery_limit > 0 {
            let fejl = error_queue(queue);
            let mut error_arguments = FieldTable::default();
            error_arguments.insert("x-queue-type".into(), quorum());
            channel
                .queue_declare(fejl.as_str().into(), QueueDeclareOptions::durable(), error_arguments)
                .await?;
            let limit = i64::from(config.amqp_delivery_limit);
            arguments.insert("x-delivery-limit".into(), AMQPValue::LongLongInt(limit));
            arguments.insert("x-dead-letter-exchange".into(), AMQPValue::LongString("".into()));
            arguments.insert(
                "x-dead-letter-routing-key".into(),
                AMQPValue::LongString(fejl.as_str().into()),
            );
        }
    }
    channel
        .queue_declare(queue.into(), QueueDeclareOptions::durable(), arguments)
        .await?;
    Ok(())
}

/// The exchange publishers send to (SF1460_C).
pub const AFSEND_EXCHANGE: &str = "AFSEND_BESKED_EXCHANGE";

/// The AMQP side of the Beskedfordeler.
pub struct Amqp {
    uri: AMQPUri,
    store: Store,
    access: AccessControl,
    /// Checks STS tokens in published messages' `token` headers (without it only publisher tokens are accepted).
    sts: Option<Arc<dyn crate::tokens::StsTokens>>,
    config: DeliveryConfig,
    /// Forwarding is delivery: only while this process holds the delivery lease.
    lease: Arc<Lease>,
    /// What delivery checks against, shared with the router and the pusher (`Distributor::readings`).
    readings: Readings,
    /// Changes when the router has queued deliveries (`Distributor::routed`).
    routed: watch::Receiver<u64>,
    status: AmqpStatus,
    log: RepeatLog,
}

/// Whether the RabbitMQ session is up, and why not (for readiness). Cheap to clone.
#[derive(Clone, Default)]
pub struct AmqpStatus(Arc<Mutex<Session>>);

#[derive(Default)]
struct Session {
    connected: bool,
    /// Why the last session ended or could not start.
    error: Option<String>,
}

impl AmqpStatus {
    pub fn connected(&self) -> bool {
        self.0.lock().expect("AMQP status").connected
    }

    /// Why there is no session (the last failure), while there is none.
    pub fn error(&self) -> Option<String> {
        let s = self.0.lock().expect("AMQP status");
        if s.connected { None } else { s.error.clone() }
    }

    fn set(&self, connected: bool, error: Option<String>) {
        *self.0.lock().expect("AMQP status") = Session { connected, error };
    }
}

/// A session that lasted this long was a working connection: the next failure starts the backoff afresh.
const HEALTHY_SESSION: Duration = Duration::from_secs(30);

impl Amqp {
    /// Checks the URL and the settings. The error never repeats the URL (it may hold a password).
    pub fn new(
        url: &str,
        store: Store,
        access: AccessControl,
        config: DeliveryConfig,
        lease: Arc<Lease>,
        readings: Readings,
        routed: watch::Receiver<u64>,
    ) -> Result<Self, String> {
        let uri: AMQPUri = url
            .parse()
            .map_err(|_| "not a valid amqp:// or amqps:// URL (amqp://user:password@host:port/vhost)".to_owned())?;
        if config.amqp_prefetch == 0 {
            return Err("[beskedfordeler] amqp_prefetch must be at least 1".into());
        }
        let queue = config.amqp_inbound_queue.trim();
        if queue.is_empty() || queue.len() > 200 || queue.starts_with("amq.") {
            return Err(
                "[beskedfordeler] amqp_inbound_queue must be a queue name (1–200 characters, not amq.*)".into(),
            );
        }
        Ok(Self {
            uri,
            store,
            access,
            sts: None,
            config,
            lease,
            readings,
            routed,
            status: AmqpStatus::default(),
            log: RepeatLog::new("the RabbitMQ connection"),
        })
    }

    /// Accepts tokens from Adgangsstyring's STS in published messages, checked by `sts`.
    pub fn with_sts_tokens(mut self, sts: Arc<dyn crate::tokens::StsTokens>) -> Self {
        self.sts = Some(sts);
        self
    }

    /// The session's state, for readiness (before [`Amqp::run`] takes `self`).
    pub fn status(&self) -> AmqpStatus {
        self.status.clone()
    }

    /// Runs until `shutdown` completes, reconnecting whenever the connection is lost: with backoff and jitter
    /// ([`Backoff::reconnect`]), starting afresh after a session that lasted [`HEALTHY_SESSION`].
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut backoff = Backoff::reconnect();
        loop {
            let started = std::time::Instant::now();
            let session = self.session();
            tokio::select! {
                _ = &mut shutdown => return,
                outcome = session => {
                    if started.elapsed() >= HEALTHY_SESSION {
                        backoff.reset();
                    }
                    let why = match outcome {
                        Ok(()) => "the session ended".to_owned(),
                        Err(e) => e.to_string(),
                    };
                    self.log.failed(&why);
                    self.status.set(false, Some(why));
                }
            }
            metrics::counter!("snitflade_amqp_reconnects_total").increment(1);
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(backoff.next_wait()) => {}
            }
        }
    }

    /// One connection: topology, the inbound consumer and the forwarder, until one of them fails.
    async fn session(&self) -> Result<(), lapin::Error> {
        let conn = Connection::connect_uri(self.uri.clone(), ConnectionProperties::default()).await?;
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
        declare_queue(&setup, queue, &self.config).await?;
        setup
            .queue_bind(
                queue.into(),
                AFSEND_EXCHANGE.into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let inbound = publish::Inbound::start(
            &conn,
            self.store.clone(),
            self.access.clone(),
            self.sts.clone(),
            &self.config,
        )
        .await?;
        let conn = Arc::new(conn);
        let forwarder = forward::Forwarder::new(
            conn.clone(),
            self.store.clone(),
            self.config.clone(),
            self.lease.clone(),
            self.readings.clone(),
            self.routed.clone(),
        );
        tracing::info!(exchange = AFSEND_EXCHANGE, queue, "connected to RabbitMQ");
        self.log.succeeded();
        self.status.set(true, None);
        let outcome = tokio::select! {
            r = inbound.run() => r,
            r = forwarder.run() => r,
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), conn.close(200, "snitflade".into())).await;
        outcome
    }
}
