//! Streaming, hardened reader of a ZLPE dump: one [`Record`] at a time, in constant memory.
//!
//! The reader pulls events from quick-xml over any [`BufRead`] and builds one record at a time; it keeps no
//! collection of records, so memory does not grow with the file. Refused outright (a [`FatalError`] that ends
//! the stream): DOCTYPE (no DTD, no entity expansion, no XXE), processing instructions other than the XML
//! declaration, entities other than the five predefined ones, characters XML 1.0 does not allow, non-UTF-8
//! input, any XML that is not well-formed, a root other than `<kmd>`, and the [`Limits`] on depth and on the size
//! of a single tag, text or comment (enforced while reading, before anything large is buffered).
//!
//! A record that is well-formed XML but not a valid record (a non-numeric id, a bad date or CPR number, an
//! unknown child with nested elements, …) yields an [`InvalidRecord`] with its line number, and reading goes on
//! with the next record.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::iter::FusedIterator;
use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::errors::{Error as QxError, IllFormedError, SyntaxError};
use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use snitflade_domain::{Cpr, Kommunekode, Pernr};
use snitflade_soap::chars::{invalid_char, is_name, is_xml_char, is_xml_whitespace};

use crate::model::{EMPLOYEE_ELEMENTS, Employee, ORG_UNIT_ELEMENTS};
use crate::model::{
    EmployeeCpr, EmployeeRecord, ExtraElement, Leave, OrgUnit, OrgUnitId, Quantity, Record, ValueError,
};
use crate::xml::{clip, parse_date};

/// Resource limits enforced while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum element nesting depth; `<kmd>` is depth 1, a record 2, its fields 3. Deeper is fatal.
    pub max_depth: usize,
    /// Maximum bytes of one tag, text run, comment or CDATA section as it stands in the file. Larger is fatal
    /// (it is refused while being read, so at most this much is ever buffered).
    pub max_event_len: usize,
    /// Maximum bytes of one field's text (after unescaping). Longer makes the record invalid.
    pub max_text_len: usize,
    /// Maximum bytes kept for one record (all its texts and attribute values). More makes the record invalid.
    pub max_record_len: usize,
    /// Maximum number of child elements of one record. More makes the record invalid.
    pub max_children: usize,
    /// Maximum number of attributes on one element. More is fatal.
    pub max_attributes: usize,
}

impl Limits {
    /// Depth 16, 1 MiB per tag/text, 64 KiB per field, 1 MiB per record, 256 fields, 32 attributes. The real
    /// format needs depth 3, about 25 fields and a few dozen bytes per field.
    pub const DEFAULT: Limits = Limits {
        max_depth: 16,
        max_event_len: 1024 * 1024,
        max_text_len: 64 * 1024,
        max_record_len: 1024 * 1024,
        max_children: 256,
        max_attributes: 32,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The document is not a well-formed, acceptable ZLPE dump; the stream ends here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct FatalError {
    /// 1-based line where the offending construct starts.
    pub line: u64,
    pub kind: FatalKind,
}

/// What made the document unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FatalKind {
    #[error("DOCTYPE is not allowed (no DTD, no entity declarations)")]
    Doctype,
    #[error("processing instructions (<?…?>) other than the XML declaration are not allowed")]
    ProcessingInstruction,
    #[error("the XML declaration <?xml …?> may only stand at the very start of the file")]
    MisplacedDeclaration,
    #[error("unsupported XML declaration: {0}")]
    Declaration(String),
    #[error("the root element is <{0}>, not <kmd>: this is not a ZLPE dump")]
    WrongRoot(String),
    #[error("the file has no root element <kmd>")]
    NoRoot,
    #[error("the file ends before </kmd> (truncated?)")]
    UnexpectedEof,
    #[error("content after </kmd>")]
    TrailingContent,
    #[error("elements are nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("a single tag, text or comment is longer than {limit} bytes")]
    TooLong { limit: usize },
    #[error("an element has more than {limit} attributes")]
    TooManyAttributes { limit: usize },
    #[error("unknown entity &{0}; (only &amp; &lt; &gt; &quot; &apos; and character references are allowed)")]
    UnknownEntity(String),
    #[error("the character U+{0:04X} is not allowed in XML 1.0")]
    InvalidChar(u32),
    #[error("the file is not valid UTF-8")]
    NotUtf8,
    #[error("not well-formed XML: {0}")]
    Malformed(String),
    #[error("read error: {0}")]
    Io(String),
}

/// One record could not be accepted; the reader has skipped it and continues with the next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InvalidRecord {
    /// The record's element name (`orgUnit`, `employee`, or whatever unknown element stood there; `kmd` for
    /// stray text between records).
    pub element: String,
    /// The record's `@id` as written (cut to 40 characters), if it had one.
    pub id: Option<String>,
    /// 1-based line of the record's start tag.
    pub record_line: u64,
    /// 1-based line of the offending element or attribute (the start tag's line for attribute problems).
    pub line: u64,
    pub problem: Problem,
}

impl std::fmt::Display for InvalidRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: <{}", self.line, self.element)?;
        if let Some(id) = &self.id {
            write!(f, " id=\"{id}\"")?;
        }
        f.write_str(">")?;
        if self.record_line != self.line {
            write!(f, " (record starting at line {})", self.record_line)?;
        }
        write!(f, " skipped: {}", self.problem)
    }
}

/// Why a record was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("not a record of the dump (expected <orgUnit> or <employee>)")]
    UnknownElement,
    #[error("the attribute {0} is missing")]
    MissingAttribute(&'static str),
    #[error("@{name}: {reason}")]
    InvalidAttribute { name: &'static str, reason: String },
    #[error("@action=\"{0}\" is not known (only \"leave\" is)")]
    UnknownAction(String),
    #[error("<{element}>: {reason}")]
    InvalidValue { element: String, reason: String },
    #[error("<{element}> contains the element <{child}>, but only text is expected there")]
    NestedElement { element: String, child: String },
    #[error("<{0}> occurs more than once")]
    Duplicate(String),
    #[error("<{element}> has the unexpected attribute {attribute}")]
    UnexpectedAttribute { element: String, attribute: String },
    #[error("unexpected text '{0}' directly inside the element")]
    UnexpectedText(String),
    #[error("the text of <{element}> is longer than {limit} bytes")]
    TextTooLong { element: String, limit: usize },
    #[error("the record is larger than {limit} bytes")]
    RecordTooLong { limit: usize },
    #[error("the record has more than {limit} child elements")]
    TooManyChildren { limit: usize },
}

/// An item error: one invalid record (reading continues) or the end of the stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Invalid(#[from] InvalidRecord),
    #[error(transparent)]
    Fatal(#[from] FatalError),
}

impl RecordError {
    /// The 1-based line the error points at.
    pub fn line(&self) -> u64 {
        match self {
            Self::Invalid(e) => e.line,
            Self::Fatal(e) => e.line,
        }
    }
    /// Whether the stream ends with this error.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Self::Fatal(_))
    }
}

/// At most this much of the inner reader's buffer is handed to quick-xml at once, so that no single copy is
/// larger than this even when the inner reader holds the whole file (e.g. `&[u8]`).
const CHUNK: usize = 64 * 1024;
/// The event buffer is given back when an (allowed) large event left it bigger than this.
const BUF_KEEP: usize = 64 * 1024;

/// Counts bytes and lines as quick-xml consumes them, and refuses to hand out more bytes once the current
/// event has grown past the limit.
struct Source<R> {
    inner: R,
    consumed: u64,
    newlines: u64,
    since_mark: u64,
    max_event_len: u64,
    tripped: bool,
}

impl<R: BufRead> Source<R> {
    fn mark(&mut self) {
        self.since_mark = 0;
    }
    fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since_mark > self.max_event_len {
            self.tripped = true;
            return Err(io::Error::other("XML construct too long"));
        }
        let available = self.inner.fill_buf()?;
        Ok(&available[..available.len().min(CHUNK)])
    }

    fn consume(&mut self, amount: usize) {
        // `fill_buf` without an intervening `consume` returns the same bytes (BufRead's contract), without I/O.
        if let Ok(available) = self.inner.fill_buf() {
            let end = amount.min(available.len());
            self.newlines += count_newlines(&available[..end]);
        }
        self.inner.consume(amount);
        self.consumed += amount as u64;
        self.since_mark += amount as u64;
    }
}

/// Number of `\n` bytes, eight at a time (this runs over every byte of the file, also in debug builds).
fn count_newlines(bytes: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let mut words = bytes.chunks_exact(8);
    let mut count = 0u64;
    for word in words.by_ref() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes")) ^ (ONES * u64::from(b'\n'));
        // The high bit of each byte of `zero` is set exactly where `x` has a zero byte.
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        count += u64::from(zero.count_ones());
    }
    count + words.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// One XML event, reduced to what the record grammar needs and already checked.
enum Ev {
    Start {
        name: String,
        attrs: Vec<(String, String)>,
        empty: bool,
    },
    End,
    /// Character data, CDATA or a resolved reference (unescaped, line ends normalised).
    Text(String),
    /// A comment: ignored.
    Comment,
    Decl,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Prolog,
    Root,
    Epilogue,
    Done,
}

/// A child element of a record as read, before interpretation.
struct RawChild {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    line: u64,
}

/// Streaming reader of one ZLPE dump; an iterator of records in document order.
///
/// Items are `Ok(record)`, `Err(RecordError::Invalid(_))` for a record that was skipped (the next item follows),
/// or a last `Err(RecordError::Fatal(_))` after which the iterator returns `None`.
pub struct DumpReader<R: BufRead> {
    xml: quick_xml::Reader<Source<R>>,
    buf: Vec<u8>,
    limits: Limits,
    state: State,
    depth: usize,
    first_event: bool,
    root_attributes: Vec<(String, String)>,
    record_line: u64,
    /// Set after stray text inside `<kmd>` was reported, until the next tag (one error per run of text).
    stray_text_reported: bool,
}

impl DumpReader<BufReader<File>> {
    /// Opens the file at `path` for streaming (`std::fs::metadata(path)?.len()` gives the total for a progress
    /// bar fed by [`DumpReader::bytes_read`]).
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(Self::new(BufReader::with_capacity(CHUNK, File::open(path)?)))
    }
}

impl<R: BufRead> DumpReader<R> {
    /// A reader with the [`Limits::DEFAULT`] limits.
    pub fn new(input: R) -> Self {
        Self::with_limits(input, Limits::DEFAULT)
    }

    pub fn with_limits(input: R, limits: Limits) -> Self {
        let source = Source {
            inner: input,
            consumed: 0,
            newlines: 0,
            since_mark: 0,
            max_event_len: limits.max_event_len as u64,
            tripped: false,
        };
        let mut xml = quick_xml::Reader::from_reader(source);
        let config = xml.config_mut();
        config.enable_all_checks(true);
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Self {
            xml,
            buf: Vec::new(),
            limits,
            state: State::Prolog,
            depth: 0,
            first_event: true,
            root_attributes: Vec::new(),
            record_line: 0,
            stray_text_reported: false,
        }
    }

    /// Bytes consumed from the input so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.xml.get_ref().consumed
    }

    /// The 1-based line the reader has reached.
    pub fn line(&self) -> u64 {
        self.xml.get_ref().line()
    }

    /// The line of the start tag of the record most recently yielded (valid or not); 0 before the first.
    pub fn record_line(&self) -> u64 {
        self.record_line
    }

    /// The attributes of `<kmd>` (none in the samples), available once the first record has been read.
    pub fn root_attributes(&self) -> &[(String, String)] {
        &self.root_attributes
    }

    /// Bytes the reader itself holds in buffers between records (its event buffer). It stays small however
    /// large the file: the reader holds no records, only the one it is building.
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
            + self
                .root_attributes
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }

    /// The inner reader, positioned wherever reading stopped.
    pub fn into_inner(self) -> R {
        self.xml.into_inner().inner
    }

    /// Reads the next event, enforcing position, depth and size rules.
    fn event(&mut self) -> Result<(Ev, u64), FatalError> {
        let source = self.xml.get_mut();
        source.mark();
        let line = source.line();
        if self.buf.capacity() > BUF_KEEP {
            self.buf = Vec::new();
        } else {
            self.buf.clear();
        }
        // Blanks matter only inside a field (depth 3 and deeper); elsewhere they are dropped unallocated.
        let keep_blanks = self.depth >= 3;
        let converted = convert(self.xml.read_event_into(&mut self.buf), &self.limits, keep_blanks);
        let fatal = |kind| FatalError { line, kind };
        let source = self.xml.get_ref();
        if source.tripped || source.since_mark > self.limits.max_event_len as u64 {
            return Err(fatal(FatalKind::TooLong {
                limit: self.limits.max_event_len,
            }));
        }
        let ev = converted.map_err(fatal)?;
        let first = std::mem::replace(&mut self.first_event, false);
        match &ev {
            Ev::Decl if !first => return Err(fatal(FatalKind::MisplacedDeclaration)),
            Ev::Start { empty, .. } => {
                let depth = self.depth + 1;
                if depth > self.limits.max_depth {
                    return Err(fatal(FatalKind::TooDeep {
                        limit: self.limits.max_depth,
                    }));
                }
                if !empty {
                    self.depth = depth;
                }
            }
            Ev::End => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok((ev, line))
    }

    /// Advances to the next item: `Ok(None)` at the regular end.
    fn step(&mut self) -> Result<Option<Result<Record, InvalidRecord>>, FatalError> {
        loop {
            if self.state == State::Done {
                return Ok(None);
            }
            let (ev, line) = self.event()?;
            let fatal = |kind| FatalError { line, kind };
            match self.state {
                State::Prolog => match ev {
                    Ev::Decl | Ev::Comment => {}
                    Ev::Text(t) if is_xml_whitespace(&t) => {}
                    Ev::Text(t) => {
                        return Err(FatalError {
                            line: text_line(line, &t),
                            kind: FatalKind::Malformed("text before the root element".into()),
                        });
                    }
                    Ev::Start { name, attrs, empty } if name == "kmd" => {
                        self.root_attributes = attrs;
                        self.state = if empty { State::Epilogue } else { State::Root };
                    }
                    Ev::Start { name, .. } => return Err(fatal(FatalKind::WrongRoot(clip(&name)))),
                    Ev::End => return Err(fatal(FatalKind::Malformed("end tag without start tag".into()))),
                    Ev::Eof => return Err(fatal(FatalKind::NoRoot)),
                },
                State::Root => match ev {
                    Ev::Comment => {}
                    Ev::Text(t) if is_xml_whitespace(&t) => {}
                    Ev::Text(t) => {
                        if !std::mem::replace(&mut self.stray_text_reported, true) {
                            let line = text_line(line, &t);
                            return Ok(Some(Err(InvalidRecord {
                                element: "kmd".into(),
                                id: None,
                                record_line: line,
                                line,
                                problem: Problem::UnexpectedText(clip(t.trim())),
                            })));
                        }
                    }
                    Ev::Start { name, attrs, empty } => {
                        self.stray_text_reported = false;
                        self.record_line = line;
                        return self.read_record(name, attrs, empty, line).map(Some);
                    }
                    Ev::End => self.state = State::Epilogue,
                    Ev::Eof => return Err(fatal(FatalKind::UnexpectedEof)),
                    Ev::Decl => return Err(fatal(FatalKind::MisplacedDeclaration)),
                },
                State::Epilogue => match ev {
                    Ev::Comment => {}
                    Ev::Text(t) if is_xml_whitespace(&t) => {}
                    Ev::Eof => {
                        self.state = State::Done;
                        return Ok(None);
                    }
                    Ev::Text(t) => {
                        return Err(FatalError {
                            line: text_line(line, &t),
                            kind: FatalKind::TrailingContent,
                        });
                    }
                    _ => return Err(fatal(FatalKind::TrailingContent)),
                },
                State::Done => return Ok(None),
            }
        }
    }

    /// Reads one record whose start tag has just been read, through its end tag.
    fn read_record(
        &mut self,
        name: String,
        attrs: Vec<(String, String)>,
        empty: bool,
        line: u64,
    ) -> Result<Result<Record, InvalidRecord>, FatalError> {
        let limits = self.limits;
        let mut problem: Option<(u64, Problem)> = None;
        if name != "orgUnit" && name != "employee" {
            problem = Some((line, Problem::UnknownElement));
        }
        let mut kept: usize = attrs.iter().map(|(k, v)| k.len() + v.len()).sum();
        let mut children: Vec<RawChild> = Vec::new();
        if !empty {
            loop {
                let (ev, ev_line) = self.event()?;
                match ev {
                    Ev::Comment | Ev::Decl => {}
                    Ev::Text(t) => {
                        if !is_xml_whitespace(&t) && problem.is_none() {
                            problem = Some((text_line(ev_line, &t), Problem::UnexpectedText(clip(t.trim()))));
                        }
                    }
                    Ev::End => break,
                    Ev::Eof => return Err(FatalError::eof(ev_line)),
                    Ev::Start {
                        name: child_name,
                        attrs: child_attrs,
                        empty: child_empty,
                    } => {
                        kept += child_name.len() + child_attrs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
                        let mut child = RawChild {
                            name: child_name,
                            attrs: child_attrs,
                            text: String::new(),
                            line: ev_line,
                        };
                        if !child_empty {
                            self.read_child_content(&mut child, &mut problem, &mut kept)?;
                        }
                        if problem.is_none() {
                            if children.len() >= limits.max_children {
                                problem = Some((
                                    child.line,
                                    Problem::TooManyChildren {
                                        limit: limits.max_children,
                                    },
                                ));
                            } else if kept > limits.max_record_len {
                                problem = Some((
                                    child.line,
                                    Problem::RecordTooLong {
                                        limit: limits.max_record_len,
                                    },
                                ));
                            } else {
                                children.push(child);
                            }
                        }
                    }
                }
            }
        }
        let id = attrs.iter().find(|(k, _)| k == "id").map(|(_, v)| clip(v));
        let invalid = |(at, problem): (u64, Problem)| InvalidRecord {
            element: clip(&name),
            id: id.clone(),
            record_line: line,
            line: at,
            problem,
        };
        if let Some(p) = problem {
            return Ok(Err(invalid(p)));
        }
        let built = if name == "orgUnit" {
            build_org_unit(attrs, children, line).map(Record::OrgUnit)
        } else {
            build_employee(attrs, children, line).map(Record::Employee)
        };
        Ok(built.map_err(invalid))
    }

    /// Reads a field's content through its end tag; nested elements are skipped and noted as the problem.
    fn read_child_content(
        &mut self,
        child: &mut RawChild,
        problem: &mut Option<(u64, Problem)>,
        kept: &mut usize,
    ) -> Result<(), FatalError> {
        let limits = self.limits;
        loop {
            let (ev, ev_line) = self.event()?;
            match ev {
                Ev::Comment | Ev::Decl => {}
                Ev::Text(t) => {
                    if child.text.len() + t.len() > limits.max_text_len {
                        problem.get_or_insert((
                            ev_line,
                            Problem::TextTooLong {
                                element: clip(&child.name),
                                limit: limits.max_text_len,
                            },
                        ));
                    } else if problem.is_none() {
                        *kept += t.len();
                        child.text.push_str(&t);
                    }
                }
                Ev::End => return Ok(()),
                Ev::Eof => return Err(FatalError::eof(ev_line)),
                Ev::Start { name, empty, .. } => {
                    problem.get_or_insert((
                        ev_line,
                        Problem::NestedElement {
                            element: clip(&child.name),
                            child: clip(&name),
                        },
                    ));
                    if !empty {
                        self.skip_subtree()?;
                    }
                }
            }
        }
    }

    /// Skips everything up to and including the end tag of the element whose start tag was just read.
    fn skip_subtree(&mut self) -> Result<(), FatalError> {
        let level = self.depth;
        while self.depth >= level {
            let (ev, ev_line) = self.event()?;
            if let Ev::Eof = ev {
                return Err(FatalError::eof(ev_line));
            }
        }
        Ok(())
    }
}

/// The line of the first non-blank character of a text that starts on `line`.
fn text_line(line: u64, text: &str) -> u64 {
    let blank = text.len() - text.trim_start_matches([' ', '\t', '\n', '\r']).len();
    line + text[..blank].matches('\n').count() as u64
}

impl FatalError {
    fn eof(line: u64) -> Self {
        Self {
            line,
            kind: FatalKind::UnexpectedEof,
        }
    }
}

impl<R: BufRead> Iterator for DumpReader<R> {
    type Item = Result<Record, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(item)) => Some(item.map_err(RecordError::Invalid)),
            Ok(None) => {
                self.state = State::Done;
                None
            }
            Err(fatal) => {
                self.state = State::Done;
                Some(Err(RecordError::Fatal(fatal)))
            }
        }
    }
}

impl<R: BufRead> FusedIterator for DumpReader<R> {}

// ---------------------------------------------------------------------------------------------------------------
// Events

fn convert(event: Result<Event<'_>, QxError>, limits: &Limits, keep_blanks: bool) -> Result<Ev, FatalKind> {
    Ok(match event.map_err(map_qx_error)? {
        Event::Start(start) => convert_start(&start, false, limits)?,
        Event::Empty(start) => convert_start(&start, true, limits)?,
        Event::End(_) => Ev::End,
        Event::Text(text) if !keep_blanks && is_xml_whitespace(&text) => Ev::Text(String::new()),
        Event::Text(text) => Ev::Text(checked(text.xml10_content().into_owned())?),
        Event::CData(cdata) => Ev::Text(checked(cdata.xml10_content().into_owned())?),
        Event::GeneralRef(reference) => Ev::Text(resolve_reference(&reference)?),
        Event::Comment(comment) => {
            checked(comment.xml10_content().into_owned())?;
            Ev::Comment
        }
        Event::Decl(decl) => {
            check_decl(&decl)?;
            Ev::Decl
        }
        Event::PI(_) => return Err(FatalKind::ProcessingInstruction),
        Event::DocType(_) => return Err(FatalKind::Doctype),
        Event::Eof => Ev::Eof,
    })
}

fn checked(s: String) -> Result<String, FatalKind> {
    match invalid_char(&s) {
        Some(c) => Err(FatalKind::InvalidChar(c as u32)),
        None => Ok(s),
    }
}

fn convert_start(start: &BytesStart<'_>, empty: bool, limits: &Limits) -> Result<Ev, FatalKind> {
    let name = start.name().as_ref().to_owned();
    if !is_name(&name) {
        return Err(FatalKind::Malformed(format!(
            "'{}' is not a valid element name",
            clip(&name)
        )));
    }
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| FatalKind::Malformed(format!("{} in <{}>", attr_error(&e), clip(&name))))?;
        if attrs.len() >= limits.max_attributes {
            return Err(FatalKind::TooManyAttributes {
                limit: limits.max_attributes,
            });
        }
        let key = attribute.key.as_ref();
        if !is_name(key) {
            return Err(FatalKind::Malformed(format!(
                "'{}' is not a valid attribute name",
                clip(key)
            )));
        }
        let value = attribute
            .normalized_value(XmlVersion::Explicit1_0)
            .map_err(map_qx_error)?
            .into_owned();
        attrs.push((key.to_owned(), checked(value)?));
    }
    Ok(Ev::Start { name, attrs, empty })
}

fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, FatalKind> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c.to_string()),
            Ok(Some(c)) => Err(FatalKind::InvalidChar(c as u32)),
            _ => Err(FatalKind::Malformed(format!(
                "invalid character reference &{};",
                clip(reference)
            ))),
        };
    }
    let s = match &**reference {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        other => return Err(FatalKind::UnknownEntity(clip(other))),
    };
    Ok(s.to_owned())
}

fn check_decl(decl: &BytesDecl<'_>) -> Result<(), FatalKind> {
    match decl.version() {
        Ok(v) if v == "1.0" => {}
        Ok(v) => return Err(FatalKind::Declaration(format!("XML version '{}' (only 1.0)", clip(&v)))),
        Err(_) => return Err(FatalKind::Declaration("version=\"1.0\" is missing".into())),
    }
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(e)) if e.eq_ignore_ascii_case("utf-8") => Ok(()),
        Some(Ok(e)) => Err(FatalKind::Declaration(format!(
            "encoding '{}' (the dump must be UTF-8)",
            clip(&e)
        ))),
        Some(Err(e)) => Err(FatalKind::Declaration(attr_error(&e).into())),
    }
}

fn attr_error(err: &AttrError) -> &'static str {
    match err {
        AttrError::ExpectedEq(_) => "attribute without '=' and value",
        AttrError::ExpectedValue(_) => "attribute without value",
        AttrError::UnquotedValue(_) => "attribute value without quotes",
        AttrError::ExpectedQuote(..) => "attribute value not closed by its quote",
        AttrError::Duplicated(..) => "the same attribute occurs twice",
    }
}

fn map_qx_error(err: QxError) -> FatalKind {
    match err {
        QxError::Io(e) => FatalKind::Io(e.to_string()),
        QxError::Syntax(SyntaxError::UnclosedDoctype) | QxError::IllFormed(IllFormedError::MissingDoctypeName) => {
            FatalKind::Doctype
        }
        QxError::Syntax(SyntaxError::UnclosedPI) => FatalKind::ProcessingInstruction,
        QxError::Syntax(e) => FatalKind::Malformed(e.to_string()),
        QxError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            FatalKind::Malformed(format!("</{}> does not close <{}>", clip(&found), clip(&expected)))
        }
        QxError::IllFormed(IllFormedError::UnmatchedEndTag(tag)) => {
            FatalKind::Malformed(format!("</{}> has no start tag", clip(&tag)))
        }
        QxError::IllFormed(IllFormedError::MissingEndTag(_)) => FatalKind::UnexpectedEof,
        QxError::IllFormed(e) => FatalKind::Malformed(e.to_string()),
        QxError::InvalidAttr(e) => FatalKind::Malformed(attr_error(&e).into()),
        QxError::Encoding(_) => FatalKind::NotUtf8,
        QxError::Escape(EscapeError::UnrecognizedEntity(_, name)) => FatalKind::UnknownEntity(clip(&name)),
        QxError::Escape(e) => FatalKind::Malformed(e.to_string()),
        QxError::Namespace(e) => FatalKind::Malformed(e.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Records

type Built<T> = Result<T, (u64, Problem)>;

/// Splits attributes into the known ones (by position in `known`) and the rest, in document order.
fn split_attributes(
    attrs: Vec<(String, String)>,
    known: &[&'static str],
) -> (Vec<Option<String>>, Vec<(String, String)>) {
    let mut values = vec![None; known.len()];
    let mut extra = Vec::new();
    for (key, value) in attrs {
        match known.iter().position(|k| *k == key) {
            Some(i) => values[i] = Some(value),
            None => extra.push((key, value)),
        }
    }
    (values, extra)
}

fn required(value: Option<String>, name: &'static str, line: u64) -> Built<String> {
    value.ok_or((line, Problem::MissingAttribute(name)))
}

fn attr_problem(name: &'static str, line: u64, reason: impl Into<String>) -> (u64, Problem) {
    (
        line,
        Problem::InvalidAttribute {
            name,
            reason: reason.into(),
        },
    )
}

fn parse_pernr(value: &str, line: u64) -> Built<Pernr> {
    Pernr::parse(value).map_err(|_| {
        attr_problem(
            "id",
            line,
            format!("'{}' is not a personnel number (1–8 digits)", clip(value)),
        )
    })
}

fn parse_client(value: &str, line: u64) -> Built<Kommunekode> {
    Kommunekode::parse(value).map_err(|_| {
        attr_problem(
            "client",
            line,
            format!("'{}' is not a municipality number (1–4 digits, e.g. 813)", clip(value)),
        )
    })
}

fn parse_last_changed(value: &str, line: u64) -> Built<jiff::civil::Date> {
    parse_date(value).map_err(|reason| attr_problem("lastChanged", line, reason))
}

/// Interprets the children of a record against the known element names, in any order.
struct Fields {
    seen: Vec<&'static str>,
}

impl Fields {
    /// The known name `child` stands for (checking duplicates and attributes), or `None` for an extra element.
    fn known(
        &mut self,
        child: &RawChild,
        known: &[&'static str],
        attrs_allowed: &[&str],
    ) -> Built<Option<&'static str>> {
        let Some(&name) = known.iter().find(|k| **k == child.name) else {
            return Ok(None);
        };
        if self.seen.contains(&name) {
            return Err((child.line, Problem::Duplicate(name.into())));
        }
        self.seen.push(name);
        if let Some((attribute, _)) = child.attrs.iter().find(|(k, _)| !attrs_allowed.contains(&k.as_str())) {
            return Err((
                child.line,
                Problem::UnexpectedAttribute {
                    element: name.into(),
                    attribute: clip(attribute),
                },
            ));
        }
        Ok(Some(name))
    }
}

fn value_problem(child: &RawChild, reason: impl Into<String>) -> (u64, Problem) {
    (
        child.line,
        Problem::InvalidValue {
            element: child.name.clone(),
            reason: reason.into(),
        },
    )
}

/// Parses trimmed text with `parse`; empty text is `None`.
fn typed<T>(child: &RawChild, parse: impl FnOnce(&str) -> Result<T, String>) -> Built<Option<T>> {
    let t = child.text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse(t).map(Some).map_err(|reason| value_problem(child, reason))
}

fn date_field(child: &RawChild) -> Built<Option<jiff::civil::Date>> {
    typed(child, parse_date)
}

fn org_unit_id_field(child: &RawChild) -> Built<Option<OrgUnitId>> {
    typed(child, |t| {
        OrgUnitId::parse(t).map_err(|ValueError(e)| format!("'{}' is not {e}", clip(t)))
    })
}

fn quantity_field(child: &RawChild) -> Built<Option<Quantity>> {
    typed(child, |t| {
        Quantity::parse(t).map_err(|ValueError(e)| format!("'{}' {e}", clip(t)))
    })
}

fn bool_field(child: &RawChild) -> Built<Option<bool>> {
    typed(child, |t| match t {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("'{}' is not a boolean (true or false)", clip(other))),
    })
}

fn cpr_field(child: &RawChild) -> Built<Option<EmployeeCpr>> {
    let supp_id = match child.attrs.iter().find(|(k, _)| k == "suppId") {
        None => None,
        Some((_, v)) => match v.trim().parse::<u8>() {
            Ok(n) if v.trim().bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                return Err(value_problem(
                    child,
                    format!("@suppId '{}' is not an ekstraciffer (a small number)", clip(v)),
                ));
            }
        },
    };
    // Never echo the number itself: error messages end up in logs.
    let cpr = typed(child, |t| {
        Cpr::parse(t).map_err(|_| "not a CPR number (10 digits, the first six a real date)".to_owned())
    })?;
    match (cpr, supp_id) {
        (Some(cpr), supp_id) => Ok(Some(EmployeeCpr { cpr, supp_id })),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(value_problem(child, "@suppId is given without a CPR number")),
    }
}

fn extra(child: RawChild) -> ExtraElement {
    ExtraElement {
        name: child.name,
        attributes: child.attrs,
        text: child.text,
    }
}

fn build_org_unit(attrs: Vec<(String, String)>, children: Vec<RawChild>, line: u64) -> Built<OrgUnit> {
    let (known, extra_attributes) = split_attributes(attrs, &["id", "client", "lastChanged"]);
    let [id, client, last_changed]: [Option<String>; 3] = known.try_into().expect("three names");
    let id = required(id, "id", line)?;
    let id = OrgUnitId::parse(&id)
        .map_err(|ValueError(e)| attr_problem("id", line, format!("'{}' is not {e}", clip(&id))))?;
    let client = parse_client(&required(client, "client", line)?, line)?;
    let last_changed = parse_last_changed(&required(last_changed, "lastChanged", line)?, line)?;
    let mut unit = OrgUnit::new(id, client, last_changed);
    unit.extra_attributes = extra_attributes;
    let mut fields = Fields { seen: Vec::new() };
    for child in children {
        let Some(name) = fields.known(&child, ORG_UNIT_ELEMENTS, &[])? else {
            unit.extra.push(extra(child));
            continue;
        };
        match name {
            "startDate" => unit.start_date = date_field(&child)?,
            "endDate" => unit.end_date = date_field(&child)?,
            "parentOrgUnit" => unit.parent = org_unit_id_field(&child)?,
            _ => {
                let slot = match name {
                    "shortName" => &mut unit.short_name,
                    "longName" => &mut unit.long_name,
                    "street" => &mut unit.street,
                    "zipCode" => &mut unit.zip_code,
                    "city" => &mut unit.city,
                    "phoneNumber" => &mut unit.phone_number,
                    "cvrNr" => &mut unit.cvr_nr,
                    "eanNr" => &mut unit.ean_nr,
                    "seNr" => &mut unit.se_nr,
                    "pNr" => &mut unit.p_nr,
                    "costCenter" => &mut unit.cost_center,
                    "orgType" => &mut unit.org_type,
                    "orgTypeTxt" => &mut unit.org_type_txt,
                    other => unreachable!("org unit element {other} has no field"),
                };
                *slot = Some(child.text);
            }
        }
    }
    Ok(unit)
}

fn build_employee(attrs: Vec<(String, String)>, children: Vec<RawChild>, line: u64) -> Built<EmployeeRecord> {
    let (known, extra_attributes) = split_attributes(attrs, &["id", "client", "lastChanged", "action"]);
    let [id, client, last_changed, action]: [Option<String>; 4] = known.try_into().expect("four names");
    let id = parse_pernr(&required(id, "id", line)?, line)?;
    let client = parse_client(&required(client, "client", line)?, line)?;
    match action.as_deref() {
        None => {}
        Some("leave") => {
            let last_changed = last_changed.map(|v| parse_last_changed(&v, line)).transpose()?;
            return Ok(EmployeeRecord::Leave(Leave {
                id,
                client,
                last_changed,
                extra_attributes,
                children: children.into_iter().map(extra).collect(),
            }));
        }
        Some(other) => return Err((line, Problem::UnknownAction(clip(other)))),
    }
    let last_changed = parse_last_changed(&required(last_changed, "lastChanged", line)?, line)?;
    let mut e = Employee::new(id, client, last_changed);
    e.extra_attributes = extra_attributes;
    employee_fields(&mut e, children)?;
    Ok(EmployeeRecord::Active(e))
}

/// Reads the children of an employment (an active `<employee>`, or a leave record that carries the ended
/// employment's data) into `e`'s fields, in any order; unknown elements go to `e.extra`.
fn employee_fields(e: &mut Employee, children: impl IntoIterator<Item = RawChild>) -> Built<()> {
    let mut fields = Fields { seen: Vec::new() };
    for child in children {
        let allowed: &[&str] = if child.name == "cpr" { &["suppId"] } else { &[] };
        let Some(name) = fields.known(&child, EMPLOYEE_ELEMENTS, allowed)? else {
            e.extra.push(extra(child));
            continue;
        };
        match name {
            "entryDate" => e.entry_date = date_field(&child)?,
            "leaveDate" => e.leave_date = date_field(&child)?,
            "cpr" => e.cpr = cpr_field(&child)?,
            "isManager" => e.is_manager = bool_field(&child)?,
            "orgUnit" => e.org_unit = org_unit_id_field(&child)?,
            "numerator" => e.numerator = quantity_field(&child)?,
            "denominator" => e.denominator = quantity_field(&child)?,
            _ => {
                let slot = match name {
                    "firstName" => &mut e.first_name,
                    "lastName" => &mut e.last_name,
                    "address" => &mut e.address,
                    "postalCode" => &mut e.postal_code,
                    "city" => &mut e.city,
                    "country" => &mut e.country,
                    "workPhone" => &mut e.work_phone,
                    "workContract" => &mut e.work_contract,
                    "workContractText" => &mut e.work_contract_text,
                    "positionId" => &mut e.position_id,
                    "position" => &mut e.position,
                    "positionShort" => &mut e.position_short,
                    "superiorLevel" => &mut e.superior_level,
                    "subordinateLevel" => &mut e.subordinate_level,
                    "payGradeText" => &mut e.pay_grade_text,
                    other => unreachable!("employee element {other} has no field"),
                };
                *slot = Some(child.text);
            }
        }
    }
    Ok(())
}

/// The ended employment a leave record carries as children (see [`Leave::employment`]): parsed exactly like an
/// active `<employee>`, with the leave record's `id`, `client`, `lastChanged` and other attributes.
pub(crate) fn leave_employment(leave: &Leave) -> Option<Result<Employee, Problem>> {
    if !leave.has_employment() {
        return None;
    }
    let Some(last_changed) = leave.last_changed else {
        return Some(Err(Problem::MissingAttribute("lastChanged")));
    };
    let mut e = Employee::new(leave.id, leave.client, last_changed);
    e.extra_attributes = leave.extra_attributes.clone();
    let children = leave.children.iter().map(|c| RawChild {
        name: c.name.clone(),
        attrs: c.attributes.clone(),
        text: c.text.clone(),
        line: 0,
    });
    Some(
        employee_fields(&mut e, children)
            .map(|()| e)
            .map_err(|(_, problem)| problem),
    )
}

#[cfg(test)]
mod tests {
    use super::count_newlines;

    #[test]
    fn newlines_are_counted_exactly() {
        let mut bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        bytes.extend_from_slice(b"\n\n\x0b\x09\x8a\n");
        for start in 0..9 {
            let slice = &bytes[start..];
            let expected = slice.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(count_newlines(slice), expected);
        }
        assert_eq!(count_newlines(b""), 0);
    }
}
