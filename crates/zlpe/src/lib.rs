//! KMD Opus's nightly ZLPE dump ↔ snitflade's HR data: import (streaming, diffing, writing only what changed),
//! export (a full snapshot in Opus's format), and a deterministic generator of large dumps for benchmarks.
//!
//! - [`mapping`]: one `<employee>` / `<orgUnit>` ⇄ employment, category records, org unit and the `zlpe` JSON
//!   that keeps what has no category;
//! - [`import`]: [`import::import_files`] streams dumps into a [`snitflade_store::Store`];
//! - [`export`]: [`export::export`] writes `ZLPE<yyyyMMddHHmmss>_delta.xml` for one municipality;
//! - [`generate`]: [`generate::write_dump`] writes an N-employee dump.

pub mod export;
pub mod generate;
pub mod import;
pub mod mapping;

pub use export::{ExportError, ExportSummary, export};
pub use import::{FileSummary, ImportOptions, ImportReport, Progress, import_files};
