//! Hardened XML reader: turns untrusted bytes into a small, namespace-resolved DOM.
//!
//! Built on quick-xml's [`NsReader`] in a single pass with an explicit element stack
//! (no recursion anywhere). Refused outright: DOCTYPE (so no DTD, no entity expansion,
//! no XXE), processing instructions, entities other than the five predefined ones,
//! non-UTF-8 input and characters XML 1.0 does not allow. [`Limits`] are enforced while
//! reading, so a 10,000-deep document is refused at the first level too many.
//!
//! One element may be named [`Limits::bulk_text`]: its character data is not copied but kept as byte ranges of
//! the input ([`Element::spans`]), so a large payload (a base64 document) is held once, in the request body.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::errors::{Error as QxError, IllFormedError, SyntaxError};
use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesDecl, BytesStart, Event};
use quick_xml::name::{NamespaceError, QName, ResolveResult};
use quick_xml::reader::NsReader;

use crate::chars::{find_invalid_char, is_qname, is_xml_char, is_xml_whitespace};

/// Resource limits enforced while reading. The body size itself is bounded by the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum element nesting depth (the root element is depth 1).
    pub max_depth: usize,
    /// Maximum number of elements in the whole document.
    pub max_elements: usize,
    /// Maximum length in bytes of an element's (unescaped) character data, and of an
    /// attribute value: bytes of UTF-8, whatever encoding the request came in.
    pub max_text_len: usize,
    /// Maximum number of attributes on one element, namespace declarations included.
    pub max_attributes: usize,
    /// Maximum length in bytes of an element or attribute name, prefix included.
    pub max_name_len: usize,
    /// The element whose character data is kept as ranges of the input instead of being copied.
    pub bulk_text: Option<BulkText>,
}

/// An element whose character data the reader leaves in the input: [`Element::text`] stays empty and
/// [`Element::spans`] holds the byte ranges of its text and CDATA content, in order, unescaped (they cannot hold
/// references: an entity or character reference in it is refused) and with line ends as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkText {
    /// Its namespace (`None` = unqualified) and local name.
    pub ns: Option<&'static str>,
    pub name: &'static str,
    /// Most bytes of character data it may hold (instead of [`Limits::max_text_len`]).
    pub max_len: usize,
}

impl Limits {
    /// The defaults: depth 64, 20,000 elements, 1 MiB of text per element, 64 attributes
    /// per element, names of at most 256 bytes.
    pub const DEFAULT: Limits = Limits {
        max_depth: 64,
        max_elements: 20_000,
        max_text_len: 1024 * 1024,
        max_attributes: 64,
        max_name_len: 256,
        bulk_text: None,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One element of the parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Resolved namespace URI; `None` = unqualified.
    pub ns: Option<String>,
    /// Local name (without prefix).
    pub name: String,
    /// `(namespace, local name, unescaped value)`; `xmlns` declarations are not included.
    /// Unprefixed attributes have no namespace.
    pub attributes: Vec<(Option<String>, String, String)>,
    /// Element children in document order.
    pub children: Vec<Element>,
    /// Concatenated, unescaped character data and CDATA directly inside this element
    /// (not trimmed; line endings normalised to `\n` as XML requires).
    pub text: String,
    /// For the [`Limits::bulk_text`] element only: where its character data lies in the input.
    pub spans: Vec<Range<usize>>,
}

impl Element {
    /// A new element without attributes, children or text.
    pub fn new(ns: Option<&str>, name: &str) -> Self {
        Self {
            ns: ns.map(str::to_owned),
            name: name.to_owned(),
            attributes: Vec::new(),
            children: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
        }
    }

    /// Whether this element has namespace `ns` and local name `name`.
    pub fn is(&self, ns: Option<&str>, name: &str) -> bool {
        self.name == name && self.ns.as_deref() == ns
    }

    /// The first *unqualified* child with local name `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.child_ns(None, name)
    }

    /// The first child with namespace `ns` and local name `name`.
    pub fn child_ns(&self, ns: Option<&str>, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// All *unqualified* children with local name `name`, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.is(None, name))
    }

    /// The trimmed text of the first unqualified child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The bulk character data (see [`BulkText`]) as slices of `input`, the document this element was read from.
    pub fn bulk_text<'i>(&self, input: &'i [u8]) -> impl Iterator<Item = &'i [u8]> {
        self.spans.iter().map(move |r| &input[r.clone()])
    }

    /// The value of the *unqualified* attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attribute_ns(None, name)
    }

    /// The value of the attribute with namespace `ns` and local name `name`.
    pub fn attribute_ns(&self, ns: Option<&str>, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(a_ns, a_name, _)| a_name == name && a_ns.as_deref() == ns)
            .map(|(_, _, value)| value.as_str())
    }
}

/// Why a document was refused. Display messages are Danish, short and actionable:
/// they end up in SOAP faults read by client developers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlError {
    #[error("DOCTYPE er ikke tilladt i SOAP-beskeder")]
    DoctypeForbidden,
    #[error("Processing instructions (<?…?>) er ikke tilladt i SOAP-beskeder")]
    ProcessingInstructionForbidden,
    #[error("XML-dokumentet er for dybt indlejret (højst {limit} niveauer)")]
    TooDeep { limit: usize },
    #[error("XML-dokumentet har for mange elementer (højst {limit})")]
    TooManyElements { limit: usize },
    #[error("Tekstindholdet i et element eller en attribut er for langt (højst {limit} bytes)")]
    TextTooLong { limit: usize },
    #[error("Et element har for mange attributter (højst {limit})")]
    TooManyAttributes { limit: usize },
    #[error("Et element- eller attributnavn er for langt (højst {limit} bytes)")]
    NameTooLong { limit: usize },
    #[error("Ukendt entitet &{0}; – kun &amp; &lt; &gt; &quot; &apos; og tegnreferencer er tilladt")]
    UnknownEntity(String),
    #[error("Navnerumspræfikset '{0}' er ikke erklæret")]
    UnboundPrefix(String),
    #[error("Beskeden er ikke gyldig UTF-8 (et andet tegnsæt skal angives i XML-erklæringen eller Content-Type)")]
    NotUtf8,
    #[error("Tegnsættet '{0}' understøttes ikke (brug UTF-8, UTF-16, ISO-8859-1 eller windows-1252)")]
    UnsupportedEncoding(String),
    #[error("Tegnsættet er angivet modstridende: {0}")]
    EncodingConflict(String),
    #[error("{0} kræver et byte order mark (BOM) allerførst i beskeden")]
    MissingByteOrderMark(String),
    #[error("Beskeden er ikke gyldig {encoding}: byte {position} er ikke et tegn i tegnsættet")]
    NotInEncoding { encoding: String, position: usize },
    #[error("Beskeden fylder mere end {limit} bytes, når den er omkodet til UTF-8")]
    DecodedTooLarge { limit: usize },
    #[error("Ugyldig XML: {0}")]
    Malformed(String),
    #[error("XML-dokumentet har intet rodelement")]
    NoRootElement,
    #[error("Der er indhold efter XML-dokumentets rodelement")]
    TrailingContent,
}

/// Parses `xml` (UTF-8, optionally with a BOM) into its root [`Element`]. A request in another encoding is
/// decoded first with [`crate::decode_request`].
///
/// Single pass, no recursion, no entity expansion beyond the five predefined entities
/// and character references. Whitespace and comments are allowed around the root; an
/// XML declaration only at the very start, and only with UTF-8 encoding.
pub fn parse_document(xml: &[u8], limits: &Limits) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(xml).map_err(|_| XmlError::NotUtf8)?;
    check_chars(text)?;
    Parser {
        reader: new_reader(text),
        input: xml,
        limits,
        stack: Vec::new(),
        root: None,
        elements: 0,
        bulk_depth: None,
    }
    .run()
}

fn new_reader(text: &str) -> NsReader<&[u8]> {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.enable_all_checks(true);
    config.allow_dangling_amp = false;
    config.allow_unmatched_ends = false;
    config.expand_empty_elements = false;
    config.trim_text(false);
    reader
}

struct Parser<'i, 'l> {
    reader: NsReader<&'i [u8]>,
    input: &'i [u8],
    limits: &'l Limits,
    /// Open elements, innermost last.
    stack: Vec<Element>,
    /// Set once the root element has been closed.
    root: Option<Element>,
    elements: usize,
    /// The stack depth of the open bulk-text element, if one is open.
    bulk_depth: Option<usize>,
}

impl Parser<'_, '_> {
    fn run(mut self) -> Result<Element, XmlError> {
        let mut first = true;
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(err) if self.root.is_some() => {
                    return Err(match err {
                        QxError::Syntax(SyntaxError::UnclosedDoctype) => XmlError::DoctypeForbidden,
                        QxError::Syntax(SyntaxError::UnclosedPI) => XmlError::ProcessingInstructionForbidden,
                        _ => XmlError::TrailingContent,
                    });
                }
                Err(err) => return Err(self.map_error(err)),
            };
            let at_start = std::mem::replace(&mut first, false);
            match event {
                Event::Start(start) => {
                    let element = self.open(&start)?;
                    if self.bulk_depth.is_none() && self.is_bulk(&element) {
                        self.bulk_depth = Some(self.stack.len());
                    }
                    self.stack.push(element);
                }
                Event::Empty(start) => {
                    let element = self.open(&start)?;
                    self.close(element);
                }
                Event::End(_) => match self.stack.pop() {
                    Some(element) => {
                        if self.bulk_depth == Some(self.stack.len()) {
                            self.bulk_depth = None;
                        }
                        self.close(element)
                    }
                    None => return Err(self.malformed("sluttag uden starttag")),
                },
                Event::Text(text) => {
                    if self.stack.is_empty() {
                        if !is_xml_whitespace(&text) {
                            return Err(self.outside_root("tekst"));
                        }
                    } else if self.in_bulk() {
                        self.append_span(text.as_bytes())?;
                    } else {
                        self.append_text(&text.xml10_content())?;
                    }
                }
                Event::CData(cdata) => {
                    if self.stack.is_empty() {
                        return Err(self.outside_root("CDATA"));
                    }
                    if self.in_bulk() {
                        self.append_span(cdata.as_bytes())?;
                    } else {
                        self.append_text(&cdata.xml10_content())?;
                    }
                }
                Event::GeneralRef(reference) => {
                    if self.stack.is_empty() {
                        return Err(self.outside_root("en entitetsreference"));
                    }
                    if self.in_bulk() {
                        let msg = format!(
                            "elementet <{}> må ikke indeholde entitets- eller tegnreferencer",
                            self.stack.last().map(|e| clip(&e.name)).unwrap_or_default()
                        );
                        return Err(self.malformed(&msg));
                    }
                    let mut buf = [0u8; 4];
                    let resolved: &str = if reference.is_char_ref() {
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) if is_xml_char(c) => c.encode_utf8(&mut buf),
                            _ => {
                                let msg = format!("ugyldig tegnreference &{};", clip(&reference.xml10_content()));
                                return Err(self.malformed(&msg));
                            }
                        }
                    } else {
                        match predefined_entity(&reference) {
                            Some(s) => s,
                            None if reference.is_empty() => {
                                return Err(self.malformed("tom entitetsreference &;"));
                            }
                            None => return Err(XmlError::UnknownEntity(clip(&reference))),
                        }
                    };
                    self.append_text(resolved)?;
                }
                Event::Comment(_) => {}
                Event::Decl(_) if self.root.is_some() => return Err(XmlError::TrailingContent),
                Event::Decl(decl) => {
                    if !at_start {
                        return Err(self.malformed(
                            "XML-erklæringen <?xml …?> må kun stå allerførst i dokumentet, \
                             uden blanktegn foran",
                        ));
                    }
                    self.check_decl(&decl)?;
                }
                Event::PI(_) => return Err(XmlError::ProcessingInstructionForbidden),
                Event::DocType(_) => return Err(XmlError::DoctypeForbidden),
                Event::Eof => {
                    if let Some(open) = self.stack.last() {
                        let msg = format!("elementet <{}> er ikke lukket", clip(&open.name));
                        return Err(self.malformed(&msg));
                    }
                    return self.root.take().ok_or(XmlError::NoRootElement);
                }
            }
        }
    }

    /// Builds the element for a start (or empty-element) tag, enforcing the limits.
    fn open(&mut self, start: &BytesStart<'_>) -> Result<Element, XmlError> {
        if self.root.is_some() {
            return Err(XmlError::TrailingContent);
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        if self.elements >= self.limits.max_elements {
            return Err(XmlError::TooManyElements {
                limit: self.limits.max_elements,
            });
        }
        self.elements += 1;

        let qname = start.name();
        self.check_name(qname.as_ref(), "elementnavn")?;
        if qname.as_ref().starts_with("xmlns:") {
            let msg = format!(
                "præfikset xmlns må ikke bruges på et element (<{}>)",
                clip(qname.as_ref())
            );
            return Err(self.malformed(&msg));
        }
        let (resolved, local) = self.reader.resolver().resolve_element(qname);
        let ns = namespace(resolved)?;
        let mut element = Element {
            ns,
            name: local.as_ref().to_owned(),
            attributes: Vec::new(),
            children: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
        };

        let mut count = 0usize;
        for attribute in start.attributes() {
            let attribute = match attribute {
                Ok(attribute) => attribute,
                Err(err) => {
                    let msg = format!("{} i <{}>", attr_error(&err), clip(qname.as_ref()));
                    return Err(self.malformed(&msg));
                }
            };
            count += 1;
            if count > self.limits.max_attributes {
                return Err(XmlError::TooManyAttributes {
                    limit: self.limits.max_attributes,
                });
            }
            let key: QName<'_> = attribute.key;
            self.check_name(key.as_ref(), "attributnavn")?;
            if key.as_namespace_binding().is_some() {
                continue;
            }
            let (resolved, local) = self.reader.resolver().resolve_attribute(key);
            let attr_ns = namespace(resolved)?;
            let value = self.attribute_value(&attribute.value)?;
            let local = local.as_ref();
            if element.attributes.iter().any(|(n, l, _)| l == local && *n == attr_ns) {
                let msg = format!(
                    "attributten {} forekommer to gange i <{}>",
                    clip(key.as_ref()),
                    clip(qname.as_ref())
                );
                return Err(self.malformed(&msg));
            }
            element.attributes.push((attr_ns, local.to_owned(), value.into_owned()));
        }
        Ok(element)
    }

    /// Attaches a finished element to its parent, or makes it the root.
    fn close(&mut self, element: Element) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
    }

    fn is_bulk(&self, element: &Element) -> bool {
        self.limits
            .bulk_text
            .is_some_and(|b| element.name == b.name && element.ns.as_deref() == b.ns)
    }

    /// Whether the innermost open element is the bulk-text element (its children's text is theirs).
    fn in_bulk(&self) -> bool {
        self.bulk_depth.is_some_and(|d| d + 1 == self.stack.len())
    }

    /// Records where a piece of the bulk-text element's character data lies in the input.
    fn append_span(&mut self, raw: &[u8]) -> Result<(), XmlError> {
        let limit = self.limits.bulk_text.map_or(0, |b| b.max_len);
        let start = (raw.as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
        // The reader hands out slices of the input; anything else would be a bug in this reader.
        if start > self.input.len() || raw.len() > self.input.len() - start {
            return Err(self.malformed("intern fejl: tekst uden for beskeden"));
        }
        let Some(current) = self.stack.last_mut() else {
            return Err(self.malformed("tekst uden for rodelementet"));
        };
        let len: usize = current.spans.iter().map(|r| r.len()).sum();
        if len.saturating_add(raw.len()) > limit {
            return Err(XmlError::TextTooLong { limit });
        }
        current.spans.push(start..start + raw.len());
        Ok(())
    }

    fn append_text(&mut self, text: &str) -> Result<(), XmlError> {
        let limit = self.limits.max_text_len;
        let Some(current) = self.stack.last_mut() else {
            return Err(self.malformed("tekst uden for rodelementet"));
        };
        if current.text.len().saturating_add(text.len()) > limit {
            return Err(XmlError::TextTooLong { limit });
        }
        current.text.push_str(text);
        Ok(())
    }

    fn check_decl(&self, decl: &BytesDecl<'_>) -> Result<(), XmlError> {
        match decl.version() {
            Ok(version) if is_xml1_version(&version) => {}
            Ok(version) => {
                let msg = format!("XML-version '{}' understøttes ikke (brug 1.0)", clip(&version));
                return Err(self.malformed(&msg));
            }
            Err(_) => return Err(self.malformed("XML-erklæringen mangler version=\"1.0\"")),
        }
        match decl.encoding() {
            None => Ok(()),
            Some(Ok(encoding)) if crate::encoding::is_utf8_label(&encoding) => Ok(()),
            Some(Ok(encoding)) => {
                let msg = format!(
                    "tegnsættet '{}' understøttes ikke – beskeden skal være UTF-8",
                    clip(&encoding)
                );
                Err(self.malformed(&msg))
            }
            Some(Err(err)) => {
                let msg = format!("ugyldig XML-erklæring: {err}");
                Err(self.malformed(&msg))
            }
        }
    }

    fn check_name(&self, name: &str, what: &str) -> Result<(), XmlError> {
        if name.len() > self.limits.max_name_len {
            return Err(XmlError::NameTooLong {
                limit: self.limits.max_name_len,
            });
        }
        if is_qname(name) {
            Ok(())
        } else {
            let msg = format!("ugyldigt {what} '{}'", clip(name));
            Err(self.malformed(&msg))
        }
    }

    /// Attribute-value normalisation (XML 1.0 §3.3.3) with only the predefined entities.
    fn attribute_value<'v>(&self, raw: &'v str) -> Result<Cow<'v, str>, XmlError> {
        let limit = self.limits.max_text_len;
        if !raw.contains(['&', '<', '\t', '\n', '\r']) {
            return if raw.len() > limit {
                Err(XmlError::TextTooLong { limit })
            } else {
                Ok(Cow::Borrowed(raw))
            };
        }
        let mut out = String::with_capacity(raw.len().min(limit));
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
            out.push_str(&rest[..i]);
            let c = rest.as_bytes()[i];
            rest = &rest[i + 1..];
            match c {
                b'<' => return Err(self.malformed("'<' er ikke tilladt i en attributværdi")),
                b'\r' => {
                    // "\r\n" and a lone "\r" are both one line end, hence one space.
                    rest = rest.strip_prefix('\n').unwrap_or(rest);
                    out.push(' ');
                }
                b'\t' | b'\n' => out.push(' '),
                _ => {
                    let Some(end) = rest.find(';') else {
                        return Err(self.malformed("'&' uden afsluttende ';' i en attributværdi"));
                    };
                    let name = &rest[..end];
                    rest = &rest[end + 1..];
                    if let Some(s) = predefined_entity(name) {
                        out.push_str(s);
                    } else if let Some(number) = name.strip_prefix('#') {
                        match parse_char_ref(number) {
                            Some(c) => out.push(c),
                            None => {
                                let msg = format!("ugyldig tegnreference &{};", clip(name));
                                return Err(self.malformed(&msg));
                            }
                        }
                    } else {
                        return Err(XmlError::UnknownEntity(clip(name)));
                    }
                }
            }
            if out.len() > limit {
                return Err(XmlError::TextTooLong { limit });
            }
        }
        out.push_str(rest);
        if out.len() > limit {
            return Err(XmlError::TextTooLong { limit });
        }
        Ok(Cow::Owned(out))
    }

    fn outside_root(&self, what: &str) -> XmlError {
        if self.root.is_some() {
            XmlError::TrailingContent
        } else {
            let msg = format!("{what} før rodelementet");
            self.malformed(&msg)
        }
    }

    fn malformed(&self, msg: &str) -> XmlError {
        XmlError::Malformed(format!("{msg} (position {})", self.reader.buffer_position()))
    }

    fn map_error(&self, err: QxError) -> XmlError {
        let position = match err {
            QxError::Syntax(_) | QxError::IllFormed(_) => self.reader.error_position(),
            _ => self.reader.buffer_position(),
        };
        let msg = match err {
            QxError::Syntax(SyntaxError::UnclosedDoctype) | QxError::IllFormed(IllFormedError::MissingDoctypeName) => {
                return XmlError::DoctypeForbidden;
            }
            QxError::Syntax(SyntaxError::UnclosedPI) => {
                return XmlError::ProcessingInstructionForbidden;
            }
            QxError::Encoding(_) => return XmlError::NotUtf8,
            QxError::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                return XmlError::UnknownEntity(clip(&name));
            }
            QxError::Namespace(NamespaceError::UnknownPrefix(prefix)) => {
                return XmlError::UnboundPrefix(clip(&prefix));
            }
            QxError::Syntax(syntax) => match syntax {
                SyntaxError::InvalidBangMarkup => "ukendt markup efter '<!'".to_owned(),
                SyntaxError::UnclosedXmlDecl => "XML-erklæringen er ikke afsluttet med '?>'".into(),
                SyntaxError::UnclosedComment => "kommentar er ikke afsluttet med '-->'".into(),
                SyntaxError::UnclosedCData => "CDATA er ikke afsluttet med ']]>'".into(),
                SyntaxError::UnclosedTag => "tag er ikke afsluttet med '>'".into(),
                SyntaxError::UnclosedSingleQuotedAttributeValue | SyntaxError::UnclosedDoubleQuotedAttributeValue => {
                    "attributværdi er ikke afsluttet med anførselstegn".into()
                }
                other => other.to_string(),
            },
            QxError::IllFormed(ill) => match ill {
                IllFormedError::MismatchedEndTag { expected, found } => {
                    format!("sluttagget </{}> passer ikke til <{}>", clip(&found), clip(&expected))
                }
                IllFormedError::UnmatchedEndTag(tag) => {
                    format!("sluttagget </{}> har intet starttag", clip(&tag))
                }
                IllFormedError::MissingEndTag(tag) => {
                    format!("elementet <{}> er ikke lukket", clip(&tag))
                }
                IllFormedError::UnclosedReference => "'&' uden afsluttende ';'".into(),
                IllFormedError::DoubleHyphenInComment => "'--' er ikke tilladt inde i en kommentar".into(),
                IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion => {
                    "XML-erklæringen skal have version=\"1.0\"".into()
                }
                other => other.to_string(),
            },
            QxError::InvalidAttr(attr) => attr_error(&attr).to_owned(),
            QxError::Namespace(NamespaceError::TooManyBindings(limit)) => {
                format!("for mange navnerumserklæringer i kraft på én gang (højst {limit})")
            }
            QxError::Namespace(NamespaceError::TooDeeplyNested(limit)) => {
                return XmlError::TooDeep { limit };
            }
            QxError::Namespace(ns) => format!("ugyldig navnerumserklæring: {ns}"),
            other => other.to_string(),
        };
        XmlError::Malformed(format!("{msg} (position {position})"))
    }
}

fn attr_error(err: &AttrError) -> &'static str {
    match err {
        AttrError::ExpectedEq(_) => "attribut uden '=' og værdi",
        AttrError::ExpectedValue(_) => "attribut uden værdi",
        AttrError::UnquotedValue(_) => "attributværdi uden anførselstegn",
        AttrError::ExpectedQuote(..) => "attributværdi er ikke afsluttet med anførselstegn",
        AttrError::Duplicated(..) => "samme attribut forekommer to gange",
    }
}

/// Resolved namespace of a name, or the unbound prefix as an error.
fn namespace(resolved: ResolveResult<'_>) -> Result<Option<String>, XmlError> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(ns.as_ref().to_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(XmlError::UnboundPrefix(clip(&prefix))),
    }
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

/// `number` is what follows `&#` (decimal, or `x` + hex); `None` if invalid or not an XML char.
fn parse_char_ref(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|&c| is_xml_char(c))
}

/// `1.0`, or `1.` + digits, which XML 1.0 (fifth edition) processors treat as 1.0.
fn is_xml1_version(version: &str) -> bool {
    version
        .strip_prefix("1.")
        .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
}

/// Refuses raw characters XML 1.0 does not allow: C0 controls other than tab, LF and CR,
/// and U+FFFE / U+FFFF.
fn check_chars(text: &str) -> Result<(), XmlError> {
    match find_invalid_char(text) {
        None => Ok(()),
        Some((i, c)) => Err(XmlError::Malformed(format!(
            "tegnet U+{:04X} er ikke tilladt i XML (position {i})",
            u32::from(c)
        ))),
    }
}

/// Client-supplied text echoed in an error message, cut to a sensible length.
fn clip(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests;
