//! The Beskedfordeler benchmark: events per second from a change to its delivery, and the end-to-end latency.
//!
//! A fresh demo data dir gets N synthetic employees; a server runs on it (poll interval `poll_ms`), with
//! `--amqp-url` in AMQP mode. `dueslag` dueslag subscribe to `absence.created`: in push mode each has its own
//! HTTPS receiver in this process (the demo's server certificate; SF1460_A answers 20), in AMQP mode each is a
//! queue read by its own consumer here (manual ack). Then `concurrency` clients register one sick day per
//! employee as `dagtilbud` (optionally paced to `rate` changes/s), and every arrival is timed against the moment
//! its change was sent: latency = change sent → message received, so it includes the SOAP call itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::absence::set_request;
use crate::employee_list::{FIRST_SYNTHETIC, fresh_demo_store, opened_after_kill, write_synthetic};
use crate::message::{CONTENT_TYPE, SOAP_ACTION};
use crate::report::{LatencySummary, new_histogram};
use crate::{ServerProcess, admin_token, mtls_client};

/// The day every measured absence falls on (the synthetic employees are free then).
const DAY: jiff::civil::Date = jiff::civil::date(2027, 3, 1);

/// What to run.
#[derive(Debug, Clone)]
pub struct BeskedConfig {
    pub bin: PathBuf,
    pub dir: PathBuf,
    pub database_url: Option<String>,
    /// RabbitMQ: pull dueslag read over AMQP instead of push receivers.
    pub amqp_url: Option<String>,
    /// Changes (one absence per synthetic employee).
    pub events: u32,
    pub dueslag: u32,
    pub concurrency: u32,
    /// Changes per second in total; 0 = as fast as the clients go.
    pub rate: u32,
    /// The server's `[beskedfordeler] poll_ms`.
    pub poll_ms: u64,
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct BeskedReport {
    pub mode: &'static str,
    pub engine: String,
    pub events: u32,
    pub dueslag: u32,
    pub rate: u32,
    pub poll_ms: u64,
    /// Arrivals counted (events × dueslag when nothing is missing; duplicates are counted once).
    pub delivered: u64,
    pub duplicates: u64,
    /// First change sent → last arrival.
    pub elapsed: Duration,
    /// First change sent → last change answered.
    pub send_elapsed: Duration,
    pub latency: LatencySummary,
    /// The server's CPU (user + system, from /proc) from the first change sent to the last arrival: the changes
    /// themselves, routing and delivery.
    pub server_cpu: Duration,
}

impl BeskedReport {
    /// Events per second through every dueslag (all `dueslag` copies of an event delivered).
    pub fn events_per_second(&self) -> f64 {
        self.delivered as f64 / self.dueslag.max(1) as f64 / self.elapsed.as_secs_f64()
    }

    /// The server's CPU per change, its routing and its deliveries.
    pub fn cpu_per_event(&self) -> Duration {
        self.server_cpu / self.events.max(1)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "benchmark": "beskedfordeler",
            "mode": self.mode,
            "engine": self.engine,
            "events": self.events,
            "dueslag": self.dueslag,
            "rate": self.rate,
            "poll_ms": self.poll_ms,
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "send_elapsed_s": self.send_elapsed.as_secs_f64(),
            "events_per_s": self.events_per_second(),
            "latency_us": self.latency.to_json(),
            "server_cpu_us_per_event": self.cpu_per_event().as_micros() as u64,
        })
    }

    pub fn table(&self) -> String {
        format!(
            "{} ({}), {} events × {} dueslag, rate {}, poll {} ms\n\
             delivered {} (duplicates {}), changes sent in {:.2} s, all delivered after {:.2} s\n\
             {:.0} events/s end to end ({:.0} deliveries/s); server CPU {:.0} µs per event\n{}",
            self.mode,
            self.engine,
            self.events,
            self.dueslag,
            if self.rate == 0 {
                "unpaced".to_owned()
            } else {
                format!("{}/s", self.rate)
            },
            self.poll_ms,
            self.delivered,
            self.duplicates,
            self.send_elapsed.as_secs_f64(),
            self.elapsed.as_secs_f64(),
            self.events_per_second(),
            self.delivered as f64 / self.elapsed.as_secs_f64(),
            self.cpu_per_event().as_secs_f64() * 1e6,
            self.latency.table()
        )
    }
}

/// When each employee's change was sent, and every (dueslag, employee) arrival.
struct Clock {
    start: Instant,
    sent: Vec<AtomicU32>,
    arrivals: Mutex<HashMap<(u32, u32), Duration>>,
    duplicates: AtomicU32,
}

impl Clock {
    fn new(events: u32) -> Self {
        Self {
            start: Instant::now(),
            sent: (0..events).map(|_| AtomicU32::new(u32::MAX)).collect(),
            arrivals: Mutex::new(HashMap::new()),
            duplicates: AtomicU32::new(0),
        }
    }

    /// Microseconds since the start (fits u32 for over an hour).
    fn now_us(&self) -> u32 {
        self.start.elapsed().as_micros().min(u32::MAX as u128 - 1) as u32
    }

    /// Records the arrival at dueslag `d` of the message in `body` (an employee named by its `ObjektId`).
    fn arrived(&self, d: u32, body: &str) {
        let Some(pernr) = pernr_of(body) else {
            return;
        };
        let Some(i) = pernr.checked_sub(FIRST_SYNTHETIC) else {
            return;
        };
        let at = self.start.elapsed();
        let mut arrivals = self.arrivals.lock().expect("arrivals");
        if arrivals.insert((d, i), at).is_some() {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn count(&self) -> usize {
        self.arrivals.lock().expect("arrivals").len()
    }
}

/// The personnel number in a message's `ObjektId` (`urn:oio:kmd:lpe:medarbejder:<pernr>`).
pub fn pernr_of(body: &str) -> Option<u32> {
    let tag = "urn:oio:kmd:lpe:medarbejder:";
    let at = body.find(tag)? + tag.len();
    let digits: String = body[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Runs the benchmark on a fresh data dir (the caller removes an old one).
pub async fn measure(cfg: &BeskedConfig) -> Result<BeskedReport> {
    ensure!(
        cfg.events > 0 && cfg.dueslag > 0,
        "--events and --dueslag must be positive"
    );
    std::fs::create_dir_all(&cfg.dir)?;
    let store = match &cfg.database_url {
        None => fresh_demo_store(&cfg.bin, &cfg.dir).await?,
        Some(url) => {
            let mut server = ServerProcess::spawn_async(server_command(cfg, None)).await?;
            server.kill9()?;
            opened_after_kill(url).await?
        }
    };
    let mut written = 0;
    while written < cfg.events {
        let count = 1_000.min(cfg.events - written);
        write_synthetic(&store, FIRST_SYNTHETIC + written, count).await?;
        written += count;
    }
    store.close().await;
    let config = cfg.dir.join("bench-beskedfordeler.toml");
    std::fs::write(
        &config,
        format!(
            "[beskedfordeler]\npoll_ms = {}\nbatch = 500\nbackoff_base_ms = 100\n",
            cfg.poll_ms
        ),
    )?;
    let server = ServerProcess::spawn_async(server_command(cfg, Some(&config))).await?;
    let admin = AdminClient::new(cfg, server.admin)?;
    // The receiving system's dueslag get 0340's absences only with the bus's grant (issue 17).
    admin
        .post(
            "/grants",
            json!({"system": "dagtilbud", "interface": "beskedfordeler", "municipality": "0340"}),
        )
        .await?;
    let clock = Arc::new(Clock::new(cfg.events));

    let mut receivers = Vec::new();
    for d in 0..cfg.dueslag {
        let queue = match &cfg.amqp_url {
            None => {
                let (port, task) = push_receiver(cfg, d, clock.clone()).await?;
                receivers.push(task);
                admin
                    .dueslag(d, Some(format!("https://localhost:{port}/modtag")))
                    .await?
            }
            Some(_) => admin.dueslag(d, None).await?,
        };
        if let Some(url) = &cfg.amqp_url {
            receivers.push(amqp_consumer(url.clone(), queue, d, clock.clone()).await?);
        }
    }

    // The changes.
    let client = mtls_client(&cfg.dir, "dagtilbud")?;
    let url = Arc::new(format!("https://{}/ws/SetAbsenceAttendance_OS_SI", server.services));
    let next = Arc::new(AtomicU32::new(0));
    let send_start = clock.now_us();
    let cpu_before = crate::soak::cpu_seconds(server.pid())?;
    let mut senders = Vec::new();
    for _ in 0..cfg.concurrency {
        let (client, url, next, clock) = (client.clone(), url.clone(), next.clone(), clock.clone());
        let (events, rate) = (cfg.events, cfg.rate);
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= events {
                    return anyhow::Ok(());
                }
                if rate > 0 {
                    // Paced: the i-th change is due i/rate seconds after the start.
                    let due = Duration::from_secs_f64(i as f64 / rate as f64);
                    let now = clock.start.elapsed();
                    if due > now {
                        tokio::time::sleep(due - now).await;
                    }
                }
                clock.sent[i as usize].store(clock.now_us(), Ordering::Relaxed);
                let answer = client
                    .post(url.as_str())
                    .header("Content-Type", CONTENT_TYPE)
                    .header("SOAPAction", SOAP_ACTION)
                    .body(set_request(FIRST_SYNTHETIC + i, DAY))
                    .send()
                    .await?
                    .text()
                    .await?;
                if !answer.contains("<StatusType>S</StatusType>") {
                    bail!("the change for employee {} was refused: {answer}", FIRST_SYNTHETIC + i);
                }
            }
        }));
    }
    for s in senders {
        s.await??;
    }
    let send_elapsed = Duration::from_micros((clock.now_us() - send_start) as u64);

    let expected = cfg.events as usize * cfg.dueslag as usize;
    let deadline = Instant::now() + Duration::from_secs(120 + cfg.events as u64 / 50);
    while clock.count() < expected {
        if Instant::now() > deadline {
            bail!("only {} of {expected} deliveries arrived", clock.count());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let server_cpu = crate::soak::cpu_seconds(server.pid())? - cpu_before;
    for r in receivers {
        r.abort();
    }
    drop(server);

    let arrivals = clock.arrivals.lock().expect("arrivals").clone();
    let mut h = new_histogram();
    let mut last = Duration::ZERO;
    for ((_, i), at) in &arrivals {
        let Some(sent) = clock.sent.get(*i as usize).map(|s| s.load(Ordering::Relaxed)) else {
            continue; // not one of this run's changes
        };
        let sent = Duration::from_micros(sent as u64);
        h.saturating_record(at.saturating_sub(sent).as_micros() as u64);
        last = last.max(*at);
    }
    Ok(BeskedReport {
        mode: if cfg.amqp_url.is_some() { "amqp" } else { "push" },
        engine: crate::server::engine_of(cfg.database_url.as_deref()).to_owned(),
        events: cfg.events,
        dueslag: cfg.dueslag,
        rate: cfg.rate,
        poll_ms: cfg.poll_ms,
        delivered: arrivals.len() as u64,
        server_cpu: Duration::from_secs_f64(server_cpu.max(0.0)),
        duplicates: clock.duplicates.load(Ordering::Relaxed) as u64,
        elapsed: last.saturating_sub(Duration::from_micros(send_start as u64)),
        send_elapsed,
        latency: LatencySummary::from_histogram(&h),
    })
}

fn server_command(cfg: &BeskedConfig, config: Option<&std::path::Path>) -> Command {
    let mut cmd = ServerProcess::demo_command_on(&cfg.bin, &cfg.dir, cfg.database_url.as_deref());
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    if let Some(url) = &cfg.amqp_url {
        // By environment, not argument: `ps` shows arguments, and the URL may hold a password.
        cmd.env("SNITFLADE_AMQP_URL", url);
    }
    cmd
}

/// The admin calls the benchmark makes.
struct AdminClient {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    fn new(cfg: &BeskedConfig, admin: std::net::SocketAddr) -> Result<Self> {
        Ok(Self {
            client: crate::client_from_config(crate::trust_only_client_config(&cfg.dir)?)?,
            base: format!("http://{admin}/api/v1"),
            token: admin_token(&cfg.dir)?,
        })
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let v: Value = r.json().await?;
        ensure!(status.is_success(), "POST {path}: {status} {v}");
        Ok(v)
    }

    /// A dueslag of `dagtilbud` subscribed to `absence.created`; its AMQP queue (its id when pushed).
    async fn dueslag(&self, n: u32, push_url: Option<String>) -> Result<String> {
        let d = self
            .post(
                "/dueslag",
                json!({"name": format!("bench-{n}"), "system": "dagtilbud", "push_url": push_url, "max_attempts": 1000}),
            )
            .await?;
        let id = d["id"].as_str().context("dueslag id")?.to_owned();
        self.post(
            &format!("/dueslag/{id}/subscriptions"),
            json!({"filter": {"beskedtype": ["absence.created"]}}),
        )
        .await?;
        Ok(d["amqp_queue"].as_str().unwrap_or(&id).to_owned())
    }
}

const MODTAG_OK: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sts:ModtagBeskedOutput xmlns:sts=\"urn:oio:sts:1.0.0\" \
    xmlns:sd=\"urn:oio:sagdok:3.0.0\"><sd:StandardRetur><sd:StatusKode>20</sd:StatusKode></sd:StandardRetur>\
    </sts:ModtagBeskedOutput>";

/// An SF1460_A receiver on a free port, with the demo's server certificate; every body is timed.
async fn push_receiver(cfg: &BeskedConfig, d: u32, clock: Arc<Clock>) -> Result<(u16, tokio::task::JoinHandle<()>)> {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};

    let pki = cfg.dir.join("pki");
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(pki.join("server.pem"))?.collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_file(pki.join("server-key.pem"))?;
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, clock) = (acceptor.clone(), clock.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let clock = clock.clone();
                    async move {
                        use http_body_util::BodyExt;
                        let body = req.into_body().collect().await?.to_bytes();
                        clock.arrived(d, &String::from_utf8_lossy(&body));
                        Ok::<_, hyper::Error>(hyper::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from_static(MODTAG_OK.as_bytes()),
                        )))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((port, task))
}

/// An SF1460_D reader of the dueslag's queue (manual ack), every message timed.
async fn amqp_consumer(url: String, queue: String, d: u32, clock: Arc<Clock>) -> Result<tokio::task::JoinHandle<()>> {
    use futures_lite::StreamExt;
    use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;

    let conn = lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
        .await
        .context("connecting to RabbitMQ")?;
    let channel = conn.create_channel().await?;
    channel.basic_qos(500, BasicQosOptions::default()).await?;
    // Declared here as well, so the consumer can start before snitflade's forwarder first sees the dueslag.
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await?;
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "bench".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(tokio::spawn(async move {
        let _conn = conn;
        while let Some(Ok(delivery)) = consumer.next().await {
            clock.arrived(d, &String::from_utf8_lossy(&delivery.data));
            let _ = delivery.ack(BasicAckOptions::default()).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_employee_is_read_from_the_objekt_id() {
        let body = "<kuvert:ObjektId><sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:00100042</sd:URNIdentifikator>";
        assert_eq!(pernr_of(body), Some(100_042));
        assert_eq!(pernr_of("<x/>"), None);
    }

    #[test]
    fn arrivals_count_once_and_duplicates_are_noticed() {
        let clock = Clock::new(3);
        let body = |i: u32| format!("urn:oio:kmd:lpe:medarbejder:{:08}<", FIRST_SYNTHETIC + i);
        clock.arrived(0, &body(1));
        clock.arrived(1, &body(1));
        clock.arrived(0, &body(1));
        clock.arrived(0, "urn:oio:kmd:lpe:medarbejder:00000007<");
        assert_eq!(clock.count(), 2);
        assert_eq!(clock.duplicates.load(Ordering::Relaxed), 1);
    }
}
