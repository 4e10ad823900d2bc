//! `List`: many employees. The references select them (numbers, ranges `10-20`, exclusions `!12-14`; none or
//! only exclusions = every employment of the municipality); cancelled employments are left out, except that a
//! List naming exactly one number answers as Laes does. The answer is built page by page from the store; past
//! [`SPOOL_AT`] bytes its results go to a temporary file page by page ([`crate::spool`]) and are streamed from
//! there, so memory holds a page, whatever the answer's size. Past `employee_list_max` employees or the time
//! budget it ends with StatusKode 103 naming the last employee number processed.

use super::audit::{self, Read};
use super::laes::read_one;
use super::request::{self, EmployeeRef, Operation};
use super::response::{frame, output, write_result};
use super::selection::{OrgTree, Query, Selection, load_page};
use super::{Retur, StatusKode, municipality, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use crate::spool::{SPOOL_AT, Spool, Spooled};
use snitflade_domain::Pernr;
use snitflade_domain::hr::EmploymentStatus;
use snitflade_soap::{Element, XmlWriter};
use snitflade_store::StoreError;
use std::time::{Duration, Instant};

/// Employees loaded from the store at a time.
const PAGE: usize = 200;

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let started = Instant::now();
    let req = match request::parse(root, Operation::List) {
        Ok(r) => r,
        Err(text) => return SoapReply::client_fault(text),
    };
    let kommune = match municipality(services, call, req.receiver) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let references: Vec<String> = req
        .employees
        .iter()
        .map(|id| id.urn.clone().unwrap_or_default())
        .collect();
    let parsed = req
        .employees
        .iter()
        .map(|id| EmployeeRef::parse(id, true))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|refs| Query::new(&req, kommune).map(|q| (Selection::new(&refs), q)));
    let (answer, categories) = match parsed {
        Err(text) => (Answer::refused(text), Vec::new()),
        Ok((selection, query)) => {
            let limits = Limits {
                max: services.config().employee_list_max.max(1),
                budget: Duration::from_millis(services.config().employee_list_budget_ms),
                started,
            };
            match list(services, &selection, &query, &limits).await {
                Ok(a) => (a, query.categories),
                Err(e) => return store_failed("List", &e),
            }
        }
    };
    let read = Read {
        action: "list",
        municipality: kommune,
        pernr: None,
        retur: &answer.retur,
        count: answer.count,
        categories: &categories,
        references: &references,
        span: answer.span,
    };
    if let Err(e) = audit::record_read(services.store(), call, read).await {
        return store_failed("auditing List", &e);
    }
    match answer.results {
        Results::Text(results) => SoapReply::ok(output("ListOutput", &answer.retur, results)),
        Results::Spooled(spooled) => {
            let (frame, at) = frame("ListOutput", &answer.retur);
            SoapReply::ok_spooled(frame, at, spooled)
        }
    }
}

struct Limits {
    max: usize,
    budget: Duration,
    started: Instant,
}

/// The `LaesResultat`s of an answer: in memory, or (a large answer) in a file.
enum Results {
    Text(String),
    Spooled(Spooled),
}

struct Answer {
    retur: Retur,
    results: Results,
    count: usize,
    /// The first and last employee answered.
    span: Option<(Pernr, Pernr)>,
}

impl Answer {
    fn refused(text: String) -> Self {
        Self {
            retur: Retur::with(StatusKode::InvalidInput, text),
            results: Results::Text(String::new()),
            count: 0,
            span: None,
        }
    }
}

async fn list(
    services: &Services,
    selection: &Selection,
    query: &Query,
    limits: &Limits,
) -> Result<Answer, StoreError> {
    let store = services.store();
    if let Some(pernr) = selection.single() {
        let (retur, results, count) = read_one(store, query, pernr).await?;
        return Ok(Answer {
            retur,
            results: Results::Text(results),
            count,
            span: (count > 0).then_some((pernr, pernr)),
        });
    }
    let numbers: Vec<Pernr> = snitflade_store::hr::employment_numbers(store.pool(), query.municipality)
        .await?
        .into_iter()
        .filter(|p| selection.contains(*p))
        .collect();
    let tree = OrgTree::load(store, query.municipality).await?;
    let mut w = XmlWriter::with_capacity(64 * 1024);
    let mut spool = Spool::new(services.spool_dir());
    let mut count = 0;
    let mut span: Option<(Pernr, Pernr)> = None;
    // The last employee examined (answered, or skipped as cancelled).
    let mut last: Option<Pernr> = None;
    let mut stopped = None;
    'pages: for chunk in numbers.chunks(PAGE) {
        for employee in load_page(store, query, chunk).await? {
            if employee.employment.status == EmploymentStatus::Deleted {
                last = Some(employee.employment.pernr);
                continue;
            }
            let over_time = count > 0 && limits.started.elapsed() > limits.budget;
            if count >= limits.max || over_time {
                stopped = Some(over_time);
                break 'pages;
            }
            write_result(&mut w, &employee, &tree.managers_of(&employee.employment));
            count += 1;
            let pernr = employee.employment.pernr;
            last = Some(pernr);
            span = Some((span.map_or(pernr, |s| s.0), pernr));
        }
        if w.len() >= SPOOL_AT {
            spool.write(w.take_written()).await.map_err(spool_failed)?;
        }
    }
    let retur = match (stopped, last) {
        (Some(over_time), Some(last)) => {
            let why = if over_time {
                format!("Tidsgrænsen på {} ms er nået", limits.budget.as_millis())
            } else {
                format!("Højst {} medarbejdere pr. kald", limits.max)
            };
            Retur::with(
                StatusKode::LimitReached,
                format!(
                    "{why}: svaret indeholder {count} medarbejdere. Sidst behandlede medarbejdernummer er {last}; \
                     fortsæt med de efterfølgende numre"
                ),
            )
        }
        _ if count == 0 => Retur::with(StatusKode::NotFound, "Data ikke fundet: ingen medarbejdere matcher"),
        _ => Retur::ok(),
    };
    let results = if spool.started() {
        spool.write(w.finish()).await.map_err(spool_failed)?;
        Results::Spooled(spool.finish().expect("started"))
    } else {
        Results::Text(w.finish())
    };
    Ok(Answer {
        retur,
        results,
        count,
        span,
    })
}

/// A failure to write the answer's file, answered as the store's failures are (a `Server` fault, logged).
fn spool_failed(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("writing the answer to a temporary file: {e}"))
}
