//! Tests for envelope parsing: the real samples of KMD's machine-hours service description and SOAP 1.1 structure
//! rules.

use super::*;
use crate::fault::FaultCode;

macro_rules! sample {
    ($file:literal) => {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/reference/seed-004/",
            $file
        ))
        .expect(concat!("seed sample ", $file))
    };
}

const MASTERDATA_NS: &str = "http://kmd.dk/mobile_equip_masterdata/kmd";
const EQUIPREG_NS: &str = "http://kmd.dk/mobile_equipreg/kmd";

fn env(xml: &str) -> Result<Envelope, SoapError> {
    parse_envelope(xml.as_bytes(), &Limits::default())
}

fn wrap(body: &str) -> String {
    format!("<s:Envelope xmlns:s=\"{SOAP11_NS}\"><s:Header/><s:Body>{body}</s:Body></s:Envelope>")
}

// ---------------------------------------------------------------- KMD's samples

#[test]
fn masterdata_request_sample() {
    let env = parse_envelope(&sample!("masterdata-request.xml"), &Limits::default()).unwrap();
    let header = env.header.as_ref().unwrap();
    assert!(header.is(Some(SOAP11_NS), "Header") && header.children.is_empty());
    let p = &env.payload;
    assert!(p.is(Some(MASTERDATA_NS), "ZPSA_CN27_MASTERDATA_REQUEST_MT"));
    assert_eq!(p.child_text("PERSONAL_ID"), Some("12345"));
    assert_eq!(p.child_text("KOMMUNEKODE"), Some("751"));
    assert_eq!(p.child_text("DEVICE_TYPE"), Some(""));
    assert_eq!(p.child_text("GUID"), Some(""));
    assert!(p.children.iter().all(|c| c.ns.is_none()));
    assert_eq!(p.children.len(), 5);
}

#[test]
fn registration_request_sample() {
    let env = parse_envelope(&sample!("registration-request.xml"), &Limits::default()).unwrap();
    let p = &env.payload;
    assert!(p.is(Some(EQUIPREG_NS), "ZPSA_CN27_DATA_MT"));
    assert_eq!(p.child_text("PERSONAL_ID"), Some("77736"));
    assert_eq!(p.child_text("DEVICE_TYPE"), Some("Mobile"));
    assert_eq!(p.child_text("NETWORK"), Some("519827"));
    assert_eq!(p.child_text("KOMMUNEKODE"), Some("751"));
    let conf = p.child("I_CONFIRMATION").unwrap();
    assert_eq!(conf.child_text("ACTIVITY"), Some("0300"));
    assert_eq!(conf.child_text("WORK_CNTR"), Some("1000"));
    assert_eq!(conf.child_text("PLANT"), Some(""));
    assert_eq!(conf.child_text("EX_IDENT"), Some("ABCDEABCDE66598040861E0000002008"));
    assert_eq!(p.child("EX_IDENT"), None);
}

#[test]
fn masterdata_response_sample() {
    let env = parse_envelope(&sample!("masterdata-response.xml"), &Limits::default()).unwrap();
    let p = &env.payload;
    assert!(p.is(Some(MASTERDATA_NS), "ZPSA_CN27_MASTERDATA_RESPONSE_MT"));
    assert_eq!(p.child_text("PERNR"), Some("00000001"));
    assert_eq!(
        p.child("NETWORK_TBL").unwrap().child_text("KTEXT"),
        Some("Mobiltest LWZ netværk")
    );
    let activities: Vec<_> = p
        .children_named("NETWORK_ACTIVITY_TBL")
        .map(|t| (t.child_text("ACTIVITY").unwrap(), t.child_text("SUBACTIVITY")))
        .collect();
    assert_eq!(
        activities,
        [("0300", None), ("0300", Some("0400")), ("0320", None), ("0410", None)]
    );
    assert_eq!(
        p.child("WORK_CENTER_TBL").unwrap().child_text("KTEXT"),
        Some("Tromle M410")
    );
}

#[test]
fn fault_sample_and_its_detail() {
    let env = parse_envelope(&sample!("masterdata-fault-unknown-employee.xml"), &Limits::default()).unwrap();
    let fault = &env.payload;
    assert!(fault.is(Some(SOAP11_NS), "Fault"));
    assert_eq!(fault.child_text("faultcode"), Some("SOAP:Server"));
    assert_eq!(fault.child_text("faultstring"), Some("Server Error"));
    let detail = fault.child("detail").unwrap();
    assert_eq!(detail.children.len(), 1);
    let msg = &detail.children[0];
    assert!(msg.is(Some(MASTERDATA_NS), "CN27_FaultMsg_FMT_OB"));
    let standard = msg.child("standard").unwrap();
    assert_eq!(standard.child_text("faultText"), Some("Der er opstået en fejl"));
    let fd = standard.child("faultDetail").unwrap();
    assert_eq!(fd.child_text("severity"), Some("High"));
    assert_eq!(
        fd.child_text("text"),
        Some("Medarbejdernummer 77736333 findes ikke i systemet")
    );
    assert_eq!(fd.child_text("id"), Some("01"));
}

#[test]
fn registration_response_sample_is_the_empty_response() {
    let bytes = sample!("registration-response.xml");
    assert_eq!(bytes, crate::EMPTY_RESPONSE.as_bytes());
    // It is a valid document, but as a request it has an empty Body.
    let root = crate::parse_document(&bytes, &Limits::default()).unwrap();
    assert!(root.is(Some(SOAP11_NS), "Envelope"));
    assert_eq!(parse_envelope(&bytes, &Limits::default()), Err(SoapError::EmptyBody));
}

// ---------------------------------------------------------------- structure

#[test]
fn header_is_optional_and_default_namespace_works() {
    let env = env(&format!(
        "<Envelope xmlns=\"{SOAP11_NS}\"><Body><x:P xmlns:x=\"urn:x\"/></Body></Envelope>"
    ))
    .unwrap();
    assert!(env.header.is_none());
    assert!(env.payload.is(Some("urn:x"), "P"));
}

#[test]
fn payload_in_default_namespace_keeps_children_qualified() {
    let env = env(&wrap("<P xmlns=\"urn:x\"><A>1</A></P>")).unwrap();
    assert!(env.payload.is(Some("urn:x"), "P"));
    assert!(env.payload.child("A").is_none());
    assert_eq!(
        env.payload.child_ns(Some("urn:x"), "A").map(|a| a.text.as_str()),
        Some("1")
    );
}

#[test]
fn soap12_envelope_is_a_version_mismatch() {
    let xml = "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">\
               <e:Body><a/></e:Body></e:Envelope>";
    let err = env(xml).unwrap_err();
    assert_eq!(err, SoapError::VersionMismatch);
    let fault = err.fault();
    assert_eq!(fault.code, FaultCode::VersionMismatch);
    assert!(fault.to_xml().contains("<faultcode>SOAP:VersionMismatch</faultcode>"));
    assert_eq!(
        env("<Envelope xmlns=\"urn:other\"><Body><a/></Body></Envelope>"),
        Err(SoapError::VersionMismatch)
    );
    assert_eq!(
        env("<Envelope><Body><a/></Body></Envelope>"),
        Err(SoapError::VersionMismatch)
    );
}

#[test]
fn other_roots_are_not_envelopes() {
    assert_eq!(env("<a/>"), Err(SoapError::NotAnEnvelope));
    assert_eq!(
        env(&format!("<s:Body xmlns:s=\"{SOAP11_NS}\"><a/></s:Body>")),
        Err(SoapError::NotAnEnvelope)
    );
}

#[test]
fn body_rules() {
    assert_eq!(env(&wrap("")), Err(SoapError::EmptyBody));
    assert_eq!(env(&wrap("  \n <!-- nothing --> ")), Err(SoapError::EmptyBody));
    assert_eq!(env(&wrap("<a/><b/>")), Err(SoapError::MultipleBodyElements));
    assert!(matches!(
        env(&wrap("text<a/>")),
        Err(SoapError::UnexpectedElement(s)) if s.contains("text")
    ));
    let ok = env(&wrap("\n  <!-- c --><a>x</a>\n")).unwrap();
    assert!(ok.payload.is(None, "a"));
    assert_eq!(
        env(&format!("<s:Envelope xmlns:s=\"{SOAP11_NS}\"><s:Body/></s:Envelope>")),
        Err(SoapError::EmptyBody)
    );
}

#[test]
fn envelope_children_rules() {
    let e = |inner: &str| env(&format!("<s:Envelope xmlns:s=\"{SOAP11_NS}\">{inner}</s:Envelope>"));
    assert_eq!(e(""), Err(SoapError::MissingBody));
    assert_eq!(e("<s:Header/>"), Err(SoapError::MissingBody));
    assert!(matches!(
        e("<s:Body><a/></s:Body><s:Header/>"),
        Err(SoapError::UnexpectedElement(s)) if s.contains("Header")
    ));
    assert!(matches!(
        e("<s:Header/><s:Header/><s:Body><a/></s:Body>"),
        Err(SoapError::UnexpectedElement(_))
    ));
    assert!(matches!(
        e("<s:Body><a/></s:Body><s:Body><a/></s:Body>"),
        Err(SoapError::UnexpectedElement(_))
    ));
    assert!(matches!(
        e("<s:Body><a/></s:Body><extra/>"),
        Err(SoapError::UnexpectedElement(s)) if s.contains("extra")
    ));
    assert!(matches!(
        e("<Header/><s:Body><a/></s:Body>"),
        Err(SoapError::UnexpectedElement(_))
    ));
    assert!(matches!(
        e("<s:Body xmlns:s=\"urn:not-soap\"><a/></s:Body>"),
        Err(SoapError::UnexpectedElement(s)) if s.contains("urn:not-soap")
    ));
    assert!(matches!(
        e("junk<s:Body><a/></s:Body>"),
        Err(SoapError::UnexpectedElement(_))
    ));
    let ok = e("\n <!-- c --> <s:Header><h:x xmlns:h=\"urn:h\"/></s:Header>\n<s:Body><a/></s:Body>\n").unwrap();
    assert_eq!(ok.header.unwrap().children.len(), 1);
}

#[test]
fn must_understand_headers_are_listed() {
    let xml = format!(
        "<s:Envelope xmlns:s=\"{SOAP11_NS}\"><s:Header>\
         <a:Sec xmlns:a=\"urn:a\" s:mustUnderstand=\"1\"/><a:Info xmlns:a=\"urn:a\" s:mustUnderstand=\"0\"/>\
         <a:Plain xmlns:a=\"urn:a\" mustUnderstand=\"1\"/></s:Header><s:Body><p/></s:Body></s:Envelope>"
    );
    let env = env(&xml).unwrap();
    let names: Vec<_> = env.must_understand_headers().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["Sec"]);
}

#[test]
fn xml_errors_pass_through_and_become_client_faults() {
    let doctype = format!(
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
        wrap("<a>&e;</a>")
    );
    let err = env(&doctype).unwrap_err();
    assert_eq!(err, SoapError::Xml(XmlError::DoctypeForbidden));
    let fault = err.fault();
    assert_eq!(fault.code, FaultCode::Client);
    assert_eq!(
        fault.string,
        "Ugyldig SOAP-besked: DOCTYPE er ikke tilladt i SOAP-beskeder"
    );
    assert!(fault.to_xml().contains(
        "<faultcode>SOAP:Client</faultcode><faultstring>Ugyldig SOAP-besked: DOCTYPE er ikke tilladt i SOAP-beskeder</faultstring>"
    ));
    assert_eq!(
        env(&wrap("<?pi x?><a/>")),
        Err(SoapError::Xml(XmlError::ProcessingInstructionForbidden))
    );
    assert_eq!(
        env(&format!("{}<x/>", wrap("<a/>"))),
        Err(SoapError::Xml(XmlError::TrailingContent))
    );
}

#[test]
fn every_error_has_a_danish_fault_string() {
    let errors = [
        SoapError::Xml(XmlError::NotUtf8),
        SoapError::NotAnEnvelope,
        SoapError::MissingBody,
        SoapError::UnexpectedElement("elementet x".into()),
        SoapError::EmptyBody,
        SoapError::MultipleBodyElements,
    ];
    for err in errors {
        let fault = err.fault();
        assert_eq!(fault.code, FaultCode::Client, "{err:?}");
        assert!(fault.string.starts_with("Ugyldig SOAP-besked: "), "{}", fault.string);
        assert!(fault.string.len() > "Ugyldig SOAP-besked: ".len() + 5);
        assert!(fault.detail.is_none());
    }
}
