//! SOAP 1.1 envelope parsing: root `Envelope`, optional `Header`, then `Body` with exactly
//! one payload element. Every refusal maps to a SOAP fault via [`SoapError::fault`].

use crate::fault::{Fault, FaultCode};
use crate::reader::{Element, Limits, XmlError, parse_document};

/// Namespace of the SOAP 1.1 envelope.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A parsed SOAP 1.1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The `Header` element, if present (usually empty).
    pub header: Option<Element>,
    /// The single element child of `Body`.
    pub payload: Element,
}

impl Envelope {
    /// Header entries carrying `SOAP:mustUnderstand="1"`. SOAP 1.1 requires a
    /// `MustUnderstand` fault for any of these the service does not process.
    pub fn must_understand_headers(&self) -> impl Iterator<Item = &Element> {
        self.header.iter().flat_map(|h| &h.children).filter(|entry| {
            entry
                .attribute_ns(Some(SOAP11_NS), "mustUnderstand")
                .is_some_and(|v| matches!(v.trim(), "1" | "true"))
        })
    }
}

/// Why a request is not an acceptable SOAP 1.1 envelope. Display messages are Danish.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SoapError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error(
        "SOAP-versionen understøttes ikke: Envelope skal være i navnerummet \
         http://schemas.xmlsoap.org/soap/envelope/ (SOAP 1.1)"
    )]
    VersionMismatch,
    #[error("Rodelementet skal være et SOAP 1.1 Envelope")]
    NotAnEnvelope,
    #[error("SOAP-konvolutten mangler Body")]
    MissingBody,
    #[error("Uventet indhold i SOAP-konvolutten: {0} (kun Header og derefter Body er tilladt)")]
    UnexpectedElement(String),
    #[error("SOAP Body er tom – den skal indeholde præcis ét element")]
    EmptyBody,
    #[error("SOAP Body indeholder mere end ét element – der må kun være ét")]
    MultipleBodyElements,
}

impl SoapError {
    /// The fault to answer with: `VersionMismatch` for a foreign envelope namespace,
    /// `Client` for everything else.
    pub fn fault(&self) -> Fault {
        match self {
            SoapError::VersionMismatch => Fault::new(FaultCode::VersionMismatch, self.to_string()),
            _ => Fault::client(format!("Ugyldig SOAP-besked: {self}")),
        }
    }
}

/// Parses a SOAP 1.1 request with the hardened reader and checks the envelope structure.
pub fn parse_envelope(xml: &[u8], limits: &Limits) -> Result<Envelope, SoapError> {
    let root = parse_document(xml, limits)?;
    if root.name != "Envelope" {
        return Err(SoapError::NotAnEnvelope);
    }
    if root.ns.as_deref() != Some(SOAP11_NS) {
        return Err(SoapError::VersionMismatch);
    }
    check_no_text(&root)?;

    let mut header = None;
    let mut body = None;
    for child in root.children {
        if body.is_none() && header.is_none() && child.is(Some(SOAP11_NS), "Header") {
            header = Some(child);
        } else if body.is_none() && child.is(Some(SOAP11_NS), "Body") {
            body = Some(child);
        } else {
            return Err(SoapError::UnexpectedElement(describe(&child)));
        }
    }
    let body = body.ok_or(SoapError::MissingBody)?;
    check_no_text(&body)?;
    let mut children = body.children.into_iter();
    match (children.next(), children.next()) {
        (None, _) => Err(SoapError::EmptyBody),
        (Some(payload), None) => Ok(Envelope { header, payload }),
        (Some(_), Some(_)) => Err(SoapError::MultipleBodyElements),
    }
}

/// `Envelope` and `Body` may only contain whitespace besides their elements.
fn check_no_text(element: &Element) -> Result<(), SoapError> {
    let text = element.text.trim();
    if text.is_empty() {
        return Ok(());
    }
    let mut shown: String = text.chars().take(40).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    Err(SoapError::UnexpectedElement(format!(
        "tekst \"{shown}\" i {}",
        element.name
    )))
}

fn describe(element: &Element) -> String {
    match &element.ns {
        Some(ns) => format!("elementet {{{ns}}}{}", element.name),
        None => format!("elementet {}", element.name),
    }
}

#[cfg(test)]
mod tests;
