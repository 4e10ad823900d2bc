//! `ListDocuments`: the metadata of an employee's documents, optionally of one document type or one KLE folder
//! and of a period (by document date), oldest first, at most [`MAX_LISTED`].

use super::{DOCUMENTS_NS, write_metadata};
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::set_flow::personnel_number;
use crate::wire::text_fields;
use serde_json::json;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;
use snitflade_store::documents::{self, DocumentFilter, StoredDocument};

const ROOT: &str = "ListDocumentsResponse_MT";

/// Most documents in one answer.
pub const MAX_LISTED: usize = 1000;

fn answer(status: &ReturnStatus, found: &[StoredDocument]) -> SoapReply {
    SoapReply::ok(sap::response(ROOT, DOCUMENTS_NS, |w| {
        status.write(w);
        if found.is_empty() {
            return;
        }
        w.start("Documents");
        for d in found {
            w.start("item");
            write_metadata(w, d);
            w.end();
        }
        w.end();
    }))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let fields = match text_fields(
        root,
        &["PersonnelNumber", "DocumentType", "FolderKLE", "StartDate", "EndDate"],
        &[],
    ) {
        Ok(f) => f.text,
        Err(e) => return SoapReply::client_fault(e.0),
    };
    let k = match call.municipality(services, InterfaceId::Personalemappe, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let parsed = (|| {
        let pernr = personnel_number(&fields)?;
        let date = |n: &str| fields.get(n).map(|v| sap::parse_date(n, v)).transpose();
        let filter = DocumentFilter {
            type_key: fields.get("DocumentType").cloned(),
            kle: fields.get("FolderKLE").cloned(),
            from: date("StartDate")?,
            to: date("EndDate")?,
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to < from
        {
            return Err(format!("EndDate {to} ligger før StartDate {from}"));
        }
        Ok((pernr, filter))
    })();
    let (pernr, filter) = match parsed {
        Ok(p) => p,
        Err(text) => return answer(&ReturnStatus::error(text), &[]),
    };
    match read(services, k, pernr).await {
        Err(e) => return store_failed("ListDocuments", &e),
        Ok(Err(text)) => return answer(&ReturnStatus::error(text), &[]),
        Ok(Ok(_)) => {}
    }
    let limit = MAX_LISTED as i64 + 1;
    let mut found = match documents::documents_of(services.store().pool(), k, pernr, &filter, limit).await {
        Ok(f) => f,
        Err(e) => return store_failed("ListDocuments", &e),
    };
    let cut = found.len() > MAX_LISTED;
    found.truncate(MAX_LISTED);
    let detail = json!({"count": found.len(), "document_type": filter.type_key, "kle": filter.kle});
    if let Err(reply) = audit_read(
        services,
        call,
        InterfaceId::Personalemappe,
        "document.list",
        k,
        Some(pernr),
        detail,
    )
    .await
    {
        return reply;
    }
    let text = match (found.len(), cut) {
        (0, _) => "Ingen dokumenter fundet".to_owned(),
        (n, false) => format!("{n} dokument(er) fundet"),
        (n, true) => format!(
            "Flere end {n} dokumenter; de første {n} vises (begræns med DocumentType, FolderKLE eller perioden)"
        ),
    };
    answer(&ReturnStatus::success(text), &found)
}
