//! The ZLPE import benchmark: generate a deterministic N-employee dump (`snitflade_zlpe::generate`), run
//! `snitflade import zlpe --json` on it into a fresh data dir, then once more on the same file (nothing to
//! change), and report per run the wall time, employee records per second and the importer's peak resident
//! memory (the kernel's high-water mark `VmHWM` from /proc/<pid>/status, read every 10 ms while it runs).

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

/// Parameters of the benchmark.
#[derive(Debug, Clone)]
pub struct ZlpeImportConfig {
    /// Path of the `snitflade` binary.
    pub bin: PathBuf,
    /// Working directory: the dump and the data dir `data/` go here.
    pub dir: PathBuf,
    /// Active employees in the generated dump.
    pub employees: u32,
    /// Passed on as `--database-url` (an empty database); default: SQLite in `DIR/data`.
    pub database_url: Option<String>,
}

/// One `snitflade import zlpe` run.
#[derive(Debug, Clone)]
pub struct ImportRun {
    pub label: &'static str,
    pub wall: Duration,
    /// Peak resident memory of the importer in KiB, if /proc could be read.
    pub peak_rss_kib: Option<u64>,
    /// The file's summary as the importer printed it (`files[0]` of its JSON).
    pub summary: Value,
}

impl ImportRun {
    fn count(&self, group: &str, key: &str) -> u64 {
        self.summary[group][key].as_u64().unwrap_or(0)
    }
    /// Active employee records handled per second of wall time.
    pub fn employees_per_second(&self) -> f64 {
        let records: u64 = ["created", "changed", "refreshed", "unchanged"]
            .iter()
            .map(|k| self.count("employees", k))
            .sum();
        records as f64 / self.wall.as_secs_f64()
    }
}

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct ZlpeImportReport {
    pub file: PathBuf,
    pub file_bytes: u64,
    pub generated: snitflade_zlpe::generate::Generated,
    pub generate_time: Duration,
    pub runs: Vec<ImportRun>,
}

impl ZlpeImportReport {
    pub fn table(&self) -> String {
        let g = &self.generated;
        let mut out = format!(
            "ZLPE import: {} employees ({} cancelled), {} org units, {} leave records; {} ({:.1} MB, generated in \
             {:.2} s)\n",
            g.employees,
            g.cancelled,
            g.org_units,
            g.leave_records,
            self.file.display(),
            self.file_bytes as f64 / 1e6,
            self.generate_time.as_secs_f64()
        );
        out += "run                  wall s  employees/s  peak RSS MiB   created   changed  unchanged\n";
        for r in &self.runs {
            out += &format!(
                "{:<18} {:>8.2} {:>12.0} {:>13} {:>9} {:>9} {:>10}\n",
                r.label,
                r.wall.as_secs_f64(),
                r.employees_per_second(),
                r.peak_rss_kib
                    .map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
                r.count("employees", "created"),
                r.count("employees", "changed"),
                r.count("employees", "unchanged"),
            );
        }
        out
    }

    pub fn json_line(&self) -> String {
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|r| {
                json!({
                    "run": r.label,
                    "wall_s": r.wall.as_secs_f64(),
                    "employees_per_s": r.employees_per_second(),
                    "peak_rss_kib": r.peak_rss_kib,
                    "summary": r.summary,
                })
            })
            .collect();
        json!({
            "employees": self.generated.employees,
            "file_bytes": self.file_bytes,
            "generate_s": self.generate_time.as_secs_f64(),
            "runs": runs,
        })
        .to_string()
    }
}

/// The high-water mark of a process's resident memory in KiB (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Removes `data` if it is absent, empty or only holds a snitflade SQLite database; refuses anything else.
fn fresh_data_dir(data: &Path) -> Result<()> {
    if data.exists() {
        for entry in std::fs::read_dir(data)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            ensure!(
                name.starts_with("snitflade.db"),
                "{} holds {name}; not removing a directory that is no benchmark data dir",
                data.display()
            );
        }
        std::fs::remove_dir_all(data).with_context(|| format!("removing {}", data.display()))?;
    }
    Ok(())
}

fn import(cfg: &ZlpeImportConfig, file: &Path, label: &'static str) -> Result<ImportRun> {
    let mut cmd = Command::new(&cfg.bin);
    cmd.args(["import", "zlpe", "--json", "--data-dir"])
        .arg(cfg.dir.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &cfg.database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.arg(file);
    if std::env::var_os("SNITFLADE_LOG").is_none() {
        cmd.env("SNITFLADE_LOG", "warn");
    }
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("starting {}", cfg.bin.display()))?;
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let waiter = std::thread::spawn(move || child.wait().map(|status| (status, Instant::now())));
    let mut peak = None;
    while !waiter.is_finished() {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let (status, ended) = waiter.join().expect("the waiting thread")?;
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        bail!("{label}: snitflade import zlpe exited with {status}\n{stdout}{stderr}");
    }
    let report: Value =
        serde_json::from_str(&stdout).with_context(|| format!("{label}: reading the summary {stdout}"))?;
    Ok(ImportRun {
        label,
        wall: ended - started,
        peak_rss_kib: peak,
        summary: report["files"][0].clone(),
    })
}

/// Generates the dump, imports it into a fresh data dir, imports it again; the second import must change
/// nothing.
pub fn run_zlpe_import(cfg: &ZlpeImportConfig) -> Result<ZlpeImportReport> {
    std::fs::create_dir_all(&cfg.dir).with_context(|| format!("creating {}", cfg.dir.display()))?;
    let file = cfg.dir.join(snitflade_zlpe::generate::file_name(0).to_string());
    let started = Instant::now();
    let out = BufWriter::with_capacity(1 << 20, File::create(&file)?);
    let (out, generated) = snitflade_zlpe::generate::write_dump(out, cfg.employees, 0)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    let generate_time = started.elapsed();
    let file_bytes = std::fs::metadata(&file)?.len();
    if cfg.database_url.is_none() {
        fresh_data_dir(&cfg.dir.join("data"))?;
    }
    let first = import(cfg, &file, "first (empty)")?;
    ensure!(
        first.count("employees", "created") == u64::from(generated.employees),
        "the first import created {} of {} employees: {}",
        first.count("employees", "created"),
        generated.employees,
        first.summary
    );
    let second = import(cfg, &file, "second (same file)")?;
    ensure!(
        second.count("employees", "unchanged") == u64::from(generated.employees),
        "the second import of the same file changed something: {}",
        second.summary
    );
    Ok(ZlpeImportReport {
        file,
        file_bytes,
        generated,
        generate_time,
        runs: vec![first, second],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_peak_memory_is_readable() {
        let kib = peak_rss_kib(std::process::id()).expect("/proc/self/status has VmHWM");
        assert!(kib > 100, "{kib}");
    }

    #[test]
    fn only_benchmark_data_dirs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fresh_data_dir(&data).unwrap();
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("snitflade.db"), "").unwrap();
        std::fs::write(data.join("snitflade.db-wal"), "").unwrap();
        fresh_data_dir(&data).unwrap();
        assert!(!data.exists());
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("admin-token"), "x").unwrap();
        assert!(fresh_data_dir(&data).is_err());
        assert!(data.join("admin-token").exists());
    }
}
