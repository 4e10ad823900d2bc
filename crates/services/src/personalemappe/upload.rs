//! `UploadDocument`: one document into an employee's personnel file. The fields are checked, the type mapped
//! to its KLE folder, the employee looked up; the base64 content is decoded from the request body into a
//! temporary file (size limit, SHA-256 and the content-type sniff on the way), synced and moved into the
//! content-addressed store, and only then the metadata is committed with an audit entry and the outbox event.
//! The client's `DocumentId` is the idempotency key: the same id with the same content answers the registered
//! document and registers nothing; with other content it is refused.

use super::content::{DecodeError, Decoded, decode_into, decoded_size};
use super::{CONTENT, EVENT_UPLOADED, document_answer, size_text};
use crate::dispatch::{Call, Services};
use crate::employee_time::{read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::wire::text_fields;
use jiff::civil::Date;
use serde_json::json;
use snitflade_domain::documents::{DocumentType, check_content, content_type_essence};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::documents::{self, StoredDocument};
use snitflade_store::hr::{NewAudit, insert_audit};
use snitflade_store::outbox::NewEvent;
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "PersonnelNumber",
    "DocumentId",
    "DocumentType",
    "Title",
    "FileName",
    "ContentType",
    "DocumentDate",
];
const ROOT: &str = "UploadDocumentResponse_MT";

/// A checked request, without its content.
#[derive(Debug, Clone)]
struct Upload {
    pernr: Pernr,
    document_id: String,
    type_key: String,
    title: String,
    file_name: String,
    /// Media type without parameters, lower case, on the allow-list.
    content_type: String,
    document_date: Date,
}

fn answer(status: &ReturnStatus, doc: Option<&StoredDocument>) -> SoapReply {
    SoapReply::ok(document_answer(ROOT, status, doc, |_| {}))
}

fn error(text: impl Into<String>) -> SoapReply {
    answer(&ReturnStatus::error(text), None)
}

/// The answer to a document over the limit of `max` bytes.
fn too_large(max: u64) -> SoapReply {
    error(format!("Dokumentet er for stort: højst {} er tilladt", size_text(max)))
}

/// A client document id: 1-64 characters of `A-Z a-z 0-9 . _ : -` (a UUID fits).
pub(super) fn check_document_id(v: &str) -> Result<(), String> {
    let ok = !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    ok.then_some(()).ok_or_else(|| {
        format!(
            "DocumentId skal være 1-64 tegn af A-Z, a-z, 0-9, '.', '_', ':' og '-', fx et UUID (modtaget: {})",
            sap::clip(v)
        )
    })
}

fn check_text(field: &str, v: &str, max: usize) -> Result<(), String> {
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(format!("{field} må højst være {max} tegn uden kontroltegn"));
    }
    Ok(())
}

fn parse(services: &Services, call: &Call<'_>, f: &std::collections::HashMap<&str, String>) -> Result<Upload, String> {
    let required = |n: &str| f.get(n).cloned().ok_or_else(|| format!("{n} skal angives"));
    let pernr = sap::parse_pernr("PersonnelNumber", &required("PersonnelNumber")?)?;
    let document_id = required("DocumentId")?;
    check_document_id(&document_id)?;
    let type_key = required("DocumentType")?;
    let title = required("Title")?;
    check_text("Title", &title, 200)?;
    let file_name = required("FileName")?;
    check_text("FileName", &file_name, 255)?;
    if file_name.contains(['/', '\\']) {
        return Err(format!(
            "FileName skal være et filnavn uden mappe ('/' og '\\' er ikke tilladt) (modtaget: {})",
            sap::clip(&file_name)
        ));
    }
    let declared = required("ContentType")?;
    let content_type = content_type_essence(&declared);
    let allowed = &services.config().document_content_types;
    if !allowed.iter().any(|a| content_type_essence(a) == content_type) {
        return Err(format!(
            "ContentType {} er ikke tilladt; tilladte typer: {}",
            sap::clip(&declared),
            allowed.join(", ")
        ));
    }
    let document_date = match f.get("DocumentDate") {
        Some(v) => sap::parse_date("DocumentDate", v)?,
        None => call.day,
    };
    Ok(Upload {
        pernr,
        document_id,
        type_key,
        title,
        file_name,
        content_type,
        document_date,
    })
}

/// What the write did: registered the document, or found its id registered already (by a resend racing this
/// one).
#[derive(Debug)]
enum Outcome {
    Registered(StoredDocument),
    Taken(StoredDocument),
}

fn resend_answer(existing: &StoredDocument, sha256: &str) -> SoapReply {
    if existing.sha256 == sha256 {
        let text = format!(
            "Dokumentet er allerede registreret (DocumentId {}); intet nyt er registreret",
            existing.document_id
        );
        answer(&ReturnStatus::success(text), Some(existing))
    } else {
        error(format!(
            "DocumentId {} er allerede registreret med et andet indhold (SHA-256 {}); brug et nyt DocumentId",
            existing.document_id, existing.sha256
        ))
    }
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let fields = match text_fields(root, FIELDS, &[CONTENT]) {
        Ok(f) => f,
        Err(e) => return SoapReply::client_fault(e.0),
    };
    let content = fields.groups.get(CONTENT).copied();
    if let Some(c) = content
        && !c.children.is_empty()
    {
        return SoapReply::client_fault("Elementet Content skal indeholde base64-tekst, ikke elementer");
    }
    let k = match call.municipality(services, InterfaceId::Personalemappe, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let upload = match parse(services, call, &fields.text) {
        Ok(u) => u,
        Err(text) => return error(text),
    };
    let Some(content) = content.filter(|c| c.spans.iter().any(|r| !r.is_empty())) else {
        return error("Content skal angives: dokumentets indhold, base64-kodet");
    };
    // The size first: a document over the limit is refused before anything is looked up or written.
    let max = services.config().max_document_bytes as u64;
    if decoded_size(content.bulk_text(call.body)) > max {
        return too_large(max);
    }
    let Some(files) = services.documents() else {
        tracing::error!("UploadDocument: no document store configured");
        return SoapReply::server_error();
    };
    let pool = services.store().pool();
    let existing = match documents::document(pool, k, &upload.document_id).await {
        Ok(e) => e,
        Err(e) => return store_failed("UploadDocument", &e),
    };
    let doc_type = if existing.is_none() {
        match check_type_and_employee(services, k, &upload).await {
            Ok(Ok(t)) => Some(t),
            Ok(Err(text)) => return error(text),
            Err(reply) => return reply,
        }
    } else {
        None
    };

    let mut out = match files.create() {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "UploadDocument: creating the content file failed");
            return SoapReply::server_error();
        }
    };
    let decoded: Decoded = match decode_into(content.bulk_text(call.body), max, &mut out) {
        Ok(d) => d,
        Err(DecodeError::TooLarge) => return too_large(max),
        Err(DecodeError::NotBase64(why)) => return error(format!("Content er ikke gyldig base64: {why}")),
        Err(DecodeError::Io(e)) => {
            tracing::error!(error = %e, "UploadDocument: writing the content file failed");
            return SoapReply::server_error();
        }
    };
    if let Some(existing) = existing {
        return resend_answer(&existing, &decoded.sha256);
    }
    if decoded.size == 0 {
        return error("Dokumentet er tomt (Content har intet indhold)");
    }
    if let Err(text) = check_content(&upload.content_type, &decoded.head) {
        return error(text);
    }
    if let Err(e) = out.persist(&decoded.sha256).await {
        tracing::error!(error = %e, "UploadDocument: storing the content file failed");
        return SoapReply::server_error();
    }
    let doc = Arc::new(StoredDocument {
        municipality: k,
        document_id: upload.document_id,
        pernr: upload.pernr,
        doc_type: doc_type.expect("checked for a new document"),
        title: upload.title,
        file_name: upload.file_name,
        content_type: upload.content_type,
        size: decoded.size,
        sha256: decoded.sha256,
        document_date: upload.document_date,
        uploaded_at: call.received_at.clone(),
        uploaded_by: call.system.name.clone(),
    });
    let sha256 = doc.sha256.clone();
    let system_id = Arc::new(call.system.id.clone());
    let outcome = services
        .store()
        .write(move |tx| {
            let (doc, system_id) = (doc.clone(), system_id.clone());
            Box::pin(async move {
                if let Some(e) = documents::document(&mut **tx, doc.municipality, &doc.document_id).await? {
                    return Ok(Outcome::Taken(e));
                }
                documents::insert_document(tx, &doc).await?;
                let detail = json!({
                    "system_id": *system_id,
                    "document_id": doc.document_id,
                    "document_type": doc.doc_type.key,
                    "kle": doc.doc_type.kle,
                    "sha256": doc.sha256,
                    "size": doc.size,
                });
                let entry = NewAudit {
                    actor: &doc.uploaded_by,
                    interface: InterfaceId::Personalemappe.as_str(),
                    action: "document.upload",
                    municipality: doc.municipality,
                    pernr: Some(doc.pernr),
                    detail,
                };
                insert_audit(tx, &entry, &snitflade_store::now_text()).await?;
                tx.emit(uploaded_event(&doc));
                Ok(Outcome::Registered((*doc).clone()))
            })
        })
        .await;
    match outcome {
        Ok(Outcome::Registered(d)) => {
            metrics::counter!("snitflade_documents_uploaded_total").increment(1);
            metrics::counter!("snitflade_document_bytes_total").increment(d.size);
            let text = format!(
                "Dokumentet er registreret i mappen {} {} ({})",
                d.doc_type.kle,
                d.doc_type.folder,
                size_text(d.size)
            );
            answer(&ReturnStatus::success(text), Some(&d))
        }
        Ok(Outcome::Taken(e)) => resend_answer(&e, &sha256),
        Err(e) => store_failed("UploadDocument", &e),
    }
}

/// The document type (with its folder) in the municipality's list, and the employee's existence; `Ok(Err(text))`
/// refuses the upload.
async fn check_type_and_employee(
    services: &Services,
    k: Kommunekode,
    upload: &Upload,
) -> Result<Result<DocumentType, String>, SoapReply> {
    let types = documents::document_types(services.store().pool(), k)
        .await
        .map_err(|e| store_failed("UploadDocument", &e))?;
    let Some(t) = types.iter().find(|t| t.key == upload.type_key) else {
        let known: Vec<&str> = types.iter().map(|t| t.key.as_str()).collect();
        return Ok(Err(format!(
            "Ukendt dokumenttype {}; kommune {k} kender {}",
            sap::clip(&upload.type_key),
            known.join(", ")
        )));
    };
    match read(services, k, upload.pernr).await {
        Err(e) => Err(store_failed("UploadDocument", &e)),
        Ok(Err(text)) => Ok(Err(text)),
        Ok(Ok(_)) => Ok(Ok(t.clone())),
    }
}

/// The outbox event of a registered document: its metadata without title and file name (they may name the
/// person), which a subscriber reads with GetDocument.
fn uploaded_event(d: &StoredDocument) -> NewEvent {
    NewEvent {
        kind: EVENT_UPLOADED,
        interface: InterfaceId::Personalemappe.as_str(),
        municipality: Some(d.municipality.to_string()),
        object_id: Some(d.pernr.to_string()),
        payload: json!({
            "document_id": d.document_id,
            "pernr": d.pernr.to_string(),
            "document_type": d.doc_type.key,
            "kle": d.doc_type.kle,
            "folder": d.doc_type.folder,
            "content_type": d.content_type,
            "size": d.size,
            "sha256": d.sha256,
            "document_date": sap::date_text(d.document_date),
        }),
    }
}
