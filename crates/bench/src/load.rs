//! Closed-loop load generator: K tasks, each with its own HTTP client limited
//! to one keep-alive connection and one request in flight, sending valid
//! machine-hours registrations back-to-back until a stop condition holds.
//! Acknowledged EX_IDENTs are collected (and optionally appended to a file
//! as they arrive) so that their durability can be checked afterwards.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::message::{Registration, new_ex_ident, registration_xml, send_registration};
use crate::report::{LatencySummary, LoadReport, new_histogram};
use crate::tls::client_builder;

/// Pause after a transport error before the task tries again, so that a
/// dead server does not turn the loop into a busy spin.
pub const ERROR_BACKOFF: Duration = Duration::from_millis(5);

/// Maximum length of the stored response-body sample.
const SAMPLE_LEN: usize = 300;

/// When the load stops (besides [`LoadControl::stop`], which always works).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCondition {
    /// Stop starting requests this long after the warm-up ended.
    Duration(Duration),
    /// Send this many requests in total (all tasks together, warm-up included).
    Requests(u64),
    /// Run until [`LoadControl::stop`] is called.
    Manual,
}

/// Parameters of one load run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Services listener; must be a loopback address.
    pub services: SocketAddr,
    /// Number of concurrent tasks, each with its own connection.
    pub connections: usize,
    /// When to stop.
    pub stop: StopCondition,
    /// Initial period whose requests are not counted in the report.
    pub warmup: Duration,
    /// TLS configuration (client identity); cloned for every task.
    pub tls: rustls::ClientConfig,
    /// File to which every acknowledged EX_IDENT is appended, one per line.
    pub acked_out: Option<PathBuf>,
}

/// Everything a finished load run produced.
#[derive(Debug, Clone)]
pub struct LoadOutcome {
    /// Counters and latencies.
    pub report: LoadReport,
    /// Every EX_IDENT answered 200, warm-up included.
    pub acked: Vec<String>,
}

/// Cloneable remote control of a running load.
#[derive(Debug, Clone)]
pub struct LoadControl {
    handshakes: Arc<HandshakeCounter>,
    stop: Arc<AtomicBool>,
    in_flight: Arc<AtomicUsize>,
    acked: Arc<AtomicU64>,
}

impl LoadControl {
    /// Ask every task to stop after its current request.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was requested.
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Requests currently waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// 200 answers received so far (warm-up included).
    pub fn acked(&self) -> u64 {
        self.acked.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed so far, i.e. connections opened.
    pub fn connections_opened(&self) -> u64 {
        self.handshakes.count()
    }
}

/// Counts completed TLS handshakes (full or resumed) by acting as the
/// rustls key log; the secrets themselves are discarded.
#[derive(Debug, Default)]
pub struct HandshakeCounter(AtomicU64);

impl HandshakeCounter {
    /// Handshakes counted so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl rustls::KeyLog for HandshakeCounter {
    fn log(&self, label: &str, _client_random: &[u8], _secret: &[u8]) {
        if self.will_log(label) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Exactly one label per handshake: the TLS 1.3 client application
    /// traffic secret, or the TLS 1.2 master secret.
    fn will_log(&self, label: &str) -> bool {
        matches!(label, "CLIENT_TRAFFIC_SECRET_0" | "CLIENT_RANDOM")
    }
}

/// A running load; finish it with [`LoadHandle::join`].
pub struct LoadHandle {
    control: LoadControl,
    tasks: Vec<JoinHandle<TaskResult>>,
    writer: Option<AckWriter>,
    connections: usize,
    warmup: Duration,
    measure_start: Instant,
}

/// What one task counted.
struct TaskResult {
    histogram: Histogram<u64>,
    sent: u64,
    ok: u64,
    non_200: BTreeMap<u16, u64>,
    errors: u64,
    error_kinds: BTreeMap<String, u64>,
    total_sent: u64,
    acked: Vec<String>,
    last_completion: Option<Instant>,
    first_error: Option<String>,
    first_non_200: Option<(u16, String)>,
}

/// Shared state handed to every task.
#[derive(Clone)]
struct TaskContext {
    control: LoadControl,
    services: SocketAddr,
    measure_start: Instant,
    deadline: Option<Instant>,
    max_requests: Option<u64>,
    tickets: Arc<AtomicU64>,
    ack_tx: Option<mpsc::Sender<String>>,
}

/// Start a load run on the current tokio runtime.
pub fn start_load(cfg: LoadConfig) -> Result<LoadHandle> {
    if !cfg.services.ip().is_loopback() {
        bail!("refusing to load {}: only loopback addresses are allowed", cfg.services);
    }
    if cfg.connections == 0 {
        bail!("at least one connection is needed");
    }
    let handshakes = Arc::new(HandshakeCounter::default());
    let clients = (0..cfg.connections)
        .map(|_| {
            let mut tls = cfg.tls.clone();
            tls.key_log = handshakes.clone();
            client_builder(tls)
                .pool_max_idle_per_host(1)
                .build()
                .context("building HTTP client")
        })
        .collect::<Result<Vec<_>>>()?;
    let writer = cfg.acked_out.as_deref().map(AckWriter::open).transpose()?;

    let started = Instant::now();
    let measure_start = started + cfg.warmup;
    let control = LoadControl {
        handshakes,
        stop: Arc::new(AtomicBool::new(false)),
        in_flight: Arc::new(AtomicUsize::new(0)),
        acked: Arc::new(AtomicU64::new(0)),
    };
    let (deadline, max_requests) = match cfg.stop {
        StopCondition::Duration(d) => (Some(measure_start + d), None),
        StopCondition::Requests(n) => (None, Some(n)),
        StopCondition::Manual => (None, None),
    };
    let ctx = TaskContext {
        control: control.clone(),
        services: cfg.services,
        measure_start,
        deadline,
        max_requests,
        tickets: Arc::new(AtomicU64::new(0)),
        ack_tx: writer.as_ref().map(|w| w.tx.clone()),
    };
    let tasks = clients
        .into_iter()
        .map(|client| tokio::spawn(run_task(client, ctx.clone())))
        .collect();
    Ok(LoadHandle {
        control,
        tasks,
        writer,
        connections: cfg.connections,
        warmup: cfg.warmup,
        measure_start,
    })
}

impl LoadHandle {
    /// A remote control that stays usable after `join` took the handle.
    pub fn control(&self) -> LoadControl {
        self.control.clone()
    }

    /// Same as `self.control().stop()`.
    pub fn stop(&self) {
        self.control.stop();
    }

    /// Wait for all tasks to finish (they stop on their own only for
    /// [`StopCondition::Duration`] and [`StopCondition::Requests`]), flush the
    /// acknowledgement file and compile the report.
    pub async fn join(self) -> Result<LoadOutcome> {
        let LoadHandle {
            control,
            tasks,
            writer,
            connections,
            warmup,
            measure_start,
        } = self;
        let mut histogram = new_histogram();
        let mut report = LoadReport {
            connections,
            warmup,
            ..LoadReport::default()
        };
        let mut acked = Vec::new();
        let mut last_completion: Option<Instant> = None;
        for task in tasks {
            let r = task.await.context("load task panicked")?;
            histogram.add(&r.histogram).context("merging latency histograms")?;
            report.sent += r.sent;
            report.ok += r.ok;
            report.errors += r.errors;
            report.total_sent += r.total_sent;
            for (status, n) in r.non_200 {
                *report.non_200.entry(status).or_default() += n;
            }
            for (kind, n) in r.error_kinds {
                *report.error_kinds.entry(kind).or_default() += n;
            }
            report.first_error = report.first_error.or(r.first_error);
            report.first_non_200 = report.first_non_200.or(r.first_non_200);
            last_completion = last_completion.max(r.last_completion);
            acked.extend(r.acked);
        }
        report.total_acked = acked.len() as u64;
        report.connections_opened = control.connections_opened();
        report.latency = LatencySummary::from_histogram(&histogram);
        report.measured = last_completion
            .map(|end| end.saturating_duration_since(measure_start))
            .unwrap_or_default();
        if let Some(writer) = writer {
            tokio::task::spawn_blocking(move || writer.finish())
                .await
                .context("acknowledgement writer panicked")??;
        }
        Ok(LoadOutcome { report, acked })
    }
}

/// Classify a transport error for the report.
fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    }
}

/// An error with its whole source chain, on one line.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

async fn run_task(client: reqwest::Client, ctx: TaskContext) -> TaskResult {
    let mut r = TaskResult {
        histogram: new_histogram(),
        sent: 0,
        ok: 0,
        non_200: BTreeMap::new(),
        errors: 0,
        error_kinds: BTreeMap::new(),
        total_sent: 0,
        acked: Vec::new(),
        last_completion: None,
        first_error: None,
        first_non_200: None,
    };
    loop {
        if ctx.control.is_stopped() {
            break;
        }
        if ctx.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if let Some(max) = ctx.max_requests
            && ctx.tickets.fetch_add(1, Ordering::SeqCst) >= max
        {
            break;
        }
        let ex_ident = new_ex_ident();
        let xml = registration_xml(&Registration::valid_demo(ex_ident.as_str()));

        ctx.control.in_flight.fetch_add(1, Ordering::SeqCst);
        let begin = Instant::now();
        let result = send_registration(&client, ctx.services, xml).await;
        let end = Instant::now();
        ctx.control.in_flight.fetch_sub(1, Ordering::SeqCst);

        let measured = begin >= ctx.measure_start;
        r.total_sent += 1;
        if measured {
            r.sent += 1;
            r.last_completion = Some(end);
        }
        match result {
            Ok((status, _body)) if status == reqwest::StatusCode::OK => {
                ctx.control.acked.fetch_add(1, Ordering::SeqCst);
                if let Some(tx) = &ctx.ack_tx {
                    // A dead writer reports its error in `join`.
                    let _ = tx.send(ex_ident.clone());
                }
                r.acked.push(ex_ident);
                if measured {
                    r.ok += 1;
                    let us = u64::try_from((end - begin).as_micros()).unwrap_or(u64::MAX);
                    r.histogram.saturating_record(us.max(1));
                }
            }
            Ok((status, body)) => {
                if measured {
                    *r.non_200.entry(status.as_u16()).or_default() += 1;
                }
                if r.first_non_200.is_none() {
                    let sample: String = body.chars().take(SAMPLE_LEN).collect();
                    r.first_non_200 = Some((status.as_u16(), sample));
                }
            }
            Err(e) => {
                if measured {
                    r.errors += 1;
                    *r.error_kinds.entry(error_kind(&e).to_owned()).or_default() += 1;
                }
                if r.first_error.is_none() {
                    r.first_error = Some(error_chain(&e));
                }
                tokio::time::sleep(ERROR_BACKOFF).await;
            }
        }
    }
    r
}

/// Background thread appending acknowledged EX_IDENTs to a file. Each batch
/// is written with one `write` call straight to the file (no user-space
/// buffering), so the lines survive the driver being killed.
pub struct AckWriter {
    tx: mpsc::Sender<String>,
    thread: std::thread::JoinHandle<std::io::Result<u64>>,
    path: PathBuf,
}

impl AckWriter {
    /// Open (create or append to) `path` and start the writer thread.
    pub fn open(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        let (tx, rx) = mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("acked-out".into())
            .spawn(move || write_acks(file, rx))
            .context("starting acknowledgement writer")?;
        Ok(AckWriter {
            tx,
            thread,
            path: path.to_owned(),
        })
    }

    /// A sender for EX_IDENTs to append.
    pub fn sender(&self) -> mpsc::Sender<String> {
        self.tx.clone()
    }

    /// Wait until every line sent so far (by all senders, which must be
    /// dropped) is written and synced; returns the number of lines written.
    pub fn finish(self) -> Result<u64> {
        let AckWriter { tx, thread, path } = self;
        drop(tx);
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("acknowledgement writer panicked"))?
            .with_context(|| format!("writing {}", path.display()))
    }
}

fn write_acks(mut file: File, rx: mpsc::Receiver<String>) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut batch = String::new();
    while let Ok(first) = rx.recv() {
        batch.clear();
        batch.push_str(&first);
        batch.push('\n');
        written += 1;
        while batch.len() < 64 * 1024 {
            match rx.try_recv() {
                Ok(line) => {
                    batch.push_str(&line);
                    batch.push('\n');
                    written += 1;
                }
                Err(_) => break,
            }
        }
        file.write_all(batch.as_bytes())?;
    }
    file.sync_all()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("snitflade-bench-{name}-{}", std::process::id()))
    }

    #[test]
    fn ack_writer_appends_lines() {
        let path = temp_path("acked");
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, "EXISTING\n").unwrap();
        let w = AckWriter::open(&path).unwrap();
        let tx = w.sender();
        let producer = std::thread::spawn(move || {
            for i in 0..1000 {
                tx.send(format!("ID{i:04}")).unwrap();
            }
        });
        producer.join().unwrap();
        assert_eq!(w.finish().unwrap(), 1000);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1001);
        assert_eq!(lines[0], "EXISTING");
        assert_eq!(lines[1], "ID0000");
        assert_eq!(lines[1000], "ID0999");
        std::fs::remove_file(&path).unwrap();
    }

    #[tokio::test]
    async fn refuses_non_loopback_targets() {
        let cfg = LoadConfig {
            services: "192.0.2.1:443".parse().unwrap(),
            connections: 1,
            stop: StopCondition::Requests(1),
            warmup: Duration::ZERO,
            tls: dummy_tls(),
            acked_out: None,
        };
        let err = start_load(cfg).err().expect("must refuse");
        assert!(err.to_string().contains("loopback"), "{err}");
    }

    /// A TLS configuration with no trust anchors: fine for tests that never
    /// complete a handshake.
    fn dummy_tls() -> rustls::ClientConfig {
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    }

    /// With nothing listening, every request fails fast; the loop must stay
    /// bounded by the request count and count the failures.
    #[tokio::test]
    async fn bounded_by_request_count_against_closed_port() {
        // Bind and drop to find a port that is (very likely) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = LoadConfig {
            services: SocketAddr::from(([127, 0, 0, 1], port)),
            connections: 4,
            stop: StopCondition::Requests(20),
            warmup: Duration::ZERO,
            tls: dummy_tls(),
            acked_out: None,
        };
        let handle = start_load(cfg).unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(30), handle.join())
            .await
            .expect("load must stop on its own")
            .unwrap();
        let r = outcome.report;
        assert_eq!(r.total_sent, 20);
        assert_eq!(r.sent, 20);
        assert_eq!(r.errors, 20);
        assert_eq!(r.ok, 0);
        assert_eq!(r.error_kinds.get("connect"), Some(&20), "{:?}", r.error_kinds);
        assert!(r.first_error.is_some());
        assert!(outcome.acked.is_empty());
    }

    #[tokio::test]
    async fn manual_and_duration_stops() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let services = SocketAddr::from(([127, 0, 0, 1], port));
        let cfg = LoadConfig {
            services,
            connections: 2,
            stop: StopCondition::Manual,
            warmup: Duration::ZERO,
            tls: dummy_tls(),
            acked_out: None,
        };
        let handle = start_load(cfg.clone()).unwrap();
        let control = handle.control();
        tokio::time::sleep(Duration::from_millis(50)).await;
        control.stop();
        let outcome = tokio::time::timeout(Duration::from_secs(10), handle.join())
            .await
            .expect("stop must end the load")
            .unwrap();
        assert!(outcome.report.total_sent > 0);
        assert_eq!(control.in_flight(), 0);

        let cfg = LoadConfig {
            stop: StopCondition::Duration(Duration::from_millis(100)),
            warmup: Duration::from_millis(50),
            ..cfg
        };
        let outcome = tokio::time::timeout(Duration::from_secs(10), start_load(cfg).unwrap().join())
            .await
            .expect("duration must end the load")
            .unwrap();
        assert!(outcome.report.total_sent >= outcome.report.sent);
        assert!(outcome.report.measured <= Duration::from_secs(1));
    }
}
