-- Personalemappe: the metadata of each document uploaded to an employee's personnel file, and each
-- municipality's document types (their KLE folders). The content itself is a file in the data dir named by its
-- SHA-256 (`crates/store/src/document_files.rs`), written and synced before its row is committed.
-- Portable SQL only (SQLite and PostgreSQL). Dates `yyyy-MM-dd`, timestamps RFC 3339 UTC.

-- One document. `document_id` is the client's id, the idempotency key: unique within the municipality.
-- `kle` and `folder` are the folder the type mapped to at upload (a later change of the types moves nothing).
CREATE TABLE documents (
    municipality TEXT NOT NULL,
    document_id TEXT NOT NULL,
    pernr TEXT NOT NULL,
    type_key TEXT NOT NULL,
    type_text TEXT NOT NULL,
    kle TEXT NOT NULL,
    folder TEXT NOT NULL,
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    document_date TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    PRIMARY KEY (municipality, document_id)
);
CREATE INDEX documents_employee ON documents (municipality, pernr, document_date);

-- A municipality's document types as JSON (a municipality without a row uses the built-in ones).
CREATE TABLE document_type_catalogues (
    municipality TEXT PRIMARY KEY REFERENCES municipalities (code),
    catalogue TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
