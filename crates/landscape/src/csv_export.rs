//! CSV export of systems, relations and interfaces with exactly the columns the CSV import
//! ([`crate::exchange`]) takes, in the same order, so an exported file can be edited (in Excel) and imported again:
//! export → import is a no-op.
//!
//! The default is what Danish Excel reads: Windows-1252 and `;`. UTF-8 (with a byte-order mark, so that Excel
//! recognises it; the import skips it) and `,` are available on request. A text with a character Windows-1252
//! cannot hold (e.g. `ő`, `€` is fine) is never replaced or dropped: the export is refused, naming the record,
//! column and character, and the UTF-8 export carries it.
//!
//! Values are written in the import's canonical (English) form: enums in snake_case, dates `YYYY-MM-DD`,
//! `information_objects` joined with `;` (the CSV writer quotes the field when the delimiter is `;`). What the CSV
//! cannot express (a relation's costs, certificates and transition note) is left out; the import keeps it on an
//! updated record.

use serde::Serialize;

use crate::exchange::{INTERFACE_COLUMNS, RELATION_COLUMNS, SYSTEM_COLUMNS};
use crate::model::{Interface, Relation, System};

/// The character encoding of an export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub enum Encoding {
    /// Danish Excel's "CSV (semikolonsepareret)".
    #[default]
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// UTF-8 with a byte-order mark.
    #[serde(rename = "utf-8")]
    Utf8,
}

impl Encoding {
    /// The `charset` of the export's Content-Type.
    pub fn charset(self) -> &'static str {
        match self {
            Encoding::Windows1252 => "windows-1252",
            Encoding::Utf8 => "utf-8",
        }
    }
}

/// How an export is written: Windows-1252 and `;` unless asked otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvFormat {
    pub encoding: Encoding,
    /// `;` or `,`.
    pub delimiter: u8,
}

impl Default for CsvFormat {
    fn default() -> Self {
        CsvFormat {
            encoding: Encoding::Windows1252,
            delimiter: b';',
        }
    }
}

/// Why an export was not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error(
        "{record}, column {column}: the character {character:?} (U+{code:04X}) cannot be written in Windows-1252; \
         export as UTF-8 (encoding=utf-8) instead"
    )]
    Unrepresentable {
        record: String,
        column: &'static str,
        character: char,
        code: u32,
    },
    #[error("the delimiter must be ';' or ','")]
    Delimiter,
}

fn text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn system_row(s: &System) -> Vec<String> {
    vec![
        s.id.clone(),
        s.name.clone(),
        opt(&s.vendor),
        text(&s.kind),
        text(&s.lifecycle),
        opt(&s.replaced_by),
        s.description.clone(),
    ]
}

fn relation_row(r: &Relation) -> Vec<String> {
    let t = r.transition.as_ref();
    let a = r.agreement.as_ref();
    vec![
        r.id.clone(),
        r.municipality.clone(),
        r.system.clone(),
        r.counterpart.clone(),
        r.interface.as_ref().map(|i| i.id.clone()).unwrap_or_default(),
        r.interface.as_ref().map(|i| i.version.clone()).unwrap_or_default(),
        opt(&r.local_number),
        text(&r.direction),
        r.description.clone(),
        r.information_objects.join(";"),
        text(&r.dependency),
        t.map(|t| text(&t.decision)).unwrap_or_default(),
        t.and_then(|t| t.target_system.clone()).unwrap_or_default(),
        t.and_then(|t| t.target_interface.as_ref())
            .map(|i| i.id.clone())
            .unwrap_or_default(),
        t.and_then(|t| t.target_interface.as_ref())
            .map(|i| i.version.clone())
            .unwrap_or_default(),
        a.map(|a| a.name.clone()).unwrap_or_default(),
        a.map(|a| opt(&a.notice_months)).unwrap_or_default(),
        a.map(|a| opt(&a.expires)).unwrap_or_default(),
        a.map(|a| opt(&a.terminated)).unwrap_or_default(),
    ]
}

fn interface_row(i: &Interface) -> Vec<String> {
    vec![
        i.id.clone(),
        i.version.clone(),
        i.name.clone(),
        i.purpose.clone(),
        text(&i.kind),
        opt(&i.status),
        opt(&i.valid_from),
        i.information_objects.join(";"),
        opt(&i.same_need_group),
        opt(&i.public_alternative),
        opt(&i.provider),
    ]
}

/// The Windows-1252 byte of `c`, if it has one (the inverse of the import's decoding).
fn windows_1252_byte(c: char) -> Option<u8> {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    let code = u32::from(c);
    match code {
        0..=0x7F | 0xA0..=0xFF => u8::try_from(code).ok(),
        _ => HIGH
            .iter()
            .position(|h| *h == c)
            .and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

fn write(
    kind: &str,
    columns: &[&'static str],
    rows: impl Iterator<Item = (String, Vec<String>)>,
    format: CsvFormat,
) -> Result<Vec<u8>, ExportError> {
    if !matches!(format.delimiter, b';' | b',') {
        return Err(ExportError::Delimiter);
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(format.delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| unreachable!("writing CSV into memory cannot fail: {e}");
    w.write_record(columns).unwrap_or_else(failed);
    for (id, row) in rows {
        if format.encoding == Encoding::Windows1252 {
            for (column, field) in columns.iter().zip(&row) {
                if let Some(c) = field.chars().find(|c| windows_1252_byte(*c).is_none()) {
                    return Err(ExportError::Unrepresentable {
                        record: format!("{kind} {id}"),
                        column,
                        character: c,
                        code: u32::from(c),
                    });
                }
            }
        }
        w.write_record(&row).unwrap_or_else(failed);
    }
    let utf8 = String::from_utf8(w.into_inner().unwrap_or_else(|e| unreachable!("{e}")))
        .unwrap_or_else(|e| unreachable!("the fields are strings: {e}"));
    Ok(match format.encoding {
        Encoding::Utf8 => [&b"\xEF\xBB\xBF"[..], utf8.as_bytes()].concat(),
        Encoding::Windows1252 => utf8
            .chars()
            .map(|c| windows_1252_byte(c).unwrap_or_else(|| unreachable!("checked above")))
            .collect(),
    })
}

/// Systems as the systems import takes them.
pub fn systems_csv(systems: &[System], format: CsvFormat) -> Result<Vec<u8>, ExportError> {
    let rows = systems.iter().map(|s| (s.id.clone(), system_row(s)));
    write("system", &SYSTEM_COLUMNS, rows, format)
}

/// Relations as the relations import takes them.
pub fn relations_csv(relations: &[Relation], format: CsvFormat) -> Result<Vec<u8>, ExportError> {
    let rows = relations.iter().map(|r| (r.id.clone(), relation_row(r)));
    write("relation", &RELATION_COLUMNS, rows, format)
}

/// Interfaces as the interfaces import takes them.
pub fn interfaces_csv(interfaces: &[Interface], format: CsvFormat) -> Result<Vec<u8>, ExportError> {
    let rows = interfaces
        .iter()
        .map(|i| (format!("{} v{}", i.id, i.version), interface_row(i)));
    write("interface", &INTERFACE_COLUMNS, rows, format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::ImportContext;
    use crate::model::{DependencyClass, Direction, Landscape, Lifecycle, Source, SystemKind};

    fn system(id: &str, name: &str) -> System {
        System {
            id: id.into(),
            name: name.into(),
            vendor: Some("Kantinedata ApS".into()),
            kind: SystemKind::External,
            lifecycle: Lifecycle::PhasingOut,
            replaced_by: None,
            description: "Løn; ferie, \"særlige\" ydelser — €".into(),
            source: Source::Manual,
        }
    }

    #[test]
    fn windows_1252_with_semicolons_by_default_and_it_imports_unchanged() {
        let landscape = Landscape {
            systems: vec![system("kantine", "Kantine Ærø"), system("løn", "Lønsystem")],
            ..Landscape::default()
        };
        let bytes = systems_csv(&landscape.systems, CsvFormat::default()).unwrap();
        assert!(std::str::from_utf8(&bytes).is_err(), "Windows-1252, not UTF-8");
        assert!(bytes.starts_with(b"id;name;vendor;kind;lifecycle;replaced_by;description\r\n"));
        assert!(bytes.windows(3).any(|w| w == b"\xC6r\xF8"), "Ærø as Windows-1252");
        assert!(bytes.contains(&0x80), "€ as Windows-1252");
        let report = ImportContext::new(&landscape).systems_csv(&bytes).unwrap();
        assert_eq!((report.unchanged, report.rejected), (2, 0), "{report:?}");
        assert_eq!((report.encoding.as_str(), report.delimiter), ("windows-1252", ';'));
    }

    #[test]
    fn a_character_outside_windows_1252_is_refused_and_utf_8_carries_it() {
        let systems = vec![system("x", "Kő Kft.")];
        let err = systems_csv(&systems, CsvFormat::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "system x, column name: the character 'ő' (U+0151) cannot be written in Windows-1252; export as UTF-8 \
             (encoding=utf-8) instead"
        );
        let utf8 = CsvFormat {
            encoding: Encoding::Utf8,
            delimiter: b',',
        };
        let bytes = systems_csv(&systems, utf8).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBFid,name,"));
        let landscape = Landscape {
            systems,
            ..Landscape::default()
        };
        let report = ImportContext::new(&landscape).systems_csv(&bytes).unwrap();
        assert_eq!(report.unchanged, 1, "{report:?}");
        assert_eq!((report.encoding.as_str(), report.delimiter), ("utf-8", ','));
    }

    #[test]
    fn relations_round_trip_with_every_column() {
        let mut r = Relation::new("r1", "0340", "a", "b", Direction::Both, DependencyClass::LocalAgreement);
        r.information_objects = vec!["Sag".into(), "Dokument".into()];
        r.local_number = Some("5a".into());
        r.agreement = Some(crate::model::Agreement {
            name: "Lokal aftale".into(),
            notice_months: Some(3),
            expires: Some(jiff::civil::date(2027, 6, 30)),
            terminated: None,
        });
        let landscape = Landscape {
            systems: vec![system("a", "A"), system("b", "B")],
            relations: vec![r],
            ..Landscape::default()
        };
        let bytes = relations_csv(&landscape.relations, CsvFormat::default()).unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains(";\"Sag;Dokument\";"));
        let report = ImportContext::new(&landscape).relations_csv(&bytes).unwrap();
        assert_eq!((report.unchanged, report.rejected), (1, 0), "{report:?}");
    }
}
