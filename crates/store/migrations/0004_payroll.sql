-- Payroll (Engangsydelser, IND01): each municipality's payroll catalogue, employees locked for payroll changes,
-- and the one-time payments registered. Portable SQL only (SQLite and PostgreSQL). Dates `yyyy-MM-dd`,
-- decimals as text with two decimals (`12.50`), timestamps RFC 3339 UTC.

-- A municipality's payroll catalogue as JSON (wage types, cost centres, PSP elements); a municipality without a
-- row uses the built-in one.
CREATE TABLE payroll_catalogues (
    municipality TEXT PRIMARY KEY REFERENCES municipalities (code),
    catalogue TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Employees locked for payroll changes (KMD's "Medarbejderen er låst", code 138).
CREATE TABLE employee_locks (
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    reason TEXT NOT NULL,
    locked_at TEXT NOT NULL,
    locked_by TEXT NOT NULL,
    PRIMARY KEY (municipality, pernr)
);

-- One registered one-time payment. `id` is the payment's Objekt_id; (municipality, pernr, wage_type,
-- start_date, seq) is its key in the payroll system. `update_id` is the request's OpdateringsID (or the IND01
-- file's SHA-256), `source` how it arrived (`api` or `ind01`).
CREATE TABLE onetime_payments (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    wage_type TEXT NOT NULL,
    start_date TEXT NOT NULL,
    seq INTEGER NOT NULL,
    running_no BIGINT NOT NULL,
    amount TEXT,
    quantity TEXT,
    hourly_rate TEXT,
    cost_centre TEXT,
    psp_element TEXT,
    sender TEXT NOT NULL,
    remark TEXT NOT NULL,
    source TEXT NOT NULL,
    update_id TEXT,
    system_id TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    UNIQUE (municipality, pernr, wage_type, start_date, seq)
);
CREATE INDEX onetime_payments_employee ON onetime_payments (municipality, pernr, start_date);
