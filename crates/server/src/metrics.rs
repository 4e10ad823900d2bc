//! The Prometheus metrics: every family snitflade exposes, with its type and help text, in one table
//! ([`FAMILIES`], so `/metrics` has HELP and TYPE for each); the recorder with the histograms' buckets; the gauges
//! read from memory at each scrape (read pool, delivery lease, the process); and the gauges read from the
//! database by one task every [`DATABASE_GAUGES_EVERY`] (error table, outbox, dueslag), never on a request or a
//! scrape. Labels only take values from fixed sets or from configuration (interfaces, systems, dueslag), never
//! from a request.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use snitflade_beskedfordeler::lease::Lease;
use snitflade_domain::ErrorStatus;
use snitflade_store::retry::RepeatLog;
use snitflade_store::{Store, StoreError, dueslag, stats};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What a family is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One metric family: its name, kind, labels (documentation and the dashboard's check) and help text.
#[derive(Debug)]
pub struct Family {
    pub name: &'static str,
    pub kind: Kind,
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

const fn family(name: &'static str, kind: Kind, labels: &'static [&'static str], help: &'static str) -> Family {
    Family {
        name,
        kind,
        labels,
        help,
    }
}

use Kind::{Counter, Gauge, Histogram};

/// The request latency histogram (recorded by `crate::observe`).
pub const REQUEST_DURATION: &str = "snitflade_request_duration_seconds";

/// Every family snitflade's code records (a test checks the sources against it), apart from the `process_*`
/// families `crate::process` writes.
pub const FAMILIES: &[Family] = &[
    // Requests.
    family(
        REQUEST_DURATION,
        Histogram,
        &["wire", "interface", "operation", "status", "outcome"],
        "Time from a request's arrival to its answer, per interface call: wire soap or json, the service interface \
         (SOAP) or operation (JSON), the HTTP status, and outcome ok, client_error (a Client fault, a 4xx) or \
         server_error (a Server fault, a 5xx).",
    ),
    family(
        "snitflade_soap_requests_total",
        Counter,
        &["interface", "service", "status"],
        "SOAP calls of a known service interface that reached its handler, by HTTP status.",
    ),
    family(
        "snitflade_soap_refused_total",
        Counter,
        &["service"],
        "SOAP messages refused before their interface read them (unreadable encoding, malformed envelope).",
    ),
    family(
        "snitflade_changes_applied_total",
        Counter,
        &["change"],
        "Changes another instance on the same PostgreSQL database announced, applied here (`access`: the access table \
         reloaded; `drop_connections`: certificates' open connections cut).",
    ),
    family(
        "snitflade_reloads_total",
        Counter,
        &["outcome"],
        "Reloads on SIGHUP (TLS material, trust anchors, the access table), by outcome (`ok`, or `failed` when a part \
         did not load and the running one stayed in force).",
    ),
    family(
        "snitflade_sts_issued_total",
        Counter,
        &["variant"],
        "Tokens the Security Token Service (Adgangsstyring) issued, by variant (`jwt`, `saml`).",
    ),
    family(
        "snitflade_sts_refused_total",
        Counter,
        &["check", "at"],
        "Token requests and tokens refused, by the check that failed (`malformed`, `not_trusted`, `expired`, \
         `not_yet_valid`, `wrong_audience`, `holder_of_key`, `replay`, `not_granted`, `unknown_service`) and where \
         (`issue`: the STS; otherwise the service's entity, e.g. `bfo_modtag`).",
    ),
    family(
        "snitflade_json_requests_total",
        Counter,
        &["interface", "operation", "status"],
        "JSON (Engangsydelser) calls that reached their handler, by HTTP status.",
    ),
    family(
        "snitflade_request_timeouts_total",
        Counter,
        &[],
        "Requests cut off at request_timeout_secs (reading the body and handling it).",
    ),
    family(
        "snitflade_access_denied_total",
        Counter,
        &["interface", "reason"],
        "Calls refused by the access table (HTTP 403), by interface and reason: unknown_certificate, \
         no_interface_grant, no_municipality_grant, ambiguous_municipality, read_only.",
    ),
    family(
        "snitflade_idempotent_resends_total",
        Counter,
        &["interface"],
        "Resent requests answered from the idempotency record without changing anything.",
    ),
    family(
        "snitflade_maskintimer_registrations_total",
        Counter,
        &["outcome"],
        "Machine-hours registrations accepted, by outcome: registered, error (to the error table), duplicate (a resend).",
    ),
    family(
        "snitflade_maskintimer_masterdata_refused_total",
        Counter,
        &[],
        "Machine-hours master data requests refused by the once-a-day rule.",
    ),
    family(
        "snitflade_documents_uploaded_total",
        Counter,
        &[],
        "Personalemappe documents stored.",
    ),
    family(
        "snitflade_document_bytes_total",
        Counter,
        &[],
        "Bytes of Personalemappe documents stored.",
    ),
    // Connections.
    family(
        "snitflade_tls_handshake_failures_total",
        Counter,
        &["reason"],
        "TLS handshakes on the services listener that failed, by reason: no_certificate, certificate_expired, \
         certificate_not_yet_valid, certificate_revoked, unknown_issuer, certificate_unfit, bad_certificate, \
         alert_received, incompatible, protocol_error, connection_closed, timeout, other.",
    ),
    family(
        "snitflade_connections_refused_total",
        Counter,
        &["listener", "reason"],
        "Connections refused by the listener's limits before any TLS or HTTP.",
    ),
    family(
        "snitflade_connections_evicted_total",
        Counter,
        &["listener", "reason"],
        "Idle connections or handshakes closed to make room for new ones.",
    ),
    family(
        "snitflade_connections_dropped_total",
        Counter,
        &[],
        "Connections closed because their certificate's access was closed or revoked.",
    ),
    family(
        "snitflade_connections_open",
        Gauge,
        &["listener"],
        "Established connections.",
    ),
    family(
        "snitflade_connections_handshaking",
        Gauge,
        &["listener"],
        "Connections in their TLS handshake.",
    ),
    // Access lifecycle.
    family(
        "snitflade_certificate_expiry_timestamp_seconds",
        Gauge,
        &["system"],
        "When (Unix time) the system's last usable certificate expires; 0 when all of its certificates are revoked. \
         Days left: (value - time()) / 86400.",
    ),
    family(
        "snitflade_certificate_expiry_checks_total",
        Counter,
        &[],
        "Completed certificate expiry checks of the delivery lease holder (which emit certificate.expiring events).",
    ),
    // The Beskedfordeler.
    family(
        "snitflade_events_routed_total",
        Counter,
        &[],
        "Outbox events matched against the dueslag subscriptions.",
    ),
    family(
        "snitflade_deliveries_filtered_total",
        Counter,
        &[],
        "Deliveries not made because the receiving system lacks the grant.",
    ),
    family(
        "snitflade_push_delivered_total",
        Counter,
        &[],
        "Messages pushed to a dueslag's receiver and acknowledged.",
    ),
    family(
        "snitflade_push_failed_total",
        Counter,
        &[],
        "Push attempts that failed (retried with backoff, then to the fejlkø).",
    ),
    family(
        "snitflade_amqp_forwarded_total",
        Counter,
        &[],
        "Messages forwarded to RabbitMQ dueslag queues and confirmed by the broker.",
    ),
    family(
        "snitflade_amqp_received_total",
        Counter,
        &["status"],
        "Messages published to snitflade over AMQP, by the StatusKode answered.",
    ),
    family(
        "snitflade_amqp_reconnects_total",
        Counter,
        &[],
        "Reconnections to RabbitMQ.",
    ),
    family(
        "snitflade_outbox_undistributed_events",
        Gauge,
        &[],
        "Outbox events not yet matched against the subscriptions (the same on every instance of one database).",
    ),
    family(
        "snitflade_outbox_oldest_undistributed_age_seconds",
        Gauge,
        &[],
        "Age of the oldest outbox event not yet matched against the subscriptions; 0 when there is none.",
    ),
    family(
        "snitflade_dueslag_backlog_messages",
        Gauge,
        &["dueslag", "system"],
        "Messages waiting for delivery to a dueslag (dueslag id, receiving system).",
    ),
    family(
        "snitflade_dueslag_oldest_pending_age_seconds",
        Gauge,
        &["dueslag", "system"],
        "Age of the event of the oldest message waiting for delivery to a dueslag; 0 when none waits.",
    ),
    family(
        "snitflade_dueslag_fejlkoe_messages",
        Gauge,
        &["dueslag", "system"],
        "Messages in a dueslag's fejlkø (given up after max_attempts, or moved there by the receiver).",
    ),
    family(
        "snitflade_delivery_lease_held",
        Gauge,
        &[],
        "1 on the instance holding the delivery lease (the one that routes and delivers), 0 elsewhere.",
    ),
    // The error-handling table.
    family(
        "snitflade_error_items",
        Gauge,
        &["status"],
        "Error-table entries by status: open (waiting for correction), resubmitted, discarded, resolved.",
    ),
    // The store.
    family(
        "snitflade_db_pool_connections",
        Gauge,
        &["state"],
        "The read pool's open connections: in_use or idle (the writer's one connection is not counted).",
    ),
    family(
        "snitflade_db_pool_max_connections",
        Gauge,
        &[],
        "The read pool's size limit; in_use at this limit means reads wait for a connection.",
    ),
    family(
        "snitflade_store_batch_size",
        Histogram,
        &[],
        "Writes committed together in one transaction by the writer.",
    ),
    family(
        "snitflade_store_commit_seconds",
        Histogram,
        &[],
        "Time the writer took to run and commit one batch.",
    ),
    family(
        "snitflade_retention_deleted_total",
        Counter,
        &["kind"],
        "Rows the retention job deleted: kind events, closed_errors, master_data_fetches, hr_audit or admin_audit \
         (audit rows are archived first).",
    ),
    family(
        "snitflade_store_isolated_retries_total",
        Counter,
        &[],
        "Batches run again one write at a time after one of their writes failed.",
    ),
    family(
        "snitflade_store_connections_lost_total",
        Counter,
        &[],
        "Times the writer lost its database connection.",
    ),
    family(
        "snitflade_database_gauges_failures_total",
        Counter,
        &[],
        "Refreshes of the database gauges (error table, outbox, dueslag) that failed.",
    ),
    // The build.
    family(
        "snitflade_build_info",
        Gauge,
        &["version", "commit"],
        "Always 1; the labels name the running build.",
    ),
];

/// Buckets of [`REQUEST_DURATION`]: 5 ms to the default request timeout.
const REQUEST_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
const COMMIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];

/// How often the database gauges are read.
pub const DATABASE_GAUGES_EVERY: Duration = Duration::from_secs(15);

/// The running build, for `snitflade_build_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    pub version: String,
    /// The git commit (short hash), or `unknown`.
    pub commit: String,
}

impl Default for BuildInfo {
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: "unknown".to_owned(),
        }
    }
}

/// Installs the global recorder with the histograms' buckets, describes every family, sets the build info and
/// starts every unlabelled counter, and the handshake failures of each reason, at 0 (so a rate or an alert on
/// them has a series from the start). `None`, with a
/// warning, when a recorder is installed already (a second server in one process).
pub fn install(build: &BuildInfo) -> Option<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), REQUEST_BUCKETS)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full("snitflade_store_commit_seconds".into()), COMMIT_BUCKETS))
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full("snitflade_store_batch_size".into()), BATCH_BUCKETS))
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
        .ok()?;
    for f in FAMILIES {
        match f.kind {
            Counter => {
                metrics::describe_counter!(f.name, f.help);
                if f.labels.is_empty() {
                    metrics::counter!(f.name).increment(0);
                }
            }
            Gauge => metrics::describe_gauge!(f.name, f.help),
            Histogram => metrics::describe_histogram!(f.name, f.help),
        }
    }
    for reason in crate::tls::HANDSHAKE_FAILURE_REASONS {
        metrics::counter!("snitflade_tls_handshake_failures_total", "reason" => reason).increment(0);
    }
    metrics::gauge!("snitflade_build_info", "version" => build.version.clone(), "commit" => build.commit.clone())
        .set(1.0);
    Some(handle)
}

/// `/metrics`: the recorder's families with the gauges read from memory set just before, then the process's.
#[derive(Clone)]
pub struct Exporter {
    pub handle: PrometheusHandle,
    pub store: Store,
    pub lease: Arc<Lease>,
}

impl Exporter {
    pub fn render(&self) -> String {
        let pool = self.store.pool_usage();
        metrics::gauge!("snitflade_db_pool_connections", "state" => "in_use").set(f64::from(pool.in_use()));
        metrics::gauge!("snitflade_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
        metrics::gauge!("snitflade_db_pool_max_connections").set(f64::from(pool.max));
        metrics::gauge!("snitflade_delivery_lease_held").set(if self.lease.is_held() { 1.0 } else { 0.0 });
        let mut out = self.handle.render();
        crate::process::render(&mut out);
        out
    }
}

/// Reads the database gauges now and every [`DATABASE_GAUGES_EVERY`] until `shutdown` completes.
pub async fn refresh_database_gauges(store: Store, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let log = RepeatLog::new("reading the database gauges");
    let mut dueslag_seen = BTreeSet::new();
    let mut every = tokio::time::interval(DATABASE_GAUGES_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = every.tick() => {}
        }
        match database_gauges(&store, &mut dueslag_seen).await {
            Ok(()) => log.succeeded(),
            Err(e) => {
                metrics::counter!("snitflade_database_gauges_failures_total").increment(1);
                log.failed(&e);
            }
        }
    }
}

/// Seconds from `created_at` (a stored timestamp) to `now`; 0 for none (or one in the future).
fn age(created_at: Option<&str>, now: jiff::Timestamp) -> f64 {
    created_at
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0.0, |t| {
            (now.as_millisecond() - t.as_millisecond()).max(0) as f64 / 1000.0
        })
}

/// One reading of the database gauges. A dueslag deleted since the last reading has its gauges set to 0
/// (`seen` holds the label pairs set last time).
async fn database_gauges(store: &Store, seen: &mut BTreeSet<(String, String)>) -> Result<(), StoreError> {
    let pool = store.pool();
    let now = jiff::Timestamp::now();
    for status in [
        ErrorStatus::Open,
        ErrorStatus::Resubmitted,
        ErrorStatus::Discarded,
        ErrorStatus::Resolved,
    ] {
        let n = stats::error_items_with_status(pool, status.as_str()).await?;
        metrics::gauge!("snitflade_error_items", "status" => status.as_str()).set(n as f64);
    }
    let backlog = stats::outbox_backlog(pool, dueslag::position(pool).await?).await?;
    metrics::gauge!("snitflade_outbox_undistributed_events").set(backlog.events as f64);
    metrics::gauge!("snitflade_outbox_oldest_undistributed_age_seconds").set(age(backlog.oldest.as_deref(), now));
    let mut current = BTreeSet::new();
    for d in stats::dueslag_backlogs(store).await? {
        let labels = [("dueslag", d.dueslag_id.clone()), ("system", d.system.clone())];
        metrics::gauge!("snitflade_dueslag_backlog_messages", &labels).set(d.pending as f64);
        metrics::gauge!("snitflade_dueslag_fejlkoe_messages", &labels).set(d.dead as f64);
        metrics::gauge!("snitflade_dueslag_oldest_pending_age_seconds", &labels)
            .set(age(d.oldest_pending.as_deref(), now));
        current.insert((d.dueslag_id, d.system));
    }
    for (dueslag_id, system) in seen.difference(&current) {
        let labels = [("dueslag", dueslag_id.clone()), ("system", system.clone())];
        for name in [
            "snitflade_dueslag_backlog_messages",
            "snitflade_dueslag_fejlkoe_messages",
            "snitflade_dueslag_oldest_pending_age_seconds",
        ] {
            metrics::gauge!(name, &labels).set(0.0);
        }
    }
    *seen = current;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn family_names_are_unique_and_counters_alone_end_in_total() {
        let mut names = BTreeSet::new();
        for f in FAMILIES {
            assert!(names.insert(f.name), "{} twice", f.name);
            assert!(f.name.starts_with("snitflade_"), "{}", f.name);
            assert_eq!(f.kind == Counter, f.name.ends_with("_total"), "{}", f.name);
            assert!(!f.help.is_empty(), "{}", f.name);
        }
    }

    /// The metric names recorded in `source`: the first argument of each `counter!`, `gauge!` and `histogram!`,
    /// a string literal or a `const` of the same file.
    fn recorded_names(source: &str) -> Vec<String> {
        let mut names = Vec::new();
        for macro_name in ["counter!(", "gauge!(", "histogram!("] {
            for (at, _) in source.match_indices(macro_name) {
                let arg = source[at + macro_name.len()..].trim_start();
                let name = if let Some(rest) = arg.strip_prefix('"') {
                    rest[..rest.find('"').expect("a closed literal")].to_owned()
                } else {
                    let ident: String = arg
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    let ident = ident.rsplit("::").next().unwrap_or_default().to_owned();
                    let decl = format!("const {ident}: &str = \"");
                    match source.find(&decl) {
                        Some(d) => {
                            let rest = &source[d + decl.len()..];
                            rest[..rest.find('"').expect("a closed literal")].to_owned()
                        }
                        // A name held in a variable (`f.name`, `name` in a loop over literals checked elsewhere).
                        None => continue,
                    }
                };
                // Not a name: the macro's name quoted in a string, as in this test.
                if name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    names.push(name);
                }
            }
        }
        names
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_metric_the_code_records_is_described() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut files = Vec::new();
        for krate in std::fs::read_dir(crates).unwrap() {
            let src = krate.unwrap().path().join("src");
            if src.is_dir() {
                rust_files(&src, &mut files);
            }
        }
        let described: BTreeSet<&str> = FAMILIES.iter().map(|f| f.name).collect();
        let mut recorded = BTreeSet::new();
        for file in &files {
            for name in recorded_names(&std::fs::read_to_string(file).unwrap()) {
                assert!(
                    described.contains(name.as_str()),
                    "{name} (recorded in {}) is missing from FAMILIES",
                    file.display()
                );
                recorded.insert(name);
            }
        }
        // The scan finds names from several crates, consts included.
        for name in [
            "snitflade_soap_requests_total",
            "snitflade_store_commit_seconds",
            "snitflade_deliveries_filtered_total",
            "snitflade_certificate_expiry_timestamp_seconds",
        ] {
            assert!(recorded.contains(name), "{name} not found by the scan");
        }
    }

    #[test]
    fn the_monitoring_chapter_describes_every_family() {
        let chapter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src/operations/monitoring.md");
        let text = std::fs::read_to_string(&chapter).expect("docs/src/operations/monitoring.md");
        for f in FAMILIES {
            assert!(
                text.contains(&format!("| `{}` |", f.name)),
                "{} is not in the chapter's tables",
                f.name
            );
        }
    }

    #[test]
    fn ages_count_from_the_stored_timestamp() {
        let now: jiff::Timestamp = "2025-01-01T00:01:00Z".parse().unwrap();
        assert_eq!(age(Some("2025-01-01T00:00:00.5Z"), now), 59.5);
        assert_eq!(age(None, now), 0.0);
        assert_eq!(age(Some("2025-01-01T00:02:00Z"), now), 0.0);
        assert_eq!(age(Some("not a time"), now), 0.0);
    }
}
