//! The hostile-connections check (issue 16 item 1): does the services listener stay usable for a granted system
//! while thousands of hostile connections are held open?
//!
//! A population of hostile connections is opened from many loopback source addresses (127.0.0.2 …) and kept
//! open — each one the server closes is opened again — in a mix of three kinds:
//!
//! - `bare`: TCP only, never a byte sent;
//! - `stalled`: the first bytes of a TLS ClientHello record, then nothing;
//! - `idle`: a completed mutual-TLS handshake with the valid certificate of a system without any grant
//!   (`ingen-adgang` in the demo), then nothing.
//!
//! With the population up, the granted system (`maskinregistrering`, from 127.0.0.1) sends machine-hours
//! registrations as `snitflade-load load` does, on one keep-alive connection and each on a new connection (a full
//! TLS handshake, the path hostile handshakes would delay), and the latency of every call is recorded; a call that
//! fails or takes longer than [`CALL_LIMIT`] counts as failed and stays in the statistics. The report also shows
//! how many hostile connections were actually held, the reconnects by kind, and the server's
//! `snitflade_connections_*` / `snitflade_tls_handshake*` metrics.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustls::client::Resumption;
use rustls_pki_types::ServerName;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::admin::Admin;
use crate::load::{HandshakeCounter, error_chain};
use crate::message::{Registration, new_ex_ident, registration_xml, send_registration};
use crate::report::{LatencySummary, new_histogram};
use crate::tls::{client_builder, mtls_client_config};

/// A granted call that takes longer than this counts as failed.
pub const CALL_LIMIT: Duration = Duration::from_secs(10);

/// Time allowed for a hostile connection's TCP connect, and for an idle one's TLS handshake.
pub const HOSTILE_SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a hostile connection could not be set up, before it is tried again.
pub const FAILED_SETUP_BACKOFF: Duration = Duration::from_millis(100);

/// How often the number of held hostile connections is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// The demo system with a valid certificate and no grant at all.
pub const DEFAULT_IDLE_SYSTEM: &str = "ingen-adgang";

/// What a `stalled` connection sends: a TLS handshake record header announcing 512 bytes, the ClientHello
/// message header announcing 508 and the legacy version — then nothing more.
pub const STALLED_PREFIX: [u8; 11] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];

/// The first hostile source address; the others follow it.
pub const FIRST_SOURCE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// Most distinct source addresses (127.0.0.2 … 127.0.0.251).
pub const MAX_SOURCES: u32 = 250;

/// One kind of hostile connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// TCP only.
    Bare,
    /// The start of a ClientHello, then nothing.
    Stalled,
    /// A completed handshake by a system without grants, then nothing.
    Idle,
}

impl Kind {
    /// All kinds, in report order.
    pub const ALL: [Kind; 3] = [Kind::Bare, Kind::Stalled, Kind::Idle];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bare => "bare",
            Kind::Stalled => "stalled",
            Kind::Idle => "idle",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Relative weights of the kinds, e.g. `bare=40,stalled=40,idle=20`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix(pub [u32; 3]);

impl Default for Mix {
    fn default() -> Self {
        Mix([40, 40, 20])
    }
}

impl FromStr for Mix {
    type Err = String;

    /// Comma-separated `kind=weight`; kinds left out weigh 0; at least one weight must be positive.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut weights = [0u32; 3];
        let mut seen = [false; 3];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not kind=weight (kinds: bare, stalled, idle)"))?;
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.name() == name.trim())
                .ok_or_else(|| format!("unknown kind {:?} (kinds: bare, stalled, idle)", name.trim()))?;
            if seen[kind.index()] {
                return Err(format!("kind {} given twice", kind.name()));
            }
            seen[kind.index()] = true;
            weights[kind.index()] = weight
                .trim()
                .parse()
                .map_err(|_| format!("weight of {} is not a whole number: {weight:?}", kind.name()))?;
        }
        if weights.iter().all(|w| *w == 0) {
            return Err(format!("mix {s:?} has no positive weight"));
        }
        Ok(Mix(weights))
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Kind::ALL
            .iter()
            .map(|k| format!("{}={}", k.name(), self.0[k.index()]))
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl Mix {
    /// How many of `total` connections each kind gets: proportional to the weights, rounded by largest
    /// remainder so that the counts add up to `total`.
    pub fn counts(&self, total: usize) -> [usize; 3] {
        let sum: u64 = self.0.iter().map(|w| u64::from(*w)).sum();
        let exact: Vec<(usize, u64)> = self
            .0
            .iter()
            .map(|w| {
                let p = total as u64 * u64::from(*w);
                ((p / sum) as usize, p % sum)
            })
            .collect();
        let mut counts = [exact[0].0, exact[1].0, exact[2].0];
        let mut left = total - counts.iter().sum::<usize>();
        let mut order = [0usize, 1, 2];
        order.sort_by_key(|i| std::cmp::Reverse(exact[*i].1));
        for i in order {
            if left == 0 {
                break;
            }
            if exact[i].1 > 0 {
                counts[i] += 1;
                left -= 1;
            }
        }
        counts
    }
}

/// The `i`-th hostile source address (0-based): 127.0.0.2, 127.0.0.3, …
pub fn source_address(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(FIRST_SOURCE) + i)
}

/// One hostile connection of the population: its kind and the address it connects from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub kind: Kind,
    pub source: Ipv4Addr,
}

/// The population in opening order: the kinds interleaved evenly (so the ramp-up mixes them), and the source
/// addresses dealt out in turn within each kind, continuing from one kind to the next, so every source holds
/// `connections / sources` (±1) connections and its share (±1) of every kind.
pub fn plan(connections: usize, mix: Mix, sources: u32) -> Vec<Slot> {
    assert!(sources > 0, "at least one source address");
    let counts = mix.counts(connections);
    let mut keyed: Vec<(f64, Kind, usize)> = Vec::with_capacity(connections);
    let mut dealt = 0usize;
    for kind in Kind::ALL {
        let n = counts[kind.index()];
        keyed.extend((0..n).map(|j| ((j as f64 + 0.5) / n as f64, kind, dealt + j)));
        dealt += n;
    }
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed
        .into_iter()
        .map(|(_, kind, dealt)| Slot {
            kind,
            source: source_address((dealt % sources as usize) as u32),
        })
        .collect()
}

/// Take the next start time of a rate limiter whose next free slot is `next`: no earlier than `now`, and move
/// `next` one `interval` past it.
pub fn take_slot(next: &mut Instant, now: Instant, interval: Duration) -> Instant {
    let slot = (*next).max(now);
    *next = slot + interval;
    slot
}

/// Spaces out connection set-ups (first openings and reconnects alike) by a fixed interval.
#[derive(Debug)]
struct Pacer {
    next: Mutex<Instant>,
    interval: Duration,
}

impl Pacer {
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().expect("pacer lock");
            take_slot(&mut next, Instant::now(), self.interval)
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Raise this process's soft limit on open files to the hard limit; answers (soft, hard) after the change.
/// Children started afterwards (the server) inherit it.
pub fn raise_nofile_limit() -> Result<(u64, u64)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(std::io::Error::last_os_error()).context("getrlimit(RLIMIT_NOFILE)");
    }
    if lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
            return Err(std::io::Error::last_os_error()).context("setrlimit(RLIMIT_NOFILE)");
        }
    }
    Ok((lim.rlim_cur, lim.rlim_max))
}

/// The lines of a Prometheus text exposition whose metric name starts with `snitflade_connections_` or
/// `snitflade_tls_handshake` (samples only, no `#` comments).
pub fn connection_metric_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("snitflade_connections_") || l.starts_with("snitflade_tls_handshake"))
        .map(str::to_owned)
        .collect()
}

/// Parameters of one run.
#[derive(Debug, Clone)]
pub struct HostileConfig {
    /// The services listener (IPv4 loopback).
    pub services: SocketAddr,
    /// The admin listener, for `/metrics` (skipped when unknown).
    pub admin: Option<SocketAddr>,
    /// The server's data dir (CA, client certificates, admin token).
    pub data_dir: PathBuf,
    /// Hostile connections to hold.
    pub connections: usize,
    pub mix: Mix,
    /// Distinct source addresses, from 127.0.0.2.
    pub sources: u32,
    /// The population is opened over this long (set-ups, reconnects included, are paced at
    /// `connections / ramp` per second).
    pub ramp: Duration,
    /// After the population is up, wait this long before measuring.
    pub warmup: Duration,
    /// Measured window.
    pub duration: Duration,
    /// Pause from the start of one granted call to the start of the next, per kind of call.
    pub interval: Duration,
    /// The granted system.
    pub system: String,
    /// The system whose certificate the idle connections use.
    pub idle_system: String,
    /// The goal: p99 of all granted calls below this.
    pub p99_limit: Duration,
    /// The server's pid, when started here (for its open file count).
    pub server_pid: Option<u32>,
}

/// Counters shared by the hostile tasks.
#[derive(Debug, Default)]
struct HostileCounters {
    open: [AtomicUsize; 3],
    reconnects: [AtomicU64; 3],
    closed_by_server: [AtomicU64; 3],
    failed_setups: [AtomicU64; 3],
    first_failure: Mutex<[Option<String>; 3]>,
    first_attempts: AtomicUsize,
}

impl HostileCounters {
    fn open_total(&self) -> usize {
        self.open.iter().map(|a| a.load(Ordering::Relaxed)).sum()
    }

    fn by_kind(a: &[AtomicU64; 3]) -> [u64; 3] {
        [0, 1, 2].map(|i| a[i].load(Ordering::Relaxed))
    }
}

struct HostileContext {
    services: SocketAddr,
    server_name: ServerName<'static>,
    idle_tls: tokio_rustls::TlsConnector,
    pacer: Pacer,
    counters: HostileCounters,
}

/// An established hostile connection.
enum Held {
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Held {
    /// Wait until the server closes the connection (anything it sends is read and ignored).
    async fn closed(self) {
        async fn drain(mut s: impl AsyncRead + Unpin) {
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        }
        match self {
            Held::Tcp(s) => drain(s).await,
            Held::Tls(s) => drain(s).await,
        }
    }
}

async fn open_hostile(slot: Slot, ctx: &HostileContext) -> Result<Held> {
    let socket = TcpSocket::new_v4().context("socket")?;
    socket
        .bind(SocketAddr::from((slot.source, 0)))
        .with_context(|| format!("bind {}", slot.source))?;
    let mut tcp = tokio::time::timeout(HOSTILE_SETUP_TIMEOUT, socket.connect(ctx.services))
        .await
        .context("connect timed out")?
        .context("connect")?;
    match slot.kind {
        Kind::Bare => Ok(Held::Tcp(tcp)),
        Kind::Stalled => {
            let _ = tcp.set_nodelay(true);
            tcp.write_all(&STALLED_PREFIX)
                .await
                .context("sending the ClientHello start")?;
            Ok(Held::Tcp(tcp))
        }
        Kind::Idle => {
            let tls = tokio::time::timeout(
                HOSTILE_SETUP_TIMEOUT,
                ctx.idle_tls.connect(ctx.server_name.clone(), tcp),
            )
            .await
            .context("TLS handshake timed out")?
            .context("TLS handshake")?;
            Ok(Held::Tls(Box::new(tls)))
        }
    }
}

/// Keep one hostile connection open until aborted.
async fn hold(slot: Slot, ctx: Arc<HostileContext>) {
    let k = slot.kind.index();
    let c = &ctx.counters;
    let mut first = true;
    loop {
        ctx.pacer.wait().await;
        if !first {
            c.reconnects[k].fetch_add(1, Ordering::Relaxed);
        }
        let opened = open_hostile(slot, &ctx).await;
        if first {
            first = false;
            c.first_attempts.fetch_add(1, Ordering::Relaxed);
        }
        match opened {
            Ok(held) => {
                c.open[k].fetch_add(1, Ordering::Relaxed);
                held.closed().await;
                c.open[k].fetch_sub(1, Ordering::Relaxed);
                c.closed_by_server[k].fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                c.failed_setups[k].fetch_add(1, Ordering::Relaxed);
                if let Ok(mut f) = c.first_failure.lock() {
                    f[k].get_or_insert_with(|| format!("{e:#}"));
                }
                tokio::time::sleep(FAILED_SETUP_BACKOFF).await;
            }
        }
    }
}

/// One granted call.
#[derive(Debug, Clone)]
struct Call {
    begin: Instant,
    latency: Duration,
    /// `None` when answered 200 within [`CALL_LIMIT`], else what went wrong.
    failure: Option<String>,
}

/// Send registrations one after the other, one every `interval` at most, until `stop`.
async fn granted_loop(
    client: reqwest::Client,
    services: SocketAddr,
    interval: Duration,
    stop: Arc<AtomicBool>,
) -> Vec<Call> {
    let mut calls = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let xml = registration_xml(&Registration::valid_demo(new_ex_ident()));
        let begin = Instant::now();
        let result = tokio::time::timeout(CALL_LIMIT, send_registration(&client, services, xml)).await;
        let latency = begin.elapsed();
        let failure = match result {
            Ok(Ok((status, _))) if status == reqwest::StatusCode::OK => None,
            Ok(Ok((status, body))) => Some(format!("HTTP {status}: {}", body.chars().take(200).collect::<String>())),
            Ok(Err(e)) => Some(error_chain(&e)),
            Err(_) => Some(format!("no answer within {CALL_LIMIT:?}")),
        };
        calls.push(Call {
            begin,
            latency,
            failure,
        });
        tokio::time::sleep_until(begin + interval).await;
    }
    calls
}

/// The granted calls of one kind in the measured window.
#[derive(Debug, Clone, Default)]
pub struct CallStats {
    pub ok: u64,
    pub failed: u64,
    /// Latency of every call, failed ones included (a call cut off at the limit counts with the limit).
    pub latency: LatencySummary,
    pub first_failure: Option<String>,
    /// TLS handshakes the client made over the whole run.
    pub handshakes: u64,
}

impl CallStats {
    fn from_calls<'a>(calls: impl Iterator<Item = &'a Call>, handshakes: u64) -> Self {
        let mut h = new_histogram();
        let mut s = CallStats {
            handshakes,
            ..CallStats::default()
        };
        for c in calls {
            h.saturating_record(u64::try_from(c.latency.as_micros()).unwrap_or(u64::MAX).max(1));
            match &c.failure {
                None => s.ok += 1,
                Some(f) => {
                    s.failed += 1;
                    s.first_failure.get_or_insert_with(|| f.clone());
                }
            }
        }
        s.latency = LatencySummary::from_histogram(&h);
        s
    }

    fn to_json(&self) -> Value {
        json!({
            "ok": self.ok,
            "failed": self.failed,
            "latency_us": self.latency.to_json(),
            "first_failure": self.first_failure,
            "tls_handshakes": self.handshakes,
        })
    }
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct HostileReport {
    pub connections: usize,
    pub mix: Mix,
    pub targeted: [usize; 3],
    pub sources: u32,
    pub population_up: Duration,
    pub held_at_population_up: usize,
    pub warmup: Duration,
    pub measured: Duration,
    pub held_min: usize,
    pub held_at_end: usize,
    pub held_at_end_by_kind: [usize; 3],
    pub reconnects: [u64; 3],
    pub closed_by_server: [u64; 3],
    pub failed_setups: [u64; 3],
    pub first_setup_failure: [Option<String>; 3],
    pub system: String,
    pub keep_alive: CallStats,
    pub new_connection: CallStats,
    pub all: CallStats,
    pub p99_limit: Duration,
    /// The server's `snitflade_connections_*` and `snitflade_tls_handshake*` sample lines; `Err` says why they
    /// could not be read.
    pub metrics: Option<Result<Vec<String>, String>>,
    pub server_open_fds: Option<usize>,
}

impl HostileReport {
    /// No granted call failed, and p99 is below the limit over all calls and also over each path on its own (the
    /// slow path makes fewer calls, so it weighs less in the overall figure); both paths made calls.
    pub fn goal_met(&self) -> bool {
        let below = |s: &CallStats| s.latency.count > 0 && u128::from(s.latency.p99) < self.p99_limit.as_micros();
        self.all.failed == 0 && below(&self.all) && below(&self.keep_alive) && below(&self.new_connection)
    }

    /// Human-readable report.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let ms = |us: u64| format!("{:.1}", us as f64 / 1000.0);
        let kinds = |v: [usize; 3]| {
            Kind::ALL
                .iter()
                .map(|k| format!("{} {}", k.name(), v[k.index()]))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let last_source = source_address(self.sources.saturating_sub(1));
        let _ = writeln!(
            t,
            "hostile connections: {} targeted ({}) from {} source address(es) {FIRST_SOURCE}–{last_source}",
            self.connections,
            kinds(self.targeted),
            self.sources
        );
        let _ = writeln!(
            t,
            "population up after {:.1} s with {} held; measured {:.1} s after {:.1} s warm-up",
            self.population_up.as_secs_f64(),
            self.held_at_population_up,
            self.measured.as_secs_f64(),
            self.warmup.as_secs_f64()
        );
        let _ = writeln!(
            t,
            "held while measuring: min {}, at the end {} ({})",
            self.held_min,
            self.held_at_end,
            kinds(self.held_at_end_by_kind)
        );
        let _ = writeln!(
            t,
            "{:<10}{:>12}{:>18}{:>16}",
            "kind", "reconnects", "closed by server", "failed set-ups"
        );
        for k in Kind::ALL {
            let i = k.index();
            let _ = writeln!(
                t,
                "{:<10}{:>12}{:>18}{:>16}",
                k.name(),
                self.reconnects[i],
                self.closed_by_server[i],
                self.failed_setups[i]
            );
        }
        for k in Kind::ALL {
            if let Some(f) = &self.first_setup_failure[k.index()] {
                let _ = writeln!(t, "first failed {} set-up: {f}", k.name());
            }
        }
        let _ = writeln!(
            t,
            "granted calls as {} (ms){:>8}{:>8}{:>10}{:>10}{:>10}{:>10}{:>12}",
            self.system, "ok", "failed", "p50", "p90", "p99", "max", "handshakes"
        );
        let width = format!("granted calls as {} (ms)", self.system).len();
        for (name, s) in [
            ("keep-alive", &self.keep_alive),
            ("new connection", &self.new_connection),
            ("all", &self.all),
        ] {
            let l = &s.latency;
            let handshakes = if name == "all" {
                String::new()
            } else {
                s.handshakes.to_string()
            };
            let _ = writeln!(
                t,
                "{name:<width$}{:>8}{:>8}{:>10}{:>10}{:>10}{:>10}{handshakes:>12}",
                s.ok,
                s.failed,
                ms(l.p50),
                ms(l.p90),
                ms(l.p99),
                ms(l.max),
            );
        }
        for (name, s) in [
            ("keep-alive", &self.keep_alive),
            ("new-connection", &self.new_connection),
        ] {
            if let Some(f) = &s.first_failure {
                let _ = writeln!(t, "first failed {name} call: {f}");
            }
        }
        match &self.metrics {
            None => {}
            Some(Ok(lines)) if lines.is_empty() => {
                let _ = writeln!(
                    t,
                    "server metrics: no snitflade_connections_* / snitflade_tls_handshake* yet"
                );
            }
            Some(Ok(lines)) => {
                let _ = writeln!(t, "server metrics:");
                for l in lines {
                    let _ = writeln!(t, "  {l}");
                }
            }
            Some(Err(e)) => {
                let _ = writeln!(t, "server metrics not read: {e}");
            }
        }
        if let Some(n) = self.server_open_fds {
            let _ = writeln!(t, "server open file descriptors at the end: {n}");
        }
        let _ = writeln!(
            t,
            "goal (p99 < {} ms over all granted calls and on each path, none failed): {} — p99 {} ms (keep-alive {}, \
             new connection {}), {} failed",
            self.p99_limit.as_millis(),
            if self.goal_met() { "MET" } else { "MISSED" },
            ms(self.all.latency.p99),
            ms(self.keep_alive.latency.p99),
            ms(self.new_connection.latency.p99),
            self.all.failed
        );
        t
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let kinds = |v: [u64; 3]| {
            Value::Object(
                Kind::ALL
                    .iter()
                    .map(|k| (k.name().to_owned(), json!(v[k.index()])))
                    .collect(),
            )
        };
        let usizes = |v: [usize; 3]| kinds(v.map(|n| n as u64));
        let (metrics, metrics_error) = match &self.metrics {
            Some(Ok(lines)) => (json!(lines), Value::Null),
            Some(Err(e)) => (Value::Null, json!(e)),
            None => (Value::Null, Value::Null),
        };
        json!({
            "connections_targeted": self.connections,
            "mix": self.mix.to_string(),
            "targeted_by_kind": usizes(self.targeted),
            "sources": self.sources,
            "population_up_s": self.population_up.as_secs_f64(),
            "held_at_population_up": self.held_at_population_up,
            "warmup_s": self.warmup.as_secs_f64(),
            "measured_s": self.measured.as_secs_f64(),
            "held_min": self.held_min,
            "held_at_end": self.held_at_end,
            "held_at_end_by_kind": usizes(self.held_at_end_by_kind),
            "reconnects": kinds(self.reconnects),
            "closed_by_server": kinds(self.closed_by_server),
            "failed_setups": kinds(self.failed_setups),
            "first_setup_failure": Value::Object(
                Kind::ALL
                    .iter()
                    .map(|k| (k.name().to_owned(), json!(self.first_setup_failure[k.index()])))
                    .collect(),
            ),
            "system": self.system,
            "keep_alive": self.keep_alive.to_json(),
            "new_connection": self.new_connection.to_json(),
            "all": self.all.to_json(),
            "p99_limit_us": u64::try_from(self.p99_limit.as_micros()).unwrap_or(u64::MAX),
            "goal_met": self.goal_met(),
            "metrics": metrics,
            "metrics_error": metrics_error,
            "server_open_fds": self.server_open_fds,
        })
    }
}

/// Open the hostile population, measure the granted calls, and report.
pub async fn run(cfg: &HostileConfig) -> Result<HostileReport> {
    let IpAddr::V4(services_ip) = cfg.services.ip() else {
        bail!("the services address must be IPv4 loopback (hostile sources are 127.0.0.N)");
    };
    if !services_ip.is_loopback() {
        bail!("refusing {}: only loopback addresses are allowed", cfg.services);
    }
    if cfg.sources == 0 || cfg.sources > MAX_SOURCES {
        bail!("--sources must be 1…{MAX_SOURCES}");
    }

    // The granted clients: from 127.0.0.1, one keep-alive connection; and one that never keeps a connection
    // and never resumes a TLS session, so every call is a new connection with a full handshake.
    let granted_tls = mtls_client_config(&cfg.data_dir, &cfg.system)?;
    let keep_alive_handshakes = Arc::new(HandshakeCounter::default());
    let new_conn_handshakes = Arc::new(HandshakeCounter::default());
    let keep_alive_client = {
        let mut tls = granted_tls.clone();
        tls.key_log = keep_alive_handshakes.clone();
        client_builder(tls)
            .local_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .pool_max_idle_per_host(1)
            .build()
            .context("building the keep-alive client")?
    };
    let new_conn_client = {
        let mut tls = granted_tls;
        tls.key_log = new_conn_handshakes.clone();
        tls.resumption = Resumption::disabled();
        client_builder(tls)
            .local_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .pool_max_idle_per_host(0)
            .build()
            .context("building the new-connection client")?
    };
    let mut idle_tls = mtls_client_config(&cfg.data_dir, &cfg.idle_system)?;
    idle_tls.resumption = Resumption::disabled();

    let admin = cfg.admin.map(|a| Admin::new(&cfg.data_dir, a)).transpose()?;

    // The keep-alive connection is made before the attack and kept busy from then on; calls before the
    // measured window are not counted.
    let stop = Arc::new(AtomicBool::new(false));
    let keep_alive_task = tokio::spawn(granted_loop(
        keep_alive_client,
        cfg.services,
        cfg.interval,
        stop.clone(),
    ));

    let slots = plan(cfg.connections, cfg.mix, cfg.sources);
    let ctx = Arc::new(HostileContext {
        services: cfg.services,
        server_name: ServerName::IpAddress(IpAddr::V4(services_ip).into()),
        idle_tls: tokio_rustls::TlsConnector::from(Arc::new(idle_tls)),
        pacer: Pacer {
            next: Mutex::new(Instant::now()),
            interval: cfg.ramp / u32::try_from(cfg.connections.max(1)).unwrap_or(u32::MAX),
        },
        counters: HostileCounters::default(),
    });
    let started = Instant::now();
    let mut hostile = JoinSet::new();
    for slot in slots {
        hostile.spawn(hold(slot, ctx.clone()));
    }
    // Up: every slot has had its first attempt (or the ramp plus a set-up timeout and a margin passed).
    let give_up = started + cfg.ramp + HOSTILE_SETUP_TIMEOUT * 2 + Duration::from_secs(5);
    while ctx.counters.first_attempts.load(Ordering::Relaxed) < cfg.connections && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let population_up = started.elapsed();
    let held_at_population_up = ctx.counters.open_total();
    tokio::time::sleep(cfg.warmup).await;

    let measure_start = Instant::now();
    let deadline = measure_start + cfg.duration;
    let new_conn_task = tokio::spawn(granted_loop(new_conn_client, cfg.services, cfg.interval, stop.clone()));
    let mut held_min = ctx.counters.open_total();
    let mut ticker = tokio::time::interval(SAMPLE_EVERY);
    while Instant::now() < deadline {
        ticker.tick().await;
        held_min = held_min.min(ctx.counters.open_total());
    }
    let held_at_end_by_kind = [0, 1, 2].map(|i| ctx.counters.open[i].load(Ordering::Relaxed));
    let held_at_end = held_at_end_by_kind.iter().sum();
    held_min = held_min.min(held_at_end);
    stop.store(true, Ordering::SeqCst);

    let keep_alive_calls = keep_alive_task.await.context("keep-alive calls panicked")?;
    let new_conn_calls = new_conn_task.await.context("new-connection calls panicked")?;
    let in_window = |c: &&Call| c.begin >= measure_start && c.begin < deadline;
    let keep_alive = CallStats::from_calls(keep_alive_calls.iter().filter(in_window), keep_alive_handshakes.count());
    let new_connection = CallStats::from_calls(new_conn_calls.iter().filter(in_window), new_conn_handshakes.count());
    let all = CallStats::from_calls(
        keep_alive_calls.iter().chain(&new_conn_calls).filter(in_window),
        keep_alive_handshakes.count() + new_conn_handshakes.count(),
    );

    // Metrics while the hostile connections are still open.
    let metrics = match &admin {
        None => None,
        Some(a) => Some(
            tokio::time::timeout(CALL_LIMIT, a.get_text("/metrics"))
                .await
                .map_err(|_| format!("no answer within {CALL_LIMIT:?}"))
                .and_then(|r| r.map_err(|e| format!("{e:#}")))
                .map(|text| connection_metric_lines(&text)),
        ),
    };
    let server_open_fds = cfg
        .server_pid
        .and_then(|pid| std::fs::read_dir(format!("/proc/{pid}/fd")).ok())
        .map(|d| d.count());
    hostile.shutdown().await;

    let c = &ctx.counters;
    let first_setup_failure = c.first_failure.lock().map(|f| f.clone()).unwrap_or_default();
    Ok(HostileReport {
        connections: cfg.connections,
        mix: cfg.mix,
        targeted: cfg.mix.counts(cfg.connections),
        sources: cfg.sources,
        population_up,
        held_at_population_up,
        warmup: cfg.warmup,
        measured: cfg.duration,
        held_min,
        held_at_end,
        held_at_end_by_kind,
        reconnects: HostileCounters::by_kind(&c.reconnects),
        closed_by_server: HostileCounters::by_kind(&c.closed_by_server),
        failed_setups: HostileCounters::by_kind(&c.failed_setups),
        first_setup_failure,
        system: cfg.system.clone(),
        keep_alive,
        new_connection,
        all,
        p99_limit: cfg.p99_limit,
        metrics,
        server_open_fds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn mix_parsing() {
        assert_eq!("bare=40,stalled=40,idle=20".parse::<Mix>(), Ok(Mix([40, 40, 20])));
        assert_eq!(" idle=1 , bare=3 ".parse::<Mix>(), Ok(Mix([3, 0, 1])));
        assert_eq!("stalled=5".parse::<Mix>(), Ok(Mix([0, 5, 0])));
        assert_eq!(Mix::default().to_string(), "bare=40,stalled=40,idle=20");
        assert_eq!(Mix::default().to_string().parse::<Mix>(), Ok(Mix::default()));
        for bad in [
            "",
            "bare=0",
            "bare",
            "bare=x",
            "bare=-1",
            "slow=3",
            "bare=1,bare=2",
            "bare=1;idle=2",
        ] {
            assert!(bad.parse::<Mix>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn mix_counts_add_up() {
        assert_eq!(Mix::default().counts(5000), [2000, 2000, 1000]);
        assert_eq!(Mix([1, 1, 1]).counts(10), [4, 3, 3]);
        assert_eq!(Mix([1, 1, 1]).counts(2), [1, 1, 0]);
        assert_eq!(Mix([0, 1, 0]).counts(7), [0, 7, 0]);
        assert_eq!(Mix([40, 40, 20]).counts(0), [0, 0, 0]);
        for n in [1, 3, 99, 1001, 4999] {
            assert_eq!(Mix([33, 33, 34]).counts(n).iter().sum::<usize>(), n);
        }
    }

    #[test]
    fn source_addresses() {
        assert_eq!(source_address(0), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(source_address(49), Ipv4Addr::new(127, 0, 0, 51));
        assert_eq!(source_address(MAX_SOURCES - 1), Ipv4Addr::new(127, 0, 0, 251));
    }

    #[test]
    fn plan_spreads_kinds_and_sources_evenly() {
        let p = plan(5000, Mix::default(), 50);
        assert_eq!(p.len(), 5000);
        let mut per_source: BTreeMap<Ipv4Addr, [usize; 3]> = BTreeMap::new();
        for s in &p {
            per_source.entry(s.source).or_default()[s.kind.index()] += 1;
        }
        assert_eq!(per_source.len(), 50);
        assert_eq!(per_source.keys().next(), Some(&Ipv4Addr::new(127, 0, 0, 2)));
        assert_eq!(per_source.keys().last(), Some(&Ipv4Addr::new(127, 0, 0, 51)));
        for (source, counts) in &per_source {
            assert_eq!(counts.iter().sum::<usize>(), 100, "{source}");
            // 40/40/20 at every source.
            assert_eq!(counts, &[40, 40, 20], "{source}");
        }
        // Kinds interleaved: the first tenth of the opening order holds about a tenth of each kind.
        let head = &p[..500];
        let idle = head.iter().filter(|s| s.kind == Kind::Idle).count();
        assert!((90..=110).contains(&idle), "{idle}");

        // 3 bare, 3 stalled, 1 idle: sources dealt bare 2,3,4, stalled 2,3,4, idle 2.
        let p = plan(7, Mix::default(), 3);
        let dealt: Vec<(Kind, u8)> = p.iter().map(|s| (s.kind, s.source.octets()[3])).collect();
        for (kind, sources) in [(Kind::Bare, [2, 3, 4]), (Kind::Stalled, [2, 3, 4])] {
            let got: Vec<u8> = dealt.iter().filter(|d| d.0 == kind).map(|d| d.1).collect();
            assert_eq!(got, sources);
        }
        assert!(dealt.contains(&(Kind::Idle, 2)));
        assert!(plan(0, Mix::default(), 3).is_empty());
    }

    #[test]
    fn rate_limiter_slots() {
        let t0 = Instant::now();
        let step = Duration::from_millis(10);
        let mut next = t0;
        assert_eq!(take_slot(&mut next, t0, step), t0);
        assert_eq!(take_slot(&mut next, t0, step), t0 + step);
        assert_eq!(take_slot(&mut next, t0, step), t0 + step * 2);
        // After a quiet spell the next slot is now, not in the past.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(take_slot(&mut next, later, step), later);
        assert_eq!(next, later + step);
    }

    #[test]
    fn metric_lines_are_filtered() {
        let text = "# HELP snitflade_connections_refused_total refused\n\
                    # TYPE snitflade_connections_refused_total counter\n\
                    snitflade_connections_refused_total{listener=\"services\",reason=\"per_source\"} 12\n\
                    snitflade_request_timeouts_total 3\n\
                    snitflade_tls_handshake_failures_total 7\n\
                    snitflade_connections_dropped_total 0\n";
        assert_eq!(
            connection_metric_lines(text),
            [
                "snitflade_connections_refused_total{listener=\"services\",reason=\"per_source\"} 12",
                "snitflade_tls_handshake_failures_total 7",
                "snitflade_connections_dropped_total 0",
            ]
        );
        assert!(connection_metric_lines("").is_empty());
    }

    fn call(ms: u64, failure: Option<&str>) -> Call {
        Call {
            begin: Instant::now(),
            latency: Duration::from_millis(ms),
            failure: failure.map(str::to_owned),
        }
    }

    #[test]
    fn failed_calls_stay_in_the_statistics() {
        let mut calls: Vec<Call> = (1..=99).map(|ms| call(ms, None)).collect();
        calls.push(call(10_000, Some("no answer within 10s")));
        let s = CallStats::from_calls(calls.iter(), 1);
        assert_eq!((s.ok, s.failed), (99, 1));
        assert_eq!(s.latency.count, 100);
        assert!(s.latency.max >= 9_990_000, "{s:?}");
        assert_eq!(s.first_failure.as_deref(), Some("no answer within 10s"));

        let fast = CallStats::from_calls(calls[..99].iter(), 1);
        let mut r = HostileReport {
            p99_limit: Duration::from_millis(100),
            keep_alive: fast.clone(),
            new_connection: s.clone(),
            all: s,
            ..HostileReport::default()
        };
        assert!(!r.goal_met());
        r.all = fast.clone();
        r.new_connection = fast.clone();
        assert!(r.goal_met(), "{:?}", r.all);
        r.p99_limit = Duration::from_millis(50);
        assert!(!r.goal_met());
        r.p99_limit = Duration::from_secs(1);
        // One slow path fails the goal even when the overall p99 passes.
        r.new_connection = CallStats::from_calls(calls[90..].iter(), 10);
        assert!(u128::from(r.all.latency.p99) < r.p99_limit.as_micros());
        assert!(!r.goal_met());
        r.new_connection = CallStats::default();
        assert!(!r.goal_met(), "no call is no pass");
    }

    #[test]
    fn report_renders() {
        let r = HostileReport {
            connections: 5000,
            mix: Mix::default(),
            targeted: [2000, 2000, 1000],
            sources: 50,
            system: "maskinregistrering".into(),
            p99_limit: Duration::from_millis(100),
            reconnects: [5, 6, 7],
            metrics: Some(Ok(vec!["snitflade_tls_handshake_failures_total 7".into()])),
            ..HostileReport::default()
        };
        let t = r.table();
        assert!(t.contains("5000 targeted (bare 2000, stalled 2000, idle 1000)"), "{t}");
        assert!(t.contains("127.0.0.2–127.0.0.51"), "{t}");
        assert!(t.contains("  snitflade_tls_handshake_failures_total 7\n"), "{t}");
        assert!(t.contains("MISSED"), "{t}");
        let v = r.to_json();
        assert_eq!(v["reconnects"]["stalled"], 6);
        assert_eq!(v["targeted_by_kind"]["idle"], 1000);
        assert_eq!(v["goal_met"], false);
        assert_eq!(v["metrics"][0], "snitflade_tls_handshake_failures_total 7");
        assert!(!v.to_string().contains('\n'));
    }
}
