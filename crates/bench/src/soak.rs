//! The soak: a steady, paced mix of the calls a municipality's systems make — machine-hours registrations,
//! absences inserted and deleted again (history piling up as it does in real use), one employee's absences for
//! a year, and Medarbejderoplysninger for one employee — for many minutes against `serve --demo`, printing every
//! interval the server's CPU (per second and per request), its resident memory and p50/p99 per call kind, so that
//! drift with a growing history shows. The run fails when CPU per request or a p50 drifts more than allowed between
//! the first measured interval and the last.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use jiff::ToSpan;
use jiff::civil::date;
use serde_json::json;

use crate::absence::{AbsenceConfig, period_request, set_request_op};
use crate::employee_list::{FIRST_SYNTHETIC, list_request, rss_kib};
use crate::message::{CONTENT_TYPE, Registration, SOAP_ACTION, new_ex_ident, registration_xml};
use crate::report::new_histogram;
use crate::{ServerProcess, mtls_client};

/// The kinds of call, in the order of one cycle (an absence is inserted and deleted in one step).
pub const KINDS: [&str; 5] = [
    "registration",
    "absence_ins",
    "absence_del",
    "absence_period",
    "employee_list_one",
];

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// The `snitflade` binary.
    pub bin: PathBuf,
    /// The demo data dir (created; the caller removes an old one).
    pub dir: PathBuf,
    /// Passed on as `--database-url` (an empty database); default: SQLite in `dir`.
    pub database_url: Option<String>,
    /// Synthetic employees in 0340 whose absences churn.
    pub employees: u32,
    /// Requests per second, all kinds together.
    pub rate: u32,
    /// How long to run.
    pub duration: Duration,
    /// How often to print a line.
    pub interval: Duration,
    /// The drift allowed between the first measured interval and the last (0.15 = ±15 %).
    pub max_drift: f64,
}

/// One interval's figures.
#[derive(Debug, Clone)]
pub struct Interval {
    pub at: Duration,
    pub requests: u64,
    pub failed: u64,
    /// Server CPU, in cores.
    pub cpu_cores: f64,
    /// Server CPU per request, in microseconds.
    pub cpu_us_per_request: f64,
    pub rss_mib: f64,
    /// Per kind: (p50, p99) in milliseconds.
    pub latency: BTreeMap<&'static str, (f64, f64)>,
}

impl Interval {
    pub fn line(&self) -> String {
        let mut s = format!(
            "t={:>5}s req={:>6} failed={} cpu={:.3} cores {:>6.0} µs/req rss={:>6.1} MiB |",
            self.at.as_secs(),
            self.requests,
            self.failed,
            self.cpu_cores,
            self.cpu_us_per_request,
            self.rss_mib
        );
        for (kind, (p50, p99)) in &self.latency {
            s.push_str(&format!(" {kind} p50 {p50:.1} p99 {p99:.1} ms;"));
        }
        s
    }

    pub fn json(&self) -> serde_json::Value {
        json!({
            "at_s": self.at.as_secs(),
            "requests": self.requests,
            "failed": self.failed,
            "cpu_cores": self.cpu_cores,
            "cpu_us_per_request": self.cpu_us_per_request,
            "rss_mib": self.rss_mib,
            "latency_ms": self.latency.iter().map(|(k, (p50, p99))| (k.to_string(), json!({"p50": p50, "p99": p99}))).collect::<serde_json::Map<_, _>>(),
        })
    }
}

/// The latencies of the current interval, per kind, and the counts.
struct Window {
    histograms: Mutex<BTreeMap<&'static str, Histogram<u64>>>,
    requests: AtomicU64,
    failed: AtomicU64,
}

impl Window {
    fn record(&self, kind: &'static str, took: Duration, ok: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let mut h = self.histograms.lock().expect("soak histograms");
        h.entry(kind)
            .or_insert_with(new_histogram)
            .saturating_record(took.as_micros() as u64);
    }

    fn take(&self) -> (u64, u64, BTreeMap<&'static str, (f64, f64)>) {
        let h = std::mem::take(&mut *self.histograms.lock().expect("soak histograms"));
        let latency = h
            .into_iter()
            .map(|(k, h)| {
                (
                    k,
                    (
                        h.value_at_quantile(0.5) as f64 / 1000.0,
                        h.value_at_quantile(0.99) as f64 / 1000.0,
                    ),
                )
            })
            .collect();
        (
            self.requests.swap(0, Ordering::Relaxed),
            self.failed.swap(0, Ordering::Relaxed),
            latency,
        )
    }
}

/// CPU seconds (user + system) a process has used (Linux /proc).
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).context("reading /proc/<pid>/stat")?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("no ')' in /proc/<pid>/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are the 14th and 15th fields of the whole line: the 12th and 13th after the name.
    let field = |i: usize, name: &str| -> Result<u64> {
        fields
            .get(i)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {name} in /proc/<pid>/stat"))
    };
    let ticks = field(11, "utime")? + field(12, "stime")?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Ok(ticks as f64 / per_second.max(1) as f64)
}

async fn post(client: &reqwest::Client, url: &str, body: String, success: &str) -> bool {
    let sent = client
        .post(url)
        .header("Content-Type", CONTENT_TYPE)
        .header("SOAPAction", SOAP_ACTION)
        .body(body)
        .timeout(Duration::from_secs(60))
        .send()
        .await;
    match sent {
        Ok(r) => r.status().is_success() && r.text().await.is_ok_and(|t| t.contains(success)),
        Err(_) => false,
    }
}

/// One call of `kind`, timed and recorded in `window`.
async fn timed(window: &Window, kind: &'static str, client: &reqwest::Client, url: &str, body: String, success: &str) {
    let t = Instant::now();
    let ok = post(client, url, body, success).await;
    window.record(kind, t.elapsed(), ok);
}

/// Prepares the data dir, starts the server and runs the soak; every interval's figures, printed as they come
/// (`print`).
pub async fn run(cfg: &SoakConfig, print: impl Fn(&Interval)) -> Result<Vec<Interval>> {
    if cfg.rate == 0 || cfg.employees == 0 {
        bail!("--rate and --employees must be at least 1");
    }
    crate::absence::prepare(&AbsenceConfig {
        bin: cfg.bin.clone(),
        dir: cfg.dir.clone(),
        database_url: cfg.database_url.clone(),
        employees: cfg.employees,
        absences_per_employee: 0,
        inserts: 0,
        concurrency: 1,
        reads: 0,
    })
    .await?;
    let server = ServerProcess::spawn_async(ServerProcess::demo_command_on(
        &cfg.bin,
        &cfg.dir,
        cfg.database_url.as_deref(),
    ))
    .await?;
    let pid = server.pid();
    let base = Arc::new(format!("https://{}/ws", server.services));
    let absence = mtls_client(&cfg.dir, "dagtilbud")?;
    let reader = mtls_client(&cfg.dir, "vikarsystem")?;
    let machine = mtls_client(&cfg.dir, "maskinregistrering")?;
    let window = Arc::new(Window {
        histograms: Mutex::new(BTreeMap::new()),
        requests: AtomicU64::new(0),
        failed: AtomicU64::new(0),
    });

    let n = cfg.employees;
    // One cycle is 5 requests (the absence step is two).
    let cycle = Duration::from_secs_f64(5.0 / cfg.rate as f64);
    let mut ticker = tokio::time::interval(cycle / 4);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut last = (started, cpu_seconds(pid)?);
    let mut next_print = started + cfg.interval;
    let mut intervals = Vec::new();
    let mut i: u64 = 0;
    while started.elapsed() < cfg.duration {
        ticker.tick().await;
        let (shared, base) = (window.clone(), base.clone());
        let step = i % 4;
        let k = i / 4;
        let pernr = FIRST_SYNTHETIC + (k % n as u64) as u32;
        const SUCCESS: &str = "<StatusType>S</StatusType>";
        match step {
            0 => {
                let client = machine.clone();
                tokio::spawn(async move {
                    let xml = registration_xml(&Registration::valid_demo(new_ex_ident()));
                    let url = format!("{base}/MobileEquipRegistration_OS_SI");
                    timed(&shared, "registration", &client, &url, xml, "").await;
                });
            }
            1 => {
                // A distinct (employee, day) for each step until every employee had every day of 2027.
                let day = date(2027, 1, 1)
                    .checked_add((((k / n as u64) % 365) as i64).days())
                    .expect("a day of 2027");
                let client = absence.clone();
                tokio::spawn(async move {
                    let url = format!("{base}/SetAbsenceAttendance_OS_SI");
                    timed(
                        &shared,
                        "absence_ins",
                        &client,
                        &url,
                        set_request_op(pernr, day, "INS"),
                        SUCCESS,
                    )
                    .await;
                    timed(
                        &shared,
                        "absence_del",
                        &client,
                        &url,
                        set_request_op(pernr, day, "DEL"),
                        SUCCESS,
                    )
                    .await;
                });
            }
            2 => {
                let client = absence.clone();
                tokio::spawn(async move {
                    let body = period_request(Some(pernr), date(2027, 1, 1), date(2027, 12, 31));
                    let url = format!("{base}/GetAbsenceAttendanceByPeriod_OS_SI");
                    timed(&shared, "absence_period", &client, &url, body, SUCCESS).await;
                });
            }
            _ => {
                let client = reader.clone();
                tokio::spawn(async move {
                    let url = format!("{base}/Employee_Provide_Out");
                    timed(
                        &shared,
                        "employee_list_one",
                        &client,
                        &url,
                        list_request(pernr, pernr),
                        "StatusKode>0</",
                    )
                    .await;
                });
            }
        }
        i += 1;
        if Instant::now() >= next_print {
            next_print += cfg.interval;
            let now = (Instant::now(), cpu_seconds(pid)?);
            let (requests, failed, latency) = window.take();
            let cpu = now.1 - last.1;
            let interval = Interval {
                at: now.0 - started,
                requests,
                failed,
                cpu_cores: cpu / (now.0 - last.0).as_secs_f64(),
                cpu_us_per_request: cpu * 1e6 / requests.max(1) as f64,
                rss_mib: rss_kib(pid)? as f64 / 1024.0,
                latency,
            };
            last = now;
            print(&interval);
            intervals.push(interval);
        }
    }
    drop(server);
    Ok(intervals)
}

/// Where the last interval drifted beyond `max` from the first (the first is the warm-up and not compared): one
/// line per figure that did.
pub fn drift(intervals: &[Interval], max: f64) -> Vec<String> {
    let (Some(first), Some(last)) = (intervals.get(1), intervals.last()) else {
        return vec!["fewer than two measured intervals: run longer".into()];
    };
    let mut out = Vec::new();
    let mut check = |what: String, a: f64, b: f64| {
        if a > 0.0 && (b / a - 1.0).abs() > max {
            out.push(format!("{what}: {a:.1} → {b:.1} ({:+.0} %)", (b / a - 1.0) * 100.0));
        }
    };
    check(
        "CPU µs per request".into(),
        first.cpu_us_per_request,
        last.cpu_us_per_request,
    );
    for (kind, (p50, _)) in &first.latency {
        if let Some((p50_last, _)) = last.latency.get(kind) {
            check(format!("{kind} p50 ms"), *p50, *p50_last);
        }
    }
    out
}
