//! The Personalemappe upload benchmark: a fresh demo server, then as `rekruttering` sequential
//! UploadDocument calls of documents of each size (distinct PDF-like contents, base64 in the SOAP body as a
//! client sends them), every answer "S"; one upload per size is read back with GetDocument and its SHA-256
//! compared. Reported per size: content MB/s and time per upload, and the server's memory: resident before the
//! first upload, its high-water mark (VmHWM) after that size's uploads and after the read-back. Sizes are
//! measured in the order given, so give them ascending: the high-water mark only grows.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::employee_list::rss_kib;
use crate::message::{CONTENT_TYPE, SOAP_ACTION};
use crate::{ServerProcess, mtls_client};

const NS: &str = "urn:snitflade:opus:personalemappe:1";

/// What to measure.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    pub bin: PathBuf,
    /// The demo data dir (created; the caller removes an old one).
    pub dir: PathBuf,
    /// Passed on as `--database-url` (an empty database); default: SQLite in `dir`.
    pub database_url: Option<String>,
    /// Document sizes in bytes, measured in this order.
    pub sizes: Vec<usize>,
    /// Uploads per size.
    pub uploads: u32,
}

/// The figures of one size.
#[derive(Debug, Clone)]
pub struct UploadMeasurement {
    pub size: usize,
    pub uploads: u32,
    pub body_bytes: usize,
    pub elapsed: Duration,
    pub slowest: Duration,
    pub rss_before_kib: u64,
    pub hwm_after_kib: u64,
    /// After one GetDocument with the content.
    pub hwm_after_get_kib: u64,
}

impl UploadMeasurement {
    /// Content megabytes (MiB) per second over the size's uploads.
    pub fn mib_per_s(&self) -> f64 {
        (self.size as f64 * f64::from(self.uploads)) / 1_048_576.0 / self.elapsed.as_secs_f64()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "document_bytes": self.size,
            "uploads": self.uploads,
            "request_bytes": self.body_bytes,
            "elapsed_ms": self.elapsed.as_secs_f64() * 1000.0,
            "mean_ms": self.elapsed.as_secs_f64() * 1000.0 / f64::from(self.uploads),
            "slowest_ms": self.slowest.as_secs_f64() * 1000.0,
            "content_mib_per_s": self.mib_per_s(),
            "server_rss_before_kib": self.rss_before_kib,
            "server_vmhwm_after_kib": self.hwm_after_kib,
            "server_vmhwm_after_get_kib": self.hwm_after_get_kib,
        })
    }

    pub fn table_row(&self) -> String {
        format!(
            "{:>9.1} {:>7} {:>11.1} {:>10.1} {:>9.1} {:>14.1} {:>15.1} {:>13.1}",
            self.size as f64 / 1_048_576.0,
            self.uploads,
            self.elapsed.as_secs_f64() * 1000.0 / f64::from(self.uploads),
            self.slowest.as_secs_f64() * 1000.0,
            self.mib_per_s(),
            self.rss_before_kib as f64 / 1024.0,
            self.hwm_after_kib as f64 / 1024.0,
            self.hwm_after_get_kib as f64 / 1024.0,
        )
    }
}

pub const TABLE_HEADER: &str = "size MiB uploads  mean ms/up slowest ms     MiB/s  rss MiB before  VmHWM MiB after";

/// The high-water mark of a process's resident memory in KiB (Linux /proc).
pub fn hwm_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc/<pid>/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/<pid>/status")
}

/// A PDF-like content of `size` bytes, different for every `seed` (a cheap xorshift stream after the header).
pub fn content(size: usize, seed: u64) -> Vec<u8> {
    let mut out = format!("%PDF-1.7\n% snitflade bench {seed}\n").into_bytes();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(size);
    out
}

/// An UploadDocument request for employee 00000101 in 0340.
pub fn upload_request(id: &str, content: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(content);
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <ns0:UploadDocumentRequest_MT xmlns:ns0=\"{NS}\"><PersonnelNumber>00000101</PersonnelNumber>\
         <DocumentId>{id}</DocumentId><DocumentType>ANSAETTELSESKONTRAKT</DocumentType><Title>Benchmark</Title>\
         <FileName>bench.pdf</FileName><ContentType>application/pdf</ContentType><Content>{b64}</Content>\
         </ns0:UploadDocumentRequest_MT></soap:Body></soap:Envelope>"
    )
}

fn get_request(id: &str) -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <ns0:GetDocumentRequest_MT xmlns:ns0=\"{NS}\"><PersonnelNumber>00000101</PersonnelNumber>\
         <DocumentId>{id}</DocumentId><IncludeContent>true</IncludeContent></ns0:GetDocumentRequest_MT>\
         </soap:Body></soap:Envelope>"
    )
}

fn sha256_hex(b: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, b)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The text of the first `<name>` element in `xml`.
fn field<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find("</")?;
    Some(&xml[start..start + end])
}

async fn post(client: &reqwest::Client, url: &str, body: String) -> Result<String> {
    let r = client
        .post(url)
        .header("Content-Type", CONTENT_TYPE)
        .header("SOAPAction", SOAP_ACTION)
        .body(body)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .context("sending")?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("HTTP {status}: {}", text.chars().take(500).collect::<String>());
    }
    Ok(text)
}

/// Starts a fresh demo server and measures every size.
pub async fn run(cfg: &UploadConfig) -> Result<Vec<UploadMeasurement>> {
    ensure!(cfg.uploads > 0, "at least one upload per size");
    std::fs::create_dir_all(&cfg.dir)?;
    let server = ServerProcess::spawn_async(ServerProcess::demo_command_on(
        &cfg.bin,
        &cfg.dir,
        cfg.database_url.as_deref(),
    ))
    .await?;
    let client = mtls_client(&cfg.dir, "rekruttering")?;
    let base = format!("https://{}/ws", server.services);
    let rss_before = rss_kib(server.pid())?;
    let mut out = Vec::new();
    for (s, &size) in cfg.sizes.iter().enumerate() {
        let mut elapsed = Duration::ZERO;
        let mut slowest = Duration::ZERO;
        let mut body_bytes = 0;
        let mut last = None;
        for i in 0..cfg.uploads {
            let id = format!("bench-{s}-{i}-{}", uuid::Uuid::new_v4().simple());
            let doc = content(size, (s as u64) << 32 | u64::from(i));
            let body = upload_request(&id, &doc);
            body_bytes = body.len();
            let start = Instant::now();
            let answer = post(&client, &format!("{base}/UploadDocument_OS_SI"), body).await?;
            let took = start.elapsed();
            elapsed += took;
            slowest = slowest.max(took);
            ensure!(
                field(&answer, "StatusType") == Some("S"),
                "upload {id} not accepted: {}",
                field(&answer, "MessageText").unwrap_or(&answer)
            );
            ensure!(
                field(&answer, "SHA256") == Some(sha256_hex(&doc).as_str()),
                "wrong SHA-256 answered"
            );
            last = Some((id, doc));
        }
        let hwm = hwm_kib(server.pid())?;
        // Read the last one back: same bytes.
        if let Some((id, doc)) = last {
            use base64::Engine;
            let answer = post(&client, &format!("{base}/GetDocument_OS_SI"), get_request(&id)).await?;
            let b64 = field(&answer, "Content").context("GetDocument answered no Content")?;
            let back = base64::engine::general_purpose::STANDARD.decode(b64)?;
            ensure!(back == doc, "GetDocument answered other content");
        }
        out.push(UploadMeasurement {
            size,
            uploads: cfg.uploads,
            body_bytes,
            elapsed,
            slowest,
            rss_before_kib: rss_before,
            hwm_after_kib: hwm,
            hwm_after_get_kib: hwm_kib(server.pid())?,
        });
    }
    drop(server);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_sized_distinct_pdfs() {
        let a = content(1000, 1);
        assert_eq!(a.len(), 1000);
        assert!(a.starts_with(b"%PDF-"));
        assert_ne!(a, content(1000, 2));
        assert_eq!(a, content(1000, 1));
        let req = upload_request("x", b"%PDF-1");
        assert!(req.contains("<Content>JVBERi0x</Content>"), "{req}");
        assert_eq!(field("<a><S>S</S></a>", "S"), Some("S"));
    }
}
