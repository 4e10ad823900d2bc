-- The access lifecycle of seeds 000 and 001: vendors, standard integrations, orders (the contract addendum),
-- certificate chains and revocation, closing of grants, price lists, and the append-only admin audit log.
-- Portable SQL only (SQLite and PostgreSQL). Dates `yyyy-MM-dd` text; timestamps RFC 3339 UTC text.

-- The customer (municipality) contact KMD's account manager deals with.
ALTER TABLE municipalities ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE municipalities ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE municipalities ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';

-- The integrating vendor with the contact person seed 000 asks for.
CREATE TABLE vendors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    cvr TEXT NOT NULL UNIQUE,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A system belongs to one vendor (NULL for systems known only by their certificate, and built-in senders).
ALTER TABLE systems ADD COLUMN vendor_id TEXT REFERENCES vendors (id);

-- What the upload proved: the issuer, the certificate's serial, the chain as uploaded, and revocation.
ALTER TABLE certificates ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN serial_hex TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN cvr TEXT;
ALTER TABLE certificates ADD COLUMN chain_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN revoked_at TEXT;
ALTER TABLE certificates ADD COLUMN revocation_reason TEXT;

-- Certificate revocation lists as uploaded (DER, base64), one per issuer and issue time.
CREATE TABLE crls (
    id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    this_update TEXT NOT NULL,
    next_update TEXT,
    entries INTEGER NOT NULL,
    der TEXT NOT NULL,
    added_at TEXT NOT NULL,
    UNIQUE (issuer, this_update)
);

-- KMD's agreement with a vendor on a system's use of standard interfaces (seed 000's Standardintegration ID).
CREATE TABLE standard_integrations (
    id TEXT PRIMARY KEY,
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    system_id TEXT NOT NULL REFERENCES systems (id),
    interfaces TEXT NOT NULL,
    certificate TEXT NOT NULL REFERENCES certificates (fingerprint),
    created_at TEXT NOT NULL
);

-- Price lists, versioned: the one in force on a day is the newest with valid_from on or before it.
CREATE TABLE price_lists (
    version BIGINT PRIMARY KEY,
    valid_from TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- An order: the contract addendum and data-processing instruction. `steps` is the JSON progress (who, when);
-- `vendor` the vendor's details as ordered; `cost` the priced lines fixed at clarification. Once access is set
-- up, the order is the customer agreement its grants and invoice lines come from; `closed_*` ends it.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL REFERENCES municipalities (code),
    system_id TEXT NOT NULL REFERENCES systems (id),
    vendor TEXT NOT NULL,
    kind TEXT NOT NULL,
    standard_integration TEXT REFERENCES standard_integrations (id),
    interfaces TEXT NOT NULL,
    package INTEGER NOT NULL,
    covered_by_contract TEXT NOT NULL,
    certificate TEXT,
    valid_from TEXT NOT NULL,
    state TEXT NOT NULL,
    steps TEXT NOT NULL,
    cost TEXT,
    delivered_on TEXT,
    closed_kind TEXT,
    closed_on TEXT,
    closed_at TEXT,
    closed_by TEXT,
    closed_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_municipality ON orders (municipality, state);

-- A grant remembers the order that created it (NULL for grants made directly) and how it was closed.
ALTER TABLE grants ADD COLUMN order_id TEXT REFERENCES orders (id);
ALTER TABLE grants ADD COLUMN closed_at TEXT;
ALTER TABLE grants ADD COLUMN closed_reason TEXT;

-- Personal-data audit entries now say how the call ended (`ok`, or why it was refused).
ALTER TABLE hr_audit ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
CREATE INDEX hr_audit_time ON hr_audit (at);

-- Every admin action, append-only: the code has no UPDATE or DELETE for this table.
CREATE TABLE admin_audit (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX admin_audit_time ON admin_audit (at);
