-- The foundation schema: municipalities, systems and their certificates, grants, the machine-hours service,
-- the error-handling table, idempotency records and the event outbox.
-- Portable SQL only: the same file runs on SQLite and PostgreSQL. Timestamps are RFC 3339 UTC text with a fixed
-- number of fraction digits, so text order is time order; money and hours are decimal text.

CREATE TABLE municipalities (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    cvr TEXT NOT NULL
);

CREATE TABLE systems (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    vendor_name TEXT NOT NULL,
    vendor_cvr TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE certificates (
    fingerprint TEXT PRIMARY KEY,
    system_id TEXT NOT NULL REFERENCES systems (id),
    subject TEXT NOT NULL,
    serial_number TEXT,
    not_before TEXT NOT NULL,
    not_after TEXT NOT NULL,
    pem TEXT NOT NULL,
    added_at TEXT NOT NULL
);

CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    system_id TEXT NOT NULL REFERENCES systems (id),
    interface TEXT NOT NULL,
    municipality TEXT NOT NULL REFERENCES municipalities (code),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (system_id, interface, municipality, valid_from)
);

CREATE TABLE employees (
    municipality TEXT NOT NULL REFERENCES municipalities (code),
    pernr TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (municipality, pernr)
);

-- One employee's machine-hours master data (seed 004 §7.1.1.2) as a JSON document.
CREATE TABLE mh_master_data (
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (municipality, pernr),
    FOREIGN KEY (municipality, pernr) REFERENCES employees (municipality, pernr)
);

-- Master data may be fetched at most once per day per employee (per calling system, Copenhagen day).
CREATE TABLE mh_master_data_fetches (
    system_id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    day TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (system_id, municipality, pernr, day)
);

CREATE TABLE mh_registrations (
    ex_ident TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    system_id TEXT NOT NULL,
    pernr TEXT NOT NULL,
    device_type TEXT,
    network TEXT NOT NULL,
    activity TEXT NOT NULL,
    work_cntr TEXT NOT NULL,
    plant TEXT NOT NULL,
    postg_date TEXT NOT NULL,
    act_type TEXT NOT NULL,
    act_work TEXT NOT NULL,
    received_at TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    error_id TEXT
);
CREATE INDEX mh_registrations_employee ON mh_registrations (municipality, pernr, postg_date);

-- Client ids (EX_IDENT, OpdateringsID, BeskedId) already answered: a resend gets the first answer.
CREATE TABLE idempotency (
    interface TEXT NOT NULL,
    client_key TEXT NOT NULL,
    system_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (interface, client_key)
);

-- The error-handling table (seed 004 §8.2): what could not be registered, waiting for correction.
CREATE TABLE error_items (
    id TEXT PRIMARY KEY,
    interface TEXT NOT NULL,
    municipality TEXT,
    system_id TEXT NOT NULL,
    external_id TEXT,
    error_type TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    history TEXT NOT NULL
);
CREATE INDEX error_items_listing ON error_items (status, received_at);
CREATE INDEX error_items_external ON error_items (interface, external_id);

-- Events, written in the same transaction as the change that caused them; `seq` is the distribution order.
-- `id` (the BeskedId, a fresh UUID) is unique by construction; it has no index of its own to keep inserts cheap.
CREATE TABLE outbox (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    interface TEXT NOT NULL,
    municipality TEXT,
    object_id TEXT,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
