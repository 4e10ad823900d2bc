//! Export of one municipality's HR data as a ZLPE dump: org units, then every employment (active and cancelled
//! ones as `<employee>`, then ended ones as leave records that carry their last data), in personnel-number
//! order, read in chunks.
//!
//! The file is written under a temporary name in the target directory and renamed when complete, so a
//! consumer polling the directory never sees half a file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use jiff::civil::{Date, DateTime};
use serde::Serialize;
use snitflade_domain::hr::{CategoryRecord, EmploymentStatus};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_opus_dump::{DumpFileName, DumpWriter, WriteError};
use snitflade_store::hr::{self, RegistrationFilter};
use snitflade_store::{Store, StoreError};

use crate::mapping::{self, dump_id};

/// Employments read per round.
const CHUNK: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the dump: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the dump: {0}")]
    Write(#[from] WriteError),
    #[error("the municipality {0} is not registered")]
    UnknownMunicipality(Kommunekode),
    #[error("{0}")]
    Data(String),
    #[error("{0} exists already")]
    Exists(PathBuf),
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub org_units: u64,
    /// Active employments.
    pub employees: u64,
    /// Cancelled employments (written with `workContractText` Annulleret).
    pub cancelled: u64,
    /// Ended employments (written as leave records carrying their last data).
    pub leave_records: u64,
}

/// Writes `ZLPE<now, Copenhagen time>_delta.xml` for `municipality` into `out_dir`. If a file of this second
/// exists already (an export a moment ago), waits for the next second.
pub async fn export(store: &Store, municipality: Kommunekode, out_dir: &Path) -> Result<ExportSummary, ExportError> {
    ensure_registered(store, municipality).await?;
    let mut now = jiff::Timestamp::now().to_zoned(copenhagen()).datetime();
    for _ in 0..3 {
        if !out_dir.join(DumpFileName::new(now).to_string()).exists() {
            break;
        }
        let rest = 1_000_000_000 - i64::from(now.subsec_nanosecond());
        tokio::time::sleep(std::time::Duration::from_nanos(rest as u64 + 1_000_000)).await;
        now = jiff::Timestamp::now().to_zoned(copenhagen()).datetime();
    }
    export_at(store, municipality, out_dir, now).await
}

async fn ensure_registered(store: &Store, municipality: Kommunekode) -> Result<(), ExportError> {
    let code = municipality.to_string();
    if snitflade_store::access::municipalities(store.pool())
        .await?
        .iter()
        .any(|m| m.code == code)
    {
        Ok(())
    } else {
        Err(ExportError::UnknownMunicipality(municipality))
    }
}

fn copenhagen() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Copenhagen").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// As [`export`], for the export time `exported` (the file name; `lastChanged` of data that has none).
pub async fn export_at(
    store: &Store,
    municipality: Kommunekode,
    out_dir: &Path,
    exported: DateTime,
) -> Result<ExportSummary, ExportError> {
    let name = DumpFileName::new(exported).to_string();
    let path = out_dir.join(&name);
    if path.exists() {
        return Err(ExportError::Exists(path));
    }
    let partial = out_dir.join(format!(".{name}.partial"));
    let written = async {
        let out = BufWriter::new(File::create(&partial)?);
        let (out, mut summary) = write_dump(store, municipality, out, exported.date()).await?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        if path.exists() {
            return Err(ExportError::Exists(path.clone()));
        }
        std::fs::rename(&partial, &path)?;
        summary.path = path.clone();
        Ok(summary)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Writes the dump of `municipality` to `out`; `today` is the `lastChanged` of data that did not come from a
/// dump. Returns the output and what was written (`path` empty).
pub async fn write_dump<W: Write>(
    store: &Store,
    municipality: Kommunekode,
    out: W,
    today: Date,
) -> Result<(W, ExportSummary), ExportError> {
    let pool = store.pool();
    ensure_registered(store, municipality).await?;
    let mut summary = ExportSummary::default();
    let mut writer = DumpWriter::new(out);
    for unit in hr::org_units(pool, municipality).await? {
        let record = mapping::hr_to_org_unit(municipality, &unit, today)
            .map_err(|e| ExportError::Data(format!("org unit {}: {e}", unit.unit.id)))?;
        writer.write_org_unit(&record)?;
        summary.org_units += 1;
    }
    let mut leave_records = Vec::new();
    for chunk in hr::employment_numbers(pool, municipality).await?.chunks(CHUNK) {
        let mut records: HashMap<Pernr, Vec<CategoryRecord>> = HashMap::new();
        for r in hr::records(pool, municipality, chunk, &RegistrationFilter::current()).await? {
            records.entry(r.pernr).or_default().push(r.record);
        }
        for stored in hr::employments(pool, municipality, chunk).await? {
            let e = &stored.employment;
            let own = records.get(&e.pernr).map_or(&[][..], Vec::as_slice);
            if e.status == EmploymentStatus::Left {
                let ended = mapping::hr_to_ended(&stored, own, today)
                    .map_err(|err| ExportError::Data(format!("employee {}: {err}", dump_id(e.pernr))))?;
                leave_records.push(ended);
                continue;
            }
            let record = mapping::hr_to_employee(&stored, own, today)
                .map_err(|err| ExportError::Data(format!("employee {}: {err}", dump_id(e.pernr))))?;
            writer.write_employee(&record.into())?;
            match e.status {
                EmploymentStatus::Deleted => summary.cancelled += 1,
                _ => summary.employees += 1,
            }
        }
    }
    for ended in leave_records {
        writer.write_ended_employment(&ended)?;
        summary.leave_records += 1;
    }
    Ok((writer.finish()?, summary))
}
