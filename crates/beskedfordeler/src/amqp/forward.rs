//! SF1460_D: fills each active pull dueslag's queue (`queue_name`: its system and its UUID) from the database, in
//! distribution order, with what the dueslag's system may see (checked just before publishing, against grants at
//! most 20 ms old; the rest is recorded as filtered).
//! Each dueslag has its own confirm channel and is forwarded concurrently with the others. Messages are persistent
//! and published with `mandatory`; only what RabbitMQ has confirmed is marked delivered, so a lost connection means
//! at most a resend (readers dedupe on `BeskedId`). A failing channel (a queue re-declared with other arguments, say)
//! affects only its dueslag: it is reopened next round, while the others go on.

use super::queue_name;
use crate::DeliveryConfig;
use crate::distributor::{record_attempts, screen};
use crate::envelope::{filter_fields, haendelsesbesked};
use crate::lease::Lease;
use crate::readings::Readings;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, PublisherConfirm};
use snitflade_store::dueslag::{self, Dueslag};
use snitflade_store::outbox::Event;
use snitflade_store::retry::{Backoff, RepeatLog};
use snitflade_store::{Store, StoreError, now_text};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub(super) struct Forwarder {
    store: Store,
    conn: Arc<Connection>,
    config: DeliveryConfig,
    /// A confirm channel per dueslag, its queue declared.
    channels: HashMap<String, Channel>,
    lease: Arc<Lease>,
    readings: Readings,
    /// Changes when the router has queued deliveries.
    routed: watch::Receiver<u64>,
}

/// How one dueslag's round went.
struct Round {
    confirmed: usize,
    /// Why the channel is no good any more: drop it (a new one is opened, its queue declared, next round).
    broken: Option<String>,
}

impl Forwarder {
    pub(super) fn new(
        conn: Arc<Connection>,
        store: Store,
        config: DeliveryConfig,
        lease: Arc<Lease>,
        readings: Readings,
        routed: watch::Receiver<u64>,
    ) -> Self {
        Self {
            store,
            conn,
            config,
            channels: HashMap::new(),
            lease,
            readings,
            routed,
        }
    }

    /// Runs until the connection is lost (a failing channel alone does not end it). While rounds fail (the
    /// database is away, say) it waits with backoff, and logs the failure when it starts, then now and then.
    pub(super) async fn run(mut self) -> Result<(), lapin::Error> {
        let poll = Duration::from_millis(self.config.poll_ms.max(1));
        let mut backoff = Backoff::reconnect();
        let log = RepeatLog::new("forwarding to RabbitMQ");
        loop {
            if !self.conn.status().connected() {
                return Err(lapin::ErrorKind::InvalidConnectionState(lapin::ConnectionState::Closed).into());
            }
            match self.round().await {
                Ok(n) => {
                    log.succeeded();
                    backoff.reset();
                    if n == 0 {
                        // Until the router has queued deliveries in this process, or the poll interval has passed
                        // (for what another instance routed, or a retry that has come due).
                        tokio::select! {
                            _ = tokio::time::sleep(poll) => {}
                            Ok(()) = self.routed.changed() => {}
                        }
                    }
                }
                Err(e) => {
                    log.failed(&e);
                    tokio::time::sleep(backoff.next_wait().max(poll)).await;
                }
            }
        }
    }

    /// One round: every active pull dueslag forwarded concurrently; answers how many messages were confirmed.
    async fn round(&mut self) -> Result<usize, StoreError> {
        if !self.lease.held().await? {
            return Ok(0); // another instance delivers
        }
        let targets: Vec<Dueslag> = dueslag::all(self.store.pool())
            .await?
            .into_iter()
            .filter(|d| d.active && d.push_url.is_none())
            .collect();
        self.channels.retain(|id, _| targets.iter().any(|d| &d.id == id));
        let mut tasks = tokio::task::JoinSet::new();
        for d in targets {
            let batch = dueslag::pending_with_events(self.store.pool(), &d.id, self.config.batch as i64).await?;
            match batch.first() {
                Some((head, _)) if head.next_attempt_at <= now_text() => {}
                _ => continue,
            }
            // Checked again just before delivery, against grants at most 20 ms old: a closing stops what is not yet
            // delivered within that time.
            let known = self.readings.get().await?;
            let batch = screen(&self.store, &d, &known, batch).await?;
            if batch.is_empty() {
                continue;
            }
            let channel = match self.channel(&d).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(dueslag = %d.id, error = %e, "cannot open the dueslag's queue; trying again");
                    continue;
                }
            };
            let cvrs = known.cvrs.clone();
            let (store, config) = (self.store.clone(), self.config.clone());
            tasks.spawn(async move {
                let round = forward(&store, &config, &channel, &d, batch, &cvrs).await;
                (d.id, round)
            });
        }
        let mut total = 0;
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((_, Ok(round))) if round.broken.is_none() => total += round.confirmed,
                Ok((id, Ok(round))) => {
                    total += round.confirmed;
                    let why = round.broken.unwrap_or_default();
                    tracing::warn!(dueslag = %id, reason = %why, "the dueslag's channel failed; reopening it");
                    self.channels.remove(&id);
                }
                Ok((id, Err(e))) => tracing::error!(dueslag = %id, error = %e, "recording deliveries failed"),
                Err(e) => tracing::error!(error = %e, "a forwarding task panicked"),
            }
        }
        Ok(total)
    }

    /// The dueslag's confirm channel, opened (and its durable queue declared) when there is none.
    async fn channel(&mut self, d: &Dueslag) -> Result<Channel, lapin::Error> {
        if let Some(c) = self.channels.get(&d.id).filter(|c| c.status().connected()) {
            return Ok(c.clone());
        }
        let channel = self.conn.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        super::declare_queue(&channel, &queue_name(&d.system_id, &d.id), &self.config).await?;
        self.channels.insert(d.id.clone(), channel.clone());
        Ok(channel)
    }
}

/// Publishes a dueslag's batch, then reads the confirms in order and records the outcomes. A channel lost on the
/// way is reported, but only after what RabbitMQ did confirm is recorded. After a refused message the rest of the
/// batch, though in the queue, is sent again after it, so the queue holds the messages in order at least once.
async fn forward(
    store: &Store,
    config: &DeliveryConfig,
    channel: &Channel,
    d: &Dueslag,
    batch: Vec<(dueslag::Delivery, Event)>,
    cvrs: &HashMap<String, String>,
) -> Result<Round, StoreError> {
    let mut confirms = Vec::with_capacity(batch.len());
    let mut broken: Option<String> = None;
    let queue = queue_name(&d.system_id, &d.id);
    for (delivery, event) in batch {
        match publish(channel, &queue, &d.id, delivery.attempts + 1, &event, cvrs).await {
            Ok(confirm) => confirms.push((delivery, confirm)),
            Err(e) => {
                broken = Some(e.to_string());
                break;
            }
        }
    }
    let mut outcomes = Vec::with_capacity(confirms.len());
    let mut refused = false;
    for (delivery, confirm) in confirms {
        let confirmation = match confirm.await {
            Ok(c) => c,
            Err(e) => {
                broken.get_or_insert(e.to_string());
                break;
            }
        };
        let failure = if refused {
            Some("sendt efter en afvist besked; sendes igen i rækkefølge".to_owned())
        } else if confirmation.is_nack() {
            Some("RabbitMQ afviste beskeden (nack)".to_owned())
        } else if let Some(returned) = confirmation.take_message() {
            // The queue is gone (deleted by an operator): the channel is reopened and the queue declared again.
            let why = format!("køen findes ikke ({})", returned.reply_text);
            broken.get_or_insert(why.clone());
            Some(why)
        } else {
            None
        };
        refused |= failure.is_some();
        outcomes.push((delivery, failure));
    }
    // A broker's refusal is never the message's fault: it stays pending (no fejlkø).
    let confirmed = record_attempts(store, config, outcomes, None).await?;
    metrics::counter!("snitflade_amqp_forwarded_total").increment(confirmed as u64);
    Ok(Round { confirmed, broken })
}

/// Publishes one event to `queue`, the queue of dueslag `dueslag` (whose UUID the envelope names as its
/// `ErLeveretIHenholdTil`): persistent, `mandatory`, `message_id` = its `BeskedId`.
async fn publish(
    channel: &Channel,
    queue: &str,
    dueslag: &str,
    attempt: i64,
    event: &Event,
    cvrs: &HashMap<String, String>,
) -> Result<PublisherConfirm, lapin::Error> {
    let cvr = event
        .municipality
        .as_ref()
        .and_then(|m| cvrs.get(m))
        .map(String::as_str);
    let fields = filter_fields(event, cvr);
    let body = haendelsesbesked(event, &fields, Some(dueslag), attempt);
    let besked_id = crate::received::Received::of(event)
        .map(|r| r.besked_id.to_string())
        .unwrap_or_else(|| event.id.clone());
    let mut headers = FieldTable::default();
    headers.insert(
        "beskedtype".into(),
        AMQPValue::LongString(fields.beskedtype.to_string().into()),
    );
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/xml".into())
        .with_content_encoding("utf-8".into())
        .with_message_id(besked_id.into())
        .with_headers(headers);
    channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            body.as_bytes(),
            properties,
        )
        .await
}
