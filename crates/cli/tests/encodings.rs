//! Requests in other encodings than UTF-8 from outside (issue 16, item 7): SAP PI and older Java/.NET clients send
//! ISO-8859-1, windows-1252 or UTF-16 with a byte order mark, declared in the XML declaration and/or the `Content-Type`
//! charset. Against `serve --demo`: the machine-hours registration (the bench's valid one and the example message of
//! KMD's machine-hours service description) and a Medarbejderoplysninger Ret and Laes with Danish letters in each
//! encoding are accepted and the letters are stored and answered right (in UTF-8); undeclared Latin-1 bytes,
//! conflicting declarations, UTF-16 without a byte order mark and unsupported encodings are refused with a Danish fault
//! and nothing is kept; the decoded text is held to the body limit.

mod common;

use common::*;
use reqwest::StatusCode;
use snitflade_bench::registration_xml;

/// How a client encodes and labels its request.
#[derive(Debug, Clone, Copy)]
enum Wire {
    /// ISO-8859-1 bytes (`Latin1`) or windows-1252 bytes (`Windows1252`), labelled with `declaration` in the XML
    /// declaration (if any) and sent with `content_type`.
    Latin1 {
        declaration: Option<&'static str>,
        content_type: &'static str,
    },
    Windows1252 {
        declaration: Option<&'static str>,
        content_type: &'static str,
    },
    /// UTF-16 with a byte order mark and `<?xml version="1.0" encoding="UTF-16"?>`.
    Utf16 {
        little_endian: bool,
        content_type: &'static str,
    },
}

/// The ways real clients send: SAP PI (declaration and header), Java (declaration only), a header only,
/// windows-1252 text labelled ISO-8859-1 (Windows clients), and .NET's UTF-16 in both byte orders.
const WIRES: [Wire; 6] = [
    Wire::Latin1 {
        declaration: Some("ISO-8859-1"),
        content_type: "text/xml; charset=ISO-8859-1",
    },
    Wire::Latin1 {
        declaration: Some("iso-8859-1"),
        content_type: "text/xml",
    },
    Wire::Latin1 {
        declaration: None,
        content_type: "text/xml; charset=\"latin1\"",
    },
    Wire::Windows1252 {
        declaration: Some("ISO-8859-1"),
        content_type: "text/xml; charset=windows-1252",
    },
    Wire::Utf16 {
        little_endian: true,
        content_type: "text/xml; charset=utf-16",
    },
    Wire::Utf16 {
        little_endian: false,
        content_type: "text/xml",
    },
];

/// One byte per character: ISO-8859-1, or windows-1252 for the characters it has in 0x80–0x9F.
fn single_byte(s: &str, windows: bool) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '€' if windows => 0x80,
            '–' if windows => 0x96,
            c => u8::try_from(u32::from(c))
                .ok()
                .filter(|b| !(0x80..0xA0).contains(b))
                .unwrap_or_else(|| panic!("{c:?} is not in the test's single-byte repertoire")),
        })
        .collect()
}

/// `xml` (UTF-8, without a declaration) as `wire` sends it, with its `Content-Type`.
fn encode(xml: &str, wire: Wire) -> (Vec<u8>, &'static str) {
    let declared = |label: Option<&str>| match label {
        Some(label) => format!("<?xml version=\"1.0\" encoding=\"{label}\"?>{xml}"),
        None => xml.to_owned(),
    };
    match wire {
        Wire::Latin1 {
            declaration,
            content_type,
        } => (single_byte(&declared(declaration), false), content_type),
        Wire::Windows1252 {
            declaration,
            content_type,
        } => (single_byte(&declared(declaration), true), content_type),
        Wire::Utf16 {
            little_endian,
            content_type,
        } => {
            let text = format!("\u{FEFF}{}", declared(Some("UTF-16")));
            let bytes = text
                .encode_utf16()
                .flat_map(|u| {
                    if little_endian {
                        u.to_le_bytes()
                    } else {
                        u.to_be_bytes()
                    }
                })
                .collect();
            (bytes, content_type)
        }
    }
}

/// A device type with Danish letters the wire can carry (at most 16 characters, as the rules allow).
fn device_type(wire: Wire) -> &'static str {
    match wire {
        Wire::Latin1 { .. } => "Mølle-ÆØÅ æøå",
        Wire::Windows1252 { .. } => "Mølle–Æøå 2€",
        Wire::Utf16 { .. } => "Gravemaskine Ø😀",
    }
}

/// A valid registration with this `DEVICE_TYPE`; its EX_IDENT.
fn registration(device: &str) -> (String, String) {
    let r = valid_registration();
    let xml = registration_xml(&r).replace(
        "<DEVICE_TYPE>MOBILE</DEVICE_TYPE>",
        &format!("<DEVICE_TYPE>{device}</DEVICE_TYPE>"),
    );
    (xml, r.ex_ident)
}

#[tokio::test]
async fn registrations_in_latin1_windows_1252_and_utf16_are_stored_with_their_letters() {
    let s = Server::start().await;
    for wire in WIRES {
        let device = device_type(wire);
        let (xml, ex_ident) = registration(device);
        let (body, content_type) = encode(&xml, wire);
        let reply = post_soap_as(&s.maskinregistrering(), &s.ws_url(REGISTRATION), content_type, body).await;
        reply.assert_accepted();
        assert_eq!(reply.content_type, "text/xml; charset=utf-8", "{wire:?}");
        let stored = s.admin.registrations_for(&ex_ident).await;
        assert_eq!(stored.len(), 1, "{wire:?}");
        assert_eq!(stored[0]["device_type"], device, "{wire:?}");
    }
    // DEVICE_TYPE's limit is 16 characters whatever the encoding: 16 Danish letters are 16 bytes of Latin-1 and 32
    // of UTF-8, and pass; 17 do not.
    for (device, passes) in [("ÆØÅæøåÆØÅæøåÆØÅæ", true), ("ÆØÅæøåÆØÅæøåÆØÅæø", false)]
    {
        let (xml, ex_ident) = registration(device);
        let (body, content_type) = encode(&xml, WIRES[0]);
        post_soap_as(&s.maskinregistrering(), &s.ws_url(REGISTRATION), content_type, body)
            .await
            .assert_accepted();
        if passes {
            assert_eq!(s.admin.registrations_for(&ex_ident).await[0]["device_type"], device);
        } else {
            let e = s.admin.error_for(&ex_ident).await;
            assert!(
                e["message"]
                    .as_str()
                    .unwrap()
                    .contains("DEVICE_TYPE må højst være 16 tegn"),
                "{e}"
            );
        }
    }
    // The SAP PI form of the URL reads the same way.
    let wire = WIRES[0];
    let (xml, ex_ident) = registration(device_type(wire));
    let (body, content_type) = encode(&xml, wire);
    let url = s.sap_pi_url(REGISTRATION, REGISTRATION_NS);
    post_soap_as(&s.maskinregistrering(), &url, content_type, body)
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&ex_ident).await.len(), 1);
}

#[tokio::test]
async fn the_seeds_registration_is_read_in_every_encoding() {
    let s = Server::start().await;
    // The service description's example message as it is (its own XML declaration-less text), with Danish letters in
    // DEVICE_TYPE and its EX_IDENT made unique per encoding.
    for (i, wire) in WIRES.into_iter().enumerate() {
        let ex_ident = format!("ABCDEABCDE66598040861E00000020{i:02}");
        let xml = SEED_REGISTRATION_REQUEST
            .replace(
                "<DEVICE_TYPE>Mobile</DEVICE_TYPE>",
                "<DEVICE_TYPE>Højlift Æ</DEVICE_TYPE>",
            )
            .replace("ABCDEABCDE66598040861E0000002008", &ex_ident);
        let (body, content_type) = encode(&xml, wire);
        let reply = post_soap_as(&s.maskinregistrering(), &s.ws_url(REGISTRATION), content_type, body).await;
        reply.assert_accepted();
        // The example leaves PLANT, POSTG_DATE, … empty: an entry in the error table, as for the UTF-8 example.
        let e = s.admin.error_for(&ex_ident).await;
        assert_eq!(e["error_type"], "invalid_data", "{wire:?}: {e}");
        assert!(e.to_string().contains("Højlift Æ"), "{wire:?}: {e}");
    }
}

const MD: &str = "urn:oio:medarbejder:1.0.0";
const SD: &str = "urn:oio:sagdok:3.0.0";

fn medarbejder(root: &str, body: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:m=\"{MD}\" \
         xmlns:sd=\"{SD}\"><soapenv:Header/><soapenv:Body><m:{root}><sd:MedarbejderRef><sd:UUIDIdentifikator/>\
         <sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:00000110</sd:URNIdentifikator></sd:MedarbejderRef>{body}\
         </m:{root}></soapenv:Body></soapenv:Envelope>"
    )
}

/// The `StatusKode` of a Medarbejderoplysninger answer.
fn status_kode(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    between(&reply.body, "StatusKode>", "<")
        .expect("a StatusKode")
        .to_owned()
}

#[tokio::test]
async fn medarbejderoplysninger_stores_and_answers_danish_letters_sent_in_latin1_and_utf16() {
    let s = Server::start().await;
    let url = s.ws_url("Employee_Provide_Out");
    let client = s.client("vikarsystem");
    let mail = "søren.ågård@æblehave.dk";
    let ret = medarbejder(
        "RetInput",
        &format!(
            "<m:AttributListe><m:Egenskaber><m:Kommunikation><m:Kommunikationsart>PMAI</m:Kommunikationsart>\
             <m:KommunikationsID>{mail}</m:KommunikationsID></m:Kommunikation></m:Egenskaber></m:AttributListe>"
        ),
    );
    let (body, content_type) = encode(&ret, WIRES[0]);
    let reply = post_soap_as(&client, &url, content_type, body).await;
    assert_eq!(status_kode(&reply), "0", "{}", reply.body);

    // Read back in UTF-16 (both byte orders) and Latin-1: the answer is UTF-8 with the letters as stored.
    let laes = medarbejder("LaesInput", "<m:Datakategori>0105</m:Datakategori>");
    for wire in [WIRES[4], WIRES[5], WIRES[1]] {
        let (body, content_type) = encode(&laes, wire);
        let reply = post_soap_as(&client, &url, content_type, body).await;
        assert_eq!(status_kode(&reply), "0", "{wire:?}: {}", reply.body);
        assert_eq!(reply.content_type, "text/xml; charset=utf-8");
        assert!(reply.body.contains(mail), "{wire:?}: {}", reply.body);
    }
}

/// Posts `body` as a registration with `content_type`; the fault's text, after checking that it is a `Client`
/// fault with `status`.
async fn refused(s: &Server, body: Vec<u8>, content_type: &str, status: StatusCode) -> String {
    let reply = post_soap_as(&s.maskinregistrering(), &s.ws_url(REGISTRATION), content_type, body).await;
    reply.assert_fault(status, "SOAP:Client").all_text()
}

#[tokio::test]
async fn undeclared_conflicting_and_unsupported_encodings_are_refused() {
    let s = Server::start().await;
    let (xml, ex_ident) = registration("Mølle");
    let latin1 = |declaration: &str| single_byte(&format!("{declaration}{xml}"), false);

    // Undeclared Latin-1: not UTF-8, as before, whatever the header says (or does not say).
    for content_type in ["text/xml; charset=utf-8", "text/xml"] {
        let text = refused(&s, latin1(""), content_type, StatusCode::INTERNAL_SERVER_ERROR).await;
        assert!(text.contains("ikke gyldig UTF-8"), "{text}");
    }
    let declared = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>";
    let text = refused(
        &s,
        latin1(declared),
        "text/xml; charset=utf-8",
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert!(
        text.contains("modstridende") && text.contains("ISO-8859-1") && text.contains("utf-8"),
        "{text}"
    );
    let (utf16, _) = encode(&xml, WIRES[4]);
    let text = refused(
        &s,
        utf16.clone(),
        "text/xml; charset=ISO-8859-1",
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert!(text.contains("modstridende") && text.contains("UTF-16LE"), "{text}");
    let text = refused(&s, utf16[2..].to_vec(), "text/xml", StatusCode::INTERNAL_SERVER_ERROR).await;
    assert!(text.contains("byte order mark"), "{text}");
    let text = refused(
        &s,
        latin1("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>"),
        "text/xml",
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert!(text.contains("'ISO-8859-15' understøttes ikke"), "{text}");
    let text = refused(
        &s,
        single_byte(&format!("{declared}{xml}"), false)
            .into_iter()
            .map(|b| if b == b'M' { 0x81 } else { b })
            .collect(),
        "text/xml",
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert!(text.contains("ikke gyldig ISO-8859-1"), "{text}");

    assert!(s.admin.registrations_for(&ex_ident).await.is_empty());
    let (status, errors) = s.admin.get("/api/v1/errors").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        errors,
        serde_json::json!([]),
        "a refused message reached the error table"
    );
    s.assert_healthy().await;
}

#[tokio::test]
async fn the_decoded_text_is_held_to_the_body_limit() {
    let s = Server::start_with_config("[services]\nmax_body_bytes = 2048\n").await;
    // 1,600 bytes of Latin-1 (within the limit) that are over 2,048 bytes of UTF-8.
    let (xml, ex_ident) = registration("Mølle");
    let padding = format!("<!--{}-->", "æ".repeat(1600 - xml.len() - 60));
    let sent = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{padding}{xml}");
    let body = single_byte(&sent, false);
    assert!(body.len() <= 2048 && sent.len() > 2048, "{} {}", body.len(), sent.len());
    let text = refused(&s, body, "text/xml", StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(text.contains("2048 bytes") && text.contains("UTF-8"), "{text}");
    assert!(s.admin.registrations_for(&ex_ident).await.is_empty());

    // The same message with less padding fits, and is stored.
    let sent = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><!--{}-->{xml}",
        "æ".repeat(100)
    );
    post_soap_as(
        &s.maskinregistrering(),
        &s.ws_url(REGISTRATION),
        "text/xml",
        single_byte(&sent, false),
    )
    .await
    .assert_accepted();
    assert_eq!(s.admin.registrations_for(&ex_ident).await.len(), 1);
}
