//! Import of a legacy IND01 file into one-time payments, through the same rules as the web service. Each
//! record line becomes a payment of the employment its CPR number and ekstraciffer name (sequence number: the
//! next free one for that wage type and date; `Loebenummer`: the line number); each bad line lands in the
//! error-handling table (interface `engangsydelse`, external id `<file>:<line>`) with its reason, from where an
//! operator can resubmit a corrected line.
//!
//! Importing is idempotent per line: a line's key is the municipality, its text and how many identical lines
//! came before it in the file, so importing the same file again — or a file that repeats lines already
//! imported — registers nothing twice and files no error twice.

use super::INTERFACE;
use super::update::event;
use crate::dispatch::Services;
use crate::error_handling::{AdminError, resubmitted_entry_with};
use serde::Serialize;
use serde_json::json;
use snitflade_domain::hr::EmploymentStatus;
use snitflade_domain::ind01::{self, Account, LineError};
use snitflade_domain::json::{Shape, unknown_keys};
use snitflade_domain::onetime::{self, OneTimePayment, Problem};
use snitflade_domain::payroll::PayrollCatalogue;
use snitflade_domain::{ErrorStatus, ErrorType, Kommunekode, Pernr};
use snitflade_store::access::{SystemRecord, ensure_system};
use snitflade_store::errors::{self, ErrorItem, NewError};
use snitflade_store::hr::{self, NewAudit};
use snitflade_store::onetime::{self as stored, Registration};
use snitflade_store::{Store, StoreError, Tx, idempotency, payroll};
use std::collections::HashMap;

/// The system the error-handling table and the payments name as sender of IND01 files.
pub const SYSTEM_ID: &str = "ind01";
const SYSTEM_NAME: &str = "IND01";
/// Lines per transaction.
const LINES_PER_WRITE: usize = 500;

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    /// SHA-256 of the file.
    pub sha256: String,
    pub records: usize,
    pub registered: usize,
    /// Lines imported before (registered or filed as errors then): nothing done now.
    pub already_imported: usize,
    pub errors: Vec<LineFailure>,
}

/// A line that could not be registered.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LineFailure {
    pub line: usize,
    pub message: String,
    /// Its entry in the error-handling table.
    pub error_id: String,
}

/// Why a file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Header(LineError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One record line to import.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    text: String,
    key: String,
}

/// Imports an IND01 file (`name` is how the error table names it) for `municipality`.
pub async fn import(
    store: &Store,
    municipality: Kommunekode,
    name: &str,
    content: &[u8],
) -> Result<ImportSummary, ImportError> {
    let sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, content));
    // Legacy files are Latin-1 or plain ASCII; the records themselves are ASCII.
    let text: String = match std::str::from_utf8(content) {
        Ok(s) => s.to_owned(),
        Err(_) => content.iter().map(|&b| char::from(b)).collect(),
    };
    let mut numbered = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    match numbered.next() {
        Some((_, header)) => ind01::parse_header(header).map_err(ImportError::Header)?,
        None => return Err(ImportError::Header(LineError("Filen er tom".into()))),
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let lines: Vec<Line> = numbered
        .map(|(number, l)| {
            let l = l.trim_end();
            let n = seen.entry(l).or_default();
            *n += 1;
            let key = format!(
                "ind01:{municipality}:{}:{n}",
                hex::encode(ring::digest::digest(&ring::digest::SHA256, l.as_bytes()))
            );
            Line {
                number,
                text: l.to_owned(),
                key,
            }
        })
        .collect();
    let mut summary = ImportSummary {
        sha256: sha256.clone(),
        records: lines.len(),
        ..Default::default()
    };
    let file = std::sync::Arc::new((name.to_owned(), sha256));
    for chunk in lines.chunks(LINES_PER_WRITE) {
        let chunk = std::sync::Arc::new(chunk.to_vec());
        let file = file.clone();
        let part = store
            .write(move |tx| {
                let (chunk, file) = (chunk.clone(), file.clone());
                Box::pin(async move { import_lines(tx, municipality, &file.0, &file.1, &chunk).await })
            })
            .await?;
        summary.registered += part.registered;
        summary.already_imported += part.already_imported;
        summary.errors.extend(part.errors);
    }
    Ok(summary)
}

async fn import_lines(
    tx: &mut Tx,
    municipality: Kommunekode,
    name: &str,
    sha256: &str,
    lines: &[Line],
) -> Result<ImportSummary, StoreError> {
    ensure_system(
        tx,
        &SystemRecord {
            id: SYSTEM_ID.into(),
            name: SYSTEM_NAME.into(),
            vendor_name: "Filindlæsning (IND01)".into(),
            vendor_cvr: String::new(),
            ..SystemRecord::default()
        },
    )
    .await?;
    let catalogue = payroll::catalogue(&mut **tx, municipality).await?;
    let mut summary = ImportSummary::default();
    for line in lines {
        if idempotency::answered(&mut **tx, INTERFACE.as_str(), &line.key)
            .await?
            .is_some()
        {
            summary.already_imported += 1;
            continue;
        }
        let outcome = match payment_of(tx, municipality, &catalogue, line.number, &line.text).await? {
            Ok((pernr, payment)) => {
                let id = register(tx, municipality, pernr, &payment, sha256).await?;
                summary.registered += 1;
                format!("registered:{id}")
            }
            Err((error_type, message)) => {
                let payload = json!({"file": name, "line_number": line.number, "line": line.text});
                let external_id = format!("{name}:{}", line.number);
                let error_id = errors::insert(
                    tx,
                    NewError {
                        interface: INTERFACE.as_str(),
                        municipality: Some(&municipality.to_string()),
                        system_id: SYSTEM_ID,
                        actor: SYSTEM_NAME,
                        external_id: Some(&external_id),
                        error_type,
                        message: &message,
                        payload: &payload,
                    },
                )
                .await?;
                summary.errors.push(LineFailure {
                    line: line.number,
                    message,
                    error_id: error_id.clone(),
                });
                format!("error:{error_id}")
            }
        };
        idempotency::claim(tx, INTERFACE.as_str(), &line.key, SYSTEM_ID, &outcome, None).await?;
    }
    Ok(summary)
}

/// Registers one payment from a file: the payment, its audit entry and its event.
async fn register(
    tx: &mut Tx,
    municipality: Kommunekode,
    pernr: Pernr,
    payment: &OneTimePayment,
    sha256: &str,
) -> Result<String, StoreError> {
    let now = snitflade_store::now_text();
    let registration = Registration {
        municipality,
        pernr,
        system_id: SYSTEM_ID,
        source: "ind01",
        update_id: Some(sha256),
        now: &now,
    };
    let id = stored::insert(tx, registration, std::slice::from_ref(payment))
        .await?
        .remove(0);
    let audit = NewAudit {
        actor: SYSTEM_NAME,
        interface: INTERFACE.as_str(),
        action: "onetime_payments.import",
        municipality,
        pernr: Some(pernr),
        detail: json!({"system_id": SYSTEM_ID, "file_sha256": sha256, "objekt_id": id}),
    };
    hr::insert_audit(tx, &audit, &now).await?;
    tx.emit(event(municipality, pernr, &id, payment, "ind01"));
    Ok(id)
}

/// The payment a record line stands for, or why it cannot be registered (the text starts "Linje N: ").
async fn payment_of(
    tx: &mut Tx,
    municipality: Kommunekode,
    catalogue: &PayrollCatalogue,
    number: usize,
    line: &str,
) -> Result<Result<(Pernr, OneTimePayment), (ErrorType, String)>, StoreError> {
    let fail = |t: ErrorType, m: String| Ok(Err((t, format!("Linje {number}: {m}"))));
    let record = match ind01::parse_record(line) {
        Ok(r) => r,
        Err(e) => return fail(ErrorType::InvalidData, e.0),
    };
    if record.municipality != municipality {
        return fail(
            ErrorType::FieldDependency,
            format!(
                "Kommunenummer {} passer ikke til kommune {municipality}",
                record.municipality
            ),
        );
    }
    let employments = hr::employments_of_person(&mut **tx, municipality, &record.cpr).await?;
    let Some(employment) = employments
        .into_iter()
        .map(|e| e.employment)
        .find(|e| e.ekstraciffer == record.ekstraciffer && e.status != EmploymentStatus::Deleted)
    else {
        return fail(
            ErrorType::MasterData,
            format!(
                "Ingen ansættelse med CPR-nummer {} og ekstraciffer {}",
                record.cpr, record.ekstraciffer
            ),
        );
    };
    let is_amount = catalogue
        .wage_type(&record.wage_type)
        .is_some_and(|w| w.unit.is_amount());
    let (cost_centre, psp_element) = match record.account {
        Account::Default => (None, None),
        Account::CostCentre(c) => (Some(c), None),
        Account::PspElement(p) => (None, Some(p)),
    };
    let taken = stored::keys_between(&mut **tx, municipality, employment.pernr, record.date, record.date).await?;
    let seq = (0..=onetime::SEQ_MAX)
        .find(|s| !taken.iter().any(|k| k.wage_type == record.wage_type && k.seq == *s))
        .unwrap_or(onetime::SEQ_MAX + 1);
    let payment = OneTimePayment {
        wage_type: record.wage_type,
        start_date: record.date,
        running_no: i64::try_from(number).unwrap_or(i64::MAX),
        seq,
        amount: is_amount.then_some(record.value),
        quantity: (!is_amount).then_some(record.value),
        hourly_rate: None,
        cost_centre,
        psp_element,
        sender: SYSTEM_NAME.into(),
        remark: String::new(),
    };
    let context = onetime::Employment {
        entry_date: employment.entry_date,
        leave_date: employment.leave_date,
        locked: payroll::is_locked(&mut **tx, municipality, employment.pernr).await?,
    };
    let problems = onetime::check(catalogue, &context, &payment);
    if let Some(first) = problems.first() {
        let text = problems.iter().map(Problem::text).collect::<Vec<_>>().join("; ");
        return fail(first.error_type(), format!("{text} (kode {})", first.code()));
    }
    Ok(Ok((employment.pernr, payment)))
}

/// Resubmits an IND01 line from the error-handling table, with the (corrected) `line` of `payload`.
pub async fn resubmit(
    services: &Services,
    item: ErrorItem,
    payload: serde_json::Value,
    actor: String,
) -> Result<ErrorItem, AdminError> {
    // The entry's payload is `{file, line_number, line}`; a correction may replace those, nothing else.
    const PAYLOAD: Shape = Shape::Object(&[("file", Shape::Any), ("line_number", Shape::Any), ("line", Shape::Any)]);
    if let Some(path) = unknown_keys(&payload, &PAYLOAD).first() {
        return Err(AdminError::BadRequest(format!(
            "payload: ukendt felt \"{path}\" (kendte: file, line_number, line)"
        )));
    }
    let line = payload
        .get("line")
        .and_then(|l| l.as_str())
        .ok_or_else(|| AdminError::BadRequest("payload skal have feltet line med IND01-linjen".into()))?
        .to_owned();
    let number = payload
        .get("line_number")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0) as usize;
    let municipality = item
        .municipality
        .as_deref()
        .and_then(|k| Kommunekode::parse(k).ok())
        .ok_or_else(|| AdminError::BadRequest("fejlen har ingen kommune".into()))?;
    let id = item.id.clone();
    services
        .store()
        .write(move |tx| {
            let (id, line, payload, actor) = (id.clone(), line.clone(), payload.clone(), actor.clone());
            Box::pin(async move {
                let current = errors::get(&mut **tx, &id).await?;
                if current.status != ErrorStatus::Open {
                    return Err(StoreError::Conflict(format!("fejlen har status {}", current.status)));
                }
                let catalogue = payroll::catalogue(&mut **tx, municipality).await?;
                match payment_of(tx, municipality, &catalogue, number, &line).await? {
                    Ok((pernr, payment)) => {
                        register(tx, municipality, pernr, &payment, &format!("resubmitted:{id}")).await?;
                        let entry = resubmitted_entry_with(&actor, None, &payload);
                        errors::update(tx, &current, ErrorStatus::Resubmitted, entry, None, Some(&payload)).await?;
                    }
                    Err((error_type, message)) => {
                        let entry = resubmitted_entry_with(&actor, Some((error_type, message.clone())), &payload);
                        let reason = Some((error_type, message.as_str()));
                        errors::update(tx, &current, ErrorStatus::Open, entry, reason, Some(&payload)).await?;
                    }
                }
                errors::get(&mut **tx, &id).await
            })
        })
        .await
        .map_err(AdminError::from)
}
