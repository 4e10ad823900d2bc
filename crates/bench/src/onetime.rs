//! The Engangsydelser benchmark: a fresh demo data dir and a server on it; then, as `kantine` over mutual TLS,
//! `requests` calls of `POST /lpe/update-onetime-payments` with `items` canteen deductions each (distinct keys:
//! the demo's 29 payable employees of 0340 in turn, a new day once each had one, sequence numbers 0…items-1),
//! by `concurrency` clients; every answer must be `Status` "0". Then the same number of `Kun_Valider: "1"` calls
//! on keys never registered (days in 2027): the full validation, including the look-up of registered keys,
//! without the write.
//!
//! SQLite in the data dir by default; `database_url` selects another (empty) database, e.g. PostgreSQL.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use serde_json::{Value, json};

use crate::report::{LatencySummary, new_histogram};
use crate::{ServerProcess, mtls_client};

/// The demo's payable employees of 0340: 00000101–00000132 but the locked 127, the left 128 and the cancelled
/// 129.
pub fn payable_employees() -> Vec<u32> {
    (101..=132).filter(|p| !(127..=129).contains(p)).collect()
}

/// The first day of the registered payments, and of the validated ones.
const REGISTER_FROM: Date = date(2026, 1, 1);
const VALIDATE_FROM: Date = date(2027, 1, 1);

/// What to measure.
#[derive(Debug, Clone)]
pub struct OnetimeConfig {
    /// The `snitflade` binary.
    pub bin: PathBuf,
    /// The demo data dir (created; the caller removes an old one).
    pub dir: PathBuf,
    /// Passed on as `--database-url` (an empty database); default: SQLite in `dir`.
    pub database_url: Option<String>,
    /// Update calls, and as many `Kun_Valider` calls.
    pub requests: u32,
    /// Concurrent clients.
    pub concurrency: u32,
    /// Payments per call (at most 999).
    pub items: u32,
}

impl OnetimeConfig {
    fn server_command(&self) -> Command {
        ServerProcess::demo_command_on(&self.bin, &self.dir, self.database_url.as_deref())
    }

    /// "sqlite" or the scheme of the database URL.
    pub fn engine(&self) -> &str {
        crate::server::engine_of(self.database_url.as_deref())
    }
}

/// The body of the `r`-th call: employee and day from `r`, one payment per sequence number.
pub fn request_body(r: u32, items: u32, first_day: Date, validate_only: bool) -> Result<String> {
    let employees = payable_employees();
    let n = employees.len() as u32;
    let employee = employees[(r % n) as usize];
    let day = first_day
        .checked_add(i64::from(r / n).days())
        .context("too many requests for distinct days")?;
    let start = format!("{day}T00:00:00Z");
    let payments: Vec<Value> = (0..items)
        .map(|seq| {
            json!({"Startdato": start, "Loenart": "6001", "Loebenummer": r, "Sekvensnummer": seq,
                   "Beloeb": format!("{}.{:02}", 20 + seq % 40, (seq * 25) % 100), "Afsendelses_System": "KANTINE",
                   "Indv_Bemaerkning": "Kantine, benchmark"})
        })
        .collect();
    let mut header = json!({"ClientID": "0340", "OpdateringsID": format!("{:016X}{:016X}", 0xBE4C_6001_u64, r)});
    if validate_only {
        header["Kun_Valider"] = "1".into();
        header.as_object_mut().expect("an object").remove("OpdateringsID");
    }
    Ok(
        json!({"Header": header, "Medarbejder": {"Medarbejdernummer": format!("{employee:08}")},
              "Engangsydelser": payments})
        .to_string(),
    )
}

/// The figures of one phase.
#[derive(Debug, Clone)]
pub struct Phase {
    pub requests: u32,
    pub elapsed: Duration,
    pub latency: LatencySummary,
    pub body_bytes: usize,
}

impl Phase {
    fn items_per_s(&self, items: u32) -> f64 {
        f64::from(self.requests) * f64::from(items) / self.elapsed.as_secs_f64()
    }

    fn to_json(&self, items: u32) -> Value {
        json!({
            "requests": self.requests,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "items_per_s": self.items_per_s(items),
            "requests_per_s": f64::from(self.requests) / self.elapsed.as_secs_f64(),
            "latency_us": self.latency.to_json(),
            "body_bytes": self.body_bytes,
        })
    }
}

/// The figures of a run.
#[derive(Debug, Clone)]
pub struct OnetimeReport {
    pub engine: String,
    pub concurrency: u32,
    pub items: u32,
    pub register: Phase,
    pub validate: Phase,
}

impl OnetimeReport {
    pub fn to_json(&self) -> Value {
        json!({
            "engine": self.engine,
            "concurrency": self.concurrency,
            "items_per_request": self.items,
            "register": self.register.to_json(self.items),
            "validate_only": self.validate.to_json(self.items),
        })
    }

    pub fn table(&self) -> String {
        let phase = |name: &str, p: &Phase| {
            format!(
                "{name}: {} requests of {} items ({} KiB), concurrency {}: {:.0} items/s, {:.1} requests/s\n{}",
                p.requests,
                self.items,
                p.body_bytes / 1024,
                self.concurrency,
                p.items_per_s(self.items),
                f64::from(p.requests) / p.elapsed.as_secs_f64(),
                p.latency.table()
            )
        };
        format!(
            "{}\n{}{}",
            self.engine,
            phase("update-onetime-payments", &self.register),
            phase("update-onetime-payments, Kun_Valider", &self.validate)
        )
    }
}

async fn run_phase(
    client: &reqwest::Client,
    url: &Arc<String>,
    cfg: &OnetimeConfig,
    first_day: Date,
    validate_only: bool,
) -> Result<Phase> {
    // Bodies are built before the clock starts.
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..cfg.requests)
            .map(|r| request_body(r, cfg.items, first_day, validate_only))
            .collect::<Result<_>>()?,
    );
    let next = Arc::new(AtomicU32::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cfg.concurrency {
        let (client, url, next, bodies) = (client.clone(), url.clone(), next.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = new_histogram();
            loop {
                let r = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(r as usize) else {
                    break;
                };
                let t = Instant::now();
                let response = client
                    .post(url.as_str())
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .timeout(Duration::from_secs(600))
                    .send()
                    .await
                    .with_context(|| format!("request {r}"))?;
                let status = response.status();
                let text = response.text().await?;
                h.saturating_record(t.elapsed().as_micros() as u64);
                let answer: Value = serde_json::from_str(&text).with_context(|| format!("request {r}: {text}"))?;
                if !status.is_success() || answer["Header"]["Status"] != "0" {
                    bail!("request {r}: HTTP {status}: {}", &text[..text.len().min(2000)]);
                }
            }
            anyhow::Ok(h)
        }));
    }
    let mut h = new_histogram();
    for t in tasks {
        h.add(t.await??)?;
    }
    Ok(Phase {
        requests: cfg.requests,
        elapsed: start.elapsed(),
        latency: LatencySummary::from_histogram(&h),
        body_bytes: bodies.first().map_or(0, String::len),
    })
}

/// Starts a demo server on a fresh `dir` and runs both phases.
pub async fn measure(cfg: &OnetimeConfig) -> Result<OnetimeReport> {
    ensure!((1..=999).contains(&cfg.items), "--items must be 1 to 999");
    ensure!(cfg.concurrency >= 1, "--concurrency must be at least 1");
    std::fs::create_dir_all(&cfg.dir)?;
    let server = ServerProcess::spawn_async(cfg.server_command()).await?;
    let client = mtls_client(&cfg.dir, "kantine")?;
    let url = Arc::new(format!("https://{}/lpe/update-onetime-payments", server.services));
    let register = run_phase(&client, &url, cfg, REGISTER_FROM, false).await?;
    let validate = run_phase(&client, &url, cfg, VALIDATE_FROM, true).await?;
    drop(server);
    Ok(OnetimeReport {
        engine: cfg.engine().to_owned(),
        concurrency: cfg.concurrency,
        items: cfg.items,
        register,
        validate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_distinct_across_requests() {
        let n = payable_employees().len() as u32;
        assert_eq!(n, 29);
        let mut keys = HashSet::new();
        for r in 0..(2 * n + 3) {
            let body: Value = serde_json::from_str(&request_body(r, 999, REGISTER_FROM, false).unwrap()).unwrap();
            let employee = body["Medarbejder"]["Medarbejdernummer"].as_str().unwrap().to_owned();
            let items = body["Engangsydelser"].as_array().unwrap();
            assert_eq!(items.len(), 999);
            for i in items {
                let key = (
                    employee.clone(),
                    i["Startdato"].as_str().unwrap().to_owned(),
                    i["Sekvensnummer"].as_u64().unwrap(),
                );
                assert!(keys.insert(key), "request {r}");
            }
            assert_eq!(body["Header"]["OpdateringsID"].as_str().unwrap().len(), 32);
        }
        let validate: Value = serde_json::from_str(&request_body(0, 1, VALIDATE_FROM, true).unwrap()).unwrap();
        assert_eq!(validate["Header"]["Kun_Valider"], "1");
        assert_eq!(validate["Engangsydelser"][0]["Startdato"], "2027-01-01T00:00:00Z");
        assert_eq!(validate["Engangsydelser"][0]["Beloeb"], "20.00");
    }
}
