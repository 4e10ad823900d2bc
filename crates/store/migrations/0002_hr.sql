-- The HR master data behind every standard interface: org units, employments (extending the foundation's
-- `employees`), the data categories of Medarbejderoplysninger as bitemporal records, children, maternity and
-- work-accident cases, and the audit trail of reads and changes of employee data.
-- Portable SQL only (SQLite and PostgreSQL). Dates are `yyyy-MM-dd` text; timestamps RFC 3339 UTC text.

-- An employment: the personnel number is the key; CPR + ekstraciffer name the person and tell several
-- employments of one person apart. `status`: active | left | deleted (cancelled; `replaced_by` names the
-- new number). `zlpe` keeps the ZLPE fields that have no data category, so an export reproduces the import.
ALTER TABLE employees ADD COLUMN cpr TEXT;
ALTER TABLE employees ADD COLUMN ekstraciffer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE employees ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN org_unit TEXT;
ALTER TABLE employees ADD COLUMN entry_date TEXT;
ALTER TABLE employees ADD COLUMN leave_date TEXT;
ALTER TABLE employees ADD COLUMN is_manager INTEGER NOT NULL DEFAULT 0;
ALTER TABLE employees ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE employees ADD COLUMN replaced_by TEXT;
ALTER TABLE employees ADD COLUMN zlpe TEXT;
ALTER TABLE employees ADD COLUMN updated_at TEXT;
CREATE INDEX employees_person ON employees (municipality, cpr);
CREATE INDEX employees_org_unit ON employees (municipality, org_unit);

-- An org unit of a municipality's tree; `data` is the unit as JSON (names, address, cost centre, and the
-- ZLPE fields with no column).
CREATE TABLE org_units (
    municipality TEXT NOT NULL REFERENCES municipalities (code),
    id TEXT NOT NULL,
    parent TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (municipality, id)
);

-- One record of a data category, bitemporal: `valid_from`/`valid_to` is when it holds (Gyldighedsstart/-stop),
-- `registered_from`/`registered_to` is when snitflade knew it (NULL = the current registration). A change closes
-- the current registration and inserts the new one; nothing is ever updated in place or deleted.
-- `data` is the category's fields as a JSON array of [name, value] pairs in XSD order.
CREATE TABLE employee_records (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    category TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    data TEXT NOT NULL,
    registered_from TEXT NOT NULL,
    registered_to TEXT,
    registered_by TEXT NOT NULL
);
CREATE INDEX employee_records_employee ON employee_records (municipality, pernr, category);

CREATE TABLE employee_children (
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    child_number TEXT NOT NULL,
    cpr TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    PRIMARY KEY (municipality, pernr, child_number)
);

CREATE TABLE maternity_cases (
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    case_key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (municipality, pernr, case_key)
);

CREATE TABLE work_accident_cases (
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    accident_number TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (municipality, pernr, accident_number)
);

-- Who read or changed which employee data, when (principle 6: every read of employee data is audited).
-- `pernr` is set when the action concerns one employee; `detail` is JSON (categories, counts, before/after).
CREATE TABLE hr_audit (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    interface TEXT NOT NULL,
    action TEXT NOT NULL,
    municipality TEXT NOT NULL,
    pernr TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX hr_audit_employee ON hr_audit (municipality, pernr, at);
