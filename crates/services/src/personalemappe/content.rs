//! A document's content on the wire: the base64 text of the request (left in the body by the reader, see
//! `snitflade_soap::BulkText`) decoded in chunks straight into the document store, hashed and sniffed on the
//! way, so the decoded content is never held whole; and the stored content written back as base64.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ring::digest::{Context, SHA256};
use snitflade_domain::documents::SNIFF_LEN;
use snitflade_soap::XmlWriter;
use snitflade_store::document_files::NewContent;
use std::io::{self, Read};

/// Standard alphabet; the final padding may be left out.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64 characters decoded at a time (a multiple of 4).
const CHUNK: usize = 64 * 1024;

/// What decoding found out about a content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// SHA-256, lower-case hex.
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for checking the declared content type.
    pub head: Vec<u8>,
}

#[derive(Debug)]
pub enum DecodeError {
    /// More than the limit decoded (the decoding stopped there).
    TooLarge,
    /// Not base64; the Danish reason.
    NotBase64(String),
    Io(io::Error),
}

struct Sink<'a> {
    out: &'a mut NewContent,
    hash: Context,
    size: u64,
    max: u64,
    head: Vec<u8>,
    decoded: Vec<u8>,
    /// Base64 characters decoded so far (for positions in messages).
    done: usize,
}

impl Sink<'_> {
    fn decode(&mut self, text: &[u8], last: bool) -> Result<(), DecodeError> {
        let valid = |b: &u8| b.is_ascii_alphanumeric() || b"+/=".contains(b);
        if let Some(i) = text.iter().position(|b| !valid(b)) {
            return Err(DecodeError::NotBase64(format!(
                "tegnet {:?} er ikke tilladt (position {})",
                char::from(text[i]),
                self.done + i
            )));
        }
        if !last && let Some(i) = text.iter().position(|&b| b == b'=') {
            return Err(DecodeError::NotBase64(format!(
                "'=' må kun stå til sidst (position {})",
                self.done + i
            )));
        }
        if last && text.len() % 4 == 1 {
            return Err(DecodeError::NotBase64(
                "teksten slutter midt i et tegn (antallet af base64-tegn passer ikke)".into(),
            ));
        }
        self.decoded.resize(text.len().div_ceil(4) * 3, 0);
        let n = BASE64.decode_slice(text, &mut self.decoded).map_err(|e| {
            DecodeError::NotBase64(match e {
                base64::DecodeSliceError::DecodeError(base64::DecodeError::InvalidByte(i, b)) => {
                    format!(
                        "tegnet {:?} er ikke tilladt (position {})",
                        char::from(b),
                        self.done + i
                    )
                }
                base64::DecodeSliceError::DecodeError(
                    base64::DecodeError::InvalidLastSymbol(..) | base64::DecodeError::InvalidPadding,
                ) => "afslutningen (padding) er ugyldig".into(),
                other => other.to_string(),
            })
        })?;
        self.done += text.len();
        let bytes = &self.decoded[..n];
        self.size += n as u64;
        if self.size > self.max {
            return Err(DecodeError::TooLarge);
        }
        if self.head.len() < SNIFF_LEN {
            let take = (SNIFF_LEN - self.head.len()).min(n);
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.hash.update(bytes);
        self.out.write(bytes).map_err(DecodeError::Io)
    }
}

/// The size the base64 `pieces` decode to, counted without decoding (whitespace and padding do not count; a
/// character that is not base64 counts as one, and decoding refuses it later). Cheap enough to judge the size
/// limit before anything is written.
pub fn decoded_size<'i>(pieces: impl Iterator<Item = &'i [u8]>) -> u64 {
    let chars: u64 = pieces
        .map(|p| {
            p.iter()
                .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'='))
                .count() as u64
        })
        .sum();
    chars * 3 / 4
}

/// Decodes the base64 `pieces` (whitespace between characters allowed) into `out`, at most `max` bytes.
pub fn decode_into<'i>(
    pieces: impl Iterator<Item = &'i [u8]>,
    max: u64,
    out: &mut NewContent,
) -> Result<Decoded, DecodeError> {
    let mut sink = Sink {
        out,
        hash: Context::new(&SHA256),
        size: 0,
        max,
        head: Vec::with_capacity(SNIFF_LEN),
        decoded: Vec::with_capacity(CHUNK / 4 * 3),
        done: 0,
    };
    let mut text = Vec::with_capacity(CHUNK);
    for piece in pieces {
        for &b in piece {
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                continue;
            }
            text.push(b);
            if text.len() == CHUNK {
                sink.decode(&text, false)?;
                text.clear();
            }
        }
    }
    sink.decode(&text, true)?;
    Ok(Decoded {
        sha256: hex(sink.hash.finish().as_ref()),
        size: sink.size,
        head: sink.head,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `content` as base64 text into `w` (a multiple of 3 bytes at a time, so the pieces join up); returns
/// the SHA-256 of what was read, for the caller to compare with the stored one.
pub fn write_base64(w: &mut XmlWriter, content: &mut impl Read) -> io::Result<String> {
    let mut hash = Context::new(&SHA256);
    let mut buf = vec![0u8; CHUNK / 4 * 3];
    let mut text = String::with_capacity(CHUNK);
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match content.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            break;
        }
        hash.update(&buf[..filled]);
        text.clear();
        base64::engine::general_purpose::STANDARD.encode_string(&buf[..filled], &mut text);
        w.raw(&text);
        if filled < buf.len() {
            break;
        }
    }
    Ok(hex(hash.finish().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use snitflade_store::document_files::DocumentFiles;

    fn decode(pieces: &[&[u8]], max: u64) -> (tempfile::TempDir, Result<Decoded, DecodeError>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let files = DocumentFiles::open(dir.path()).unwrap();
        let mut out = files.create().unwrap();
        let r = decode_into(pieces.iter().copied(), max, &mut out);
        let written = std::fs::read_dir(dir.path().join("tmp"))
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .next()
            .unwrap_or_default();
        (dir, r, written)
    }

    #[test]
    fn decodes_across_pieces_and_chunks_with_whitespace() {
        let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let text = STANDARD.encode(&content);
        // Line breaks every 76 characters, split into uneven pieces.
        let wrapped: Vec<u8> = text
            .as_bytes()
            .chunks(76)
            .flat_map(|l| l.iter().copied().chain(*b"\r\n"))
            .collect();
        let pieces: Vec<&[u8]> = wrapped.chunks(9999).collect();
        let (_d, r, written) = decode(&pieces, 1 << 30);
        let d = r.unwrap();
        assert_eq!(d.size, 200_000);
        assert_eq!(written, content);
        assert_eq!(d.head, content[..SNIFF_LEN]);
        assert_eq!(d.sha256, hex(ring::digest::digest(&SHA256, &content).as_ref()));
        // The empty content and missing padding.
        let (_d, r, _) = decode(&[b""], 10);
        assert_eq!(r.unwrap().size, 0);
        let (_d, r, written) = decode(&[b"QUJDRA"], 10);
        assert_eq!((r.unwrap().size, written), (4, b"ABCD".to_vec()));
    }

    #[test]
    fn refuses_bad_base64_and_stops_at_the_limit() {
        let msg = |r: Result<Decoded, DecodeError>| match r {
            Err(DecodeError::NotBase64(m)) => m,
            other => panic!("{other:?}"),
        };
        let (_d, r, _) = decode(&[b"QUJD*EVG"], 100);
        assert_eq!(msg(r), "tegnet '*' er ikke tilladt (position 4)");
        let (_d, r, _) = decode(&[b"QUJDR"], 100);
        assert!(msg(r).contains("antallet af base64-tegn"));
        let (_d, r, _) = decode(&[b"QQ==QUJD"], 100);
        assert!(!msg(r).is_empty());
        let big = "A".repeat(CHUNK * 2);
        let (_d, r, _) = decode(&[b"QQ==", big.as_bytes()], u64::MAX);
        assert!(msg(r).contains("'=' må kun stå til sidst (position 2)"));
        let (_d, r, _) = decode(&[STANDARD.encode([0u8; 11]).as_bytes()], 10);
        assert!(matches!(r, Err(DecodeError::TooLarge)));
        let (_d, r, _) = decode(&[STANDARD.encode([0u8; 10]).as_bytes()], 10);
        assert_eq!(r.unwrap().size, 10);
    }

    #[test]
    fn writes_base64_that_decodes_back() {
        let content: Vec<u8> = (0..100_001u32).map(|i| (i % 256) as u8).collect();
        let mut w = XmlWriter::new();
        w.start("C");
        let sha = write_base64(&mut w, &mut content.as_slice()).unwrap();
        let xml = w.finish();
        let text = xml.trim_start_matches("<C>").trim_end_matches("</C>");
        assert_eq!(STANDARD.decode(text).unwrap(), content);
        assert_eq!(sha, hex(ring::digest::digest(&SHA256, &content).as_ref()));
    }
}
