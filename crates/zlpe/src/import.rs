//! Import of ZLPE dumps into the HR data: stream each file, diff it against what is stored, write only real
//! changes.
//!
//! A reader thread parses the file and hands over chunks of records (default 500); for each chunk the importer
//! reads the stored employments and current records of those personnel numbers, diffs in Rust and applies
//! every change of the chunk in one write (with its outbox events). An unchanged employee costs no write, so
//! importing the same file twice changes nothing. Memory stays constant apart from the set of personnel numbers
//! seen (and the municipality's org units, which the Organisation category needs by name).
//!
//! Each file is a full snapshot (despite `_delta` in its name). After the last record: active employments of a
//! municipality in the file that the file does not mention have ended (status left, leave date = the file's
//! date from its name); cancelled employments (`workContractText` Annulleret) get `replaced_by` = the active
//! employment of the same person in the snapshot with the latest entry date. Then one audit entry per file and
//! municipality (`import`). Files are imported in the order of the time stamps in their names.
//!
//! Every change (an employee created, changed, cancelled or ended; an org unit created or changed) also gets an
//! audit entry of its own (`import.change`, the employee's personnel number, the changed fields' names), written
//! in the transaction that makes the change, so a killed import leaves no change unaccounted for. Audit entries
//! carry the file's name as their source: a run of a file whose earlier import wrote changes but no summary
//! completes that import, and reports how many of the employees it finds unchanged the earlier run had changed
//! (`earlier_run`).
//!
//! A leave record ends an active employment; one for an unknown number that carries the ended employment's data
//! (as the export writes it) creates the employment as ended.
//!
//! A record that cannot be read or mapped is reported with its line and skipped; the rest is imported. The
//! "missing = ended" step is skipped when it could be wrong: the file was not read to its end, a skipped
//! employee record had no readable personnel number, or the file has no active employee of the municipality.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Value, json};
use snitflade_domain::hr::{Category, CategoryRecord, Employment, EmploymentStatus, OPEN_START, OrgUnit};
use snitflade_domain::{Cpr, Kommunekode, Pernr, municipalities};
use snitflade_opus_dump::{
    DumpFileName, DumpReader, EmployeeRecord, FatalError, InvalidRecord, Leave, OrgUnit as DumpOrgUnit, Record,
    RecordError,
};
use snitflade_store::hr::{self, NewAudit, RegistrationFilter, StoredEmployment, StoredOrgUnit};
use snitflade_store::outbox::NewEvent;
use snitflade_store::{Store, StoreError};

use crate::mapping::{self, IMPORTED_CATEGORIES, MappedEmployee, dump_id, is_imported};

/// The interface id events and audit entries are filed under.
pub const INTERFACE: &str = "medarbejderoplysninger";

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Records per read–diff–write round.
    pub chunk_size: usize,
    /// `registered_by` of the records written and the actor of the audit entries.
    pub actor: String,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            chunk_size: 500,
            actor: "zlpe-import".into(),
        }
    }
}

/// Org units of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitCounts {
    pub created: u64,
    /// Content changed (an event was emitted).
    pub changed: u64,
    /// Only `lastChanged` differed: stored again, no event.
    pub refreshed: u64,
    pub unchanged: u64,
}

/// Employees of one file. `created`/`changed`/`refreshed`/`unchanged` count the active `<employee>` records;
/// `deleted` counts those of them that became cancelled; `left` the employments ended by a leave record,
/// `missing` those ended because the snapshot no longer holds them; `leave_created` the employments created as
/// ended from a leave record that carries their data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmployeeCounts {
    pub created: u64,
    pub changed: u64,
    pub refreshed: u64,
    pub unchanged: u64,
    pub deleted: u64,
    pub left: u64,
    pub missing: u64,
    /// Leave records without data for numbers never seen active (nothing to end, nothing to create from).
    pub leave_unknown: u64,
    /// Leave records for employments already ended or cancelled (repeated in every snapshot).
    pub leave_repeated: u64,
    /// Leave records for unknown numbers that carried the ended employment's data (as snitflade's export writes
    /// them): the employment was created as ended.
    pub leave_created: u64,
    /// Of `unchanged` and `leave_repeated`: employees an interrupted earlier import of this same file had already
    /// changed (that run's audit entries, committed with each chunk, account for the changes). 0 unless this run
    /// completes an interrupted one.
    pub earlier_run: u64,
}

/// A record that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordProblem {
    /// 1-based line in the file.
    pub line: u64,
    pub message: String,
}

/// What importing one file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    pub file: String,
    /// The file's date (from its name); leave dates default to it.
    pub date: Option<String>,
    /// Records read and accepted by the reader.
    pub records: u64,
    /// Municipalities registered because the file named them (`0813 Frederikshavn Kommune`).
    pub municipalities_registered: Vec<String>,
    pub org_units: UnitCounts,
    pub employees: EmployeeCounts,
    pub errors: Vec<RecordProblem>,
    /// Why ending employments missing from the snapshot was not done, if it was not.
    pub missing_not_checked: Option<String>,
    /// The file could not be read (completely): not found, a bad name, not well-formed, truncated. What was read
    /// before the problem is imported.
    pub failed: Option<String>,
}

/// What an import did, file by file (in import order; files that could not even be opened first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub files: Vec<FileSummary>,
}

impl ImportReport {
    /// Whether some file could not be read (completely).
    pub fn failed(&self) -> bool {
        self.files.iter().any(|f| f.failed.is_some())
    }
    /// Records skipped over all files.
    pub fn record_errors(&self) -> usize {
        self.files.iter().map(|f| f.errors.len()).sum()
    }
}

/// Progress over all files: bytes read so far and in total.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub file: &'a Path,
    pub bytes_read: u64,
    pub bytes_total: u64,
}

/// Imports `paths` (in the order of the time stamps in their names) into `store`. File problems are reported
/// in the summaries; an error is returned only when the store fails (what was written until then stays: every
/// chunk is committed on its own, and importing again completes it).
pub async fn import_files(
    store: &Store,
    paths: &[PathBuf],
    options: &ImportOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut files = Vec::new();
    for path in paths {
        let failed = |message: String| FileSummary {
            file: path.display().to_string(),
            failed: Some(message),
            ..FileSummary::default()
        };
        match (DumpFileName::from_path(path), std::fs::metadata(path)) {
            (_, Err(e)) => report.files.push(failed(format!("cannot read the file: {e}"))),
            (_, Ok(meta)) if !meta.is_file() => report.files.push(failed("not a file".into())),
            (Err(e), _) => report.files.push(failed(format!(
                "{e}; the name gives the file's date, which ended employments get as their leave date"
            ))),
            (Ok(name), Ok(meta)) => files.push((name, path.clone(), meta.len())),
        }
    }
    files.sort_by_key(|(name, _, _)| *name);
    let total: u64 = files.iter().map(|(_, _, size)| size).sum();
    let mut importer = Importer {
        store,
        options: ImportOptions {
            chunk_size: options.chunk_size.max(1),
            actor: options.actor.clone(),
        },
        registered: snitflade_store::access::municipalities(store.pool())
            .await?
            .iter()
            .filter_map(|m| Kommunekode::parse(&m.code).ok())
            .collect(),
        created: 0,
        created_at_statistics: 0,
    };
    let mut done = 0;
    for (name, path, size) in files {
        let summary = importer
            .file(&path, name, |read| {
                progress(Progress {
                    file: &path,
                    bytes_read: done + read,
                    bytes_total: total,
                })
            })
            .await?;
        done += size;
        report.files.push(summary);
    }
    Ok(report)
}

struct Importer<'a> {
    store: &'a Store,
    options: ImportOptions,
    /// Municipalities known to be in the `municipalities` table.
    registered: HashSet<Kommunekode>,
    /// Employments created by this import, and how many there were when the planner statistics were last
    /// refreshed (they are refreshed whenever the number has grown [`STATISTICS_GROWTH`]-fold).
    created: u64,
    created_at_statistics: u64,
}

/// One municipality named in the file being imported.
struct Municipality {
    /// Its org units as stored, updated as the file's units are imported.
    units: HashMap<String, StoredOrgUnit>,
    /// Active `<employee>` records of it in the file.
    active_records: u64,
}

/// The state of importing one file.
struct Run {
    file_name: String,
    date: Date,
    summary: FileSummary,
    municipalities: BTreeMap<Kommunekode, Municipality>,
    /// `client` codes that are no Danish municipality.
    refused: HashSet<Kommunekode>,
    seen: HashSet<(Kommunekode, Pernr)>,
    seen_units: HashSet<(Kommunekode, String)>,
    /// Personnel numbers of skipped records (their employments must not be ended as missing).
    skipped: HashSet<Pernr>,
    /// A skipped record might have been an employee whose number could not be read.
    unreadable_skipped: bool,
    /// Cancelled employments of the file: whose replacement is decided at the end.
    cancelled: Vec<(Kommunekode, Pernr, Cpr)>,
    /// An earlier import of this file was interrupted (it wrote changes but no summary): this run completes it.
    completes_interrupted: bool,
}

impl Run {
    fn problem(&mut self, line: u64, element: &str, id: &str, reason: impl std::fmt::Display) {
        self.summary.errors.push(RecordProblem {
            line,
            message: format!("line {line}: <{element} id=\"{id}\"> skipped: {reason}"),
        });
    }

    fn invalid(&mut self, e: InvalidRecord) {
        match (e.element.as_str(), e.id.as_deref().map(Pernr::parse)) {
            ("orgUnit" | "kmd", _) => {}
            (_, Some(Ok(pernr))) => {
                self.skipped.insert(pernr);
            }
            _ => self.unreadable_skipped = true,
        }
        self.summary.errors.push(RecordProblem {
            line: e.line,
            message: e.to_string(),
        });
    }
}

#[expect(
    clippy::large_enum_variant,
    reason = "nearly every item is a record; boxing would cost an allocation per record"
)]
enum Item {
    Record(Record, u64),
    Invalid(InvalidRecord),
    Fatal(FatalError),
}

struct Batch {
    items: Vec<Item>,
    bytes_read: u64,
}

/// Parses `file` on a thread of its own, handing over chunks of `chunk` records (at most two chunks ahead).
fn spawn_reader(
    file: File,
    chunk: usize,
) -> std::io::Result<(tokio::sync::mpsc::Receiver<Batch>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let handle = std::thread::Builder::new().name("zlpe-reader".into()).spawn(move || {
        let mut reader = DumpReader::new(BufReader::with_capacity(64 * 1024, file));
        let mut items = Vec::with_capacity(chunk);
        while let Some(item) = reader.next() {
            items.push(match item {
                Ok(record) => Item::Record(record, reader.record_line()),
                Err(RecordError::Invalid(e)) => Item::Invalid(e),
                Err(RecordError::Fatal(e)) => Item::Fatal(e),
            });
            if items.len() >= chunk {
                let batch = Batch {
                    items: std::mem::replace(&mut items, Vec::with_capacity(chunk)),
                    bytes_read: reader.bytes_read(),
                };
                if tx.blocking_send(batch).is_err() {
                    return;
                }
            }
        }
        let _ = tx.blocking_send(Batch {
            items,
            bytes_read: reader.bytes_read(),
        });
    })?;
    Ok((rx, handle))
}

/// Everything one chunk changes, applied in one write.
#[derive(Default)]
struct ChunkWrite {
    org_units: Vec<(Kommunekode, OrgUnit, Value)>,
    /// Each (municipality, personnel number) at most once.
    employments: Vec<(Employment, Option<Value>)>,
    /// Records of employees that have none yet.
    new_records: BTreeMap<Kommunekode, Vec<(Pernr, CategoryRecord)>>,
    /// The imported part of a category, replaced.
    replacements: Vec<(Kommunekode, Pernr, Category, Vec<CategoryRecord>)>,
    /// Ended employments: every record still valid after the leave date ends on it.
    delimits: Vec<(Kommunekode, Pernr, Date)>,
    events: Vec<NewEvent>,
    /// One audit entry per change (an employee's or an org unit's, with its event), committed with it.
    changes: Vec<(Kommunekode, Option<Pernr>, Value)>,
    /// The file's summary per municipality, after its last record.
    audits: Vec<(Kommunekode, Value)>,
}

impl ChunkWrite {
    fn is_empty(&self) -> bool {
        self.org_units.is_empty()
            && self.employments.is_empty()
            && self.new_records.is_empty()
            && self.replacements.is_empty()
            && self.delimits.is_empty()
            && self.events.is_empty()
            && self.changes.is_empty()
            && self.audits.is_empty()
    }

    /// A change: its event, and its audit entry (the event's payload, which names the changed fields but holds
    /// no values, and its kind), written in the same transaction.
    fn change(&mut self, kind: &'static str, municipality: Kommunekode, object_id: String, payload: Value) {
        let pernr = kind
            .starts_with("employee.")
            .then(|| Pernr::parse(&object_id).ok())
            .flatten();
        let mut detail = payload.clone();
        if let Value::Object(map) = &mut detail {
            map.insert("event".into(), kind.into());
            if pernr.is_none() {
                map.entry("id").or_insert_with(|| object_id.clone().into());
            }
        }
        self.changes.push((municipality, pernr, detail));
        self.events.push(event(kind, municipality, object_id, payload));
    }
}

/// The audit action of the file summary written after a file's last record.
pub const AUDIT_FILE: &str = "import";

/// Employments a first import creates before PostgreSQL's planner statistics are first refreshed: plans made while
/// the tables looked empty scan them whole. Once the tables have statistics at all, the planner scales their row
/// density to the pages they have now, so later refreshes matter little — and each costs more (0.7 s at 50,000
/// employees): they come only after the number has grown [`STATISTICS_GROWTH`]-fold (at 1,000 and 8,000, then
/// 64,000, …).
const FIRST_STATISTICS_AT: u64 = 1000;
const STATISTICS_GROWTH: u64 = 8;

/// Created employments at which the statistics are next refreshed, when they were last refreshed at `last` (0:
/// never).
fn statistics_due(last: u64) -> u64 {
    match last {
        0 => FIRST_STATISTICS_AT,
        last => STATISTICS_GROWTH * last,
    }
}
/// The audit action of one change, written with the chunk that makes it.
pub const AUDIT_CHANGE: &str = "import.change";

fn event(kind: &'static str, municipality: Kommunekode, object_id: String, payload: Value) -> NewEvent {
    NewEvent {
        kind,
        interface: INTERFACE,
        municipality: Some(municipality.to_string()),
        object_id: Some(object_id),
        payload,
    }
}

/// The keys whose values differ between two JSON objects (all of `new`'s if `old` is no object).
fn changed_keys(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut keys: Vec<String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The names (never the values) of the core fields that differ.
fn employment_changes(a: &Employment, b: &Employment) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |differs: bool, name: &str| {
        if differs {
            out.push(name.to_owned());
        }
    };
    check(a.cpr != b.cpr, "cpr");
    check(a.ekstraciffer != b.ekstraciffer, "ekstraciffer");
    check(a.first_name != b.first_name, "first_name");
    check(a.last_name != b.last_name, "last_name");
    check(a.org_unit != b.org_unit, "org_unit");
    check(a.entry_date != b.entry_date, "entry_date");
    check(a.leave_date != b.leave_date, "leave_date");
    check(a.is_manager != b.is_manager, "is_manager");
    check(a.status != b.status, "status");
    check(a.replaced_by != b.replaced_by, "replaced_by");
    out
}

/// Whether two lists hold the same records (in any order).
fn same_records(a: &[&CategoryRecord], b: &[&CategoryRecord]) -> bool {
    a.len() == b.len() && a.iter().all(|r| b.contains(r)) && b.iter().all(|r| a.contains(r))
}

enum Outcome {
    Created,
    Changed,
    Refreshed,
    Unchanged,
}

/// Plans the writes for one active employee record against what is stored (`current`: the imported part of
/// its current records).
fn plan_active(
    stored: Option<&StoredEmployment>,
    current: &[CategoryRecord],
    mut mapped: MappedEmployee,
    file: &str,
    w: &mut ChunkWrite,
) -> Outcome {
    let (m, p) = (mapped.employment.municipality, mapped.employment.pernr);
    let status = mapped.employment.status;
    let Some(stored) = stored else {
        // New (records are written only together with their employment, so it has none yet).
        debug_assert!(current.is_empty());
        w.new_records
            .entry(m)
            .or_default()
            .extend(mapped.records.iter().cloned().map(|r| (p, r)));
        w.employments.push((mapped.employment, Some(mapped.zlpe)));
        let payload = json!({ "pernr": p.to_string(), "status": status.as_str(), "file": file });
        w.change("employee.created", m, p.to_string(), payload);
        return Outcome::Created;
    };
    if status == EmploymentStatus::Deleted && stored.employment.status == EmploymentStatus::Deleted {
        // Decided over the whole snapshot at the end of the file.
        mapped.employment.replaced_by = stored.employment.replaced_by;
    }
    let mut changes = employment_changes(&stored.employment, &mapped.employment);
    let zlpe_changes = changed_keys(stored.zlpe.as_ref().unwrap_or(&Value::Null), &mapped.zlpe);
    let mut replacements = Vec::new();
    for c in IMPORTED_CATEGORIES {
        let old: Vec<&CategoryRecord> = current.iter().filter(|r| r.category == c).collect();
        let new: Vec<&CategoryRecord> = mapped.records.iter().filter(|r| r.category == c).collect();
        if !same_records(&old, &new) {
            changes.push(c.to_string());
            replacements.push((m, p, c, new.into_iter().cloned().collect()));
        }
    }
    let row_changed = stored.employment != mapped.employment || !zlpe_changes.is_empty();
    if !row_changed && replacements.is_empty() {
        return Outcome::Unchanged;
    }
    if row_changed {
        w.employments.push((mapped.employment, Some(mapped.zlpe)));
    }
    w.replacements.extend(replacements);
    changes.extend(zlpe_changes.into_iter().filter(|k| k != "lastChanged"));
    if changes.is_empty() {
        return Outcome::Refreshed;
    }
    let kind = if status == EmploymentStatus::Deleted && stored.employment.status != EmploymentStatus::Deleted {
        "employee.deleted"
    } else {
        "employee.changed"
    };
    let payload = json!({ "pernr": p.to_string(), "status": status.as_str(), "changes": changes, "file": file });
    w.change(kind, m, p.to_string(), payload);
    Outcome::Changed
}

/// Plans ending an active employment: status left, the leave date, 0000 Aktiviteter updated.
fn plan_end(
    stored: &StoredEmployment,
    leave_date: Date,
    leave: Option<&Leave>,
    reason: &str,
    file: &str,
    w: &mut ChunkWrite,
) {
    let mut e = stored.employment.clone();
    e.status = EmploymentStatus::Left;
    e.leave_date = Some(leave_date);
    let zlpe = match (stored.zlpe.clone(), leave) {
        (z, None) => z,
        (z, Some(l)) => {
            let mut z = z.unwrap_or_else(|| json!({}));
            if let Value::Object(map) = &mut z {
                map.insert("leave".into(), mapping::leave_to_json(l));
            }
            Some(z)
        }
    };
    let (m, p) = (e.municipality, e.pernr);
    w.replacements.push((
        m,
        p,
        Category::Aktiviteter,
        vec![mapping::aktiviteter(
            e.entry_date,
            Some(leave_date),
            EmploymentStatus::Left,
        )],
    ));
    w.employments.push((e, zlpe));
    w.delimits.push((m, p, leave_date));
    let payload = json!({
        "pernr": p.to_string(),
        "status": "left",
        "leave_date": leave_date.to_string(),
        "reason": reason,
        "file": file,
    });
    w.change("employee.left", m, p.to_string(), payload);
}

impl Importer<'_> {
    async fn file(
        &mut self,
        path: &Path,
        name: DumpFileName,
        mut progress: impl FnMut(u64),
    ) -> Result<FileSummary, StoreError> {
        let file_name = path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let date = name.exported().date();
        let mut run = Run {
            file_name,
            date,
            summary: FileSummary {
                file: path.display().to_string(),
                date: Some(date.to_string()),
                ..FileSummary::default()
            },
            municipalities: BTreeMap::new(),
            refused: HashSet::new(),
            seen: HashSet::new(),
            seen_units: HashSet::new(),
            skipped: HashSet::new(),
            unreadable_skipped: false,
            cancelled: Vec::new(),
            completes_interrupted: false,
        };
        let pool = self.store.pool();
        run.completes_interrupted = hr::audited_from(pool, &run.file_name, AUDIT_CHANGE).await?
            && !hr::audited_from(pool, &run.file_name, AUDIT_FILE).await?;
        if run.completes_interrupted {
            tracing::warn!(file = %run.file_name, "an earlier import of this file was interrupted; this one completes it");
        }
        let reading = File::open(path).and_then(|f| spawn_reader(f, self.options.chunk_size));
        let (mut batches, reader) = match reading {
            Ok(r) => r,
            Err(e) => {
                run.summary.failed = Some(format!("cannot read the file: {e}"));
                return Ok(run.summary);
            }
        };
        while let Some(batch) = batches.recv().await {
            if let Err(e) = self.batch(&mut run, batch.items).await {
                drop(batches);
                let _ = reader.join();
                return Err(e);
            }
            progress(batch.bytes_read);
        }
        if reader.join().is_err() && run.summary.failed.is_none() {
            run.summary.failed = Some("reading the file failed unexpectedly".into());
        }
        self.finish(&mut run).await?;
        tracing::info!(file = %run.summary.file, records = run.summary.records, errors = run.summary.errors.len(), "ZLPE file imported");
        Ok(run.summary)
    }

    async fn batch(&mut self, run: &mut Run, items: Vec<Item>) -> Result<(), StoreError> {
        let (mut units, mut employees) = (Vec::new(), Vec::new());
        for item in items {
            match item {
                Item::Record(Record::OrgUnit(u), line) => units.push((u, line)),
                Item::Record(Record::Employee(e), line) => employees.push((e, line)),
                Item::Invalid(e) => run.invalid(e),
                Item::Fatal(e) => run.summary.failed = Some(e.to_string()),
            }
        }
        run.summary.records += (units.len() + employees.len()) as u64;
        let mut w = ChunkWrite::default();
        self.org_units(run, units, &mut w).await?;
        let created_before = run.summary.employees.created;
        self.employees(run, employees, &mut w).await?;
        self.apply(w, &run.file_name).await?;
        self.created += run.summary.employees.created - created_before;
        if self.created >= statistics_due(self.created_at_statistics) {
            hr::update_statistics(self.store.pool()).await?;
            self.created_at_statistics = self.created;
        }
        Ok(())
    }

    /// Whether records of `m` can be imported: a Danish municipality, registered (now, if needed).
    async fn municipality(&mut self, run: &mut Run, m: Kommunekode) -> Result<bool, StoreError> {
        if run.municipalities.contains_key(&m) {
            return Ok(true);
        }
        if run.refused.contains(&m) {
            return Ok(false);
        }
        let Some(name) = municipalities::name(m) else {
            run.refused.insert(m);
            return Ok(false);
        };
        if !self.registered.contains(&m) {
            let added = self
                .store
                .write(move |tx| Box::pin(async move { hr::ensure_municipality(tx, m, name, "").await }))
                .await?;
            if added {
                run.summary.municipalities_registered.push(format!("{m} {name}"));
            }
            self.registered.insert(m);
        }
        let units = hr::org_units(self.store.pool(), m)
            .await?
            .into_iter()
            .map(|u| (u.unit.id.clone(), u))
            .collect();
        run.municipalities.insert(
            m,
            Municipality {
                units,
                active_records: 0,
            },
        );
        Ok(true)
    }

    async fn org_units(
        &mut self,
        run: &mut Run,
        units: Vec<(DumpOrgUnit, u64)>,
        w: &mut ChunkWrite,
    ) -> Result<(), StoreError> {
        for (u, line) in units {
            let id = u.id.to_string();
            if !self.municipality(run, u.client).await? {
                let reason = format!("client {} is not a Danish municipality code", u.client.client());
                run.problem(line, "orgUnit", &id, reason);
                continue;
            }
            if !run.seen_units.insert((u.client, id.clone())) {
                run.problem(line, "orgUnit", &id, "the unit occurs more than once in the file");
                continue;
            }
            let (unit, extra) = mapping::org_unit_to_hr(&u);
            let municipality = run.municipalities.get_mut(&u.client).expect("registered above");
            let kind = match municipality.units.get(&id) {
                None => {
                    run.summary.org_units.created += 1;
                    Some(("org_unit.created", Vec::new()))
                }
                Some(old) if old.unit == unit && old.extra.as_ref() == Some(&extra) => {
                    run.summary.org_units.unchanged += 1;
                    continue;
                }
                Some(old) => {
                    let old_unit = serde_json::to_value(&old.unit).unwrap_or_default();
                    let new_unit = serde_json::to_value(&unit).unwrap_or_default();
                    let mut changes = changed_keys(&old_unit, &new_unit);
                    changes.extend(changed_keys(old.extra.as_ref().unwrap_or(&Value::Null), &extra));
                    changes.retain(|k| k != "lastChanged");
                    if changes.is_empty() {
                        run.summary.org_units.refreshed += 1;
                        None
                    } else {
                        run.summary.org_units.changed += 1;
                        Some(("org_unit.changed", changes))
                    }
                }
            };
            if let Some((kind, changes)) = kind {
                let payload = json!({ "id": id, "changes": changes, "file": run.file_name });
                w.change(kind, u.client, id.clone(), payload);
            }
            w.org_units.push((u.client, unit.clone(), extra.clone()));
            municipality.units.insert(
                id,
                StoredOrgUnit {
                    unit,
                    extra: Some(extra),
                },
            );
        }
        Ok(())
    }

    async fn employees(
        &mut self,
        run: &mut Run,
        records: Vec<(EmployeeRecord, u64)>,
        w: &mut ChunkWrite,
    ) -> Result<(), StoreError> {
        let mut groups: BTreeMap<Kommunekode, Vec<(EmployeeRecord, u64)>> = BTreeMap::new();
        for (r, line) in records {
            let (m, p) = (r.client(), r.id());
            if !self.municipality(run, m).await? {
                run.skipped.insert(p);
                let reason = format!("client {} is not a Danish municipality code", m.client());
                run.problem(line, "employee", &dump_id(p), reason);
                continue;
            }
            if !run.seen.insert((m, p)) {
                run.problem(
                    line,
                    "employee",
                    &dump_id(p),
                    "the personnel number occurs more than once in the file",
                );
                continue;
            }
            groups.entry(m).or_default().push((r, line));
        }
        let pool = self.store.pool();
        for (m, group) in groups {
            let pernrs: Vec<Pernr> = group.iter().map(|(r, _)| r.id()).collect();
            let stored: HashMap<Pernr, StoredEmployment> = hr::employments(pool, m, &pernrs)
                .await?
                .into_iter()
                .map(|s| (s.employment.pernr, s))
                .collect();
            // Records exist only for stored employments (so a first import reads none): the others are new.
            let known: Vec<Pernr> = pernrs.iter().copied().filter(|p| stored.contains_key(p)).collect();
            let mut current: HashMap<Pernr, Vec<CategoryRecord>> = HashMap::new();
            for r in hr::records(pool, m, &known, &RegistrationFilter::current()).await? {
                if is_imported(&r.record) {
                    current.entry(r.pernr).or_default().push(r.record);
                }
            }
            // Employees found as this file has them: changed by an interrupted earlier run of the file?
            let mut already: Vec<Pernr> = Vec::new();
            for (record, line) in group {
                match record {
                    EmployeeRecord::Active(e) => {
                        let p = e.id;
                        let municipality = run.municipalities.get_mut(&m).expect("registered above");
                        municipality.active_records += 1;
                        let unit = e
                            .org_unit
                            .and_then(|id| municipality.units.get(&id.to_string()))
                            .map(|s| &s.unit);
                        let mapped = match mapping::employee_to_hr(&e, unit) {
                            Ok(mapped) => mapped,
                            Err(err) => {
                                run.problem(line, "employee", &dump_id(p), err);
                                continue;
                            }
                        };
                        let cancelled = mapped.employment.status == EmploymentStatus::Deleted;
                        if cancelled {
                            run.cancelled.push((m, p, mapped.employment.cpr.clone()));
                        }
                        let was_cancelled = stored
                            .get(&p)
                            .is_some_and(|s| s.employment.status == EmploymentStatus::Deleted);
                        let current = current.get(&p).map_or(&[][..], Vec::as_slice);
                        let counts = &mut run.summary.employees;
                        match plan_active(stored.get(&p), current, mapped, &run.file_name, w) {
                            Outcome::Created => counts.created += 1,
                            Outcome::Changed => counts.changed += 1,
                            Outcome::Refreshed => counts.refreshed += 1,
                            Outcome::Unchanged => {
                                counts.unchanged += 1;
                                already.push(p);
                            }
                        }
                        if cancelled && !was_cancelled {
                            counts.deleted += 1;
                        }
                    }
                    EmployeeRecord::Leave(l) => match stored.get(&l.id) {
                        None => match l.employment() {
                            None => run.summary.employees.leave_unknown += 1,
                            Some(Err(problem)) => {
                                run.problem(line, "employee", &dump_id(l.id), format!("leave record: {problem}"));
                            }
                            Some(Ok(e)) => {
                                // An ended employment with its data (as the export writes it): created as ended.
                                let date = e.leave_date.unwrap_or(run.date);
                                let unit = run.municipalities.get(&m).and_then(|municipality| {
                                    e.org_unit
                                        .and_then(|id| municipality.units.get(&id.to_string()))
                                        .map(|s| &s.unit)
                                });
                                match mapping::ended_employee_to_hr(&e, unit, date) {
                                    Ok(mapped) => {
                                        plan_active(None, &[], mapped, &run.file_name, w);
                                        run.summary.employees.leave_created += 1;
                                    }
                                    Err(err) => run.problem(line, "employee", &dump_id(l.id), err),
                                }
                            }
                        },
                        Some(s) if s.employment.status != EmploymentStatus::Active => {
                            run.summary.employees.leave_repeated += 1;
                            already.push(l.id);
                        }
                        Some(s) => {
                            run.summary.employees.left += 1;
                            let date = mapping::leave_date_of(&l).unwrap_or(run.date);
                            plan_end(s, date, Some(&l), "leave record", &run.file_name, w);
                        }
                    },
                }
            }
            if run.completes_interrupted && !already.is_empty() {
                let earlier = hr::audited_employees_from(pool, &run.file_name, AUDIT_CHANGE, m, &already).await?;
                run.summary.employees.earlier_run += earlier.len() as u64;
            }
        }
        Ok(())
    }

    /// After the last record: employments missing from the snapshot, replacements of cancelled employments,
    /// the audit entries.
    async fn finish(&mut self, run: &mut Run) -> Result<(), StoreError> {
        run.summary.errors.sort_by_key(|e| e.line);
        let pool = self.store.pool();
        if run.summary.failed.is_some() {
            run.summary.missing_not_checked = Some("the file was not read to its end".into());
        } else if run.unreadable_skipped {
            run.summary.missing_not_checked =
                Some("a skipped record may have been an employee whose number could not be read".into());
        } else {
            let mut notes = Vec::new();
            for (&m, municipality) in &run.municipalities {
                let missing: Vec<Pernr> = hr::employment_numbers_with_status(pool, m, EmploymentStatus::Active)
                    .await?
                    .into_iter()
                    .filter(|p| !run.seen.contains(&(m, *p)) && !run.skipped.contains(p))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                if municipality.active_records == 0 {
                    notes.push(format!("the file holds no active employee of {m}"));
                    continue;
                }
                for chunk in missing.chunks(self.options.chunk_size) {
                    let mut w = ChunkWrite::default();
                    for s in hr::employments(pool, m, chunk).await? {
                        if s.employment.status == EmploymentStatus::Active {
                            run.summary.employees.missing += 1;
                            plan_end(&s, run.date, None, "missing from the snapshot", &run.file_name, &mut w);
                        }
                    }
                    self.apply(w, &run.file_name).await?;
                }
            }
            if !notes.is_empty() {
                run.summary.missing_not_checked = Some(notes.join("; "));
            }
        }

        let mut w = ChunkWrite::default();
        for (m, p, cpr) in &run.cancelled {
            let person = hr::employments_of_person(pool, *m, cpr).await?;
            let Some(me) = person.iter().find(|s| s.employment.pernr == *p) else {
                continue;
            };
            if me.employment.status != EmploymentStatus::Deleted {
                continue;
            }
            let replacement = person
                .iter()
                .map(|s| &s.employment)
                .filter(|e| e.pernr != *p && e.status == EmploymentStatus::Active && run.seen.contains(&(*m, e.pernr)))
                .max_by_key(|e| (e.entry_date.unwrap_or(OPEN_START), e.pernr))
                .map(|e| e.pernr);
            if me.employment.replaced_by != replacement {
                let mut e = me.employment.clone();
                e.replaced_by = replacement;
                w.employments.push((e, me.zlpe.clone()));
                let payload = json!({
                    "pernr": p.to_string(),
                    "status": "deleted",
                    "changes": ["replaced_by"],
                    "replaced_by": replacement.map(|r| r.to_string()),
                    "file": run.file_name,
                });
                w.change("employee.changed", *m, p.to_string(), payload);
            }
        }
        let s = &run.summary;
        for &m in run.municipalities.keys() {
            let detail = json!({
                "file": run.file_name,
                "date": s.date,
                "records": s.records,
                "org_units": s.org_units,
                "employees": s.employees,
                "errors": s.errors.len(),
                "missing_not_checked": s.missing_not_checked,
                "failed": s.failed,
            });
            w.audits.push((m, detail));
        }
        self.apply(w, &run.file_name).await
    }

    /// Applies one chunk's writes, with their audit entries, in one transaction. `source`: the file's name.
    async fn apply(&self, w: ChunkWrite, source: &str) -> Result<(), StoreError> {
        if w.is_empty() {
            return Ok(());
        }
        let w = Arc::new(w);
        let actor: Arc<str> = self.options.actor.as_str().into();
        let source: Arc<str> = source.into();
        self.store
            .write(move |tx| {
                let (w, actor, source) = (w.clone(), actor.clone(), source.clone());
                Box::pin(async move {
                    let now = snitflade_store::now_text();
                    for (m, unit, extra) in &w.org_units {
                        hr::upsert_org_unit(tx, *m, unit, Some(extra)).await?;
                    }
                    if !w.employments.is_empty() {
                        hr::upsert_employments(tx, &w.employments).await?;
                    }
                    for (m, records) in &w.new_records {
                        hr::insert_records(tx, *m, records, &actor, &now).await?;
                    }
                    for (m, p, c, wanted) in &w.replacements {
                        hr::replace_managed_records(tx, *m, *p, *c, is_imported, wanted, &actor, &now).await?;
                    }
                    for (m, p, leave_date) in &w.delimits {
                        hr::delimit_records(tx, *m, *p, *leave_date, &actor, &now).await?;
                    }
                    for (m, pernr, detail) in &w.changes {
                        let audit = NewAudit {
                            actor: &actor,
                            interface: INTERFACE,
                            action: AUDIT_CHANGE,
                            municipality: *m,
                            pernr: *pernr,
                            detail: detail.clone(),
                        };
                        hr::append_audit_from(tx, &audit, Some(&source), &now);
                    }
                    for (m, detail) in &w.audits {
                        let audit = NewAudit {
                            actor: &actor,
                            interface: INTERFACE,
                            action: AUDIT_FILE,
                            municipality: *m,
                            pernr: None,
                            detail: detail.clone(),
                        };
                        hr::append_audit_from(tx, &audit, Some(&source), &now);
                    }
                    for e in &w.events {
                        tx.emit(e.clone());
                    }
                    Ok(())
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::statistics_due;

    #[test]
    fn statistics_are_refreshed_twice_in_a_first_import_of_fifty_thousand() {
        // Chunks of 500 created employments, as a first import goes.
        let (mut last, mut refreshed) = (0, Vec::new());
        for created in (500..=50_000).step_by(500) {
            if created >= statistics_due(last) {
                refreshed.push(created);
                last = created;
            }
        }
        assert_eq!(refreshed, [1000, 8000]);
    }
}
