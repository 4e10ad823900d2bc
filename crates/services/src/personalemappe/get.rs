//! `GetDocument`: one document's metadata by the client's `DocumentId`, and with `IncludeContent` its content as
//! base64, written from the stored file straight into the answer (and checked against its SHA-256 on the way).

use super::content::write_base64;
use super::document_answer;
use super::upload::check_document_id;
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::set_flow::personnel_number;
use crate::wire::text_fields;
use serde_json::json;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;
use snitflade_store::documents;

const ROOT: &str = "GetDocumentResponse_MT";

fn error(text: impl Into<String>) -> SoapReply {
    SoapReply::ok(document_answer(ROOT, &ReturnStatus::error(text), None, |_| {}))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let fields = match text_fields(root, &["PersonnelNumber", "DocumentId", "IncludeContent"], &[]) {
        Ok(f) => f.text,
        Err(e) => return SoapReply::client_fault(e.0),
    };
    let k = match call.municipality(services, InterfaceId::Personalemappe, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let parsed = (|| {
        let pernr = personnel_number(&fields)?;
        let id = fields.get("DocumentId").ok_or("DocumentId skal angives")?;
        check_document_id(id)?;
        let include = match fields.get("IncludeContent").map(String::as_str) {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => {
                return Err(format!(
                    "IncludeContent skal være true eller false (modtaget: {})",
                    sap::clip(other)
                ));
            }
        };
        Ok((pernr, id.clone(), include))
    })();
    let (pernr, id, include) = match parsed {
        Ok(p) => p,
        Err(text) => return error(text),
    };
    let doc = match documents::document(services.store().pool(), k, &id).await {
        Err(e) => return store_failed("GetDocument", &e),
        Ok(Some(d)) if d.pernr == pernr => d,
        Ok(_) => {
            return error(format!(
                "Dokumentet {id} findes ikke for medarbejdernummer {pernr} i kommune {k}"
            ));
        }
    };
    let mut file = None;
    if include {
        let opened = services
            .documents()
            .ok_or_else(|| std::io::Error::other("no document store configured"))
            .and_then(|f| f.open_content(&doc.sha256));
        match opened {
            Ok(f) => file = Some(f),
            Err(e) => {
                tracing::error!(error = %e, "GetDocument: the content file cannot be opened");
                return SoapReply::server_error();
            }
        }
    }
    let detail = json!({"document_id": doc.document_id, "content": include});
    if let Err(reply) = audit_read(
        services,
        call,
        InterfaceId::Personalemappe,
        "document.read",
        k,
        Some(pernr),
        detail,
    )
    .await
    {
        return reply;
    }
    let mut read_sha = Ok(None);
    let body = document_answer(ROOT, &ReturnStatus::success("Dokumentet er fundet"), Some(&doc), |w| {
        if let Some(f) = &mut file {
            w.start("Content");
            read_sha = write_base64(w, f).map(Some);
            w.end();
        }
    });
    match read_sha {
        Ok(Some(sha)) if sha != doc.sha256 => {
            tracing::error!(document = %doc.document_id, "GetDocument: the stored content does not match its SHA-256");
            SoapReply::server_error()
        }
        Ok(_) => SoapReply::ok(body),
        Err(e) => {
            tracing::error!(error = %e, "GetDocument: reading the content file failed");
            SoapReply::server_error()
        }
    }
}
