//! Personalemappe against the real server: the document types through the admin API and the upload obeying them
//! (the built-in types until replaced, validation of a new list, a new type filed in its folder at once, with its
//! content file in the data dir and the event in the outbox); and the upload's own body limit, with a system
//! without the grant refused before its body is read. (The full client round trip is the zeep test.)

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/municipalities/0340/document-types";

fn upload(id: &str, doc_type: &str) -> String {
    format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:UploadDocumentRequest_MT xmlns:ns0=\"urn:snitflade:opus:personalemappe:1\">\
         <PersonnelNumber>00000101</PersonnelNumber><DocumentId>{id}</DocumentId>\
         <DocumentType>{doc_type}</DocumentType><Title>Lægeerklæring</Title><FileName>erklaering.txt</FileName>\
         <ContentType>text/plain; charset=utf-8</ContentType><Content>SGVqIG1lZCBkaWc=</Content>\
         </ns0:UploadDocumentRequest_MT></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
}

fn answer(xml: &str) -> (String, String, String) {
    let node = common::parse_xml(xml).expect("a SOAP answer");
    let body = node.children.iter().find(|c| c.name == "Body").expect("Body");
    let response = &body.children[0];
    let rs = response.child("ReturnStatus").expect("ReturnStatus");
    let t = |n: &str| rs.child_text(n).unwrap_or_default().to_owned();
    let kle = response
        .child("Document")
        .and_then(|d| d.child_text("FolderKLE"))
        .unwrap_or_default()
        .to_owned();
    (t("StatusType"), t("MessageText"), kle)
}

#[tokio::test]
async fn document_types_are_per_municipality_and_enforced() {
    let server = common::Server::start().await;
    let admin = &server.admin;
    let builtin = admin.list(PATH).await;
    let contract = builtin.iter().find(|t| t["key"] == "ANSAETTELSESKONTRAKT").unwrap();
    assert_eq!(contract["kle"], "81.03.00");
    assert_eq!(admin.list("/api/v1/municipalities/0751/document-types").await, builtin);

    // Refused: a bad KLE number, duplicates, unknown fields, an unknown municipality; no token.
    let mut bad = builtin.clone();
    bad[0]["kle"] = json!("81.3");
    let (status, body) = admin.put(PATH, Value::Array(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("NN.NN.NN"), "{body}");
    let mut twice = builtin.clone();
    twice.push(builtin[0].clone());
    assert_eq!(admin.put(PATH, Value::Array(twice)).await.0, StatusCode::BAD_REQUEST);
    let mut extra = builtin.clone();
    extra[0]["colour"] = json!("red");
    assert_eq!(admin.put(PATH, Value::Array(extra)).await.0, StatusCode::BAD_REQUEST);
    let unknown = "/api/v1/municipalities/0999/document-types";
    assert_eq!(
        admin.put(unknown, Value::Array(builtin.clone())).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(admin.get_unauthenticated(PATH).await.0, StatusCode::UNAUTHORIZED);

    // A type of the municipality's own is accepted at once, in its folder.
    let client = server.client("rekruttering");
    let url = server.ws_url("UploadDocument_OS_SI");
    let reply = common::post_soap(&client, &url, upload("d-1", "LAEGEERKLAERING")).await;
    assert_eq!(answer(&reply.body).0, "E", "{}", reply.body);
    let mut mine = builtin.clone();
    mine.push(
        json!({"key": "LAEGEERKLAERING", "text": "Lægeerklæring", "kle": "81.10.00", "folder": "Fravær og sygdom"}),
    );
    let (status, stored) = admin.put(PATH, Value::Array(mine.clone())).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(admin.list(PATH).await, mine);
    let reply = common::post_soap(&client, &url, upload("d-1", "LAEGEERKLAERING")).await;
    let (st, text, kle) = answer(&reply.body);
    assert_eq!((st.as_str(), kle.as_str()), ("S", "81.10.00"), "{text}");
    let events = admin.events().await;
    let uploaded: Vec<&Value> = events.iter().filter(|e| e["kind"] == "document.uploaded").collect();
    assert_eq!(uploaded.len(), 1, "{events:?}");
    assert_eq!(uploaded[0]["payload"]["document_id"], "d-1");
    let sha = uploaded[0]["payload"]["sha256"].as_str().unwrap().to_owned();
    let file = server.data_dir().join("documents").join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&file).unwrap(), b"Hej med dig");
}

#[tokio::test]
async fn the_upload_has_its_own_body_limit_and_refuses_strangers_first() {
    let server = common::Server::start().await;
    let url = server.ws_url("UploadDocument_OS_SI");
    // 2 MB: over max_body_bytes (1 MiB) of every other service, within the upload's limit.
    let padding = "QUFB".repeat(512 * 1024);
    let body = upload("big-1", "ANSAETTELSESKONTRAKT")
        .replace(
            "<ContentType>text/plain; charset=utf-8</ContentType>",
            "<ContentType>text/plain</ContentType>",
        )
        .replace("SGVqIG1lZCBkaWc=", &padding);
    let reply = common::post_soap(&server.client("rekruttering"), &url, body.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(answer(&reply.body).0, "S", "{}", reply.body);
    let other = server.ws_url("ListDocuments_OS_SI");
    let reply = common::post_soap(&server.client("rekruttering"), &other, body.clone()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    // A system without the grant gets 403 even for a body past every limit.
    // Past the upload limit (about 29.7 MB), within what the server reads and discards after answering (32 MiB).
    let huge = "A".repeat(30 * 1024 * 1024);
    for system in ["kantine", "ingen-adgang"] {
        let reply = common::post_soap(&server.client(system), &url, huge.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{system}: {}", reply.body);
    }
    let reply = common::post_soap(&server.client("rekruttering"), &url, huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert!(reply.body.contains("før base64-kodning"), "{}", reply.body);
}

#[tokio::test]
async fn the_limit_and_the_allowed_types_come_from_the_config_file() {
    let server = common::Server::start_with_config(
        "[services]\nmax_document_bytes = 1000\ndocument_content_types = [\"text/plain\"]\n",
    )
    .await;
    let client = server.client("rekruttering");
    let url = server.ws_url("UploadDocument_OS_SI");
    // 1,002 bytes of text ("QUFB" is "AAA").
    let big = upload("c-1", "OEVRIGT").replace("SGVqIG1lZCBkaWc=", &"QUFB".repeat(334));
    let reply = common::post_soap(&client, &url, big).await;
    let (st, text, _) = answer(&reply.body);
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("E", "Dokumentet er for stort: højst 1000 bytes er tilladt")
    );
    let pdf = upload("c-2", "OEVRIGT")
        .replace("text/plain; charset=utf-8", "application/pdf")
        .replace("SGVqIG1lZCBkaWc=", "JVBERi0xLjQK");
    let (st, text, _) = answer(&common::post_soap(&client, &url, pdf).await.body);
    assert_eq!(
        (st.as_str(), text.as_str()),
        (
            "E",
            "ContentType application/pdf er ikke tilladt; tilladte typer: text/plain"
        )
    );
    let reply = common::post_soap(&client, &url, upload("c-3", "OEVRIGT")).await;
    assert_eq!(answer(&reply.body).0, "S", "{}", reply.body);
}

/// A document just over the limit (21 MiB of the default 20 MiB; its base64 is within the upload's body limit
/// but longer than the base64 of a 20 MiB document) gets the service's own answer, HTTP 200 with "E" — not a
/// fault from the XML reader's limit.
#[tokio::test]
async fn a_document_just_over_the_limit_gets_the_services_own_answer() {
    let server = common::Server::start().await;
    let url = server.ws_url("UploadDocument_OS_SI");
    // "QUFB" is "AAA": 21 MiB of text, 29,360,128 base64 characters.
    let content = "QUFB".repeat(21 * 1024 * 1024 / 3);
    let body = upload("big-21", "OEVRIGT")
        .replace("text/plain; charset=utf-8", "text/plain")
        .replace("SGVqIG1lZCBkaWc=", &content);
    let reply = common::post_soap(&server.client("rekruttering"), &url, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (st, text, _) = answer(&reply.body);
    assert_eq!(
        (st.as_str(), text.as_str()),
        ("E", "Dokumentet er for stort: højst 20971520 bytes (20 MB) er tilladt")
    );
    let tmp = server.data_dir().join("documents").join("tmp");
    let left = std::fs::read_dir(&tmp).map_or(0, |d| d.count());
    assert_eq!(left, 0, "nothing written");
}
