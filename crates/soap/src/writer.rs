//! A small, allocation-light XML writer for responses, plus the SAP PI style envelope.
//!
//! Escaping is [`crate::chars`]'s: text gets `&amp; &lt; &gt;` and `&#13;` (so a CR survives
//! the reader's line-end normalisation); attribute values additionally `&quot;`, `&#10;` and
//! `&#9;`. Characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, U+FFFE,
//! U+FFFF) are written as U+FFFD, so the output is always well-formed.

use crate::chars::{push_attr, push_text};

/// Opening of every response envelope (SAP PI style, double quotes).
pub(crate) const ENVELOPE_OPEN: &str =
    "<SOAP:Envelope xmlns:SOAP=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP:Header/><SOAP:Body>";
/// Closing of every response envelope.
pub(crate) const ENVELOPE_CLOSE: &str = "</SOAP:Body></SOAP:Envelope>";

/// The empty answer of KMD's machine-hours service description (e.g. to a registration), byte for byte.
pub const EMPTY_RESPONSE: &str =
    "<SOAP:Envelope xmlns:SOAP='http://schemas.xmlsoap.org/soap/envelope/'><SOAP:Header/><SOAP:Body/></SOAP:Envelope>";

/// Builds `<SOAP:Envelope …><SOAP:Header/><SOAP:Body>` + payload + `</SOAP:Body></SOAP:Envelope>`.
/// Elements the payload leaves open are closed before the Body.
pub fn envelope_with(payload: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = XmlWriter::with_capacity(1024);
    w.buf.push_str(ENVELOPE_OPEN);
    payload(&mut w);
    let mut xml = w.finish();
    xml.push_str(ENVELOPE_CLOSE);
    xml
}

/// String builder for XML. Element names are written as given (they come from code,
/// not from clients); text and attribute values are escaped.
#[derive(Debug, Default, Clone)]
pub struct XmlWriter {
    buf: String,
    /// Names of the open elements, concatenated; `ends[i]` is where name `i` ends.
    names: String,
    ends: Vec<usize>,
    /// A start tag has been written without its closing `>` yet.
    tag_open: bool,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: String::with_capacity(n),
            names: String::with_capacity(128),
            ends: Vec::with_capacity(8),
            tag_open: false,
        }
    }

    /// Opens element `name` (`<name`); attributes may follow.
    pub fn start(&mut self, name: &str) -> &mut Self {
        debug_assert!(!name.is_empty(), "empty element name");
        self.close_tag();
        self.buf.push('<');
        self.buf.push_str(name);
        self.names.push_str(name);
        self.ends.push(self.names.len());
        self.tag_open = true;
        self
    }

    /// Adds an attribute. Only valid right after [`start`](Self::start); panics otherwise
    /// in debug builds and is ignored in release builds.
    pub fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        debug_assert!(self.tag_open, "attr({name}) outside a start tag");
        if self.tag_open {
            self.buf.push(' ');
            self.buf.push_str(name);
            self.buf.push_str("=\"");
            push_attr(&mut self.buf, value);
            self.buf.push('"');
        }
        self
    }

    /// Escaped character data (closes a pending start tag first, even when empty).
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.close_tag();
        push_text(&mut self.buf, s);
        self
    }

    /// `<name>text</name>` (also for empty text).
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.close_tag();
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        push_text(&mut self.buf, text);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// [`leaf`](Self::leaf) when `Some`, nothing when `None`.
    pub fn leaf_opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }

    /// Pre-serialised XML, written unchanged.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.close_tag();
        self.buf.push_str(xml);
        self
    }

    /// Closes the innermost open element: `<x/>` if it got no content, else `</x>`.
    pub fn end(&mut self) -> &mut Self {
        let Some(end) = self.ends.pop() else {
            debug_assert!(false, "end() without an open element");
            return self;
        };
        let start = self.ends.last().copied().unwrap_or(0);
        if self.tag_open {
            self.buf.push_str("/>");
            self.tag_open = false;
        } else {
            self.buf.push_str("</");
            self.buf.push_str(&self.names[start..end]);
            self.buf.push('>');
        }
        self.names.truncate(start);
        self
    }

    /// Bytes written and not yet taken.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes the text written so far, leaving the writer empty but with its open elements: a long document can be
    /// passed on piece by piece. Its start tags are complete (a pending `>` is written first).
    pub fn take_written(&mut self) -> String {
        self.close_tag();
        std::mem::take(&mut self.buf)
    }

    /// Closes everything still open and returns the XML.
    pub fn finish(mut self) -> String {
        while !self.ends.is_empty() {
            self.end();
        }
        self.buf
    }

    fn close_tag(&mut self) {
        if self.tag_open {
            self.buf.push('>');
            self.tag_open = false;
        }
    }
}

#[cfg(test)]
mod tests;
