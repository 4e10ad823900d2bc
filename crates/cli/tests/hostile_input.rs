//! Hostile and broken input on the services listener: every message gets a clear SOAP fault, nothing of it is
//! kept, `/healthz` stays 200 and a valid registration still works afterwards.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use snitflade_bench::registration_xml;

/// Sends `body` as a registration, expects a fault with `status`/`code` whose text contains every fragment and
/// none of the `leaks`, then checks that the server is healthy, kept nothing and still registers.
async fn refused(body: impl Into<reqwest::Body>, status: StatusCode, code: &str, fragments: &[&str], leaks: &[&str]) {
    let s = Server::start().await;
    refused_on(&s, body, status, code, fragments, leaks).await;
}

async fn refused_on(
    s: &Server,
    body: impl Into<reqwest::Body>,
    status: StatusCode,
    code: &str,
    fragments: &[&str],
    leaks: &[&str],
) {
    let started = Instant::now();
    let r = post_soap(&s.maskinregistrering(), &s.ws_url(REGISTRATION), body).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let f = r.assert_fault(status, code);
    let text = f.all_text();
    for fragment in fragments {
        assert!(text.contains(fragment), "{fragment:?} not in {text:?}");
    }
    for leak in leaks {
        assert!(!r.body.contains(leak), "{leak:?} leaked into {}", r.body);
    }
    assert!(r.body.len() < 4096, "a long fault: {} bytes", r.body.len());
    still_works(s).await;
}

async fn still_works(s: &Server) {
    s.assert_healthy().await;
    let (status, errors) = s.admin.get("/api/v1/errors").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        errors,
        serde_json::json!([]),
        "a refused message reached the error table"
    );
    let reg = valid_registration();
    s.register(&reg).await.assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);
}

/// A valid registration with `DEVICE_TYPE` replaced by `device_type` (raw XML) and `prolog` before the envelope.
fn with_device_type(prolog: &str, device_type: &str) -> String {
    let xml = registration_xml(&valid_registration());
    let xml = xml.replace(
        "<DEVICE_TYPE>MOBILE</DEVICE_TYPE>",
        &format!("<DEVICE_TYPE>{device_type}</DEVICE_TYPE>"),
    );
    format!("{prolog}{xml}")
}

#[tokio::test]
async fn a_doctype_with_internal_entities_is_refused() {
    let body = with_device_type(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE soapenv:Envelope [<!ENTITY who \"EVILVALUE\">]>\n",
        "&who;",
    );
    refused(
        body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["DOCTYPE"],
        &["EVILVALUE"],
    )
    .await;
}

#[tokio::test]
async fn billion_laughs_is_refused_quickly() {
    let mut dtd = String::from("<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    let mut prev = "lol".to_owned();
    for i in 1..=9 {
        let name = format!("lol{i}");
        dtd.push_str(&format!(" <!ENTITY {name} \"{}\">\n", format!("&{prev};").repeat(10)));
        prev = name;
    }
    dtd.push_str("]>\n");
    let body = with_device_type(&format!("<?xml version=\"1.0\"?>\n{dtd}"), "&lol9;");
    refused(
        body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["DOCTYPE"],
        &["lollollol"],
    )
    .await;
}

#[tokio::test]
async fn an_external_entity_is_refused_and_nothing_is_read() {
    let body = with_device_type(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n",
        "&xxe;",
    );
    refused(
        body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["DOCTYPE"],
        &["root:"],
    )
    .await;
}

#[tokio::test]
async fn external_dtds_and_parameter_entities_are_refused() {
    let s = Server::start().await;
    for prolog in [
        "<!DOCTYPE soapenv:Envelope SYSTEM \"http://127.0.0.1:9/evil.dtd\">",
        "<!DOCTYPE x [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>",
    ] {
        let body = with_device_type(prolog, "MOBILE");
        refused_on(
            &s,
            body,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SOAP:Client",
            &["DOCTYPE"],
            &["root:"],
        )
        .await;
    }
    // An entity reference without any DTD is an unknown entity.
    let body = with_device_type("", "&xxe;");
    refused_on(
        &s,
        body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["xxe"],
        &[],
    )
    .await;
}

/// The whole 10 MB is sent by an ordinary HTTP client (reqwest/hyper, which writes the body before it reads the
/// answer): it must receive the 413 fault.
#[tokio::test]
async fn a_10_mb_body_gets_413() {
    let body = vec![b'a'; 10 * 1024 * 1024];
    refused(body, StatusCode::PAYLOAD_TOO_LARGE, "SOAP:Client", &["1048576"], &[]).await;
}

/// Sends `head` and `body` on a raw connection (write errors ignored: the server may stop reading) and reads
/// the answer.
async fn raw_exchange(s: &Server, head: String, body: Vec<u8>) -> std::io::Result<(u16, String)> {
    let (data, addr) = (s.data_dir(), s.proc.services);
    tokio::task::spawn_blocking(move || {
        let mut conn = RawConn::connect(&data, "maskinregistrering", addr, Duration::from_secs(10));
        conn.write(head.as_bytes()).unwrap();
        let _ = conn.write(&body);
        conn.read_response()
    })
    .await
    .unwrap()
}

/// The server side of the size limit, seen by a client that reads the answer before it has sent everything: a
/// declared length over 1 MiB is refused at once, and so is a chunked body that grows past 1 MiB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_with_413_before_it_is_read() {
    let s = Server::start().await;
    let addr = s.proc.services;
    let head = RawConn::post_head("/ws/MobileEquipRegistration_OS_SI", addr, 10 * 1024 * 1024);
    let (status, body) = raw_exchange(&s, head, vec![b'a'; 1000]).await.expect("an answer");
    assert_eq!(status, 413, "{body}");
    let f = SoapFault::parse(&body).unwrap();
    assert_eq!(f.code, "SOAP:Client");

    let head = format!(
        "POST /ws/MobileEquipRegistration_OS_SI HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    let mut chunked = Vec::new();
    let mut sent = 0;
    while sent <= 1024 * 1024 {
        let n = 64 * 1024;
        chunked.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        chunked.extend(std::iter::repeat_n(b' ', n));
        chunked.extend_from_slice(b"\r\n");
        sent += n;
    }
    let (status, body) = raw_exchange(&s, head, chunked).await.expect("an answer");
    assert_eq!(status, 413, "{body}");
    assert_eq!(SoapFault::parse(&body).unwrap().code, "SOAP:Client");
    still_works(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_size_limit_is_exactly_1_mib() {
    let s = Server::start().await;
    let limit = 1024 * 1024;
    // A valid registration padded with whitespace after the envelope to exactly 1 MiB is accepted.
    let reg = valid_registration();
    let mut xml = registration_xml(&reg);
    xml.push_str(&" ".repeat(limit - xml.len()));
    assert_eq!(xml.len(), limit);
    post_soap(&s.maskinregistrering(), &s.ws_url(REGISTRATION), xml)
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);
    // One byte more is refused (sent on a raw connection that reads the answer early, see above).
    let head = RawConn::post_head("/ws/MobileEquipRegistration_OS_SI", s.proc.services, limit + 1);
    let (status, body) = raw_exchange(&s, head, Vec::new()).await.expect("an answer");
    assert_eq!(status, 413, "{body}");
    s.assert_healthy().await;
}

#[tokio::test]
async fn ten_thousand_levels_of_nesting_are_refused() {
    let deep = format!("{}x{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let body = with_device_type("", &deep);
    refused(body, StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client", &["dybt"], &[]).await;
}

#[tokio::test]
async fn too_many_elements_too_long_texts_and_too_many_attributes_are_refused() {
    let s = Server::start().await;
    let many = with_device_type("", &"<a/>".repeat(30_000));
    let long = with_device_type("", &"x".repeat(200_000));
    let attrs: String = (0..200).map(|i| format!(" a{i}=\"1\"")).collect();
    let attributes =
        registration_xml(&valid_registration()).replace("<I_CONFIRMATION>", &format!("<I_CONFIRMATION{attrs}>"));
    // (message, word the fault must name)
    for (body, names) in [(many, "elementer"), (long, "for langt"), (attributes, "attributter")] {
        refused_on(
            &s,
            body,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SOAP:Client",
            &[names],
            &[],
        )
        .await;
    }
}

#[tokio::test]
async fn a_soap_1_2_envelope_gets_a_version_mismatch_fault() {
    let xml = registration_xml(&valid_registration()).replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    refused(
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:VersionMismatch",
        &["SOAP 1.1"],
        &[],
    )
    .await;
}

#[tokio::test]
async fn a_wrong_payload_namespace_or_root_element_is_refused() {
    let s = Server::start().await;
    let xml = registration_xml(&valid_registration()).replace(REGISTRATION_NS, "http://kmd.dk/something_else/kmd");
    refused_on(
        &s,
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["ZPSA_CN27_DATA_MT", REGISTRATION_NS],
        &[],
    )
    .await;
    let xml = registration_xml(&valid_registration()).replace("ZPSA_CN27_DATA_MT", "ZPSA_CN27_OTHER_MT");
    refused_on(
        &s,
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["ZPSA_CN27_OTHER_MT"],
        &[],
    )
    .await;
    // The master-data request's root at the registration address.
    refused_on(
        &s,
        SEED_MASTERDATA_REQUEST,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["ZPSA_CN27_DATA_MT"],
        &[],
    )
    .await;
    // The payload without a namespace.
    let xml = registration_xml(&valid_registration())
        .replace("<kmd:ZPSA_CN27_DATA_MT>", "<ZPSA_CN27_DATA_MT>")
        .replace("</kmd:ZPSA_CN27_DATA_MT>", "</ZPSA_CN27_DATA_MT>");
    refused_on(
        &s,
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["(intet)"],
        &[],
    )
    .await;
}

#[tokio::test]
async fn malformed_xml_is_refused() {
    let s = Server::start().await;
    let xml = registration_xml(&valid_registration());
    let cases = [
        xml[..xml.len() / 2].to_owned(),
        xml.replace("</PLANT>", "</PLANTE>"),
        xml.replace("<PLANT>", "<PLANT attr=>"),
        xml.replace("0020", "00<20"),
        format!("{xml}<trailing/>"),
        "this is not XML at all".to_owned(),
    ];
    for body in cases {
        refused_on(
            &s,
            body,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SOAP:Client",
            &["Ugyldig"],
            &[],
        )
        .await;
    }
}

#[tokio::test]
async fn a_processing_instruction_is_refused_but_an_xml_declaration_is_fine() {
    let s = Server::start().await;
    let xml = registration_xml(&valid_registration()).replace("<soapenv:Body>", "<soapenv:Body><?evil run?>");
    refused_on(
        &s,
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["Processing instructions"],
        &[],
    )
    .await;
    let xml = format!(
        "<?xml-stylesheet href=\"x.xsl\"?>{}",
        registration_xml(&valid_registration())
    );
    refused_on(
        &s,
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["Processing"],
        &[],
    )
    .await;
    // The XML declaration is not a processing instruction.
    let reg = valid_registration();
    let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", registration_xml(&reg));
    post_soap(&s.maskinregistrering(), &s.ws_url(REGISTRATION), xml)
        .await
        .assert_accepted();
    assert_eq!(s.admin.registrations_for(&reg.ex_ident).await.len(), 1);
}

#[tokio::test]
async fn an_empty_body_is_refused() {
    let s = Server::start().await;
    for body in ["", "   \n", "<!-- only a comment -->"] {
        refused_on(
            &s,
            body,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SOAP:Client",
            &["rodelement"],
            &[],
        )
        .await;
    }
    // An envelope with an empty Body.
    let xml = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body/>\
               </soapenv:Envelope>";
    refused_on(
        &s,
        xml,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["Body"],
        &[],
    )
    .await;
}

#[tokio::test]
async fn broken_envelopes_and_payloads_are_refused() {
    let s = Server::start().await;
    let xml = registration_xml(&valid_registration());
    let two = xml.replace("</soapenv:Body>", "<kmd:ZPSA_CN27_DATA_MT/></soapenv:Body>");
    let unknown = xml.replace("<PLANT>", "<SURPRISE>1</SURPRISE><PLANT>");
    let twice = xml.replace("<PLANT>0020</PLANT>", "<PLANT>0020</PLANT><PLANT>0020</PLANT>");
    let no_body = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Header/>\
                   </soapenv:Envelope>"
        .to_owned();
    let not_envelope = "<kmd:ZPSA_CN27_DATA_MT xmlns:kmd=\"http://kmd.dk/mobile_equipreg/kmd\"/>".to_owned();
    // (message, words the fault must name)
    let cases = [
        (two, "mere end ét"),
        (unknown, "SURPRISE"),
        (twice, "PLANT"),
        (no_body, "Body"),
        (not_envelope, "Envelope"),
    ];
    for (body, names) in cases {
        refused_on(
            &s,
            body,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SOAP:Client",
            &[names],
            &[],
        )
        .await;
    }
    let mut latin1 = with_device_type("", "M\u{e6}").into_bytes();
    let at = latin1.windows(2).position(|w| w == "æ".as_bytes()).unwrap();
    latin1.splice(at..at + 2, [0xE6u8]);
    refused_on(
        &s,
        latin1,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["UTF-8"],
        &[],
    )
    .await;
    let nul = with_device_type("", "&#0;");
    refused_on(
        &s,
        nul,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SOAP:Client",
        &["Ugyldig"],
        &[],
    )
    .await;
    let bad_kommune = format!("{}?kommune=abc", s.ws_url(REGISTRATION));
    let r = post_soap(
        &s.maskinregistrering(),
        &bad_kommune,
        registration_xml(&valid_registration()),
    )
    .await;
    r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
    still_works(&s).await;
}

/// SOAP 1.1 §4.2.3: a header entry with `mustUnderstand="1"` that the service does not process must get a
/// `MustUnderstand` fault, and the message must not be processed.
#[tokio::test]
async fn a_must_understand_header_gets_a_must_understand_fault() {
    let s = Server::start().await;
    let reg = valid_registration();
    let xml = registration_xml(&reg).replace(
        "<soapenv:Header/>",
        "<soapenv:Header><x:Transaction xmlns:x=\"urn:example:tx\" soapenv:mustUnderstand=\"1\">5</x:Transaction>\
         </soapenv:Header>",
    );
    let r = post_soap(&s.maskinregistrering(), &s.ws_url(REGISTRATION), xml).await;
    let outcome = format!("{} {}", r.status, r.body);
    let registered = s.admin.registrations_for(&reg.ex_ident).await.len();
    assert_eq!(
        registered, 0,
        "a message with a header it did not understand was registered: {outcome}"
    );
    r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:MustUnderstand");
    s.assert_healthy().await;
}

/// A client that announces a body and then stops sending must not hold its request open forever: the request
/// timeout (here 1 s) ends it with an answer or by closing the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_ended_by_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("timeout.toml");
    std::fs::write(&cfg, "request_timeout_secs = 1\n").unwrap();
    let proc = spawn(&data, &["--config".as_ref(), cfg.as_os_str()]).await;
    let addr = proc.services;
    let data2 = data.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut conn = RawConn::connect(&data2, "maskinregistrering", addr, Duration::from_secs(5));
        let body = registration_xml(&valid_registration());
        conn.write(RawConn::post_head("/ws/MobileEquipRegistration_OS_SI", addr, body.len()).as_bytes())
            .unwrap();
        conn.write(&body.as_bytes()[..100]).unwrap();
        let started = Instant::now();
        (conn.read_response(), started.elapsed())
    })
    .await
    .unwrap();
    match outcome {
        (Ok((status, body)), _) => assert!(status >= 400, "{status} {body}"),
        (Err(e), _) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        (Err(e), waited) => panic!("the server still held the stalled request after {waited:?}: {e}"),
    }
    let admin = AdminApi::new(&data, proc.admin);
    let (status, _) = admin.get_unauthenticated("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}
