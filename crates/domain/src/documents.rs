//! Personalemappe's rules: the per-municipality document types and the KLE folders they file into, and the
//! content types accepted, checked against the content's own first bytes.

use serde::{Deserialize, Serialize};

/// One document type a client may upload: its key, and the KLE folder of the personnel file it goes into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentType {
    /// The key the client sends, e.g. `ANSAETTELSESKONTRAKT` (A-Z, 0-9 and `_`, at most 40).
    pub key: String,
    /// What the type is, in Danish.
    pub text: String,
    /// The KLE number of the folder, `NN.NN.NN` (main group 81 Personale).
    pub kle: String,
    /// The folder's title.
    pub folder: String,
}

/// Why a document type list was refused (Danish).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DocumentTypesError(pub String);

fn is_kle(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8 && b[2] == b'.' && b[5] == b'.' && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
}

/// Checks a municipality's document types as a whole.
pub fn validate_document_types(types: &[DocumentType]) -> Result<(), DocumentTypesError> {
    let err = |s: String| Err(DocumentTypesError(s));
    if types.is_empty() {
        return err("Listen skal have mindst én dokumenttype".into());
    }
    for (i, t) in types.iter().enumerate() {
        if t.key.is_empty()
            || t.key.len() > 40
            || !t
                .key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return err(format!(
                "Dokumenttype {:?}: nøglen skal være 1-40 tegn A-Z, 0-9 og _",
                t.key
            ));
        }
        if types[..i].iter().any(|o| o.key == t.key) {
            return err(format!("Dokumenttype {} findes to gange", t.key));
        }
        if !is_kle(&t.kle) {
            return err(format!(
                "Dokumenttype {}: KLE-nummeret skal have formen NN.NN.NN, fx 81.03.00 (modtaget: {:?})",
                t.key, t.kle
            ));
        }
        for (what, value) in [("teksten", &t.text), ("mappens titel", &t.folder)] {
            let len = value.chars().count();
            if len == 0 || len > 80 || value.chars().any(char::is_control) {
                return err(format!("Dokumenttype {}: {what} skal være 1-80 tegn", t.key));
            }
        }
    }
    Ok(())
}

/// The document types every municipality starts with (an administrator can replace them per municipality).
/// The folders are KLE main group 81 Personale: 81.03.00 is the personnel file itself (in ESDH systems
/// journalised as 81.03.00-G01), the others the subjects the documents are about.
pub fn default_document_types() -> Vec<DocumentType> {
    [
        (
            "ANSAETTELSESKONTRAKT",
            "Ansættelseskontrakt",
            "81.03.00",
            "Ansættelse af personale",
        ),
        (
            "ANSAETTELSESBEVIS",
            "Ansættelsesbevis",
            "81.03.00",
            "Ansættelse af personale",
        ),
        ("ANSOEGNING", "Ansøgning og CV", "81.03.00", "Ansættelse af personale"),
        ("BOERNEATTEST", "Børneattest", "81.03.00", "Ansættelse af personale"),
        ("STRAFFEATTEST", "Straffeattest", "81.03.00", "Ansættelse af personale"),
        (
            "LOENAFTALE",
            "Lønaftale og tillæg",
            "81.04.00",
            "Løn og andre ansættelsesvilkår",
        ),
        (
            "UDDANNELSESBEVIS",
            "Uddannelsesbevis",
            "81.05.00",
            "Uddannelse og kompetenceudvikling",
        ),
        (
            "MUS",
            "Medarbejderudviklingssamtale",
            "81.05.00",
            "Uddannelse og kompetenceudvikling",
        ),
        (
            "SYGEFRAVAER",
            "Sygefraværssamtale og mulighedserklæring",
            "81.10.00",
            "Fravær og sygdom",
        ),
        ("ARBEJDSSKADE", "Arbejdsskadeanmeldelse", "81.10.00", "Fravær og sygdom"),
        (
            "ADVARSEL",
            "Advarsel og tjenstlig samtale",
            "81.08.00",
            "Personalesager og disciplinære sager",
        ),
        ("OPSIGELSE", "Opsigelse og fratrædelse", "81.09.00", "Fratræden"),
        ("OEVRIGT", "Øvrigt", "81.03.00", "Ansættelse af personale"),
    ]
    .into_iter()
    .map(|(key, text, kle, folder)| DocumentType {
        key: key.into(),
        text: text.into(),
        kle: kle.into(),
        folder: folder.into(),
    })
    .collect()
}

/// The content types accepted unless configured otherwise: PDF, PNG, JPEG, TIFF, DOCX, XLSX and plain text.
pub const DEFAULT_CONTENT_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
];

/// A content type as compared: the media type without parameters, lower case (`Text/Plain; charset=utf-8` →
/// `text/plain`).
pub fn content_type_essence(declared: &str) -> String {
    declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The formats recognised by their first bytes, and the content types they belong to.
const SIGNATURES: &[(&[u8], &[&str])] = &[
    (b"%PDF-", &["application/pdf"]),
    (b"\x89PNG\r\n\x1a\n", &["image/png"]),
    (b"\xff\xd8\xff", &["image/jpeg"]),
    (b"II*\0", &["image/tiff"]),
    (b"MM\0*", &["image/tiff"]),
    (
        b"PK\x03\x04",
        &[
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ],
    ),
];

/// Most bytes [`check_content`] looks at.
pub const SNIFF_LEN: usize = 8;

/// Whether content starting with `head` (its first [`SNIFF_LEN`] bytes, or all of a shorter one) may be declared
/// as `essence`: content in a recognised format must be declared as that format, and a type with a signature
/// must have it. The error is Danish.
pub fn check_content(essence: &str, head: &[u8]) -> Result<(), String> {
    let found = SIGNATURES.iter().find(|(magic, _)| head.starts_with(magic));
    match found {
        Some((_, types)) if !types.contains(&essence) => Err(format!(
            "Indholdet er {}, men ContentType er angivet som {essence}",
            describe(types[0])
        )),
        None if SIGNATURES.iter().any(|(_, types)| types.contains(&essence)) => Err(format!(
            "Indholdet er ikke {} som ContentType {essence} angiver (filens første bytes passer ikke)",
            describe(essence)
        )),
        _ => Ok(()),
    }
}

fn describe(essence: &str) -> &'static str {
    match essence {
        "application/pdf" => "en PDF-fil",
        "image/png" => "et PNG-billede",
        "image/jpeg" => "et JPEG-billede",
        "image/tiff" => "et TIFF-billede",
        _ => "en Office-fil (DOCX/XLSX)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_types_are_valid() {
        let d = default_document_types();
        validate_document_types(&d).unwrap();
        let c = d.iter().find(|t| t.key == "ANSAETTELSESKONTRAKT").unwrap();
        assert_eq!(
            (c.kle.as_str(), c.folder.as_str()),
            ("81.03.00", "Ansættelse af personale")
        );
    }

    #[test]
    fn document_type_errors() {
        let one = |f: fn(&mut DocumentType)| {
            let mut d = default_document_types();
            f(&mut d[0]);
            validate_document_types(&d).unwrap_err().0
        };
        assert!(one(|t| t.key = "lower".into()).contains("nøglen"));
        assert!(one(|t| t.key = "MUS".into()).contains("to gange"));
        assert!(one(|t| t.kle = "81.3.00".into()).contains("NN.NN.NN"));
        assert!(one(|t| t.folder = String::new()).contains("mappens titel"));
        assert!(one(|t| t.text = "x".repeat(81)).contains("teksten"));
        assert!(validate_document_types(&[]).is_err());
    }

    #[test]
    fn content_must_match_its_declared_type() {
        assert_eq!(content_type_essence(" Text/Plain; charset=utf-8"), "text/plain");
        assert!(check_content("application/pdf", b"%PDF-1.7").is_ok());
        assert!(check_content("image/png", b"\x89PNG\r\n\x1a\n").is_ok());
        assert!(check_content("image/jpeg", b"\xff\xd8\xff\xe0").is_ok());
        assert!(check_content("text/plain", b"Hej med dig").is_ok());
        let e = check_content("text/plain", b"%PDF-1.4").unwrap_err();
        assert_eq!(e, "Indholdet er en PDF-fil, men ContentType er angivet som text/plain");
        let e = check_content("application/pdf", b"\x89PNG\r\n\x1a\n").unwrap_err();
        assert!(e.contains("PNG-billede"), "{e}");
        let e = check_content("image/jpeg", b"GIF89a").unwrap_err();
        assert!(e.contains("ikke et JPEG-billede"), "{e}");
        // Short content can have no signature.
        assert!(check_content("application/pdf", b"%PD").is_err());
        assert!(check_content("text/plain", b"").is_ok());
    }
}
