//! Delivery from the database outbox (works without RabbitMQ): a router matches each new event, in outbox order,
//! against the subscriptions and queues a delivery per matching dueslag; a pusher POSTs each active push dueslag's
//! oldest pending message (SF1460_A `ModtagBeskedInput`, mutual TLS) and only then the next, so every dueslag
//! receives in distribution order. HTTP 200 with `StatusKode` 20 is delivered; anything else is retried with
//! exponential backoff, counted in `AntalLeveranceforsoeg`, and after the dueslag's `max_attempts` the message goes
//! to its fejlkø (`dead`) and the next one follows. At least once: a message is marked delivered only after the
//! receiver's 20, so a crash in between means one more delivery (receivers dedupe on `BeskedId`). Only the instance
//! holding the delivery lease (`crate::lease`) routes and pushes, so instances sharing a database do not both send.
//! Each message names its dueslag (`ErLeveretIHenholdTil`); a receiving system's flytbeskedtilfejlkoe (SF1460_B)
//! moves it to the fejlkø at once (an attempt under way then records nothing: only pending deliveries are recorded).
//! Only what the dueslag's system may see is queued, and it is checked again before each push against grants at
//! most 20 ms old (`crate::visibility`, `crate::readings`): what it may not see is recorded as `filtered` with the
//! reason, never delivered.
//! The same loop runs the certificate expiry check (`crate::certificate_expiry`) every `certificate_check_seconds`.

use crate::envelope::{FilterFields, filter_fields, modtag_besked_input};
use crate::lease::Lease;
use crate::readings::{Known, Readings};
use snitflade_store::dueslag::{self, Delivery, Dueslag};
use snitflade_store::retry::{Backoff, RepeatLog};
use snitflade_store::{Store, StoreError, now_text, outbox, timestamp_text};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How delivery behaves (the `[beskedfordeler]` table of the config file). The doc comments of the fields are the
/// configuration reference's descriptions.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// How often the outbox and the dueslag are looked at when nothing calls for it sooner, in milliseconds. A
    /// change this instance stores is routed and delivered at once (in the next round, 10 ms after the last one
    /// ended); the interval bounds how late changes other instances stored, and retries that have come due, are
    /// taken up.
    pub poll_ms: u64,
    /// The first retry's delay in milliseconds; each further retry doubles it, up to `backoff_max_ms`.
    pub backoff_base_ms: u64,
    /// The longest delay between two retries, in milliseconds.
    pub backoff_max_ms: u64,
    /// Deadline of one push request, in milliseconds.
    pub push_timeout_ms: u64,
    /// Most messages pushed (or forwarded to RabbitMQ) for one dueslag per round.
    pub batch: usize,
    /// The queue (bound to `AFSEND_BESKED_EXCHANGE`) snitflade reads published messages from; several snitflade
    /// instances on one database share it as competing consumers.
    pub amqp_inbound_queue: String,
    /// Published messages in flight at once (AMQP prefetch).
    pub amqp_prefetch: u16,
    /// How long a received BeskedId is remembered, so that a publisher's resend is not kept twice.
    pub received_keep_days: u32,
    /// The delivery lease's length: of several instances on one database only the holder delivers; if it stops,
    /// another takes over after at most this long.
    pub lease_seconds: u64,
    /// RabbitMQ's management API, through which snitflade gives each system its own broker login limited to its
    /// queues (`http://host:15672`, optionally with its own user info). Default: the AMQP URL's host on port 15672
    /// (15671 for `amqps://`) with the AMQP URL's login.
    pub amqp_management_url: Option<String>,
    /// How often certificate expiry is checked: the gauge `snitflade_certificate_expiry_timestamp_seconds` (every instance)
    /// and the `certificate.expiring` events 30 and 7 days ahead (the lease holder).
    pub certificate_check_seconds: u64,
    /// The type of the queues snitflade declares in RabbitMQ (the dueslag's and the inbound one): `classic`, or
    /// `quorum` (replicated over a RabbitMQ cluster, with a delivery limit). Fixed when a queue is declared: changing
    /// it needs the existing queues deleted first (RabbitMQ refuses to redeclare a queue with another type).
    pub amqp_queue_type: QueueType,
    /// Quorum queues only: how often a message is delivered to readers that hand it back (reject or nack with
    /// requeue, or a dropped connection) before it is taken out of the queue into the queue's error queue
    /// `<queue>.fejl` instead of being delivered again — a poison message no longer blocks the ones behind it.
    /// 0: no limit.
    pub amqp_delivery_limit: u32,
}

/// The type of snitflade's RabbitMQ queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueType {
    #[default]
    Classic,
    Quorum,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            poll_ms: 50,
            backoff_base_ms: 500,
            backoff_max_ms: 60_000,
            push_timeout_ms: 10_000,
            batch: 200,
            amqp_inbound_queue: "snitflade.afsend-besked".into(),
            amqp_prefetch: 32,
            received_keep_days: 7,
            lease_seconds: 15,
            amqp_management_url: None,
            certificate_check_seconds: 600,
            amqp_queue_type: QueueType::Classic,
            amqp_delivery_limit: 20,
        }
    }
}

impl DeliveryConfig {
    /// Refuses values that would make delivery spin or never happen (an interval, a deadline, a batch, a
    /// prefetch or a memory of resends of 0), naming the key.
    pub fn validate(&self) -> Result<(), String> {
        let zero = [
            ("poll_ms", self.poll_ms),
            ("backoff_base_ms", self.backoff_base_ms),
            ("backoff_max_ms", self.backoff_max_ms),
            ("push_timeout_ms", self.push_timeout_ms),
            ("batch", self.batch as u64),
            ("amqp_prefetch", u64::from(self.amqp_prefetch)),
            ("received_keep_days", u64::from(self.received_keep_days)),
            ("lease_seconds", self.lease_seconds),
            ("certificate_check_seconds", self.certificate_check_seconds),
        ]
        .into_iter()
        .find(|(_, v)| *v == 0);
        if let Some((key, _)) = zero {
            return Err(format!("[beskedfordeler] {key} must be at least 1"));
        }
        if self.backoff_max_ms < self.backoff_base_ms {
            return Err("[beskedfordeler] backoff_max_ms must not be below backoff_base_ms".into());
        }
        Ok(())
    }

    /// The delay before attempt `n + 1` after `n` failed attempts.
    pub fn backoff(&self, failed: i64) -> Duration {
        let exp = u32::try_from(failed.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let ms = self
            .backoff_base_ms
            .saturating_mul(1u64 << exp)
            .min(self.backoff_max_ms);
        Duration::from_millis(ms)
    }
}

/// How often old received BeskedIds are forgotten.
const CLEANUP_EVERY: Duration = Duration::from_secs(600);

/// The router and pusher.
#[derive(Clone)]
pub struct Distributor {
    store: Store,
    client: Option<reqwest::Client>,
    config: DeliveryConfig,
    lease: Arc<Lease>,
    /// What routing and delivery check against (`crate::readings`).
    readings: Readings,
    /// Changed after each routing step that queued deliveries ([`Distributor::routed`]).
    routed: Arc<watch::Sender<u64>>,
}

/// The shortest time from the end of one round to the start of the next, when events were committed meanwhile.
const ROUND_GAP: Duration = Duration::from_millis(10);

/// Most events routed in one step; with more waiting, the next step follows at once.
const ROUTE_BATCH: i64 = 1000;

/// The outcome of one push attempt.
enum Attempt {
    Delivered,
    Failed(String),
}

impl Distributor {
    /// `client`: the HTTPS client with snitflade's client certificate; without one, push delivery waits.
    pub fn new(store: Store, client: Option<reqwest::Client>, config: DeliveryConfig) -> Self {
        let lease = Arc::new(Lease::new(
            store.clone(),
            crate::lease::DELIVERY,
            Duration::from_secs(config.lease_seconds),
        ));
        Self {
            readings: Readings::new(store.clone()),
            routed: Arc::new(watch::Sender::new(0)),
            store,
            client,
            config,
            lease,
        }
    }

    /// The delivery lease, for the AMQP forwarder (which delivers too, and only while this process holds it).
    pub fn lease(&self) -> Arc<Lease> {
        self.lease.clone()
    }

    /// What routing and delivery check against, for the AMQP forwarder (shared: read once for both).
    pub fn readings(&self) -> Readings {
        self.readings.clone()
    }

    /// Changes after each step of this process's router that queued deliveries: the AMQP forwarder waits on it
    /// rather than only on its poll interval.
    pub fn routed(&self) -> watch::Receiver<u64> {
        self.routed.subscribe()
    }

    /// Runs until `shutdown` completes. Each round routes new events and pushes; the next round starts when this
    /// process's writer has committed events (at once: a change is routed and pushed as soon as it is stored), or
    /// after the poll interval (for events other instances stored). While a step fails (the database is away, say),
    /// the loop waits with backoff instead, and each step's failure is logged when it starts, then now and then.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let poll = Duration::from_millis(self.config.poll_ms.max(1));
        let mut last_cleanup: Option<std::time::Instant> = None;
        let certificate_check = Duration::from_secs(self.config.certificate_check_seconds.max(1));
        let (mut last_metric, mut last_notified): (Option<std::time::Instant>, Option<std::time::Instant>) =
            (None, None);
        let mut backoff = Backoff::reconnect();
        let cleanup_log = RepeatLog::new("forgetting old received BeskedIds");
        let lease_log = RepeatLog::new("checking the delivery lease");
        let route_log = RepeatLog::new("routing events to dueslag");
        let push_log = RepeatLog::new("pushing to dueslag");
        let expiry_log = RepeatLog::new("emitting certificate expiry events");
        let mut committed = self.store.events_committed();
        loop {
            let mut failed = false;
            let mut full = false;
            let mut note = |log: &RepeatLog, outcome: Result<(), StoreError>| match outcome {
                Ok(()) => log.succeeded(),
                Err(e) => {
                    failed = true;
                    log.failed(&e);
                }
            };
            if last_cleanup.is_none_or(|t| t.elapsed() >= CLEANUP_EVERY) {
                last_cleanup = Some(std::time::Instant::now());
                note(&cleanup_log, self.forget_old_received().await.map(drop));
            }
            if last_metric.is_none_or(|t| t.elapsed() >= certificate_check) {
                last_metric = Some(std::time::Instant::now());
                crate::certificate_expiry::update_metric(&self.store).await;
            }
            match self.lease.held().await {
                Ok(true) => {
                    lease_log.succeeded();
                    if last_notified.is_none_or(|t| t.elapsed() >= certificate_check) {
                        last_notified = Some(std::time::Instant::now());
                        note(
                            &expiry_log,
                            crate::certificate_expiry::notify(&self.store).await.map(drop),
                        );
                    }
                    let routed = self.route().await;
                    full = routed.as_ref().is_ok_and(|n| *n as i64 >= ROUTE_BATCH);
                    note(&route_log, routed.map(drop));
                    note(&push_log, self.push_all().await);
                }
                Ok(false) => lease_log.succeeded(), // another instance delivers
                Err(e) => note(&lease_log, Err(e)),
            }
            let wait = if failed {
                backoff.next_wait().max(poll)
            } else if full {
                Duration::ZERO
            } else {
                backoff.reset();
                poll
            };
            let ended = tokio::time::Instant::now();
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(wait) => {}
                // Events committed since this round began (an error: the writer has stopped; the poll remains); the
                // next round then starts ROUND_GAP after this one ended, so that a busy writer does not make each round
                // carry a single event.
                Ok(()) = committed.changed(), if !failed => {
                    tokio::time::sleep_until(ended + ROUND_GAP.min(poll)).await;
                }
            }
        }
        self.lease.release().await;
    }

    /// Forgets received BeskedIds older than `received_keep_days`.
    pub async fn forget_old_received(&self) -> Result<u64, StoreError> {
        let keep = jiff::SignedDuration::from_hours(24 * i64::from(self.config.received_keep_days.max(1)));
        let cutoff = timestamp_text(jiff::Timestamp::now() - keep);
        let forgotten = self
            .store
            .write(move |c| {
                let cutoff = cutoff.clone();
                Box::pin(async move { snitflade_store::publishing::forget_received_before(c, &cutoff).await })
            })
            .await?;
        if forgotten > 0 {
            tracing::info!(forgotten, "old received BeskedIds forgotten");
        }
        Ok(forgotten)
    }

    /// Matches the events after the router's position against the subscriptions and queues the deliveries.
    /// Answers how many events were routed.
    pub async fn route(&self) -> Result<usize, StoreError> {
        let pool = self.store.pool();
        let from = dueslag::position(pool).await?;
        let events = outbox::after(pool, from, ROUTE_BATCH).await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(0);
        };
        let known = self.readings.read().await?;
        let Known {
            subscriptions,
            cvrs,
            receivers,
            grants,
            ..
        } = &*known;
        // (dueslag, event, why it is filtered out: the receiving system lacks a grant).
        let mut queued: Vec<(String, i64, Option<String>)> = Vec::new();
        for e in &events {
            let fields = filter_fields(e, e.municipality.as_ref().and_then(|m| cvrs.get(m)).map(String::as_str));
            let mut targets: Vec<&str> = Vec::new();
            for (dueslag_id, f) in subscriptions {
                if targets.contains(&dueslag_id.as_str()) || !f.matches(&fields) {
                    continue;
                }
                if let Some(list) = &f.vaerdiliste
                    && !on_list(&self.store, list, &fields).await?
                {
                    continue;
                }
                targets.push(dueslag_id);
            }
            for d in targets {
                let Some(system) = receivers.get(d) else { continue };
                queued.push((d.to_owned(), e.seq, grants.check(system, e).err()));
            }
        }
        let n = events.len();
        let filtered = queued.iter().filter(|q| q.2.is_some()).count();
        let deliverable = queued.len() - filtered;
        self.store
            .write(move |c| {
                let queued = queued.clone();
                Box::pin(async move {
                    let rows: Vec<dueslag::Queued> = queued
                        .iter()
                        .map(|(d, seq, filtered)| dueslag::Queued {
                            dueslag_id: d,
                            seq: *seq,
                            filtered: filtered.as_deref(),
                        })
                        .collect();
                    dueslag::enqueue_all(c, &rows, &now_text()).await?;
                    dueslag::set_position(c, last).await
                })
            })
            .await?;
        if deliverable > 0 {
            self.routed.send_modify(|v| *v = v.wrapping_add(1));
        }
        metrics::counter!("snitflade_events_routed_total").increment(n as u64);
        metrics::counter!(FILTERED_METRIC).increment(filtered as u64);
        Ok(n)
    }

    /// One round of pushing: each active push dueslag gets its due messages, in order, concurrently with the others.
    pub async fn push_all(&self) -> Result<(), StoreError> {
        let Some(client) = &self.client else {
            return Ok(());
        };
        let targets: Vec<Dueslag> = dueslag::all(self.store.pool())
            .await?
            .into_iter()
            .filter(|d| d.active && d.push_url.is_some())
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for d in targets {
            let (this, client) = (self.clone(), client.clone());
            tasks.spawn(async move { this.push_dueslag(&client, &d).await });
        }
        // The first failing dueslag's error stands for the round (the caller logs it, without flooding).
        let mut failure = None;
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Err(e)) => {
                    failure.get_or_insert(e);
                }
                Err(e) => tracing::error!(error = %e, "a dueslag's push task panicked"),
                Ok(Ok(())) => {}
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// Pushes a dueslag's due messages one after the other (each only after the previous one's 20). Successes are
    /// recorded together, when the batch ends or a push fails: a crash in between means those messages are pushed
    /// again (at least once; receivers dedupe on `BeskedId`), and the database is written once per batch.
    async fn push_dueslag(&self, client: &reqwest::Client, d: &Dueslag) -> Result<(), StoreError> {
        let url = d.push_url.as_deref().unwrap_or_default();
        let batch = dueslag::pending_with_events(self.store.pool(), &d.id, self.config.batch as i64).await?;
        match batch.first() {
            Some((head, _)) if head.next_attempt_at <= now_text() => {}
            _ => return Ok(()),
        }
        let mut known = self.readings.get().await?;
        let system = known.receiver(d);
        let mut outcomes: Vec<(Delivery, Option<String>)> = Vec::with_capacity(batch.len());
        let mut filtered: Vec<(i64, String)> = Vec::new();
        let mut failure = None;
        // Checked again before each push, against grants read at most 20 ms ago (`readings`): a closing stops what
        // is not yet delivered within that time.
        for (delivery, event) in batch {
            if !known.is_fresh() {
                match self.readings.get().await {
                    Ok(k) => known = k,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if let Err(why) = known.grants.check(&system, &event) {
                filtered.push((delivery.seq, why));
                continue;
            }
            let cvr = event
                .municipality
                .as_ref()
                .and_then(|m| known.cvrs.get(m))
                .map(String::as_str);
            let fields: FilterFields = filter_fields(&event, cvr);
            let body = modtag_besked_input(&event, &fields, &d.id, delivery.attempts + 1);
            match self.attempt(client, url, body).await {
                Attempt::Delivered => {
                    metrics::counter!("snitflade_push_delivered_total").increment(1);
                    outcomes.push((delivery, None));
                }
                Attempt::Failed(why) => {
                    metrics::counter!("snitflade_push_failed_total").increment(1);
                    let gives_up = delivery.attempts + 1 >= d.max_attempts;
                    tracing::info!(dueslag = %d.id, seq = delivery.seq, attempt = delivery.attempts + 1, gives_up,
                        reason = %why, "push failed");
                    outcomes.push((delivery, Some(why)));
                    if !gives_up {
                        // The next message waits for this one (distribution order).
                        break;
                    }
                }
            }
        }
        record_filtered(&self.store, &d.id, filtered).await?;
        record_attempts(&self.store, &self.config, outcomes, Some(d.max_attempts)).await?;
        failure.map_or(Ok(()), Err)
    }

    async fn attempt(&self, client: &reqwest::Client, url: &str, body: String) -> Attempt {
        let sent = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/xml; charset=utf-8")
            .timeout(Duration::from_millis(self.config.push_timeout_ms))
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(format!("forbindelsen fejlede: {e}")),
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        match (status.as_u16(), status_kode(&text)) {
            (200, Some(20)) => Attempt::Delivered,
            (code, kode) => Attempt::Failed(format!("HTTP {code}, StatusKode {kode:?}")),
        }
    }
}

/// Records attempts in one transaction: `None` = delivered; `Some(why)` = failed, pending again after the backoff,
/// or dead (the fejlkø) once `max_attempts` are used (`None`: never dead). Answers how many were delivered.
pub(crate) async fn record_attempts(
    store: &Store,
    config: &DeliveryConfig,
    outcomes: Vec<(Delivery, Option<String>)>,
    max_attempts: Option<i64>,
) -> Result<usize, StoreError> {
    if outcomes.is_empty() {
        return Ok(0);
    }
    let now = jiff::Timestamp::now();
    let rows: Vec<(String, i64, &'static str, String, Option<String>)> = outcomes
        .into_iter()
        .map(|(d, failure)| match failure {
            None => (d.dueslag_id, d.seq, "delivered", timestamp_text(now), None),
            Some(why) => {
                let failed = d.attempts + 1;
                let why: String = why.chars().take(500).collect();
                if max_attempts.is_some_and(|max| failed >= max) {
                    (d.dueslag_id, d.seq, "dead", timestamp_text(now), Some(why))
                } else {
                    let next = timestamp_text(now + config.backoff(failed));
                    (d.dueslag_id, d.seq, "pending", next, Some(why))
                }
            }
        })
        .collect();
    let delivered = rows.iter().filter(|r| r.2 == "delivered").count();
    store
        .write(move |c| {
            let rows = rows.clone();
            Box::pin(async move {
                let now = now_text();
                // The deliveries in a statement per dueslag (their `next` is the same instant); failures (few) one
                // by one.
                let mut by_dueslag: Vec<(&str, &str, Vec<i64>)> = Vec::new();
                for (id, seq, state, next, error) in &rows {
                    if *state != "delivered" {
                        dueslag::record_attempt(c, id, *seq, state, next, error.as_deref(), &now).await?;
                    } else if let Some((_, _, seqs)) = by_dueslag.iter_mut().find(|(d, _, _)| d == id) {
                        seqs.push(*seq);
                    } else {
                        by_dueslag.push((id, next, vec![*seq]));
                    }
                }
                for (id, next, seqs) in &by_dueslag {
                    dueslag::record_delivered(c, id, seqs, next, &now).await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(delivered)
}

/// Counts the deliveries filtered out because the receiving system lacked a grant.
const FILTERED_METRIC: &str = "snitflade_deliveries_filtered_total";

/// Records deliveries of `dueslag` that are no longer delivered (`filtered`, each with why), in one transaction.
pub(crate) async fn record_filtered(store: &Store, id: &str, filtered: Vec<(i64, String)>) -> Result<(), StoreError> {
    if filtered.is_empty() {
        return Ok(());
    }
    let n = filtered.len();
    let owned = id.to_owned();
    store
        .write(move |c| {
            let (id, filtered) = (owned.clone(), filtered.clone());
            Box::pin(async move {
                let now = now_text();
                for (seq, why) in &filtered {
                    dueslag::filter_pending(c, &id, *seq, why, &now).await?;
                }
                Ok(())
            })
        })
        .await?;
    tracing::info!(dueslag = %id, messages = n, "messages not delivered: the receiving system lacks a grant");
    metrics::counter!(FILTERED_METRIC).increment(n as u64);
    Ok(())
}

/// The part of a dueslag's batch its system may receive now (by `known`); the rest is recorded as filtered.
pub(crate) async fn screen(
    store: &Store,
    d: &Dueslag,
    known: &Known,
    batch: Vec<(Delivery, outbox::Event)>,
) -> Result<Vec<(Delivery, outbox::Event)>, StoreError> {
    let system = known.receiver(d);
    let mut filtered = Vec::new();
    let mut allowed = Vec::with_capacity(batch.len());
    for (delivery, event) in batch {
        match known.grants.check(&system, &event) {
            Ok(()) => allowed.push((delivery, event)),
            Err(why) => filtered.push((delivery.seq, why)),
        }
    }
    record_filtered(store, &d.id, filtered).await?;
    Ok(allowed)
}

/// Whether the event's `ObjektId` is on the værdiliste `list` (an unknown or passive list holds nothing).
async fn on_list(store: &Store, list: &str, fields: &FilterFields) -> Result<bool, StoreError> {
    match &fields.objekt_id {
        Some(id) => snitflade_store::vaerdilister::contains(store.pool(), list, id).await,
        None => Ok(false),
    }
}

/// The `StatusKode` of a `ModtagBeskedOutput` (the first element of that local name, any prefix).
pub fn status_kode(xml: &str) -> Option<i64> {
    let mut rest = xml;
    while let Some(i) = rest.find("StatusKode>") {
        let before = &rest[..i];
        let after = &rest[i + "StatusKode>".len()..];
        // An opening tag: `<StatusKode>` or `<prefix:StatusKode>`, not `</...>`.
        let tag_start = before.rfind('<')?;
        let tag = &before[tag_start..];
        if !tag.starts_with("</") && !tag.contains('>') {
            let end = after.find('<')?;
            return after[..end].trim().parse().ok();
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_intervals_are_refused_by_name() {
        assert!(DeliveryConfig::default().validate().is_ok());
        let c = DeliveryConfig {
            poll_ms: 0,
            ..DeliveryConfig::default()
        };
        assert_eq!(c.validate().unwrap_err(), "[beskedfordeler] poll_ms must be at least 1");
        let c = DeliveryConfig {
            lease_seconds: 0,
            ..DeliveryConfig::default()
        };
        assert!(c.validate().unwrap_err().contains("lease_seconds"));
        let c = DeliveryConfig {
            received_keep_days: 0,
            ..DeliveryConfig::default()
        };
        assert_eq!(
            c.validate().unwrap_err(),
            "[beskedfordeler] received_keep_days must be at least 1"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let c = DeliveryConfig {
            backoff_base_ms: 100,
            backoff_max_ms: 1000,
            ..DeliveryConfig::default()
        };
        let ms: Vec<u128> = (1..=6).map(|n| c.backoff(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn the_status_code_is_read_from_the_answer() {
        let ok = "<sts:ModtagBeskedOutput xmlns:sts=\"urn:oio:sts:1.0.0\" xmlns=\"urn:oio:sagdok:3.0.0\">\
                  <StandardRetur><StatusKode>20</StatusKode><FejlbeskedTekst/></StandardRetur></sts:ModtagBeskedOutput>";
        assert_eq!(status_kode(ok), Some(20));
        assert_eq!(status_kode("<a:StatusKode> 40 </a:StatusKode>"), Some(40));
        assert_eq!(status_kode("no status"), None);
        assert_eq!(status_kode("<x>StatusKode>20</x>"), None);
    }
}
