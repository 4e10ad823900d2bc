//! The retention job: keeps the database from growing without end. Every `interval_secs` the instance holding the
//! retention lease deletes, in batches of `batch` rows, what is past its keeping age (the `[retention]` table of
//! the config file): events every dueslag has had (with their delivery rows), error-table entries an operator
//! closed, past days' master-data fetch marks, and audit rows — which are first appended to a JSON-lines file in
//! `<data-dir>/archive/` (flushed to disk before the rows are deleted) unless `archive_audit = false`.
//! What is never deleted: employee data, registrations, open error-table entries, events a dueslag still waits
//! for or keeps in its fejlkø, and the idempotency keys (a client's resend is answered as the first send forever).

use anyhow::{Context, Result, bail};
use snitflade_beskedfordeler::lease::Lease;
use snitflade_store::retention::{self, AuditTable};
use snitflade_store::{Store, timestamp_text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The lease's name in the `leases` table: of several instances on one database, one prunes.
const LEASE: &str = "retention";

/// How long things are kept (the `[retention]` table of the config file). Ages are in days; fractions are
/// allowed (`0.5` is twelve hours).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// How often the job runs, in seconds (and once a minute after start).
    pub interval_secs: u64,
    /// Rows deleted per transaction.
    pub batch: u32,
    /// Events every dueslag has had (delivered, or filtered as not visible to it) are deleted this many days
    /// after they were created. Undelivered events and events in a fejlkø are kept.
    pub events_keep_days: f64,
    /// Error-table entries closed by an operator (resubmitted, discarded, resolved) are deleted this many days
    /// after they were closed. Open entries are kept.
    pub closed_errors_keep_days: f64,
    /// The personal-data audit (who read or changed which employee's data): rows older than this are archived
    /// and deleted. Six months is the long-standing Danish practice for access logs of personal data.
    pub hr_audit_keep_days: f64,
    /// The admin audit (every admin action): rows older than this are archived and deleted. Five years follows
    /// the Danish bookkeeping act, since orders, prices and invoices are among the actions.
    pub admin_audit_keep_days: f64,
    /// Append audit rows to `<data-dir>/archive/<table>-<time>.jsonl` before deleting them. With `false` they are
    /// deleted without a copy.
    pub archive_audit: bool,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            interval_secs: 3600,
            batch: 1000,
            events_keep_days: 7.0,
            closed_errors_keep_days: 90.0,
            hr_audit_keep_days: 180.0,
            admin_audit_keep_days: 1826.0,
            archive_audit: true,
        }
    }
}

impl RetentionConfig {
    /// Refuses a zero interval or batch and a keeping age that is not a positive number of days, naming the key.
    pub fn validate(&self) -> Result<()> {
        if self.interval_secs == 0 {
            bail!("[retention] interval_secs must be at least 1");
        }
        if self.batch == 0 {
            bail!("[retention] batch must be at least 1");
        }
        for (key, days) in [
            ("events_keep_days", self.events_keep_days),
            ("closed_errors_keep_days", self.closed_errors_keep_days),
            ("hr_audit_keep_days", self.hr_audit_keep_days),
            ("admin_audit_keep_days", self.admin_audit_keep_days),
        ] {
            if !(days.is_finite() && days > 0.0 && days < 100_000.0) {
                bail!("[retention] {key} must be a number of days above 0 (and below 100000), not {days}");
            }
        }
        Ok(())
    }
}

/// The kinds deleted without an archive.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Events,
    ClosedErrors,
    MasterDataFetches,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::ClosedErrors => "closed_errors",
            Self::MasterDataFetches => "master_data_fetches",
        }
    }
}

/// What one run deleted (and archived).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub closed_errors: u64,
    pub master_data_fetches: u64,
    pub hr_audit: u64,
    pub admin_audit: u64,
}

impl Pruned {
    fn total(&self) -> u64 {
        self.events + self.closed_errors + self.master_data_fetches + self.hr_audit + self.admin_audit
    }
}

/// The job: the store, where archives go, the ages, and the lease that keeps two instances from pruning at once.
pub struct Retention {
    store: Store,
    archive_dir: PathBuf,
    config: RetentionConfig,
    lease: Lease,
}

impl Retention {
    pub fn new(store: Store, data_dir: &Path, config: RetentionConfig) -> Self {
        let lease = Lease::new(store.clone(), LEASE, Duration::from_secs(120));
        Self {
            store,
            archive_dir: data_dir.join("archive"),
            config,
            lease,
        }
    }

    /// Runs a minute after start and then every `interval_secs` until `shutdown`; a run that fails (the database
    /// away) is logged and tried again at the next interval.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut wait = Duration::from_secs(60).min(Duration::from_secs(self.config.interval_secs));
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(wait) => {}
            }
            wait = Duration::from_secs(self.config.interval_secs);
            match self.lease.held().await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "retention skipped: the database is unavailable");
                    continue;
                }
            }
            match self.run_once().await {
                Ok(p) if p.total() > 0 => tracing::info!(
                    events = p.events,
                    closed_errors = p.closed_errors,
                    master_data_fetches = p.master_data_fetches,
                    hr_audit = p.hr_audit,
                    admin_audit = p.admin_audit,
                    "retention: old rows deleted"
                ),
                Ok(_) => tracing::debug!("retention: nothing to delete"),
                Err(e) => tracing::warn!(
                    error = format!("{e:#}"),
                    "retention run failed; tried again next interval"
                ),
            }
        }
        self.lease.release().await;
    }

    /// One pass over every kind, each until nothing old is left.
    pub async fn run_once(&self) -> Result<Pruned> {
        let now = jiff::Timestamp::now();
        let c = &self.config;
        let cutoff = |days: f64| timestamp_text(now - jiff::SignedDuration::from_secs_f64(days * 86_400.0));
        // The once-a-day rule looks at today's marks (Danish time, at most two hours from UTC): older than
        // yesterday in UTC is safely past.
        let day = (now - jiff::SignedDuration::from_hours(48))
            .strftime("%Y-%m-%d")
            .to_string();
        let mut pruned = Pruned {
            events: self.prune(Kind::Events, cutoff(c.events_keep_days)).await?,
            closed_errors: self
                .prune(Kind::ClosedErrors, cutoff(c.closed_errors_keep_days))
                .await?,
            master_data_fetches: self.prune(Kind::MasterDataFetches, day).await?,
            ..Pruned::default()
        };
        pruned.hr_audit = self.audit(AuditTable::Hr, &cutoff(c.hr_audit_keep_days)).await?;
        pruned.admin_audit = self.audit(AuditTable::Admin, &cutoff(c.admin_audit_keep_days)).await?;
        Ok(pruned)
    }

    /// Deletes one kind's rows from before `cutoff`, a batch per write, until a batch comes back short.
    async fn prune(&self, kind: Kind, cutoff: String) -> Result<u64> {
        let batch = i64::from(self.config.batch);
        let cutoff = Arc::new(cutoff);
        let mut total = 0;
        loop {
            let cut = cutoff.clone();
            let n = self
                .store
                .write(move |c| {
                    let cut = cut.clone();
                    Box::pin(async move {
                        match kind {
                            Kind::Events => retention::prune_events(c, &cut, batch).await,
                            Kind::ClosedErrors => retention::prune_closed_errors(c, &cut, batch).await,
                            Kind::MasterDataFetches => retention::prune_master_data_fetches(c, &cut, batch).await,
                        }
                    })
                })
                .await
                .with_context(|| format!("deleting old {}", kind.name()))?;
            total += n;
            metrics::counter!("snitflade_retention_deleted_total", "kind" => kind.name()).increment(n);
            if n < u64::from(self.config.batch) {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Archives (unless switched off) and deletes the audit rows of `table` older than `cutoff`, batch by batch.
    async fn audit(&self, table: AuditTable, cutoff: &str) -> Result<u64> {
        let mut archive: Option<Archive> = None;
        let mut total = 0;
        loop {
            let rows = retention::old_audit_rows(self.store.pool(), table, cutoff, i64::from(self.config.batch))
                .await
                .with_context(|| format!("reading old {} rows", table.name()))?;
            if rows.is_empty() {
                return Ok(total);
            }
            if self.config.archive_audit {
                if archive.is_none() {
                    archive = Some(Archive::create(&self.archive_dir, table.name())?);
                }
                archive.as_mut().expect("opened above").append(&rows)?;
            }
            let ids: Arc<Vec<String>> = Arc::new(
                rows.iter()
                    .filter_map(|r| r.get("id").and_then(|v| v.as_str()).map(str::to_owned))
                    .collect(),
            );
            let n = self
                .store
                .write(move |c| {
                    let ids = ids.clone();
                    Box::pin(async move { retention::delete_audit_rows(c, table, &ids).await })
                })
                .await
                .with_context(|| format!("deleting old {} rows", table.name()))?;
            total += n;
            metrics::counter!("snitflade_retention_deleted_total", "kind" => table.name()).increment(n);
            if rows.len() < self.config.batch as usize {
                return Ok(total);
            }
        }
    }
}

/// An archive file being written: one JSON object per line, synced to disk after each batch (before that
/// batch's rows are deleted). A crash between the sync and the delete archives those rows again next run:
/// an archive may hold a row twice, never miss one.
struct Archive {
    file: std::fs::File,
}

impl Archive {
    fn create(dir: &Path, table: &str) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the archive directory {}", dir.display()))?;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
        let path = dir.join(format!("{table}-{stamp}.jsonl"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening the archive {}", path.display()))?;
        Ok(Self { file })
    }

    fn append(&mut self, rows: &[retention::AuditRow]) -> Result<()> {
        let mut out = Vec::with_capacity(rows.len() * 256);
        for row in rows {
            serde_json::to_writer(&mut out, row)?;
            out.push(b'\n');
        }
        self.file.write_all(&out).context("writing the archive")?;
        self.file.sync_data().context("syncing the archive")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn audit_row(store: &Store, at: &'static str, object: &'static str) {
        store
            .write(move |c| {
                Box::pin(async move {
                    snitflade_store::admin_audit::record(
                        c,
                        "operator",
                        "x.changed",
                        "x",
                        object,
                        &serde_json::json!({}),
                        at,
                    )
                    .await
                })
            })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn audit_rows_are_archived_before_they_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&snitflade_store::db::sqlite_url_in(dir.path()))
            .await
            .unwrap();
        audit_row(&store, "2001-01-01T00:00:00.000000Z", "old-1").await;
        audit_row(&store, "2001-01-02T00:00:00.000000Z", "old-2").await;
        audit_row(&store, "2001-01-03T00:00:00.000000Z", "old-3").await;
        let recent = timestamp_text(jiff::Timestamp::now());
        let recent: &'static str = Box::leak(recent.into_boxed_str());
        audit_row(&store, recent, "recent").await;
        let config = RetentionConfig {
            batch: 2,
            ..RetentionConfig::default()
        };
        let job = Retention::new(store.clone(), dir.path(), config);
        let pruned = job.run_once().await.unwrap();
        assert_eq!(pruned.admin_audit, 3);
        let left = snitflade_store::admin_audit::list(store.pool(), None, 10)
            .await
            .unwrap();
        assert_eq!(
            left.iter().map(|e| e.object_id.as_str()).collect::<Vec<_>>(),
            ["recent"]
        );
        let files: Vec<PathBuf> = std::fs::read_dir(dir.path().join("archive"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "one archive per table and run: {files:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("admin_audit-") && name.ends_with(".jsonl"), "{name}");
        let archived: Vec<serde_json::Value> = std::fs::read_to_string(&files[0])
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let objects: Vec<&str> = archived.iter().map(|r| r["object_id"].as_str().unwrap()).collect();
        assert_eq!(objects, ["old-1", "old-2", "old-3"]);
        assert_eq!(
            job.run_once().await.unwrap(),
            Pruned::default(),
            "a second run finds nothing"
        );
        store.close().await;
    }

    #[tokio::test]
    async fn without_archiving_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&snitflade_store::db::sqlite_url_in(dir.path()))
            .await
            .unwrap();
        audit_row(&store, "2001-01-01T00:00:00.000000Z", "old").await;
        let config = RetentionConfig {
            archive_audit: false,
            ..RetentionConfig::default()
        };
        let pruned = Retention::new(store.clone(), dir.path(), config)
            .run_once()
            .await
            .unwrap();
        assert_eq!(pruned.admin_audit, 1);
        assert!(!dir.path().join("archive").exists());
        store.close().await;
    }

    #[test]
    fn ages_and_intervals_must_be_positive() {
        assert!(RetentionConfig::default().validate().is_ok());
        let bad = |f: fn(&mut RetentionConfig)| {
            let mut c = RetentionConfig::default();
            f(&mut c);
            c.validate().unwrap_err().to_string()
        };
        assert!(bad(|c| c.interval_secs = 0).contains("interval_secs"));
        assert!(bad(|c| c.batch = 0).contains("batch"));
        assert!(bad(|c| c.events_keep_days = 0.0).contains("events_keep_days"));
        assert!(bad(|c| c.hr_audit_keep_days = -1.0).contains("hr_audit_keep_days"));
        assert!(bad(|c| c.admin_audit_keep_days = f64::NAN).contains("admin_audit_keep_days"));
    }
}
