//! Personalemappe (interface id `personalemappe`): snitflade's own SAP PI style interfaces in the namespace
//! `urn:snitflade:opus:personalemappe:1` for an employee's personnel file — upload a document
//! (`UploadDocument_OS_SI`), list an employee's documents (`ListDocuments_OS_SI`) and read one, optionally with
//! its content (`GetDocument_OS_SI`).
//!
//! `upload` checks the message, decodes the base64 content straight from the request body into the document
//! store (`content`), and registers it under the client's `DocumentId` (the idempotency key) in the folder its
//! document type maps to; `list` and `get` answer from the metadata and the stored content. Every call is
//! audited; an upload emits the outbox event `document.uploaded`.

mod content;
mod get;
mod list;
mod upload;

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use crate::sap;
use crate::{ServicesConfig, sap::ReturnStatus};
use snitflade_domain::InterfaceId;
use snitflade_soap::{BulkText, Element, XmlWriter};
use snitflade_store::documents::StoredDocument;

pub const DOCUMENTS_NS: &str = "urn:snitflade:opus:personalemappe:1";

pub const UPLOAD_DOCUMENT: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "UploadDocument_OS_SI",
    interface: InterfaceId::Personalemappe,
    namespace: DOCUMENTS_NS,
    request_namespace: DOCUMENTS_NS,
    request_roots: &["UploadDocumentRequest_MT"],
    wsdl: include_str!("../../wsdl/UploadDocument_OS_SI.wsdl"),
};

pub const LIST_DOCUMENTS: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "ListDocuments_OS_SI",
    interface: InterfaceId::Personalemappe,
    namespace: DOCUMENTS_NS,
    request_namespace: DOCUMENTS_NS,
    request_roots: &["ListDocumentsRequest_MT"],
    wsdl: include_str!("../../wsdl/ListDocuments_OS_SI.wsdl"),
};

pub const GET_DOCUMENT: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "GetDocument_OS_SI",
    interface: InterfaceId::Personalemappe,
    namespace: DOCUMENTS_NS,
    request_namespace: DOCUMENTS_NS,
    request_roots: &["GetDocumentRequest_MT"],
    wsdl: include_str!("../../wsdl/GetDocument_OS_SI.wsdl"),
};

/// The outbox event of an upload.
pub const EVENT_UPLOADED: &str = "document.uploaded";

/// The element of the upload that carries the content.
const CONTENT: &str = "Content";

/// Most base64 characters (whitespace included) a content of `max_document_bytes` may take: 4 per 3 bytes,
/// plus a line break every 76 characters as MIME-style encoders write them.
fn max_content_text(config: &ServicesConfig) -> usize {
    let chars = config.max_document_bytes.div_ceil(3).saturating_mul(4);
    chars.saturating_add(chars / 38)
}

/// The largest upload request: the content's text plus `max_body_bytes` for the envelope and the other fields.
pub fn max_upload_body(config: &ServicesConfig) -> usize {
    max_content_text(config).saturating_add(config.max_body_bytes)
}

/// The reader's limits for an upload: `Content` is left in the body, bounded only by the body limit. Its size is
/// judged by the upload itself — the decoded size against `max_document_bytes`, before anything is decoded — so
/// a document over the limit gets the service's own "for stort" answer, never a reader fault.
pub fn upload_xml_limits(config: &ServicesConfig) -> snitflade_soap::Limits {
    snitflade_soap::Limits {
        bulk_text: Some(BulkText {
            ns: None,
            name: CONTENT,
            max_len: max_upload_body(config),
        }),
        ..config.xml_limits()
    }
}

/// The answer to an upload over the body limit: HTTP 413, naming the document limit too.
pub fn upload_too_large(config: &ServicesConfig) -> SoapReply {
    let mut reply = SoapReply::too_large(max_upload_body(config));
    reply.body = snitflade_soap::Fault::client(format!(
        "Beskeden er for stor (højst {} bytes); et dokument må højst fylde {} før base64-kodning",
        max_upload_body(config),
        size_text(config.max_document_bytes as u64)
    ))
    .to_xml();
    reply
}

/// A size for people: bytes, and MB when large (`20971520 bytes (20 MB)`).
pub fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{bytes} bytes ({} MB)", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Routes a request whose root element the dispatcher has already matched to one of the three interfaces.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    match root.name.as_str() {
        "UploadDocumentRequest_MT" => upload::handle(services, call, root).await,
        "ListDocumentsRequest_MT" => list::handle(services, call, root).await,
        _ => get::handle(services, call, root).await,
    }
}

/// The fields of one document's metadata, as every answer writes them (inside `Document` or `item`).
fn write_metadata(w: &mut XmlWriter, d: &StoredDocument) {
    w.leaf("DocumentId", &d.document_id)
        .leaf("PersonnelNumber", &d.pernr.to_string())
        .leaf("DocumentType", &d.doc_type.key)
        .leaf("DocumentTypeText", &d.doc_type.text)
        .leaf("FolderKLE", &d.doc_type.kle)
        .leaf("FolderTitle", &d.doc_type.folder)
        .leaf("Title", &d.title)
        .leaf("FileName", &d.file_name)
        .leaf("ContentType", &d.content_type)
        .leaf("Size", &d.size.to_string())
        .leaf("SHA256", &d.sha256)
        .leaf("DocumentDate", &sap::date_text(d.document_date))
        .leaf("UploadedAt", &d.uploaded_at)
        .leaf("UploadedBy", &d.uploaded_by);
}

/// An answer of `root` with the status and, when given, one document (`Document`); `content` writes more
/// fields into it (the content of GetDocument).
fn document_answer(
    root: &str,
    status: &ReturnStatus,
    doc: Option<&StoredDocument>,
    content: impl FnOnce(&mut XmlWriter),
) -> String {
    sap::response(root, DOCUMENTS_NS, |w| {
        status.write(w);
        if let Some(d) = doc {
            w.start("Document");
            write_metadata(w, d);
            content(w);
            w.end();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_document_size() {
        let c = ServicesConfig {
            max_document_bytes: 3000,
            max_body_bytes: 1000,
            ..ServicesConfig::default()
        };
        assert_eq!(max_content_text(&c), 4000 + 105);
        assert_eq!(max_upload_body(&c), 5105);
        assert_eq!(upload_xml_limits(&c).bulk_text.unwrap().max_len, 5105);
        let d = ServicesConfig::default();
        assert!(max_upload_body(&d) > 20 * 1024 * 1024 * 4 / 3 + 1024 * 1024);
        assert_eq!(size_text(20 * 1024 * 1024), "20971520 bytes (20 MB)");
        assert_eq!(size_text(1000), "1000 bytes");
        assert!(
            upload_too_large(&c)
                .body
                .contains("må højst fylde 3000 bytes før base64-kodning")
        );
        assert_eq!(upload_too_large(&c).status, 413);
    }
}
