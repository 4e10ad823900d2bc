-- Fixed supplements (Faste tillæg), kept like the category records: a change closes the current registration
-- (`registered_to`) and inserts the new one under the same `supplement_id`; a deletion only closes it.
-- Portable SQL only (SQLite and PostgreSQL). Dates `yyyy-MM-dd`, decimals as text with two decimals.
CREATE TABLE fixed_supplements (
    id TEXT PRIMARY KEY,
    supplement_id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    wage_type TEXT NOT NULL,
    amount TEXT,
    quantity TEXT,
    frequency TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    cost_centre TEXT,
    psp_element TEXT,
    text TEXT NOT NULL,
    registered_from TEXT NOT NULL,
    registered_to TEXT,
    registered_by TEXT NOT NULL
);
CREATE INDEX fixed_supplements_employee ON fixed_supplements (municipality, pernr, valid_from);
CREATE INDEX fixed_supplements_id ON fixed_supplements (supplement_id);
