//! Calling the SAP PI style services in process as a client would: the request envelope, the answer's payload
//! and its `ReturnStatus`.
#![allow(dead_code, reason = "each test binary uses the parts of `common` it needs")]

use snitflade_domain::Kommunekode;
use snitflade_services::{Services, SoapReply, find_service};
use snitflade_soap::{Element, Limits, parse_envelope};

/// `service` called as system `who` (with `kommune=` when given), its request root (`<Name>Request_MT`) in `ns`
/// holding `body`.
pub async fn call_as(s: &Services, who: &str, kommune: Option<&str>, service: &str, ns: &str, body: &str) -> SoapReply {
    let root = service.replace("_OS_SI", "Request_MT");
    let xml = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ns0:{root} xmlns:ns0=\"{ns}\">\
         {body}</ns0:{root}></s:Body></s:Envelope>"
    );
    let kommune = kommune.map(|k| Kommunekode::parse(k).unwrap());
    s.handle(
        find_service(service).unwrap(),
        &super::system(who),
        kommune,
        xml.as_bytes(),
    )
    .await
}

/// The answer's payload element (HTTP 200 required).
pub fn payload(reply: &SoapReply) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    parse_envelope(reply.body.as_bytes(), &Limits::default())
        .unwrap()
        .payload
}

/// `(StatusType, MessageText)` of either ReturnStatus form (plain, or with `item`s).
pub fn status(e: &Element) -> (String, String) {
    let rs = e.child("ReturnStatus").expect("ReturnStatus");
    let rs = rs.child("item").unwrap_or(rs);
    (
        rs.child_text("StatusType").unwrap_or_default().to_owned(),
        rs.child_text("MessageText").unwrap_or_default().to_owned(),
    )
}
