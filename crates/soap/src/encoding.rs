//! The character encoding of a request, and its decoding to UTF-8 ahead of the hardened reader.
//!
//! Three sources may say what the bytes are (XML 1.0 §4.3.3 and Appendix F, with HTTP's `Content-Type`): a byte order
//! mark, the XML declaration's `encoding=`, and the `charset` parameter of the `Content-Type` header. Every source
//! present must agree, or the request is refused ([`XmlError::EncodingConflict`]); none at all means UTF-8, so bytes
//! that are not UTF-8 and not declared as anything else are refused as before ([`XmlError::NotUtf8`]).
//!
//! Supported: UTF-8; UTF-16 with a byte order mark (XML 1.0 requires one; UTF-16 without it is refused);
//! ISO-8859-1, US-ASCII and windows-1252, all three read as windows-1252 (the WHATWG mapping `encoding_rs`
//! implements): ISO-8859-1's bytes 0x80–0x9F are C1 control characters that HR data never holds, and in practice
//! such bytes in a message labelled ISO-8859-1 are windows-1252 text (0x80 = €, 0x96 = –), so they are read as that;
//! the five bytes windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are refused. Characters XML does not
//! allow (C0 controls, U+FFFE/U+FFFF) are refused by the reader after decoding, whatever the encoding.
//!
//! Limits: the body's byte limit holds for the raw bytes (the HTTP layer) and again for the decoded UTF-8 text
//! (`max_bytes` here: windows-1252 grows up to 3× and UTF-16 up to 1.5× in UTF-8), so no encoding lets a client make
//! the server hold more than a UTF-8 request could; the decoder never allocates more than that. The reader's limits
//! (text lengths in bytes, element counts) then apply to the decoded text. In the decoded text the declaration's
//! `encoding` pseudo-attribute is blanked out with spaces (no `encoding` means UTF-8, as the text now is; every
//! length and position stays as decoded). Answers are always UTF-8.

use std::borrow::Cow;
use std::ops::Range;

use encoding_rs::{DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::reader::XmlError;

/// The encodings read, as far as decoding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    /// UTF-16, little-endian (`Some(true)`), big-endian (`Some(false)`) or either (the label `UTF-16`).
    Utf16 {
        little_endian: Option<bool>,
    },
    /// ISO-8859-1, US-ASCII and windows-1252.
    Windows1252,
}

impl Charset {
    /// The charset of an encoding label (case and surrounding white space ignored); `None` if not supported.
    fn for_label(label: &[u8]) -> Option<Charset> {
        let encoding = Encoding::for_label(label)?;
        if encoding == UTF_8 {
            Some(Charset::Utf8)
        } else if encoding == WINDOWS_1252 {
            Some(Charset::Windows1252)
        } else if encoding == UTF_16LE || encoding == UTF_16BE {
            // encoding_rs maps the plain label "utf-16" (and "unicode", "ucs-2", …) to UTF-16LE; only the labels
            // that name a byte order fix one.
            let trimmed = label.trim_ascii();
            let named = |name: &[u8]| trimmed.eq_ignore_ascii_case(name);
            let little_endian = if named(b"utf-16le") {
                Some(true)
            } else if named(b"utf-16be") || named(b"unicodefffe") {
                Some(false)
            } else {
                None
            };
            Some(Charset::Utf16 { little_endian })
        } else {
            None
        }
    }

    /// Whether two sources' charsets can both be true of one document.
    fn agrees_with(self, other: Charset) -> bool {
        match (self, other) {
            (Charset::Utf16 { little_endian: a }, Charset::Utf16 { little_endian: b }) => {
                a.is_none() || b.is_none() || a == b
            }
            (a, b) => a == b,
        }
    }
}

/// Where a statement about the encoding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    ByteOrderMark,
    Declaration,
    ContentType,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::ByteOrderMark => "byte order mark (BOM)",
            Source::Declaration => "XML-erklæringen",
            Source::ContentType => "Content-Type",
        }
    }
}

/// One source's statement: its charset and the label as written.
#[derive(Debug, Clone)]
struct Claim {
    source: Source,
    label: String,
    charset: Charset,
}

impl Claim {
    fn new(source: Source, label: &[u8]) -> Result<Claim, XmlError> {
        let shown = clip(&String::from_utf8_lossy(label.trim_ascii()));
        match Charset::for_label(label) {
            Some(charset) => Ok(Claim {
                source,
                label: shown,
                charset,
            }),
            None => Err(XmlError::UnsupportedEncoding(shown)),
        }
    }

    fn bom(label: &str, charset: Charset) -> Claim {
        Claim {
            source: Source::ByteOrderMark,
            label: label.to_owned(),
            charset,
        }
    }
}

/// Whether `label` names UTF-8 (`UTF-8`, `utf8`, … in any case).
pub(crate) fn is_utf8_label(label: &str) -> bool {
    Charset::for_label(label.as_bytes()) == Some(Charset::Utf8)
}

/// The `charset` parameter of a `Content-Type` header value (quotes removed), if it has a non-empty one.
pub fn charset_parameter(content_type: &str) -> Option<&str> {
    content_type
        .split(';')
        .skip(1)
        .find_map(|parameter| {
            let (name, value) = parameter.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| value.trim().trim_matches('"').trim())
        })
        .filter(|charset| !charset.is_empty())
}

/// The request body `body` as UTF-8 for [`crate::parse_document`]: borrowed when it is UTF-8 already, else decoded
/// (at most `max_bytes` of UTF-8) with the `encoding` of its XML declaration blanked out. `content_type` is the request's
/// `Content-Type` header, if any. See the module documentation for the rules.
pub fn decode_request<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    max_bytes: usize,
) -> Result<Cow<'a, [u8]>, XmlError> {
    let header = content_type
        .and_then(charset_parameter)
        .map(|label| Claim::new(Source::ContentType, label.as_bytes()))
        .transpose()?;

    let (bom, rest) = byte_order_mark(body)?;
    if let Some(Claim {
        charset: Charset::Utf16 { little_endian },
        ..
    }) = bom
    {
        // The declaration is read from the decoded text: UTF-16 is not ASCII-compatible.
        let (encoding, label) = if little_endian == Some(true) {
            (UTF_16LE, "UTF-16LE")
        } else {
            (UTF_16BE, "UTF-16BE")
        };
        let text = decode(encoding, rest, body.len() - rest.len(), max_bytes, label)?;
        let declared = declared_encoding(text.as_bytes())
            .map(|d| Claim::new(Source::Declaration, d.label))
            .transpose()?;
        agree(&[bom, declared, header])?;
        return Ok(Cow::Owned(with_utf8_declaration(text)));
    }

    if bom.is_none() && (body.starts_with(b"<\0") || body.starts_with(b"\0<")) {
        let order = if body[0] == b'<' { "UTF-16LE" } else { "UTF-16BE" };
        return Err(XmlError::MissingByteOrderMark(order.to_owned()));
    }
    // ASCII-compatible from here on: the declaration can be read from the bytes themselves.
    let declared = declared_encoding(rest)
        .map(|d| Claim::new(Source::Declaration, d.label))
        .transpose()?;
    let claims = [bom, declared, header];
    let charset = agree(&claims)?;
    match charset {
        None | Some(Charset::Utf8) => Ok(Cow::Borrowed(body)),
        Some(Charset::Utf16 { .. }) => {
            let label = claims
                .iter()
                .flatten()
                .map(|c| c.label.clone())
                .next()
                .unwrap_or_default();
            Err(XmlError::MissingByteOrderMark(label))
        }
        Some(Charset::Windows1252) => {
            let label = claims
                .iter()
                .flatten()
                .map(|c| c.label.clone())
                .next()
                .unwrap_or_default();
            if let Some(position) = body.iter().position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)) {
                return Err(XmlError::NotInEncoding {
                    encoding: label,
                    position,
                });
            }
            let text = decode(WINDOWS_1252, body, 0, max_bytes, &label)?;
            Ok(Cow::Owned(with_utf8_declaration(text)))
        }
    }
}

/// The byte order mark's claim, if the body starts with one, and the body after it.
fn byte_order_mark(body: &[u8]) -> Result<(Option<Claim>, &[u8]), XmlError> {
    if body.starts_with(&[0, 0, 0xFE, 0xFF]) || body.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Err(XmlError::UnsupportedEncoding("UTF-32".to_owned()));
    }
    Ok(if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        (Some(Claim::bom("UTF-8", Charset::Utf8)), rest)
    } else if let Some(rest) = body.strip_prefix(b"\xFF\xFE") {
        let charset = Charset::Utf16 {
            little_endian: Some(true),
        };
        (Some(Claim::bom("UTF-16LE", charset)), rest)
    } else if let Some(rest) = body.strip_prefix(b"\xFE\xFF") {
        let charset = Charset::Utf16 {
            little_endian: Some(false),
        };
        (Some(Claim::bom("UTF-16BE", charset)), rest)
    } else {
        (None, body)
    })
}

/// The charset every present claim agrees on (`None`: nobody said anything), or the first disagreement.
fn agree(claims: &[Option<Claim>]) -> Result<Option<Charset>, XmlError> {
    let present: Vec<&Claim> = claims.iter().flatten().collect();
    for (i, a) in present.iter().enumerate() {
        if let Some(b) = present[i + 1..].iter().find(|b| !a.charset.agrees_with(b.charset)) {
            return Err(XmlError::EncodingConflict(format!(
                "{} siger {}, men {} siger {}",
                a.source.describe(),
                a.label,
                b.source.describe(),
                b.label
            )));
        }
    }
    // The most specific claim: a UTF-16 byte order over the bare label "UTF-16".
    Ok(present.iter().map(|c| c.charset).max_by_key(|c| match c {
        Charset::Utf16 { little_endian: None } => 0,
        _ => 1,
    }))
}

/// Decodes `bytes` (which start at `offset` in the body) into at most `max_bytes` of UTF-8, allocating no more than
/// the smaller of that and the worst case for the input.
fn decode(
    encoding: &'static Encoding,
    bytes: &[u8],
    offset: usize,
    max_bytes: usize,
    label: &str,
) -> Result<String, XmlError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    // Four bytes of room beyond the limit: a decoder that stops short of a full buffer has then still written more
    // than the limit, so a full buffer always means too much.
    let room = max_bytes.saturating_add(4);
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .map_or(room, |worst| worst.min(room));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty if text.len() <= max_bytes => Ok(text),
        DecoderResult::InputEmpty | DecoderResult::OutputFull => Err(XmlError::DecodedTooLarge { limit: max_bytes }),
        DecoderResult::Malformed(bad, after) => Err(XmlError::NotInEncoding {
            encoding: label.to_owned(),
            position: offset + read - usize::from(bad) - usize::from(after),
        }),
    }
}

/// `text` with the `encoding` pseudo-attribute of its XML declaration (if it has one) blanked out with spaces: the
/// text is UTF-8 now, which a declaration without `encoding` means. Blanking keeps every length and position.
fn with_utf8_declaration(text: String) -> Vec<u8> {
    let mut bytes = text.into_bytes();
    if let Some(attribute) = declared_encoding(&bytes).map(|d| d.attribute) {
        bytes[attribute].fill(b' ');
    }
    bytes
}

/// The `encoding` pseudo-attribute of an XML declaration.
struct Declared<'t> {
    /// Its value, the encoding's label.
    label: &'t [u8],
    /// Where it lies, from the white space before its name to the closing quote.
    attribute: Range<usize>,
}

/// The `encoding` pseudo-attribute of the XML declaration `text` starts with. `None` when there is no declaration,
/// it has no `encoding`, or it is not well-formed up to there (the reader then says what is wrong with it).
fn declared_encoding(text: &[u8]) -> Option<Declared<'_>> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let skip_space = |at: usize| at + text[at..].iter().take_while(|b| is_space(b)).count();
    let mut at = b"<?xml".len();
    if !text.starts_with(b"<?xml") {
        return None;
    }
    loop {
        let after_space = skip_space(at);
        if after_space == at || text[after_space..].starts_with(b"?>") {
            return None;
        }
        let name_len = text[after_space..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let name = &text[after_space..after_space + name_len];
        let eq = skip_space(after_space + name_len);
        if name_len == 0 || text.get(eq) != Some(&b'=') {
            return None;
        }
        let open = skip_space(eq + 1);
        let quote = *text.get(open).filter(|q| matches!(q, b'"' | b'\''))?;
        let start = open + 1;
        let len = text[start..]
            .iter()
            .position(|&b| b == quote || b == b'<' || b == b'>')?;
        let end = start + len;
        if text[end] != quote {
            return None;
        }
        if name == b"encoding" {
            return Some(Declared {
                label: &text[start..end],
                attribute: at..end + 1,
            });
        }
        at = end + 1;
    }
}

/// Client-supplied text echoed in an error message, cut to a sensible length.
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests;
