//! KMD Opus's nightly employee dump, the "ZLPE file" (`ZLPE<yyyyMMddHHmmss>_delta.xml`): typed records, a
//! streaming hardened reader and a writer that formats like Opus.
//!
//! Despite its name each file is a full snapshot: `<kmd>` holds every `<orgUnit>` and then every `<employee>`
//! (an active employment, or `action="leave"` for one that has ended). Consumers such as OS2mo and SOFD read it
//! today; snitflade imports it (diffing against its HR data) and produces it. See this crate's README for the
//! format as far as it is known.
//!
//! ```
//! use snitflade_opus_dump::{DumpReader, DumpWriter, Record};
//!
//! let xml = r#"<?xml version="1.0" encoding="utf-8"?>
//! <kmd>
//!  <employee id="999" client="813" action="leave"/>
//! </kmd>
//! "#;
//! let mut writer = DumpWriter::new(Vec::new());
//! for record in DumpReader::new(xml.as_bytes()) {
//!     match record {
//!         Ok(record) => writer.write_record(&record).unwrap(),
//!         Err(e) if e.is_fatal() => panic!("{e}"),
//!         Err(e) => eprintln!("skipped: {e}"),
//!     }
//! }
//! assert_eq!(String::from_utf8(writer.finish().unwrap()).unwrap(), xml);
//! ```

pub mod file_name;
pub mod model;
pub mod reader;
pub mod writer;
mod xml;

pub use file_name::{DumpFileName, FileNameError};
pub use model::{
    EMPLOYEE_ELEMENTS, Employee, EmployeeCpr, EmployeeRecord, ExtraElement, Leave, OPEN_END, OrgUnit, OrgUnitId,
    Quantity, Record, ValueError, is_open_ended,
};
pub use reader::{DumpReader, FatalError, FatalKind, InvalidRecord, Limits, Problem, RecordError};
pub use writer::{DumpWriter, WriteError};
