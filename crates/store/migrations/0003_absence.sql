-- Absence (Opret fravær), work schedules (Mødetidsplaner) and each municipality's absence type catalogue.
-- Absences and schedules are kept like the category records: a change closes the current registration
-- (`registered_to`) and inserts the new one, so nothing is lost and "as registered at time T" stays answerable.
-- Portable SQL only (SQLite and PostgreSQL). Dates `yyyy-MM-dd`, times `hh:mm:ss`, timestamps RFC 3339 UTC.

-- One registration of an absence. `object_id` (the interface's ObjectId) names the absence across changes;
-- `additional` is AdditionalData as sent (a child number, maternity case key, reason code or accident number).
CREATE TABLE absences (
    id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    type_code TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    start_time TEXT,
    end_time TEXT,
    additional TEXT NOT NULL,
    registered_from TEXT NOT NULL,
    registered_to TEXT,
    registered_by TEXT NOT NULL
);
CREATE INDEX absences_employee ON absences (municipality, pernr, start_date);
CREATE INDEX absences_period ON absences (municipality, start_date);
CREATE INDEX absences_object ON absences (object_id);

-- One registration of a work schedule; `schedule_id` names the schedule across changes, `pattern` is the week
-- (Monday first) as JSON.
CREATE TABLE work_schedules (
    id TEXT PRIMARY KEY,
    schedule_id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    pattern TEXT NOT NULL,
    registered_from TEXT NOT NULL,
    registered_to TEXT,
    registered_by TEXT NOT NULL
);
CREATE INDEX work_schedules_employee ON work_schedules (municipality, pernr, valid_from);
CREATE INDEX work_schedules_id ON work_schedules (schedule_id);

-- A municipality's absence type catalogue as JSON (a municipality without a row uses the built-in one).
CREATE TABLE absence_catalogues (
    municipality TEXT PRIMARY KEY REFERENCES municipalities (code),
    catalogue TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
