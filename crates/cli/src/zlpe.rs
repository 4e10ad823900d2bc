//! `snitflade import zlpe` and `snitflade export zlpe`: the nightly Opus dump into and out of the store, with a
//! progress line on a terminal and a summary on stdout.
//!
//! Exit codes of `import zlpe`: 0 = every file imported completely; 2 = imported, but some records were
//! skipped (listed with their lines); 1 = a file could not be read (completely) or the store failed. `export
//! zlpe`: 0 or 1.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use snitflade_domain::Kommunekode;
use snitflade_zlpe::import::FileSummary;
use snitflade_zlpe::{ImportOptions, Progress};

use crate::StoreArgs;

/// Exit code: imported, but records were skipped.
pub(crate) const EXIT_RECORD_ERRORS: u8 = 2;

#[derive(clap::Args)]
pub struct ImportZlpeArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The dump files; each is a full snapshot, so employments a file does not mention have ended.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct ExportZlpeArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// The municipality's code (e.g. 0813 or 813).
    #[arg(long, value_parser = parse_municipality)]
    municipality: Kommunekode,
    /// The directory to write the file to (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub(crate) fn parse_municipality(s: &str) -> Result<Kommunekode, String> {
    Kommunekode::parse(s).map_err(|e| e.to_string())
}

/// A one-line percentage on stderr, redrawn when it changes; only on a terminal.
struct ProgressLine {
    enabled: bool,
    shown: Option<(String, u64)>,
}

impl ProgressLine {
    fn new() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            shown: None,
        }
    }

    fn update(&mut self, p: Progress<'_>) {
        if !self.enabled || p.bytes_total == 0 {
            return;
        }
        let name = p
            .file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let percent = p.bytes_read.saturating_mul(100) / p.bytes_total;
        if self.shown.as_ref() == Some(&(name.clone(), percent)) {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[Kimporting {name}: {percent:>3} % ({:.1} of {:.1} MB)",
            p.bytes_read as f64 / 1e6,
            p.bytes_total as f64 / 1e6
        );
        let _ = err.flush();
        self.shown = Some((name, percent));
    }

    fn clear(&mut self) {
        if self.enabled && self.shown.take().is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

fn file_block(f: &FileSummary) -> String {
    let mut out = String::new();
    let name = std::path::Path::new(&f.file)
        .file_name()
        .map_or_else(|| f.file.clone(), |n| n.to_string_lossy().into_owned());
    let date = f.date.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
    out += &format!("{name}{date}: {} records\n", f.records);
    for m in &f.municipalities_registered {
        out += &format!("  municipality registered: {m}\n");
    }
    let u = &f.org_units;
    out += &format!(
        "  org units: {} created, {} changed, {} refreshed, {} unchanged\n",
        u.created, u.changed, u.refreshed, u.unchanged
    );
    let e = &f.employees;
    out += &format!(
        "  employees: {} created, {} changed, {} refreshed, {} unchanged, {} cancelled, {} left (leave record), \
         {} left (missing from the snapshot)\n",
        e.created, e.changed, e.refreshed, e.unchanged, e.deleted, e.left, e.missing
    );
    out += &format!(
        "  leave records: {} for numbers never active, {} for employments already ended, {} created as ended\n",
        e.leave_unknown, e.leave_repeated, e.leave_created
    );
    if e.earlier_run > 0 {
        out += &format!(
            "  completes an interrupted import of this file: {} of the unchanged employees were changed by it \
             (its audit entries account for them)\n",
            e.earlier_run
        );
    }
    if let Some(reason) = &f.missing_not_checked {
        out += &format!("  employments missing from the snapshot were not ended: {reason}\n");
    }
    if !f.errors.is_empty() {
        out += &format!("  {} record(s) skipped:\n", f.errors.len());
        for problem in &f.errors {
            out += &format!("    {}\n", problem.message);
        }
    }
    if let Some(reason) = &f.failed {
        out += &format!("  FAILED: {reason}\n");
    }
    out
}

pub async fn import(args: ImportZlpeArgs) -> Result<ExitCode> {
    let store = args.store.open().await?;
    let started = Instant::now();
    let mut line = ProgressLine::new();
    let result = snitflade_zlpe::import_files(&store, &args.files, &ImportOptions::default(), |p| line.update(p)).await;
    line.clear();
    store.close().await;
    let report =
        result.context("importing (what was committed before the failure stays; importing again completes it)")?;
    let seconds = started.elapsed().as_secs_f64();
    let failed = report.files.iter().filter(|f| f.failed.is_some()).count();
    let skipped = report.record_errors();
    if args.json {
        println!("{}", serde_json::json!({ "files": report.files, "seconds": seconds }));
    } else {
        for f in &report.files {
            print!("{}", file_block(f));
        }
        println!(
            "{} file(s) in {seconds:.2} s: {} imported, {failed} failed, {skipped} record(s) skipped",
            report.files.len(),
            report.files.len() - failed
        );
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else if skipped > 0 {
        ExitCode::from(EXIT_RECORD_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

pub async fn export(args: ExportZlpeArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let store = args.store.open().await?;
    let result = snitflade_zlpe::export(&store, args.municipality, &args.out).await;
    store.close().await;
    let summary = result.with_context(|| format!("exporting {}", args.municipality))?;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "wrote {}: {} org units, {} employees, {} cancelled, {} leave records",
            summary.path.display(),
            summary.org_units,
            summary.employees,
            summary.cancelled,
            summary.leave_records
        );
    }
    Ok(ExitCode::SUCCESS)
}
