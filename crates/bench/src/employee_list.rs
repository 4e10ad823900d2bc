//! The Medarbejderoplysninger List benchmark: for each size N, a fresh demo data dir gets N synthetic employees
//! with every data category (written straight into its database), a server is started on it, and `vikarsystem`
//! asks for all N in one List and for a fixed slice of 100. Reported: time to the last byte, answer size, and the
//! server's resident memory before and at its peak during the call (sampled from /proc every 5 ms).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::message::{CONTENT_TYPE, SOAP_ACTION};
use crate::{ServerProcess, mtls_client};

/// The first personnel number of the synthetic employments (clear of the demo's 00000101–00000132).
pub const FIRST_SYNTHETIC: u32 = 100_000;
/// Employments written per transaction while preparing.
const PREPARE_BATCH: u32 = 1_000;
/// The fixed slice every size is also asked for.
pub const SLICE: u32 = 100;

/// One measured List call.
#[derive(Debug, Clone)]
pub struct ListMeasurement {
    pub employees_in_municipality: u32,
    pub asked_for: u32,
    pub answered: usize,
    pub elapsed: Duration,
    pub bytes: usize,
    pub rss_before_kib: u64,
    pub rss_peak_kib: u64,
}

impl ListMeasurement {
    pub fn to_json(&self) -> Value {
        json!({
            "employees_in_municipality": self.employees_in_municipality,
            "asked_for": self.asked_for,
            "answered": self.answered,
            "elapsed_ms": self.elapsed.as_secs_f64() * 1000.0,
            "bytes": self.bytes,
            "rss_before_kib": self.rss_before_kib,
            "rss_peak_kib": self.rss_peak_kib,
        })
    }

    pub fn table_row(&self) -> String {
        format!(
            "{:>8} {:>8} {:>8} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
            self.employees_in_municipality,
            self.asked_for,
            self.answered,
            self.elapsed.as_secs_f64() * 1000.0,
            self.bytes as f64 / 1_048_576.0,
            self.rss_before_kib as f64 / 1024.0,
            self.rss_peak_kib as f64 / 1024.0,
        )
    }
}

pub const TABLE_HEADER: &str = "employees    asked answered    time ms  answer MiB  rss MiB before  rss MiB peak";

/// A List request for `vikarsystem` in 0340 naming one range.
pub fn list_request(first: u32, last: u32) -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <m:ListInput xmlns:m=\"urn:oio:medarbejder:1.0.0\" xmlns:sd=\"urn:oio:sagdok:3.0.0\">\
         <sd:ModtagerRef><sd:UUIDIdentifikator/><sd:URNIdentifikator>urn:oio:kmd:lpe:modtager:340</sd:URNIdentifikator></sd:ModtagerRef>\
         <sd:MedarbejderRef><sd:UUIDIdentifikator/><sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:{first}-{last}</sd:URNIdentifikator></sd:MedarbejderRef>\
         </m:ListInput></soap:Body></soap:Envelope>"
    )
}

/// Resident memory of a process in KiB (Linux /proc).
pub fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc/<pid>/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/<pid>/status")
}

/// A fresh demo data dir at `dir` (the first start creates the demo PKI and data) and its store, opened
/// directly: the database is the caller's until the next server start.
pub async fn fresh_demo_store(bin: &Path, dir: &Path) -> Result<snitflade_store::Store> {
    std::fs::create_dir_all(dir)?;
    let mut server = ServerProcess::start_demo(bin, dir)?;
    server.kill9()?;
    opened_after_kill(&snitflade_store::db::sqlite_url_in(dir)).await
}

/// Opens the database of a server just killed, without the leases it held: otherwise the measured server started
/// on it next would wait for them to expire (delivery, for one, would start up to 15 s late).
pub async fn opened_after_kill(url: &str) -> Result<snitflade_store::Store> {
    let store = snitflade_store::Store::open(url).await?;
    store
        .write(|c| Box::pin(snitflade_store::leases::forget_all(c)))
        .await?;
    Ok(store)
}

/// Writes the synthetic employments `first .. first + count` (every data category) in one transaction.
pub async fn write_synthetic(store: &snitflade_store::Store, first: u32, count: u32) -> Result<()> {
    store
        .write(move |c| Box::pin(snitflade_server::demo::hr::write_synthetic(c, first, count)))
        .await?;
    Ok(())
}

/// Creates a demo data dir with `n` synthetic employments in 0340 and a config that lets one List answer all.
pub async fn prepare(bin: &Path, dir: &Path, n: u32) -> Result<PathBuf> {
    let store = fresh_demo_store(bin, dir).await?;
    let mut written = 0;
    while written < n {
        let (first, count) = (FIRST_SYNTHETIC + written, PREPARE_BATCH.min(n - written));
        write_synthetic(&store, first, count).await?;
        written += count;
    }
    store.close().await;
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        "[services]\nemployee_list_max = 1000000\nemployee_list_budget_ms = 3600000\n",
    )?;
    Ok(config)
}

/// Starts the server on a prepared dir and measures a List of all `n` and one of [`SLICE`].
pub async fn measure(bin: &Path, dir: &Path, config: &Path, n: u32) -> Result<Vec<ListMeasurement>> {
    let mut cmd = ServerProcess::demo_command(bin, dir);
    cmd.arg("--config").arg(config);
    let server = ServerProcess::spawn_async(cmd).await?;
    let client = mtls_client(dir, "vikarsystem")?;
    let url = format!("https://{}/ws/Employee_Provide_Out", server.services);
    let mut out = Vec::new();
    // A warm-up call, so that both measurements see a warm page cache.
    call(&client, &url, server.pid(), FIRST_SYNTHETIC, FIRST_SYNTHETIC, n).await?;
    for asked in [n, SLICE.min(n)] {
        let m = call(
            &client,
            &url,
            server.pid(),
            FIRST_SYNTHETIC,
            FIRST_SYNTHETIC + asked - 1,
            n,
        )
        .await?;
        ensure!(
            m.answered == asked as usize,
            "asked for {asked}, answered {}",
            m.answered
        );
        out.push(m);
    }
    drop(server);
    Ok(out)
}

async fn call(client: &reqwest::Client, url: &str, pid: u32, first: u32, last: u32, n: u32) -> Result<ListMeasurement> {
    let rss_before = rss_kib(pid)?;
    let peak = Arc::new(AtomicU64::new(rss_before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Ok(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let start = Instant::now();
    let response = client
        .post(url)
        .header("Content-Type", CONTENT_TYPE)
        .header("SOAPAction", SOAP_ACTION)
        .body(list_request(first, last))
        .timeout(Duration::from_secs(3600))
        .send()
        .await;
    let body = match response {
        Ok(r) if r.status().is_success() => r.text().await?,
        Ok(r) => bail!(
            "List answered HTTP {}: {}",
            r.status(),
            r.text().await.unwrap_or_default()
        ),
        Err(e) => bail!("List failed: {e}"),
    };
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.join().ok();
    ensure!(body.contains("StatusKode>0</"), "List did not answer StatusKode 0");
    Ok(ListMeasurement {
        employees_in_municipality: n,
        asked_for: last - first + 1,
        // Each LaesResultat has an opening and a closing tag (Personaleleder refs carry the URN too).
        answered: body.matches("LaesResultat>").count() / 2,
        elapsed,
        bytes: body.len(),
        rss_before_kib: rss_before,
        rss_peak_kib: peak.load(Ordering::Relaxed),
    })
}
