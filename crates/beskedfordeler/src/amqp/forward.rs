//! SF1460_D: fills each active pull dueslag's queue (named by its UUID) from the database, in distribution order.
//! Messages are persistent and published with `mandatory` on a confirm channel; only what RabbitMQ has confirmed
//! is marked delivered, so a lost connection means at most a resend (readers dedupe on `BeskedId`).

use crate::DeliveryConfig;
use crate::distributor::{municipality_cvrs, record_attempts};
use crate::envelope::{filter_fields, haendelsesbesked};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection};
use snitflade_store::dueslag;
use snitflade_store::{Store, StoreError, now_text};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub(super) struct Forwarder {
    store: Store,
    channel: Channel,
    config: DeliveryConfig,
    declared: HashSet<String>,
}

impl Forwarder {
    pub(super) async fn start(conn: &Connection, store: Store, config: DeliveryConfig) -> Result<Self, lapin::Error> {
        let channel = conn.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        Ok(Self {
            store,
            channel,
            config,
            declared: HashSet::new(),
        })
    }

    pub(super) async fn run(mut self) -> Result<(), lapin::Error> {
        let poll = Duration::from_millis(self.config.poll_ms.max(1));
        loop {
            let busy = match self.round().await {
                Ok(n) => n > 0,
                Err(Failure::Amqp(e)) => return Err(e),
                Err(Failure::Store(e)) => {
                    tracing::error!(error = %e, "forwarding to RabbitMQ failed");
                    false
                }
            };
            if !busy {
                tokio::time::sleep(poll).await;
            }
        }
    }

    /// One round over the pull dueslag; answers how many messages were confirmed.
    async fn round(&mut self) -> Result<usize, Failure> {
        let targets: Vec<_> = dueslag::all(self.store.pool())
            .await?
            .into_iter()
            .filter(|d| d.active && d.push_url.is_none())
            .collect();
        let mut cvrs = HashMap::new();
        let mut total = 0;
        for d in targets {
            if !self.declared.contains(&d.id) {
                self.channel
                    .queue_declare(
                        d.id.as_str().into(),
                        QueueDeclareOptions::durable(),
                        FieldTable::default(),
                    )
                    .await?;
                self.declared.insert(d.id.clone());
            }
            let batch = dueslag::pending_with_events(self.store.pool(), &d.id, self.config.batch as i64).await?;
            let Some((head, _)) = batch.first() else {
                continue;
            };
            if head.next_attempt_at > now_text() {
                continue;
            }
            if cvrs.is_empty() {
                cvrs = municipality_cvrs(&self.store).await?;
            }
            // Publish the batch, then read the confirms in order. A connection lost on the way ends the session,
            // but only after what RabbitMQ did confirm is recorded.
            let mut confirms = Vec::with_capacity(batch.len());
            let mut lost: Option<lapin::Error> = None;
            for (delivery, event) in &batch {
                match self.publish(&d.id, delivery.attempts + 1, event, &cvrs).await {
                    Ok(confirm) => confirms.push((delivery.clone(), confirm)),
                    Err(e) => {
                        lost = Some(e);
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
                        lost.get_or_insert(e);
                        break;
                    }
                };
                let failure = if refused {
                    // Already in the queue, but after a message that is not: sent again after it, in order.
                    Some("sendt efter en afvist besked; sendes igen i rækkefølge".to_owned())
                } else if confirmation.is_nack() {
                    Some("RabbitMQ afviste beskeden (nack)".to_owned())
                } else if let Some(returned) = confirmation.take_message() {
                    // The queue is gone (deleted by an operator): declare it again next round.
                    self.declared.remove(&d.id);
                    Some(format!("køen findes ikke ({})", returned.reply_text))
                } else {
                    None
                };
                refused |= failure.is_some();
                outcomes.push((delivery, failure));
            }
            // A broker's refusal is never the message's fault: it stays pending (no fejlkø).
            let confirmed = record_attempts(&self.store, &self.config, outcomes, None).await?;
            metrics::counter!("snitflade_amqp_forwarded_total").increment(confirmed as u64);
            total += confirmed;
            if let Some(e) = lost {
                return Err(Failure::Amqp(e));
            }
        }
        Ok(total)
    }
}

impl Forwarder {
    /// Publishes one event to a dueslag's queue: persistent, `mandatory`, `message_id` = its `BeskedId`.
    async fn publish(
        &self,
        queue: &str,
        attempt: i64,
        event: &snitflade_store::outbox::Event,
        cvrs: &HashMap<String, String>,
    ) -> Result<lapin::PublisherConfirm, lapin::Error> {
        let cvr = event
            .municipality
            .as_ref()
            .and_then(|m| cvrs.get(m))
            .map(String::as_str);
        let fields = filter_fields(event, cvr);
        let body = haendelsesbesked(event, &fields, attempt);
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
        self.channel
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
}

/// A round fails on the connection (end the session) or on the database (log, try again).
enum Failure {
    Amqp(lapin::Error),
    Store(StoreError),
}

impl From<lapin::Error> for Failure {
    fn from(e: lapin::Error) -> Self {
        Failure::Amqp(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}
