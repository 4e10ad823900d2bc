//! Shared helpers of the integration tests: the two reference samples, reading a whole dump, writing records.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

use jiff::civil::Date;
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_opus_dump::{DumpReader, DumpWriter, Record, RecordError};

/// `ZLPE20200101_delta.xml`, byte for byte (the public OS2mo test sample, copied to `reference/opus-dump/`).
pub const SAMPLE_1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/opus-dump/ZLPE20200101_delta.xml"
));
/// `ZLPE20200102_delta.xml`, the next day's snapshot.
pub const SAMPLE_2: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/opus-dump/ZLPE20200102_delta.xml"
));

/// Every item of the dump, errors included.
pub fn read_items(xml: &str) -> Vec<Result<Record, RecordError>> {
    DumpReader::new(xml.as_bytes()).collect()
}

/// Every record of the dump; panics on any error.
pub fn read_records(xml: &str) -> Vec<Record> {
    read_items(xml)
        .into_iter()
        .map(|item| item.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The records written as one dump.
pub fn write_records(records: &[Record]) -> String {
    let mut writer = DumpWriter::new(Vec::new());
    for record in records {
        writer.write_record(record).unwrap_or_else(|e| panic!("{e}"));
    }
    String::from_utf8(writer.finish().unwrap()).unwrap()
}

/// Each line without its leading blanks: the samples indent their records irregularly.
pub fn unindented(xml: &str) -> String {
    xml.lines().map(|l| format!("{}\n", l.trim_start())).collect()
}

pub fn date(y: i16, m: i8, d: i8) -> Date {
    jiff::civil::date(y, m, d)
}

pub fn pernr(n: &str) -> Pernr {
    Pernr::parse(n).unwrap()
}

pub fn client(n: &str) -> Kommunekode {
    Kommunekode::parse(n).unwrap()
}

/// A minimal valid dump around `body` (records, one per line).
pub fn dump(body: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kmd>\n{body}</kmd>\n")
}
