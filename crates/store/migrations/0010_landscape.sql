-- The integration landscape (issue 8) as typed in through the admin API, imported from CSV, or seeded by the demo:
-- systems, interfaces, relations and KOMBIT requirement areas. Each row keeps the model's JSON document (`doc`,
-- the serde form of snitflade_landscape's types) beside the key columns queries need. The shipped catalogue and
-- the relations derived from snitflade's own grants are never stored: they are merged in on every read.
-- Relations name systems of the catalogue as well, so there are no foreign keys: the landscape's consistency is
-- checked as a whole (`Landscape::problems`) before a change is stored. Portable SQL only (SQLite and PostgreSQL).
CREATE TABLE landscape_systems (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE landscape_interfaces (
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE landscape_relations (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    system TEXT NOT NULL,
    counterpart TEXT NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX landscape_relations_system ON landscape_relations (system, municipality);
CREATE INDEX landscape_relations_counterpart ON landscape_relations (counterpart, municipality);
CREATE TABLE landscape_requirement_areas (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
