//! SOAP 1.1 faults, serialised exactly the way SAP PI writes them (the wire format
//! clients compare against).

use crate::writer::{ENVELOPE_CLOSE, ENVELOPE_OPEN, XmlWriter};

/// SOAP 1.1 fault codes (written with the `SOAP:` prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    VersionMismatch,
    MustUnderstand,
    Client,
    Server,
}

impl FaultCode {
    /// The qualified name written in `<faultcode>`, e.g. `SOAP:Client`.
    pub fn qname(self) -> &'static str {
        match self {
            FaultCode::VersionMismatch => "SOAP:VersionMismatch",
            FaultCode::MustUnderstand => "SOAP:MustUnderstand",
            FaultCode::Client => "SOAP:Client",
            FaultCode::Server => "SOAP:Server",
        }
    }
}

/// A SOAP fault ready to be serialised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: FaultCode,
    /// Human-readable `faultstring` (escaped on output).
    pub string: String,
    /// Raw, already-serialised XML placed inside `<detail>`; no `<detail>` when `None`.
    pub detail: Option<String>,
}

impl Fault {
    pub fn new(code: FaultCode, string: impl Into<String>) -> Self {
        Self {
            code,
            string: string.into(),
            detail: None,
        }
    }

    /// A `SOAP:Client` fault: the request was wrong.
    pub fn client(string: impl Into<String>) -> Self {
        Self::new(FaultCode::Client, string)
    }

    /// A `SOAP:Server` fault: the request may be fine, processing failed.
    pub fn server(string: impl Into<String>) -> Self {
        Self::new(FaultCode::Server, string)
    }

    /// Sets the raw XML to put inside `<detail>`.
    pub fn with_detail(mut self, xml: String) -> Self {
        self.detail = Some(xml);
        self
    }

    /// The complete fault envelope, byte for byte as SAP PI writes it.
    pub fn to_xml(&self) -> String {
        let detail_len = self.detail.as_ref().map_or(0, |d| d.len() + 17);
        let mut w =
            XmlWriter::with_capacity(ENVELOPE_OPEN.len() + ENVELOPE_CLOSE.len() + 90 + self.string.len() + detail_len);
        w.raw(ENVELOPE_OPEN)
            .start("SOAP:Fault")
            .leaf("faultcode", self.code.qname())
            .leaf("faultstring", &self.string);
        if let Some(detail) = &self.detail {
            w.start("detail").raw(detail).end();
        }
        w.end();
        let mut xml = w.finish();
        xml.push_str(ENVELOPE_CLOSE);
        xml
    }
}

/// The namespace of snitflade's own fault detail entries.
pub const DETAIL_NS: &str = "urn:snitflade:fault";

/// The code of a fault [`Fault::to_xml`] wrote; `None` for any other document.
pub fn code_of(xml: &str) -> Option<FaultCode> {
    let rest = xml
        .strip_prefix(ENVELOPE_OPEN)?
        .strip_prefix("<SOAP:Fault><faultcode>")?;
    let code = &rest[..rest.find('<')?];
    [
        FaultCode::VersionMismatch,
        FaultCode::MustUnderstand,
        FaultCode::Client,
        FaultCode::Server,
    ]
    .into_iter()
    .find(|c| c.qname() == code)
}

/// `xml`, a fault [`Fault::to_xml`] wrote without a detail, with a `<detail>` holding the request's id, so support
/// can find the request's log lines: `<detail><sf:requestId xmlns:sf="urn:snitflade:fault">…</sf:requestId>
/// </detail>`. SOAP 1.1 (§4.4) allows any namespace-qualified detail entries, and WS-I Basic Profile 1.1 (R2742)
/// detail entries the WSDL does not describe, so clients built from the WSDLs read such a fault as before (none of
/// the generic faults is declared in any WSDL). `None` for anything else: a fault with a detail of its own — an
/// interface's declared fault, answered exactly as its contract shows it — or a document that is not our fault.
pub fn with_request_id(xml: &str, id: &str) -> Option<String> {
    let tail = ["</faultstring></SOAP:Fault>", ENVELOPE_CLOSE].concat();
    code_of(xml)?;
    let head = xml.strip_suffix(tail.as_str())?;
    let mut entry = XmlWriter::with_capacity(96 + id.len());
    entry
        .start("detail")
        .start("sf:requestId")
        .attr("xmlns:sf", DETAIL_NS)
        .text(id)
        .end()
        .end();
    Some([head, "</faultstring>", &entry.finish(), "</SOAP:Fault>", ENVELOPE_CLOSE].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::{Limits, parse_document};
    use crate::{SOAP11_NS, parse_envelope};

    #[test]
    fn server_fault_matches_sap_pi_byte_for_byte() {
        let xml = Fault::server("Server Error")
            .with_detail("<x:D xmlns:x=\"urn:x\"/>".to_owned())
            .to_xml();
        assert_eq!(
            xml,
            "<SOAP:Envelope xmlns:SOAP=\"http://schemas.xmlsoap.org/soap/envelope/\">\
             <SOAP:Header/><SOAP:Body><SOAP:Fault><faultcode>SOAP:Server</faultcode>\
             <faultstring>Server Error</faultstring><detail><x:D xmlns:x=\"urn:x\"/></detail>\
             </SOAP:Fault></SOAP:Body></SOAP:Envelope>"
        );
    }

    #[test]
    fn no_detail_element_without_detail_and_string_is_escaped() {
        let xml = Fault::client("a < b & c > d \"q\"").to_xml();
        assert!(!xml.contains("<detail"), "{xml}");
        assert!(
            xml.contains("<faultcode>SOAP:Client</faultcode><faultstring>a &lt; b &amp; c &gt; d \"q\"</faultstring></SOAP:Fault>"),
            "{xml}"
        );
        let root = parse_document(xml.as_bytes(), &Limits::default()).unwrap();
        let fault = &root.children[1].children[0];
        assert!(fault.is(Some(SOAP11_NS), "Fault"));
        assert_eq!(fault.child_text("faultstring"), Some("a < b & c > d \"q\""));
    }

    #[test]
    fn all_fault_codes_are_written_with_soap_prefix() {
        for (code, text) in [
            (FaultCode::VersionMismatch, "SOAP:VersionMismatch"),
            (FaultCode::MustUnderstand, "SOAP:MustUnderstand"),
            (FaultCode::Client, "SOAP:Client"),
            (FaultCode::Server, "SOAP:Server"),
        ] {
            let xml = Fault::new(code, "x").to_xml();
            assert!(xml.contains(&format!("<faultcode>{text}</faultcode>")), "{xml}");
        }
    }

    #[test]
    fn fault_envelope_body_is_a_fault_payload() {
        // The fault envelope is itself a valid SOAP 1.1 envelope with one Body child.
        let xml = Fault::server("Server Error").with_detail("<d>1</d>".into()).to_xml();
        let env = parse_envelope(xml.as_bytes(), &Limits::default()).unwrap();
        assert!(env.payload.is(Some(SOAP11_NS), "Fault"));
        assert_eq!(env.payload.child_text("faultcode"), Some("SOAP:Server"));
        assert_eq!(env.payload.child("detail").unwrap().child_text("d"), Some("1"));
    }

    #[test]
    fn a_request_id_goes_into_a_new_detail_of_a_fault_without_one() {
        let xml = Fault::client("nej").to_xml();
        assert_eq!(code_of(&xml), Some(FaultCode::Client));
        let with = with_request_id(&xml, "abc-1<&").unwrap();
        assert_eq!(
            with,
            "<SOAP:Envelope xmlns:SOAP=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP:Header/><SOAP:Body>\
             <SOAP:Fault><faultcode>SOAP:Client</faultcode><faultstring>nej</faultstring><detail>\
             <sf:requestId xmlns:sf=\"urn:snitflade:fault\">abc-1&lt;&amp;</sf:requestId></detail></SOAP:Fault>\
             </SOAP:Body></SOAP:Envelope>"
        );
        let env = parse_envelope(with.as_bytes(), &Limits::default()).unwrap();
        let detail = env.payload.child("detail").unwrap();
        assert_eq!(detail.children.len(), 1);
        assert_eq!(detail.child_ns(Some(DETAIL_NS), "requestId").unwrap().text, "abc-1<&");
        assert_eq!(code_of(&with), Some(FaultCode::Client));
    }

    #[test]
    fn a_fault_with_its_own_detail_and_other_documents_are_left_alone() {
        let typed = Fault::server("Server Error")
            .with_detail("<x:D xmlns:x=\"urn:x\"/>".into())
            .to_xml();
        assert_eq!(code_of(&typed), Some(FaultCode::Server));
        assert_eq!(with_request_id(&typed, "id"), None);
        assert_eq!(with_request_id(crate::EMPTY_RESPONSE, "id"), None);
        assert_eq!(code_of(crate::EMPTY_RESPONSE), None);
        let answer = crate::envelope_with(|w| {
            w.leaf("faultstring", "x");
        });
        assert_eq!(with_request_id(&answer, "id"), None);
    }
}
