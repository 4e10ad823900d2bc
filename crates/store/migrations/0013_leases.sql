-- Leases: which running snitflade does a job that only one may do at a time (the Beskedfordeler's delivery), until
-- when. A holder renews its lease well before `until`; another may take it only after `until` has passed.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);
