//! The audit trail of Medarbejderoplysninger: every Laes and List is recorded (who, which municipality and
//! employee, how many employees, which categories, the StatusKode) before it is answered, so no employee data
//! leaves without a trace. Ret's changes are audited inside their own write (see `ret`).

use super::request::clip;
use super::{Retur, StatusKode};
use crate::dispatch::Call;
use snitflade_domain::hr::Category;
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_store::{Store, StoreError};

/// The categories of an audit detail: their codes, or "alle".
pub fn categories_detail(categories: &[Category]) -> serde_json::Value {
    if categories.len() == Category::ALL.len() {
        serde_json::json!("alle")
    } else {
        categories.iter().map(|c| c.code()).collect()
    }
}

/// What one read call returned, for its audit entry.
pub struct Read<'a> {
    /// `laes` or `list`.
    pub action: &'static str,
    pub municipality: Kommunekode,
    /// Laes: the employee read.
    pub pernr: Option<Pernr>,
    pub retur: &'a Retur,
    pub count: usize,
    pub categories: &'a [Category],
    /// List: the employee references as sent.
    pub references: &'a [String],
    /// List: the first and last employee answered.
    pub span: Option<(Pernr, Pernr)>,
}

/// Records one read in the audit trail (committed before the caller answers).
pub async fn record_read(store: &Store, call: &Call<'_>, read: Read<'_>) -> Result<(), StoreError> {
    let mut detail = serde_json::json!({
        "system_id": call.system.id,
        "status": read.retur.status as u8,
        "count": read.count,
        "categories": categories_detail(read.categories),
    });
    if read.action == "list" {
        let refs: Vec<String> = read.references.iter().take(50).map(|r| clip(r)).collect();
        detail["references"] = refs.into();
        if let Some((first, last)) = read.span {
            detail["first"] = first.to_string().into();
            detail["last"] = last.to_string().into();
        }
    }
    if read.retur.status != StatusKode::Ok
        && let Some(t) = &read.retur.text
    {
        detail["text"] = t.clone().into();
    }
    crate::employee_time::record_audit(
        store,
        call.system.name.clone(),
        InterfaceId::Medarbejderoplysninger,
        read.action,
        read.municipality,
        read.pernr,
        detail,
    )
    .await
}
