//! Personalemappe in process: upload into the folder of the document type, read back with the same SHA-256,
//! list with filters, the idempotent resend, every refusal (fault or ReturnStatus E), the size limits per
//! service, the content checked when read, and every answer against its WSDL's schema.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::schema::check_schema;
use common::{grant, system};
use jiff::civil::date;
use snitflade_domain::documents::{DocumentType, default_document_types};
use snitflade_domain::hr::{Employment, EmploymentStatus};
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig, SoapReply, find_service};
use snitflade_soap::{Element, Limits, parse_envelope};
use snitflade_store::document_files::DocumentFiles;
use snitflade_store::{documents, hr};
use tempfile::TempDir;

const NS: &str = "urn:snitflade:opus:personalemappe:1";
/// The document limit of these tests.
const MAX: usize = 64 * 1024;
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn k(code: &str) -> Kommunekode {
    Kommunekode::parse(code).unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

fn sha256(b: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, b)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 401 (active) and 402 (cancelled, replaced by 403) in 0340, 501 in 0751. System `r` has Personalemappe for
/// 0340, `both` for 0340 and 0751, `none` nothing. Documents up to [`MAX`] bytes.
async fn fixture() -> (TempDir, Services) {
    let (dir, store) = common::store(
        &[
            ("0340", "Sorø Kommune", "29188629"),
            ("0751", "Aarhus Kommune", "55133018"),
        ],
        &["r", "both", "none"],
    )
    .await;
    store
        .write(|c| {
            Box::pin(async move {
                for (m, n, status, replaced_by) in [
                    ("0340", 401, EmploymentStatus::Active, None),
                    ("0340", 402, EmploymentStatus::Deleted, Some(p(403))),
                    ("0751", 501, EmploymentStatus::Active, None),
                ] {
                    let e = Employment {
                        municipality: k(m),
                        pernr: p(n),
                        cpr: Cpr::parse("0101701234").unwrap(),
                        ekstraciffer: 0,
                        first_name: "A".into(),
                        last_name: "B".into(),
                        org_unit: None,
                        entry_date: Some(date(2015, 1, 1)),
                        leave_date: None,
                        is_manager: false,
                        status,
                        replaced_by,
                    };
                    hr::upsert_employment(c, &e, None).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("r", InterfaceId::Personalemappe, "0340"),
        grant("both", InterfaceId::Personalemappe, "0340"),
        grant("both", InterfaceId::Personalemappe, "0751"),
    ];
    let config = ServicesConfig {
        max_document_bytes: MAX,
        ..ServicesConfig::default()
    };
    let files = DocumentFiles::open(&dir.path().join("documents")).unwrap();
    (dir, common::services(store, grants, config).with_documents(files))
}

fn envelope(service: &str, body: &str) -> String {
    let root = service.replace("_OS_SI", "Request_MT");
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ns0:{root} xmlns:ns0=\"{NS}\">\
         {body}</ns0:{root}></s:Body></s:Envelope>"
    )
}

async fn call_in(s: &Services, who: &str, kommune: Option<&str>, service: &str, body: &str) -> SoapReply {
    let xml = envelope(service, body);
    s.handle(
        find_service(service).unwrap(),
        &system(who),
        kommune.map(k),
        xml.as_bytes(),
    )
    .await
}

async fn call(s: &Services, service: &str, body: &str) -> SoapReply {
    call_in(s, "r", None, service, body).await
}

fn payload(reply: &SoapReply) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    parse_envelope(reply.body.as_bytes(), &Limits::default())
        .unwrap()
        .payload
}

fn status(e: &Element) -> (String, String) {
    let rs = e.child("ReturnStatus").unwrap();
    (
        rs.child_text("StatusType").unwrap_or_default().to_owned(),
        rs.child_text("MessageText").unwrap_or_default().to_owned(),
    )
}

/// The fields of an upload; `content` is base64-encoded here.
struct Up<'a> {
    pernr: &'a str,
    id: &'a str,
    doc_type: &'a str,
    content_type: &'a str,
    content: &'a [u8],
    extra: &'a str,
}

const UP: Up<'static> = Up {
    pernr: "401",
    id: "doc-1",
    doc_type: "ANSAETTELSESKONTRAKT",
    content_type: "application/pdf",
    content: PDF,
    extra: "",
};

fn upload_body(u: &Up<'_>) -> String {
    format!(
        "<PersonnelNumber>{}</PersonnelNumber><DocumentId>{}</DocumentId><DocumentType>{}</DocumentType>\
         <Title>Kontrakt</Title><FileName>kontrakt.pdf</FileName><ContentType>{}</ContentType>{}\
         <Content>{}</Content>",
        u.pernr,
        u.id,
        u.doc_type,
        u.content_type,
        u.extra,
        STANDARD.encode(u.content)
    )
}

/// An upload's (StatusType, MessageText, answer).
async fn upload(s: &Services, u: &Up<'_>) -> (String, String, Element) {
    let e = payload(&call(s, "UploadDocument_OS_SI", &upload_body(u)).await);
    let (st, text) = status(&e);
    (st, text, e)
}

async fn upload_error(s: &Services, u: &Up<'_>) -> String {
    let (st, text, e) = upload(s, u).await;
    assert_eq!(st, "E", "{text}");
    assert!(e.child("Document").is_none());
    text
}

async fn document_count(s: &Services) -> usize {
    let mut n = 0;
    for (m, pernr) in [("0340", 401), ("0751", 501)] {
        n += documents::documents_of(s.store().pool(), k(m), p(pernr), &Default::default(), 100)
            .await
            .unwrap()
            .len();
    }
    n
}

async fn events(s: &Services) -> Vec<snitflade_store::outbox::Event> {
    snitflade_store::outbox::after(s.store().pool(), 0, 100).await.unwrap()
}

#[tokio::test]
async fn upload_files_by_type_and_reads_back_with_the_same_sha256() {
    let (dir, s) = fixture().await;
    let (st, text, e) = upload(&s, &UP).await;
    assert_eq!(st, "S", "{text}");
    assert_eq!(
        text,
        format!(
            "Dokumentet er registreret i mappen 81.03.00 Ansættelse af personale ({} bytes)",
            PDF.len()
        )
    );
    let d = e.child("Document").unwrap();
    let f = |n: &str| d.child_text(n).unwrap_or_default().to_owned();
    assert_eq!(f("DocumentId"), "doc-1");
    assert_eq!(f("PersonnelNumber"), "00000401");
    assert_eq!(f("FolderKLE"), "81.03.00");
    assert_eq!(f("DocumentTypeText"), "Ansættelseskontrakt");
    assert_eq!(f("ContentType"), "application/pdf");
    assert_eq!(f("Size"), PDF.len().to_string());
    assert_eq!(f("SHA256"), sha256(PDF));
    assert_eq!(f("UploadedBy"), "system-r");
    assert_eq!(f("DocumentDate").len(), 10);
    // The content is a file named by its SHA-256, nothing left in tmp.
    let sha = sha256(PDF);
    let stored = dir.path().join("documents").join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&stored).unwrap(), PDF);
    assert_eq!(std::fs::read_dir(dir.path().join("documents/tmp")).unwrap().count(), 0);

    // Read back, with and without the content.
    let get = "<PersonnelNumber>401</PersonnelNumber><DocumentId>doc-1</DocumentId>";
    let e = payload(
        &call(
            &s,
            "GetDocument_OS_SI",
            &format!("{get}<IncludeContent>true</IncludeContent>"),
        )
        .await,
    );
    assert_eq!(status(&e), ("S".into(), "Dokumentet er fundet".into()));
    let d = e.child("Document").unwrap();
    let content = STANDARD.decode(d.child_text("Content").unwrap()).unwrap();
    assert_eq!(content, PDF);
    assert_eq!(sha256(&content), d.child_text("SHA256").unwrap());
    let e = payload(&call(&s, "GetDocument_OS_SI", get).await);
    assert!(e.child("Document").unwrap().child("Content").is_none());

    // The event and the audit trail: the upload and both reads.
    let ev = events(&s).await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].kind.as_str(), ev[0].interface.as_str()),
        ("document.uploaded", "personalemappe")
    );
    assert_eq!(ev[0].payload["sha256"], sha);
    assert_eq!(ev[0].payload["kle"], "81.03.00");
    assert!(ev[0].payload.get("title").is_none());
    let audit = hr::audit(s.store().pool(), k("0340"), Some(p(401)), 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["document.read", "document.read", "document.upload"]);
    assert_eq!(audit[2].detail["sha256"], sha);
}

#[tokio::test]
async fn a_resend_answers_the_first_registration_and_other_content_is_refused() {
    let (_dir, s) = fixture().await;
    assert_eq!(upload(&s, &UP).await.0, "S");
    // The same id and content, even with another title: the first registration, nothing new.
    let (st, text, e) = upload(&s, &Up { doc_type: "MUS", ..UP }).await;
    assert_eq!(st, "S");
    assert_eq!(
        text,
        "Dokumentet er allerede registreret (DocumentId doc-1); intet nyt er registreret"
    );
    assert_eq!(
        e.child("Document").unwrap().child_text("DocumentType"),
        Some("ANSAETTELSESKONTRAKT")
    );
    assert_eq!((document_count(&s).await, events(&s).await.len()), (1, 1));
    // The same id with other content.
    let other = b"%PDF-1.7 other";
    let text = upload_error(&s, &Up { content: other, ..UP }).await;
    assert_eq!(
        text,
        format!(
            "DocumentId doc-1 er allerede registreret med et andet indhold (SHA-256 {}); brug et nyt DocumentId",
            sha256(PDF)
        )
    );
    // The same content under another id is a document of its own (sharing the file).
    assert_eq!(upload(&s, &Up { id: "doc-2", ..UP }).await.0, "S");
    assert_eq!((document_count(&s).await, events(&s).await.len()), (2, 2));
}

#[tokio::test]
async fn every_field_rule_is_a_clear_return_status() {
    let (_dir, s) = fixture().await;
    let cases: Vec<(Up<'_>, &str)> = vec![
        (
            Up {
                pernr: "123456789",
                ..UP
            },
            "PersonnelNumber skal være et medarbejdernummer på højst 8 cifre",
        ),
        (Up { id: "a b", ..UP }, "DocumentId skal være 1-64 tegn"),
        (
            Up { doc_type: "NOPE", ..UP },
            "Ukendt dokumenttype NOPE; kommune 0340 kender ANSAETTELSESKONTRAKT, ",
        ),
        (
            Up {
                content_type: "image/gif",
                ..UP
            },
            "ContentType image/gif er ikke tilladt; tilladte typer: application/pdf, image/png, image/jpeg, \
             image/tiff, application/vnd.openxmlformats-officedocument.wordprocessingml.document, \
             application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, text/plain",
        ),
        (
            Up {
                content_type: "text/plain",
                ..UP
            },
            "Indholdet er en PDF-fil, men ContentType er angivet som text/plain",
        ),
        (
            Up { content: PNG, ..UP },
            "Indholdet er et PNG-billede, men ContentType er angivet som application/pdf",
        ),
        (
            Up {
                content: b"GIF89a",
                content_type: "image/jpeg",
                ..UP
            },
            "Indholdet er ikke et JPEG-billede som ContentType image/jpeg angiver",
        ),
        (
            Up {
                pernr: "77736333",
                ..UP
            },
            "Medarbejdernummer 77736333 findes ikke i kommune 0340",
        ),
        (
            Up { pernr: "402", ..UP },
            "Medarbejdernummer 00000402 er slettet; brug medarbejdernummer 00000403",
        ),
        (
            Up { pernr: "501", ..UP },
            "Medarbejdernummer 00000501 findes ikke i kommune 0340",
        ),
        (
            Up {
                extra: "<DocumentDate>2026-13-01</DocumentDate>",
                ..UP
            },
            "DocumentDate skal være en dato på formen åååå-mm-dd",
        ),
        (Up { content: b"", ..UP }, "Content skal angives"),
    ];
    for (u, want) in &cases {
        let text = upload_error(&s, u).await;
        assert!(text.starts_with(want), "{want}\n got {text}");
    }
    // Fields left out, a title or file name out of bounds, bad base64.
    let base = upload_body(&UP);
    for (body, want) in [
        (
            base.replace("<PersonnelNumber>401</PersonnelNumber>", ""),
            "PersonnelNumber skal angives",
        ),
        (base.replace("<Title>Kontrakt</Title>", ""), "Title skal angives"),
        (
            base.replace("Kontrakt</Title>", &format!("{}</Title>", "x".repeat(201))),
            "Title må højst være 200 tegn uden kontroltegn",
        ),
        (
            base.replace("kontrakt.pdf", "../etc/kontrakt.pdf"),
            "FileName skal være et filnavn uden mappe",
        ),
        (
            base.replace("<Content>", "<Content>*"),
            "Content er ikke gyldig base64: tegnet '*' er ikke tilladt (position 0)",
        ),
        (
            base.replace("<Content>", "<Content>QQ"),
            "Content er ikke gyldig base64: ",
        ),
    ] {
        let e = payload(&call(&s, "UploadDocument_OS_SI", &body).await);
        let (st, text) = status(&e);
        assert_eq!(st, "E", "{body}");
        assert!(text.starts_with(want), "{want}\n got {text}");
    }
    // An empty document, and whitespace around base64 lines is fine.
    let empty = base.replace(
        &format!("<Content>{}</Content>", STANDARD.encode(PDF)),
        "<Content>  </Content>",
    );
    let e = payload(&call(&s, "UploadDocument_OS_SI", &empty).await);
    assert_eq!(status(&e).1, "Dokumentet er tomt (Content har intet indhold)");
    let wrapped = STANDARD
        .encode(PDF)
        .as_bytes()
        .chunks(10)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n  ");
    let body = base.replace(&STANDARD.encode(PDF), &format!("\n{wrapped}\n"));
    let e = payload(&call(&s, "UploadDocument_OS_SI", &body).await);
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));
    assert_eq!(
        e.child("Document").unwrap().child_text("SHA256"),
        Some(sha256(PDF).as_str())
    );
    assert_eq!((document_count(&s).await, events(&s).await.len()), (1, 1));
}

#[tokio::test]
async fn size_limits_are_per_service_and_say_the_limit() {
    let (dir, s) = fixture().await;
    let mut big = PDF.to_vec();
    big.resize(MAX, b'x');
    let (st, text, _) = upload(&s, &Up { content: &big, ..UP }).await;
    assert_eq!(st, "S", "{text}");
    big.push(b'x');
    let text = upload_error(
        &s,
        &Up {
            id: "doc-2",
            content: &big,
            ..UP
        },
    )
    .await;
    assert_eq!(text, format!("Dokumentet er for stort: højst {MAX} bytes er tilladt"));
    assert_eq!(std::fs::read_dir(dir.path().join("documents/tmp")).unwrap().count(), 0);
    // The upload's body limit follows the document limit; every other service keeps max_body_bytes.
    let upload_def = find_service("UploadDocument_OS_SI").unwrap();
    let list_def = find_service("ListDocuments_OS_SI").unwrap();
    assert_eq!(s.body_limit(list_def), 1024 * 1024);
    let limit = s.body_limit(upload_def);
    assert!(
        limit > 1024 * 1024 + MAX * 4 / 3 && limit < 1024 * 1024 + MAX * 3 / 2,
        "{limit}"
    );
    let huge = format!("<PersonnelNumber>401</PersonnelNumber><x>{}</x>", "A".repeat(limit));
    let r = call(&s, "UploadDocument_OS_SI", &huge).await;
    assert_eq!(r.status, 413);
    assert!(
        r.body.contains(&format!(
            "Beskeden er for stor (højst {limit} bytes); et dokument må højst fylde {MAX} bytes før base64-kodning"
        )),
        "{}",
        r.body
    );
    let r = call(&s, "ListDocuments_OS_SI", &"A".repeat(1024 * 1024)).await;
    assert_eq!(r.status, 413);
    // A document just over the limit, whatever its base64 text's length (here longer than the limit's base64
    // with line breaks, within the body limit), gets the service's own answer, not a reader fault; nothing is
    // written.
    for extra in [MAX / 10, MAX * 4 / 10] {
        let body = upload_body(&Up {
            id: "doc-3",
            content: &vec![b'%'; MAX + extra],
            ..UP
        });
        assert!(body.len() < limit, "{} within the body limit {limit}", body.len());
        let r = call(&s, "UploadDocument_OS_SI", &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let e = payload(&r);
        assert_eq!(
            status(&e),
            (
                "E".into(),
                format!("Dokumentet er for stort: højst {MAX} bytes er tilladt")
            )
        );
    }
    assert_eq!(std::fs::read_dir(dir.path().join("documents/tmp")).unwrap().count(), 0);
    // Other elements keep the ordinary text limit.
    let long_title = upload_body(&UP).replace("Kontrakt</Title>", &format!("{}</Title>", "x".repeat(70_000)));
    assert_eq!(call(&s, "UploadDocument_OS_SI", &long_title).await.status, 500);
}

#[tokio::test]
async fn structure_errors_and_access_are_faults() {
    let (_dir, s) = fixture().await;
    let base = upload_body(&UP);
    for (body, want) in [
        (
            format!("{base}<Extra>1</Extra>"),
            "Ukendt element Extra i UploadDocumentRequest_MT",
        ),
        (
            base.replace("<Content>", "<Content><b>x</b>"),
            "Elementet Content skal indeholde base64-tekst",
        ),
        (
            format!("{base}<Content>QQ==</Content>"),
            "Elementet Content må kun forekomme én gang",
        ),
        (
            base.replace("<Title>Kontrakt</Title>", "<ns0:Title>Kontrakt</ns0:Title>"),
            "må ikke have et navnerum",
        ),
    ] {
        let r = call(&s, "UploadDocument_OS_SI", &body).await;
        assert_eq!(r.status, 500, "{body}");
        assert!(r.body.contains(want), "{want}: {}", r.body);
    }
    // A system without the grant, a municipality not granted, and an ambiguous caller: 403.
    let r = call_in(&s, "none", None, "UploadDocument_OS_SI", &base).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = call_in(
        &s,
        "r",
        Some("0751"),
        "ListDocuments_OS_SI",
        "<PersonnelNumber>501</PersonnelNumber>",
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = call_in(&s, "both", None, "UploadDocument_OS_SI", &base).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // With kommune= the caller of two municipalities reaches the one it names.
    let body = upload_body(&Up { pernr: "501", ..UP });
    let e = payload(&call_in(&s, "both", Some("0751"), "UploadDocument_OS_SI", &body).await);
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));
    assert_eq!(events(&s).await[0].municipality.as_deref(), Some("0751"));
    assert_eq!(document_count(&s).await, 1);
}

#[tokio::test]
async fn list_selects_by_type_folder_and_period() {
    let (_dir, s) = fixture().await;
    for (id, t, day, content) in [
        ("a", "ANSAETTELSESKONTRAKT", "2026-01-10", &b"%PDF-a"[..]),
        ("b", "MUS", "2026-03-01", b"%PDF-b"),
        ("c", "SYGEFRAVAER", "2026-05-01", b"%PDF-c"),
    ] {
        let extra = format!("<DocumentDate>{day}</DocumentDate>");
        let (st, text, _) = upload(
            &s,
            &Up {
                id,
                doc_type: t,
                content,
                extra: &extra,
                ..UP
            },
        )
        .await;
        assert_eq!(st, "S", "{text}");
    }
    let list = |filter: &'static str| {
        let s = s.clone();
        async move {
            let body = format!("<PersonnelNumber>401</PersonnelNumber>{filter}");
            let e = payload(&call(&s, "ListDocuments_OS_SI", &body).await);
            let ids: Vec<String> = e
                .child("Documents")
                .map(|d| {
                    d.children
                        .iter()
                        .map(|i| i.child_text("DocumentId").unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (status(&e), ids)
        }
    };
    let (st, ids) = list("").await;
    assert_eq!(
        (st.1.as_str(), ids),
        ("3 dokument(er) fundet", vec!["a".to_owned(), "b".into(), "c".into()])
    );
    assert_eq!(list("<DocumentType>MUS</DocumentType>").await.1, ["b"]);
    assert_eq!(list("<FolderKLE>81.10.00</FolderKLE>").await.1, ["c"]);
    assert_eq!(list("<StartDate>2026-02-01</StartDate>").await.1, ["b", "c"]);
    assert_eq!(
        list("<StartDate>2026-01-10</StartDate><EndDate>2026-03-01</EndDate>")
            .await
            .1,
        ["a", "b"]
    );
    let (st, ids) = list("<EndDate>2025-12-31</EndDate>").await;
    assert_eq!((st, ids.len()), (("S".into(), "Ingen dokumenter fundet".into()), 0));
    let (st, _) = list("<StartDate>2026-03-01</StartDate><EndDate>2026-01-01</EndDate>").await;
    assert_eq!(
        st,
        ("E".into(), "EndDate 2026-01-01 ligger før StartDate 2026-03-01".into())
    );
    let e = payload(&call(&s, "ListDocuments_OS_SI", "<PersonnelNumber>77736333</PersonnelNumber>").await);
    assert_eq!(status(&e).1, "Medarbejdernummer 77736333 findes ikke i kommune 0340");
    let e = payload(&call(&s, "ListDocuments_OS_SI", "").await);
    assert_eq!(status(&e).1, "PersonnelNumber skal angives");
}

#[tokio::test]
async fn get_refuses_what_is_not_there_and_checks_the_stored_content() {
    let (dir, s) = fixture().await;
    assert_eq!(upload(&s, &UP).await.0, "S");
    for (body, want) in [
        (
            "<PersonnelNumber>403</PersonnelNumber><DocumentId>doc-1</DocumentId>",
            "Dokumentet doc-1 findes ikke for medarbejdernummer 00000403 i kommune 0340",
        ),
        (
            "<PersonnelNumber>401</PersonnelNumber><DocumentId>doc-9</DocumentId>",
            "Dokumentet doc-9 findes ikke for medarbejdernummer 00000401 i kommune 0340",
        ),
        (
            "<PersonnelNumber>401</PersonnelNumber><DocumentId>doc-1</DocumentId><IncludeContent>ja</IncludeContent>",
            "IncludeContent skal være true eller false (modtaget: ja)",
        ),
        ("<PersonnelNumber>401</PersonnelNumber>", "DocumentId skal angives"),
    ] {
        let e = payload(&call(&s, "GetDocument_OS_SI", body).await);
        assert_eq!(status(&e), ("E".into(), want.into()), "{body}");
    }
    // A content file changed on disk is not handed out.
    let sha = sha256(PDF);
    std::fs::write(
        dir.path().join("documents").join(&sha[..2]).join(&sha),
        b"%PDF-tampered",
    )
    .unwrap();
    let body = "<PersonnelNumber>401</PersonnelNumber><DocumentId>doc-1</DocumentId><IncludeContent>1</IncludeContent>";
    let r = call(&s, "GetDocument_OS_SI", body).await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.body.contains("Intern fejl i snitflade"), "{}", r.body);
}

#[tokio::test]
async fn the_municipality_decides_the_types_and_folders() {
    let (_dir, s) = fixture().await;
    let mine = vec![DocumentType {
        key: "LAEGEERKLAERING".into(),
        text: "Lægeerklæring".into(),
        kle: "81.10.00".into(),
        folder: "Fravær og sygdom".into(),
    }];
    s.store()
        .write(move |c| {
            let mine = mine.clone();
            Box::pin(
                async move { documents::set_document_types(c, k("0340"), &mine, "t", "2026-01-01T00:00:00Z").await },
            )
        })
        .await
        .unwrap();
    let text = upload_error(&s, &UP).await;
    assert_eq!(
        text,
        "Ukendt dokumenttype ANSAETTELSESKONTRAKT; kommune 0340 kender LAEGEERKLAERING"
    );
    let (st, text, e) = upload(
        &s,
        &Up {
            doc_type: "LAEGEERKLAERING",
            ..UP
        },
    )
    .await;
    assert_eq!(st, "S");
    assert_eq!(
        text,
        format!(
            "Dokumentet er registreret i mappen 81.10.00 Fravær og sygdom ({} bytes)",
            PDF.len()
        )
    );
    assert_eq!(
        e.child("Document").unwrap().child_text("FolderTitle"),
        Some("Fravær og sygdom")
    );
    // 0751 still has the built-in types.
    let types = documents::document_types(s.store().pool(), k("0751")).await.unwrap();
    assert_eq!(types, default_document_types());
}

/// Every answer of the three interfaces — S with a document or items, S without, E — follows its WSDL's schema.
#[tokio::test]
async fn every_answer_follows_its_wsdl_schema() {
    let (_dir, s) = fixture().await;
    let calls: Vec<(&str, String)> =
        vec![
        ("UploadDocument_OS_SI", upload_body(&UP)),
        ("UploadDocument_OS_SI", upload_body(&UP)),
        ("UploadDocument_OS_SI", upload_body(&Up { doc_type: "X", id: "x", ..UP })),
        ("ListDocuments_OS_SI", "<PersonnelNumber>401</PersonnelNumber>".into()),
        ("ListDocuments_OS_SI", "<PersonnelNumber>401</PersonnelNumber><DocumentType>MUS</DocumentType>".into()),
        ("ListDocuments_OS_SI", "<PersonnelNumber>x</PersonnelNumber>".into()),
        (
            "GetDocument_OS_SI",
            "<PersonnelNumber>401</PersonnelNumber><DocumentId>doc-1</DocumentId><IncludeContent>true</IncludeContent>"
                .into(),
        ),
        ("GetDocument_OS_SI", "<PersonnelNumber>401</PersonnelNumber><DocumentId>doc-1</DocumentId>".into()),
        ("GetDocument_OS_SI", "<PersonnelNumber>401</PersonnelNumber><DocumentId>nej</DocumentId>".into()),
    ];
    let mut seen = Vec::new();
    for (service, body) in &calls {
        let e = payload(&call(&s, service, body).await);
        if let Err(why) = check_schema(service, &e) {
            panic!("{service} {body}: {why}");
        }
        seen.push(status(&e).0);
    }
    assert_eq!(seen, ["S", "S", "E", "S", "S", "E", "S", "S", "E"]);
}
