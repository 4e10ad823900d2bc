//! `Laes`: one employee, by `MedarbejderRef`, with the categories and filters asked for. An unknown number
//! answers StatusKode 1, a cancelled one 102 naming its replacement; List reuses [`read_one`] when it names
//! exactly one number.

use super::audit::{self, Read};
use super::request::{self, EmployeeRef, Operation};
use super::response::{output, write_result};
use super::selection::{OrgTree, Query, load_page};
use super::{Retur, StatusKode, municipality, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_domain::Pernr;
use snitflade_domain::hr::{Employment, EmploymentStatus};
use snitflade_soap::{Element, XmlWriter};
use snitflade_store::{Store, StoreError};

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let req = match request::parse(root, Operation::Laes) {
        Ok(r) => r,
        Err(text) => return SoapReply::client_fault(text),
    };
    let kommune = match municipality(services, call, req.receiver) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let parsed = match req.employees.first() {
        None => Err("MedarbejderRef skal angives, fx urn:oio:kmd:lpe:medarbejder:00000101".to_owned()),
        Some(id) => EmployeeRef::parse(id, false).and_then(|r| match r {
            EmployeeRef::One(p) => Query::new(&req, kommune).map(|q| (p, q)),
            _ => Err("MedarbejderRef skal være ét medarbejdernummer".to_owned()),
        }),
    };
    let (retur, results, pernr, count, categories) = match parsed {
        Err(text) => (
            Retur::with(StatusKode::InvalidInput, text),
            String::new(),
            None,
            0,
            Vec::new(),
        ),
        Ok((pernr, query)) => match read_one(services.store(), &query, pernr).await {
            Ok((retur, results, count)) => (retur, results, Some(pernr), count, query.categories),
            Err(e) => return store_failed("Laes", &e),
        },
    };
    let read = Read {
        action: "laes",
        municipality: kommune,
        pernr,
        retur: &retur,
        count,
        categories: &categories,
        references: &[],
        span: None,
    };
    if let Err(e) = audit::record_read(services.store(), call, read).await {
        return store_failed("auditing Laes", &e);
    }
    SoapReply::ok(output("LaesOutput", &retur, results))
}

/// The answer for one employee: its StandardRetur, its `LaesResultat` (if any) and how many employees that is.
pub(super) async fn read_one(store: &Store, query: &Query, pernr: Pernr) -> Result<(Retur, String, usize), StoreError> {
    let Some(employee) = load_page(store, query, &[pernr]).await?.pop() else {
        return Ok((not_found(pernr, query), String::new(), 0));
    };
    if employee.employment.status == EmploymentStatus::Deleted {
        return Ok((deleted(&employee.employment), String::new(), 0));
    }
    let tree = OrgTree::load(store, query.municipality).await?;
    let mut w = XmlWriter::with_capacity(4096);
    write_result(&mut w, &employee, &tree.managers_of(&employee.employment));
    Ok((Retur::ok(), w.finish(), 1))
}

fn not_found(pernr: Pernr, query: &Query) -> Retur {
    Retur::with(
        StatusKode::NotFound,
        format!(
            "Data ikke fundet: medarbejdernummer {pernr} findes ikke i kommune {}",
            query.municipality
        ),
    )
}

/// StatusKode 102 for a cancelled employment, naming the number that replaced it.
pub(super) fn deleted(e: &Employment) -> Retur {
    let text = match e.replaced_by {
        Some(new) => format!(
            "Medarbejdernummer {} er slettet; brug medarbejdernummer {new} i stedet",
            e.pernr
        ),
        None => format!(
            "Medarbejdernummer {} er slettet og ikke erstattet af et andet nummer",
            e.pernr
        ),
    };
    Retur::with(StatusKode::Deleted, text)
}
