//! Moving landscape data in and out: CSV import of systems, relations and interfaces (with a per-row dry-run report), and a
//! JSON export / import of a whole landscape.
//!
//! # CSV import
//!
//! [`import_systems_csv`] and [`import_relations_csv`] validate every row against the existing landscape and
//! return an [`ImportReport`]: each row's outcome (created, updated, unchanged or rejected with its errors) and the
//! accepted records. Rows are independent: a rejected row is left out of [`ImportReport::accepted`], the others
//! stay. The caller decides between a dry run (show the report) and applying it (upsert `accepted`).
//!
//! The first line is the header. Column names are matched case-insensitively; optional columns may be left out of
//! the header, unknown columns are an error (a misspelt column would otherwise be silently ignored). The delimiter
//! is `,` or `;` (Danish Excel exports use `;`), sniffed from the header line. A UTF-8 byte-order mark is skipped; a
//! file that is not valid UTF-8 is read as Windows-1252 (Excel's "CSV" on Danish Windows). Fields are trimmed;
//! rows whose fields are all empty are skipped. Files are limited to [`MAX_BYTES`] (5 MiB) and [`MAX_ROWS`]
//! (50 000) rows.
//!
//! Systems — `id,name,vendor,kind,lifecycle,replaced_by,description`:
//! - `id`, `name`, `kind` are required;
//! - `kind`: `platform`, `external` (`ekstern`), `data_warehouse` (`datalager`), `kombit_support`
//!   (`støttesystem`);
//! - `lifecycle` (default `in_operation`): `in_operation` (`i drift`), `phasing_in` (`indfases`), `phasing_out`
//!   (`udfases`), `retired` (`udfaset`);
//! - `replaced_by` names a system in the landscape or in an earlier accepted row of the same file.
//!
//! Relations — `id,municipality,system,counterpart,interface_id,interface_version,local_number,direction,
//! description,information_objects,dependency,transition_decision,target_system,target_interface_id,
//! target_interface_version,agreement_name,notice_months,expires,terminated`:
//! - `id`, `municipality` (the kommunekode, 1–4 digits, not 0; kept in the landscape's four-digit form, `340` →
//!   `0340`), `system`, `counterpart`, `direction`, `dependency` are required; `system`, `counterpart` and
//!   `target_system` must be systems of the landscape, and two different ones;
//! - `interface_id` / `interface_version` and `target_interface_id` must be in the landscape's catalogue; without a
//!   version the interface must have exactly one version in the catalogue;
//! - `information_objects` is `;`-separated (quote the field in a `;`-delimited file);
//! - `direction`: `to` (`til`, `->`), `from` (`fra`, `<-`), `both` (`begge`, `<->`);
//! - `dependency`: `weak` (`svag`), `unclear` (`uklar`), `dependency` (`afhængighed`), `local_agreement`
//!   (`lokal`);
//! - `transition_decision` (empty: not decided): `kombit_buys` (`kombit`), `kombit_negotiates_municipality_buys`
//!   (`kombit_forhandler`), `municipality_buys` (`kommunen`), `not_needed` (`udgår`); `target_system` and
//!   `target_interface_id` need a decision;
//! - `agreement_name` is required when `notice_months`, `expires` or `terminated` is given; dates are
//!   `YYYY-MM-DD`.
//!
//! Interfaces — `id,version,name,purpose,kind,status,valid_from,information_objects,same_need_group,
//! public_alternative,provider`:
//! - `id`, `name`, `kind` are required; `version` defaults to `1`; an interface is keyed by `id` + `version`;
//! - `kind`: `kombit`, `opus_standard`, `legacy_file` (`filsnitflade`), `local` (`lokal`);
//! - `valid_from` (`YYYY-MM-DD`) is the version's release date: KOMBIT's 6-month maintenance deadline runs from it
//!   (see [`crate::requirements`]);
//! - `provider` must be a system of the landscape; `information_objects` is `;`-separated;
//! - the shipped catalogue's interface ids are read-only in every version (with [`ImportContext::with_catalogue`]).
//!
//! Relations also take `target_interface_version` (without it the target interface must have one version).
//!
//! An updated relation keeps what the CSV cannot express: its costs, certificates and transition note.
//! [`crate::csv_export`] writes all three kinds with these columns.
//! Read-only records (derived from snitflade's own grants, relation ids starting with `snitflade-`, and — through
//! [`ImportContext::with_catalogue`] — the shipped catalogue's) cannot be imported over: such a row is rejected.
//!
//! # JSON
//!
//! [`export_json`] writes the whole landscape as the model serialises it (`system`, `interface`, `relation`,
//! `requirement_area`) plus `format` = [`JSON_FORMAT`] and `version` = [`JSON_VERSION`]; [`import_json`] reads it
//! back.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::model::{
    Agreement, DependencyClass, Direction, Interface, InterfaceKind, InterfaceRef, Landscape, Lifecycle, Relation,
    Source, System, SystemKind, Transition, TransitionDecision,
};
use crate::naming::{kommunekode, natural_cmp};
use crate::own_traffic::RELATION_ID_PREFIX;

/// The largest CSV file accepted: 5 MiB.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most data rows accepted in one CSV file.
pub const MAX_ROWS: usize = 50_000;
/// The `format` field of the JSON export.
pub const JSON_FORMAT: &str = "snitflade-landscape";
/// The `version` field of the JSON export.
pub const JSON_VERSION: u64 = 1;

pub const SYSTEM_COLUMNS: [&str; 7] = [
    "id",
    "name",
    "vendor",
    "kind",
    "lifecycle",
    "replaced_by",
    "description",
];
const SYSTEM_REQUIRED: [&str; 3] = ["id", "name", "kind"];

pub const RELATION_COLUMNS: [&str; 19] = [
    "id",
    "municipality",
    "system",
    "counterpart",
    "interface_id",
    "interface_version",
    "local_number",
    "direction",
    "description",
    "information_objects",
    "dependency",
    "transition_decision",
    "target_system",
    "target_interface_id",
    "target_interface_version",
    "agreement_name",
    "notice_months",
    "expires",
    "terminated",
];
const RELATION_REQUIRED: [&str; 6] = ["id", "municipality", "system", "counterpart", "direction", "dependency"];

pub const INTERFACE_COLUMNS: [&str; 11] = [
    "id",
    "version",
    "name",
    "purpose",
    "kind",
    "status",
    "valid_from",
    "information_objects",
    "same_need_group",
    "public_alternative",
    "provider",
];
const INTERFACE_REQUIRED: [&str; 3] = ["id", "name", "kind"];

/// A problem with the file as a whole; no row was looked at.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is {size} bytes; at most {limit} bytes (5 MiB) can be imported at once — split it")]
    TooLarge { size: usize, limit: usize },
    #[error("the file has more than {limit} rows — split it")]
    TooManyRows { limit: usize },
    #[error("the file is empty: expected a header line with the columns {expected}")]
    Empty { expected: String },
    #[error("unknown column(s) in the header: {}; the columns are {expected}", .columns.join(", "))]
    UnknownColumns { columns: Vec<String>, expected: String },
    #[error("required column(s) missing from the header: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("column {0} appears twice in the header")]
    DuplicateColumn(String),
    #[error("the file cannot be read as CSV: {0}")]
    Csv(String),
    #[error("not a snitflade landscape export: format is {0:?}, expected \"{JSON_FORMAT}\"")]
    WrongFormat(String),
    #[error("export version {found} is not supported (this version reads version {JSON_VERSION})")]
    UnsupportedVersion { found: String },
    #[error("the landscape JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOutcome {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    /// The row's `id`, when it has one.
    pub id: Option<String>,
    pub action: RowAction,
    /// Why the row was rejected; empty otherwise.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: Vec<RowOutcome>,
    /// The created and updated records, ready to upsert (unchanged and rejected rows are not in it).
    pub accepted: Landscape,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// The delimiter sniffed from the header line.
    pub delimiter: char,
    /// `utf-8` or `windows-1252`.
    pub encoding: String,
}

impl ImportReport {
    fn new(delimiter: u8, encoding: &str) -> Self {
        ImportReport {
            rows: Vec::new(),
            accepted: Landscape::default(),
            created: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
            delimiter: char::from(delimiter),
            encoding: encoding.to_string(),
        }
    }

    fn record(&mut self, line: usize, id: Option<String>, action: RowAction, errors: Vec<String>) {
        match action {
            RowAction::Created => self.created += 1,
            RowAction::Updated => self.updated += 1,
            RowAction::Unchanged => self.unchanged += 1,
            RowAction::Rejected => self.rejected += 1,
        }
        self.rows.push(RowOutcome {
            line,
            id,
            action,
            errors,
        });
    }
}

/// A parsed CSV file: the header's column positions and the non-empty data rows with their line numbers.
struct Table {
    columns: HashMap<&'static str, usize>,
    width: usize,
    rows: Vec<(usize, csv::StringRecord)>,
    delimiter: u8,
    encoding: &'static str,
}

struct Row<'a> {
    table: &'a Table,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The trimmed field, "" when the column is not in the file or the row is short.
    fn get(&self, column: &str) -> &str {
        self.table
            .columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    fn opt(&self, column: &str) -> Option<String> {
        let v = self.get(column);
        (!v.is_empty()).then(|| v.to_string())
    }

    fn required(&self, column: &str, errors: &mut Vec<String>) -> Option<String> {
        let v = self.opt(column);
        if v.is_none() {
            errors.push(format!("{column} is required"));
        }
        v
    }
}

/// Skips a UTF-8 BOM; falls back to Windows-1252 when the bytes are not UTF-8.
fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "utf-8"),
        Err(_) => (bytes.iter().map(|&b| windows_1252(b)).collect(), "windows-1252"),
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// `;` when the header line has more semicolons than commas outside quotes, otherwise `,`.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn read_table(bytes: &[u8], known: &[&'static str], required: &[&'static str]) -> Result<Table, ImportError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len(),
            limit: MAX_BYTES,
        });
    }
    let (text, encoding) = decode(bytes);
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let expected = known.join(",");

    let header = loop {
        match records.next() {
            None => return Err(ImportError::Empty { expected }),
            Some(Err(e)) => return Err(ImportError::Csv(e.to_string())),
            Some(Ok(r)) if r.iter().all(|f| f.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
        }
    };
    let mut columns = HashMap::new();
    let mut unknown = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase();
        if name.is_empty() {
            continue;
        }
        match known.iter().find(|k| **k == name) {
            Some(k) => {
                if columns.insert(*k, i).is_some() {
                    return Err(ImportError::DuplicateColumn(name));
                }
            }
            None => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        return Err(ImportError::UnknownColumns {
            columns: unknown,
            expected,
        });
    }
    let missing: Vec<String> = required
        .iter()
        .filter(|c| !columns.contains_key(*c))
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing));
    }

    // Line numbers are counted from the records' byte offsets: the reader's own line count misses blank lines.
    let (mut rows, mut line, mut counted_to) = (Vec::new(), 1, 0);
    for record in records {
        let record = record.map_err(|e| ImportError::Csv(e.to_string()))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(ImportError::TooManyRows { limit: MAX_ROWS });
        }
        let start = record
            .position()
            .map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .clamp(counted_to, text.len());
        // The offset can point at blank lines the reader skipped before the record.
        let start = start
            + text.as_bytes()[start..]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = start;
        rows.push((line, record));
    }
    Ok(Table {
        columns,
        width: header.len(),
        rows,
        delimiter,
        encoding,
    })
}

/// Lower-case, with spaces and dashes as underscores, for comparing enum values.
fn enum_key(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

fn parse_enum<T: Copy>(column: &str, value: &str, table: &[(&str, T)], expected: &str) -> Result<T, String> {
    let key = enum_key(value);
    table
        .iter()
        .find(|(alias, _)| enum_key(alias) == key)
        .map(|(_, v)| *v)
        .ok_or_else(|| format!("{column}: unknown value {value:?}; use {expected}"))
}

const KINDS: [(&str, SystemKind); 9] = [
    ("platform", SystemKind::Platform),
    ("external", SystemKind::External),
    ("ekstern", SystemKind::External),
    ("data_warehouse", SystemKind::DataWarehouse),
    ("datalager", SystemKind::DataWarehouse),
    ("data lager", SystemKind::DataWarehouse),
    ("kombit_support", SystemKind::KombitSupport),
    ("støttesystem", SystemKind::KombitSupport),
    ("stoettesystem", SystemKind::KombitSupport),
];
const KINDS_TEXT: &str = "platform, external (ekstern), data_warehouse (datalager) or kombit_support (støttesystem)";

const LIFECYCLES: [(&str, Lifecycle); 12] = [
    ("in_operation", Lifecycle::InOperation),
    ("i drift", Lifecycle::InOperation),
    ("drift", Lifecycle::InOperation),
    ("phasing_in", Lifecycle::PhasingIn),
    ("indfases", Lifecycle::PhasingIn),
    ("under indfasning", Lifecycle::PhasingIn),
    ("phasing_out", Lifecycle::PhasingOut),
    ("udfases", Lifecycle::PhasingOut),
    ("under udfasning", Lifecycle::PhasingOut),
    ("retired", Lifecycle::Retired),
    ("udfaset", Lifecycle::Retired),
    ("nedlagt", Lifecycle::Retired),
];
const LIFECYCLES_TEXT: &str =
    "in_operation (i drift), phasing_in (indfases), phasing_out (udfases) or retired (udfaset)";

const DIRECTIONS: [(&str, Direction); 13] = [
    ("to", Direction::To),
    ("til", Direction::To),
    ("->", Direction::To),
    ("→", Direction::To),
    ("from", Direction::From),
    ("fra", Direction::From),
    ("<-", Direction::From),
    ("←", Direction::From),
    ("both", Direction::Both),
    ("begge", Direction::Both),
    ("begge veje", Direction::Both),
    ("<->", Direction::Both),
    ("↔", Direction::Both),
];
const DIRECTIONS_TEXT: &str = "to (til, ->), from (fra, <-) or both (begge, <->)";

const DEPENDENCIES: [(&str, DependencyClass); 14] = [
    ("weak", DependencyClass::Weak),
    ("svag", DependencyClass::Weak),
    ("svag afhængighed", DependencyClass::Weak),
    ("svag afhaengighed", DependencyClass::Weak),
    ("unclear", DependencyClass::Unclear),
    ("uklar", DependencyClass::Unclear),
    ("uklar afhængighed", DependencyClass::Unclear),
    ("uklar afhaengighed", DependencyClass::Unclear),
    ("dependency", DependencyClass::Dependency),
    ("afhængighed", DependencyClass::Dependency),
    ("afhaengighed", DependencyClass::Dependency),
    ("local_agreement", DependencyClass::LocalAgreement),
    ("lokal", DependencyClass::LocalAgreement),
    ("lokal snitfladeaftale", DependencyClass::LocalAgreement),
];
const DEPENDENCIES_TEXT: &str = "weak (svag), unclear (uklar), dependency (afhængighed) or local_agreement (lokal)";

const DECISIONS: [(&str, TransitionDecision); 11] = [
    ("kombit_buys", TransitionDecision::KombitBuys),
    ("kombit", TransitionDecision::KombitBuys),
    (
        "kombit_negotiates_municipality_buys",
        TransitionDecision::KombitNegotiatesMunicipalityBuys,
    ),
    (
        "kombit_forhandler",
        TransitionDecision::KombitNegotiatesMunicipalityBuys,
    ),
    ("municipality_buys", TransitionDecision::MunicipalityBuys),
    ("kommunen", TransitionDecision::MunicipalityBuys),
    ("kommune", TransitionDecision::MunicipalityBuys),
    ("not_needed", TransitionDecision::NotNeeded),
    ("udgår", TransitionDecision::NotNeeded),
    ("udgaar", TransitionDecision::NotNeeded),
    ("ikke nødvendig", TransitionDecision::NotNeeded),
];
const DECISIONS_TEXT: &str = "kombit_buys (kombit), kombit_negotiates_municipality_buys (kombit_forhandler), \
                              municipality_buys (kommunen) or not_needed (udgår)";

const INTERFACE_KINDS: [(&str, InterfaceKind); 7] = [
    ("kombit", InterfaceKind::Kombit),
    ("opus_standard", InterfaceKind::OpusStandard),
    ("legacy_file", InterfaceKind::LegacyFile),
    ("fil", InterfaceKind::LegacyFile),
    ("filsnitflade", InterfaceKind::LegacyFile),
    ("local", InterfaceKind::Local),
    ("lokal", InterfaceKind::Local),
];
const INTERFACE_KINDS_TEXT: &str = "kombit, opus_standard, legacy_file (filsnitflade) or local (lokal)";

/// A `;`-separated list, trimmed, without empty entries.
fn split_list(field: &str) -> Vec<String> {
    field
        .split(';')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `YYYY-MM-DD` date.
fn parse_date(column: &str, value: &str) -> Result<Date, String> {
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| value.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| format!("{column}: {value:?} is not a date (YYYY-MM-DD)"))
}

/// Collects a field's parse error and returns the value.
fn collect<T>(result: Result<T, String>, errors: &mut Vec<String>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn too_wide(table: &Table, record: &csv::StringRecord) -> Option<String> {
    let extra = record.iter().skip(table.width).any(|f| !f.trim().is_empty());
    extra.then(|| format!("the row has {} fields; the header has {}", record.len(), table.width))
}

/// Why a record of the landscape cannot be imported over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadOnly {
    /// Part of the shipped catalogue.
    Catalogue,
    /// Derived from snitflade's own grants.
    Derived,
}

/// What a CSV import is checked against: the landscape as it is, indexed once (so that a large file against a
/// large landscape is checked in linear time), and which of its records are read-only. A row naming a read-only
/// record is rejected on its own, like any other row in error.
///
/// Read-only are the records with `source = snitflade` in the landscape (derived from snitflade's own grants),
/// relation ids starting with [`RELATION_ID_PREFIX`] (reserved for derived relations), and, with
/// [`ImportContext::with_catalogue`], the systems and relations of the shipped catalogue.
#[derive(Debug, Clone)]
pub struct ImportContext<'a> {
    systems: HashMap<&'a str, &'a System>,
    relations: HashMap<&'a str, &'a Relation>,
    /// Interface id → its versions in the catalogue, in natural order.
    interfaces: HashMap<&'a str, Vec<&'a str>>,
    read_only_systems: HashMap<String, ReadOnly>,
    read_only_relations: HashMap<String, ReadOnly>,
    /// Interface ids of the shipped catalogue: read-only in every version.
    read_only_interfaces: HashSet<String>,
    interface_records: HashMap<(&'a str, &'a str), &'a Interface>,
}

impl<'a> ImportContext<'a> {
    /// The landscape `existing` (the whole landscape: catalogue, stored and derived records); its derived records
    /// are read-only.
    pub fn new(existing: &'a Landscape) -> Self {
        let mut systems = HashMap::with_capacity(existing.systems.len());
        for s in &existing.systems {
            // The first definition wins, as in `Landscape::system`.
            systems.entry(s.id.as_str()).or_insert(s);
        }
        let mut relations = HashMap::with_capacity(existing.relations.len());
        for r in &existing.relations {
            relations.entry(r.id.as_str()).or_insert(r);
        }
        let mut interfaces: HashMap<&str, Vec<&str>> = HashMap::new();
        for i in &existing.interfaces {
            interfaces.entry(i.id.as_str()).or_default().push(i.version.as_str());
        }
        for versions in interfaces.values_mut() {
            versions.sort_by(|a, b| natural_cmp(a, b));
            versions.dedup();
        }
        let derived = |source: Source| !source.is_manual();
        ImportContext {
            read_only_systems: existing
                .systems
                .iter()
                .filter(|s| derived(s.source))
                .map(|s| (s.id.clone(), ReadOnly::Derived))
                .collect(),
            read_only_relations: existing
                .relations
                .iter()
                .filter(|r| derived(r.source))
                .map(|r| (r.id.clone(), ReadOnly::Derived))
                .collect(),
            systems,
            relations,
            interface_records: existing
                .interfaces
                .iter()
                .map(|i| ((i.id.as_str(), i.version.as_str()), i))
                .collect(),
            interfaces,
            read_only_interfaces: HashSet::new(),
        }
    }

    /// Makes the systems and relations of `catalogue` (the shipped catalogue, whose records are in the landscape
    /// as ordinary ones) read-only as well.
    pub fn with_catalogue(mut self, catalogue: &Landscape) -> Self {
        for s in &catalogue.systems {
            self.read_only_systems.insert(s.id.clone(), ReadOnly::Catalogue);
        }
        for r in &catalogue.relations {
            self.read_only_relations.insert(r.id.clone(), ReadOnly::Catalogue);
        }
        for i in &catalogue.interfaces {
            self.read_only_interfaces.insert(i.id.clone());
        }
        self
    }

    fn system(&self, id: &str) -> Option<&'a System> {
        self.systems.get(id).copied()
    }

    /// Why the system `id` cannot be imported, if it cannot.
    fn system_refusal(&self, id: &str) -> Option<String> {
        self.read_only_systems.get(id).map(|why| match why {
            ReadOnly::Catalogue => format!("system {id} is part of the shipped catalogue and cannot be imported"),
            ReadOnly::Derived => {
                format!("system {id} is derived from snitflade's own grants and cannot be imported")
            }
        })
    }

    /// Why the relation `id` cannot be imported, if it cannot.
    fn relation_refusal(&self, id: &str) -> Option<String> {
        match self.read_only_relations.get(id) {
            Some(ReadOnly::Catalogue) => Some(format!(
                "relation {id} is part of the shipped catalogue and cannot be imported"
            )),
            Some(ReadOnly::Derived) => Some(format!(
                "relation {id} is derived from snitflade's own grants and cannot be imported"
            )),
            None if id.starts_with(RELATION_ID_PREFIX) => Some(format!(
                "relation {id}: ids starting with {RELATION_ID_PREFIX} are reserved for relations derived from \
                 snitflade's own grants"
            )),
            None => None,
        }
    }

    /// Resolves an interface reference against the catalogue: the exact version, or the only version there is.
    fn resolve_interface(&self, column: &str, id: &str, version: Option<&str>) -> Result<InterfaceRef, String> {
        let versions = self.interfaces.get(id).map(Vec::as_slice).unwrap_or_default();
        if let Some(version) = version {
            return if versions.contains(&version) {
                Ok(InterfaceRef {
                    id: id.to_string(),
                    version: version.to_string(),
                })
            } else {
                Err(format!(
                    "{column}: interface {id} version {version} is not in the catalogue"
                ))
            };
        }
        match versions {
            [] => Err(format!("{column}: interface {id} is not in the catalogue")),
            [only] => Ok(InterfaceRef {
                id: id.to_string(),
                version: only.to_string(),
            }),
            many => Err(format!(
                "{column}: interface {id} has several versions in the catalogue ({}); say which",
                many.join(", ")
            )),
        }
    }

    /// Imports systems; see the module documentation for the columns.
    pub fn systems_csv(&self, csv: &[u8]) -> Result<ImportReport, ImportError> {
        let table = read_table(csv, &SYSTEM_COLUMNS, &SYSTEM_REQUIRED)?;
        let mut report = ImportReport::new(table.delimiter, table.encoding);
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut accepted_ids: HashSet<String> = HashSet::new();

        for (line, record) in &table.rows {
            let row = Row { table: &table, record };
            let mut errors: Vec<String> = too_wide(&table, record).into_iter().collect();
            let id = row.required("id", &mut errors);
            let name = row.required("name", &mut errors);
            let kind = row
                .required("kind", &mut errors)
                .and_then(|k| collect(parse_enum("kind", &k, &KINDS, KINDS_TEXT), &mut errors));
            let lifecycle = match row.opt("lifecycle") {
                None => Some(Lifecycle::default()),
                Some(l) => collect(parse_enum("lifecycle", &l, &LIFECYCLES, LIFECYCLES_TEXT), &mut errors),
            };
            let replaced_by = row.opt("replaced_by");
            if let Some(id) = &id {
                if let Some(first) = first_line.get(id) {
                    errors.push(format!("id {id} already appears on line {first}"));
                } else {
                    first_line.insert(id.clone(), *line);
                }
                errors.extend(self.system_refusal(id));
            }
            if let Some(next) = &replaced_by {
                if Some(next) == id.as_ref() {
                    errors.push("replaced_by: a system cannot replace itself".to_string());
                } else if self.system(next).is_none() && !accepted_ids.contains(next) {
                    errors.push(format!(
                        "replaced_by: {next} is not a system (neither in the landscape nor on an earlier row of this \
                         file)"
                    ));
                }
            }

            match (errors.is_empty(), id, name, kind, lifecycle) {
                (true, Some(id), Some(name), Some(kind), Some(lifecycle)) => {
                    let system = System {
                        id: id.clone(),
                        name,
                        vendor: row.opt("vendor"),
                        kind,
                        lifecycle,
                        replaced_by,
                        description: row.get("description").to_string(),
                        source: Source::Manual,
                    };
                    let action = match self.system(&id) {
                        None => RowAction::Created,
                        Some(old) if *old == system => RowAction::Unchanged,
                        Some(_) => RowAction::Updated,
                    };
                    accepted_ids.insert(id.clone());
                    if action != RowAction::Unchanged {
                        report.accepted.systems.push(system);
                    }
                    report.record(*line, Some(id), action, Vec::new());
                }
                (_, id, ..) => report.record(*line, id, RowAction::Rejected, errors),
            }
        }
        Ok(report)
    }

    /// Imports interfaces (with their release date, `valid_from`); see the module documentation for the columns.
    pub fn interfaces_csv(&self, csv: &[u8]) -> Result<ImportReport, ImportError> {
        let table = read_table(csv, &INTERFACE_COLUMNS, &INTERFACE_REQUIRED)?;
        let mut report = ImportReport::new(table.delimiter, table.encoding);
        let mut first_line: HashMap<(String, String), usize> = HashMap::new();
        for (line, record) in &table.rows {
            let row = Row { table: &table, record };
            let mut errors: Vec<String> = too_wide(&table, record).into_iter().collect();
            let id = row.required("id", &mut errors);
            let version = row.opt("version").unwrap_or_else(|| "1".to_string());
            let name = row.required("name", &mut errors);
            let kind = row.required("kind", &mut errors).and_then(|k| {
                collect(
                    parse_enum("kind", &k, &INTERFACE_KINDS, INTERFACE_KINDS_TEXT),
                    &mut errors,
                )
            });
            let valid_from = row
                .opt("valid_from")
                .and_then(|d| collect(parse_date("valid_from", &d), &mut errors));
            let provider = row.opt("provider");
            if let Some(p) = &provider
                && self.system(p).is_none()
            {
                errors.push(format!("provider: {p} is not a system in the landscape"));
            }
            let label = id.as_ref().map(|id| format!("{id} v{version}"));
            if let Some(id) = &id {
                let key = (id.clone(), version.clone());
                if let Some(first) = first_line.get(&key) {
                    errors.push(format!(
                        "interface {id} version {version} already appears on line {first}"
                    ));
                } else {
                    first_line.insert(key, *line);
                }
                if self.read_only_interfaces.contains(id) {
                    errors.push(format!(
                        "interface {id} is part of the shipped catalogue, whose interfaces are read-only in every \
                         version"
                    ));
                }
            }
            match (errors.is_empty(), id, name, kind) {
                (true, Some(id), Some(name), Some(kind)) => {
                    let interface = Interface {
                        id: id.clone(),
                        version: version.clone(),
                        name,
                        purpose: row.get("purpose").to_string(),
                        kind,
                        status: row.opt("status"),
                        valid_from,
                        information_objects: split_list(row.get("information_objects")),
                        same_need_group: row.opt("same_need_group"),
                        public_alternative: row.opt("public_alternative"),
                        provider,
                    };
                    let action = match self.interface_records.get(&(id.as_str(), version.as_str())) {
                        None => RowAction::Created,
                        Some(old) if **old == interface => RowAction::Unchanged,
                        Some(_) => RowAction::Updated,
                    };
                    if action != RowAction::Unchanged {
                        report.accepted.interfaces.push(interface);
                    }
                    report.record(*line, label, action, Vec::new());
                }
                _ => report.record(*line, label, RowAction::Rejected, errors),
            }
        }
        Ok(report)
    }

    /// Imports relations; see the module documentation for the columns.
    pub fn relations_csv(&self, csv: &[u8]) -> Result<ImportReport, ImportError> {
        let table = read_table(csv, &RELATION_COLUMNS, &RELATION_REQUIRED)?;
        let mut report = ImportReport::new(table.delimiter, table.encoding);
        let mut first_line: HashMap<String, usize> = HashMap::new();

        for (line, record) in &table.rows {
            let row = Row { table: &table, record };
            let mut errors: Vec<String> = too_wide(&table, record).into_iter().collect();
            let id = row.required("id", &mut errors);
            if let Some(id) = &id {
                if let Some(first) = first_line.get(id) {
                    errors.push(format!("id {id} already appears on line {first}"));
                } else {
                    first_line.insert(id.clone(), *line);
                }
                errors.extend(self.relation_refusal(id));
            }
            let municipality = row.required("municipality", &mut errors).and_then(|m| {
                let code = kommunekode(&m);
                if code.is_none() {
                    errors.push(format!("municipality: {m:?} is not a kommunekode (1–4 digits, not 0)"));
                }
                code
            });
            let system_ref = |column: &str, errors: &mut Vec<String>, required: bool| {
                let v = if required {
                    row.required(column, errors)
                } else {
                    row.opt(column)
                };
                if let Some(s) = &v
                    && self.system(s).is_none()
                {
                    errors.push(format!("{column}: {s} is not a system in the landscape"));
                }
                v
            };
            let system = system_ref("system", &mut errors, true);
            let counterpart = system_ref("counterpart", &mut errors, true);
            let target_system = system_ref("target_system", &mut errors, false);
            if system.is_some() && system == counterpart {
                errors.push("system and counterpart are the same system".to_string());
            }

            let interface = match (row.opt("interface_id"), row.opt("interface_version")) {
                (Some(i), v) => collect(self.resolve_interface("interface_id", &i, v.as_deref()), &mut errors),
                (None, Some(_)) => {
                    errors.push("interface_version is given without interface_id".to_string());
                    None
                }
                (None, None) => None,
            };
            let target_interface = match (row.opt("target_interface_id"), row.opt("target_interface_version")) {
                (Some(i), v) => collect(
                    self.resolve_interface("target_interface_id", &i, v.as_deref()),
                    &mut errors,
                ),
                (None, Some(_)) => {
                    errors.push("target_interface_version is given without target_interface_id".to_string());
                    None
                }
                (None, None) => None,
            };
            let direction = row
                .required("direction", &mut errors)
                .and_then(|d| collect(parse_enum("direction", &d, &DIRECTIONS, DIRECTIONS_TEXT), &mut errors));
            let dependency = row.required("dependency", &mut errors).and_then(|d| {
                collect(
                    parse_enum("dependency", &d, &DEPENDENCIES, DEPENDENCIES_TEXT),
                    &mut errors,
                )
            });
            let decision = row.opt("transition_decision").and_then(|d| {
                collect(
                    parse_enum("transition_decision", &d, &DECISIONS, DECISIONS_TEXT),
                    &mut errors,
                )
            });
            if row.opt("transition_decision").is_none() {
                for column in ["target_system", "target_interface_id"] {
                    if row.opt(column).is_some() {
                        errors.push(format!("{column} needs a transition_decision"));
                    }
                }
            }

            let notice_months = row.opt("notice_months").and_then(|n| {
                collect(
                    n.parse::<u32>()
                        .map_err(|_| format!("notice_months: {n:?} is not a whole number of months")),
                    &mut errors,
                )
            });
            let expires = row
                .opt("expires")
                .and_then(|d| collect(parse_date("expires", &d), &mut errors));
            let terminated = row
                .opt("terminated")
                .and_then(|d| collect(parse_date("terminated", &d), &mut errors));
            let agreement_name = row.opt("agreement_name");
            if agreement_name.is_none() {
                for column in ["notice_months", "expires", "terminated"] {
                    if row.opt(column).is_some() {
                        errors.push(format!("{column} needs an agreement_name"));
                    }
                }
            }

            let (
                Some(id),
                Some(municipality),
                Some(system),
                Some(counterpart),
                Some(direction),
                Some(dependency),
                true,
            ) = (
                id.clone(),
                municipality,
                system,
                counterpart,
                direction,
                dependency,
                errors.is_empty(),
            )
            else {
                report.record(*line, id, RowAction::Rejected, errors);
                continue;
            };

            let old = self.relations.get(id.as_str()).copied();
            let relation = Relation {
                id: id.clone(),
                municipality,
                system,
                counterpart,
                interface,
                local_number: row.opt("local_number"),
                direction,
                description: row.get("description").to_string(),
                information_objects: split_list(row.get("information_objects")),
                dependency,
                transition: decision.map(|decision| Transition {
                    decision,
                    target_system,
                    target_interface,
                    note: old
                        .and_then(|o| o.transition.as_ref())
                        .map(|t| t.note.clone())
                        .unwrap_or_default(),
                }),
                agreement: agreement_name.map(|name| Agreement {
                    name,
                    notice_months,
                    expires,
                    terminated,
                }),
                costs: old.map(|o| o.costs.clone()).unwrap_or_default(),
                certificates: old.map(|o| o.certificates.clone()).unwrap_or_default(),
                source: Source::Manual,
            };
            let action = match old {
                None => RowAction::Created,
                Some(old) if *old == relation => RowAction::Unchanged,
                Some(_) => RowAction::Updated,
            };
            if action != RowAction::Unchanged {
                report.accepted.relations.push(relation);
            }
            report.record(*line, Some(id), action, Vec::new());
        }
        Ok(report)
    }
}

/// Imports systems into `existing` (its derived records read-only); see the module documentation for the
/// columns, and [`ImportContext`] to make the shipped catalogue read-only too.
pub fn import_systems_csv(existing: &Landscape, csv: &[u8]) -> Result<ImportReport, ImportError> {
    ImportContext::new(existing).systems_csv(csv)
}

/// Imports relations into `existing` (its derived records read-only); see the module documentation for the
/// columns, and [`ImportContext`] to make the shipped catalogue read-only too.
pub fn import_relations_csv(existing: &Landscape, csv: &[u8]) -> Result<ImportReport, ImportError> {
    ImportContext::new(existing).relations_csv(csv)
}

/// The whole landscape as JSON, with `format` and `version` fields.
pub fn export_json(landscape: &Landscape) -> serde_json::Value {
    let mut value = serde_json::to_value(landscape).expect("a landscape always serialises");
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("format".to_string(), JSON_FORMAT.into());
        map.insert("version".to_string(), JSON_VERSION.into());
    }
    value
}

/// Reads a landscape written by [`export_json`]. The result is not checked for consistency: call
/// [`Landscape::checked`] (with the catalogue merged in) before storing it.
pub fn import_json(value: &serde_json::Value) -> Result<Landscape, ImportError> {
    let mut map = match value {
        serde_json::Value::Object(map) => map.clone(),
        _ => return Err(ImportError::WrongFormat("(not a JSON object)".to_string())),
    };
    match map.remove("format") {
        Some(serde_json::Value::String(f)) if f == JSON_FORMAT => {}
        Some(other) => {
            return Err(ImportError::WrongFormat(match other {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            }));
        }
        None => return Err(ImportError::WrongFormat(String::new())),
    }
    match map.remove("version") {
        Some(v) if v.as_u64() == Some(JSON_VERSION) => {}
        Some(v) => return Err(ImportError::UnsupportedVersion { found: v.to_string() }),
        None => {
            return Err(ImportError::UnsupportedVersion {
                found: "(none)".to_string(),
            });
        }
    }
    Ok(serde_json::from_value(serde_json::Value::Object(map))?)
}
