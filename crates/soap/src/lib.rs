//! SOAP 1.1 core shared by every service: a hardened XML reader producing a small
//! namespace-resolved DOM, envelope parsing with SOAP 1.1 checks, SAP PI style fault
//! envelopes and a tiny XML writer for responses. [`chars`] holds the XML 1.0 character and
//! name rules and escaping that every XML reader and writer in snitflade shares.
//!
//! Hostile input is the normal case: [`parse_document`] refuses DOCTYPEs, processing
//! instructions, unknown entities and anything that exceeds [`Limits`] while it reads,
//! without recursion. [`decode_request`] turns a request declared as UTF-16, ISO-8859-1 or
//! windows-1252 into the UTF-8 the reader reads ([`encoding`] has the rules).

pub mod chars;
pub mod encoding;
pub mod envelope;
pub mod fault;
pub mod reader;
pub mod writer;

pub use encoding::decode_request;
pub use envelope::{Envelope, SOAP11_NS, SoapError, parse_envelope};
pub use fault::{Fault, FaultCode};
pub use reader::{BulkText, Element, Limits, XmlError, parse_document};
pub use writer::{EMPTY_RESPONSE, XmlWriter, envelope_with};

/// Namespace of the SOAP 1.2 envelope; only used to recognise (and refuse) SOAP 1.2 requests.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
