-- The Beskedfordeler's value lists (SF1460_B): a list belongs to the system that created it; its values are a set.
-- The delivery engine's subscription filter reads these tables (`vaerdilister::contains`): a list that is absent
-- or 'passiveret' contains nothing. `livscyklus` is the OIO LivscyklusKode of the last registration (Opstaaet,
-- Importeret, Rettet, Passiveret). fejlkoe_requests: a system's request (flytbeskedtilfejlkoe) to move a message
-- of a dueslag into that dueslag's error queue; the delivery engine honours it.
-- Portable SQL only (SQLite and PostgreSQL).
CREATE TABLE vaerdilister (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_system_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    livscyklus TEXT NOT NULL
);
CREATE INDEX vaerdilister_owner ON vaerdilister (owner_system_id, name);
CREATE TABLE vaerdiliste_values (
    list_id TEXT NOT NULL REFERENCES vaerdilister (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (list_id, value)
);
CREATE TABLE fejlkoe_requests (
    id TEXT PRIMARY KEY,
    dueslag TEXT NOT NULL,
    besked_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL
);
