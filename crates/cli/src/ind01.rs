//! `snitflade import ind01 FILE --municipality <code>`: a legacy IND01 file of one-time payments into the store
//! (safe while a server runs on it), with a summary on stdout. The rules are the Engangsydelser web service's;
//! see `snitflade_services::engangsydelse::ind01`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use snitflade_domain::Kommunekode;
use snitflade_services::engangsydelse::ind01::{self, ImportError};

use crate::StoreArgs;
use crate::zlpe::{EXIT_RECORD_ERRORS, parse_municipality};

/// Largest IND01 file accepted (a file is read whole).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(clap::Args)]
pub struct ImportInd01Args {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// The municipality the file is for (e.g. 0340 or 340); every record must name it.
    #[arg(long, value_parser = parse_municipality)]
    municipality: Kommunekode,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The IND01 file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub async fn import(args: ImportInd01Args) -> Result<ExitCode> {
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_FILE_BYTES,
        "{} is larger than {MAX_FILE_BYTES} bytes",
        args.file.display()
    );
    let content = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let store = args.store.open().await?;
    let result = ind01::import(&store, args.municipality, &name, &content).await;
    store.close().await;
    let summary = match result {
        Ok(s) => s,
        Err(ImportError::Header(e)) => anyhow::bail!("{}: {e}", args.file.display()),
        Err(ImportError::Store(e)) => {
            return Err(anyhow::Error::new(e)
                .context("importing (what was committed before the failure stays; importing again completes it)"));
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "{name}: {} records, {} registered, {} imported before, {} to the error table",
            summary.records,
            summary.registered,
            summary.already_imported,
            summary.errors.len()
        );
        for e in &summary.errors {
            println!("  error {}: {}", e.error_id, e.message);
        }
    }
    Ok(if summary.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_RECORD_ERRORS)
    })
}
