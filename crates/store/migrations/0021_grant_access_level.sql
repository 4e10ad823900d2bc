-- Access levels (issue 17): a grant lets its system only read (`read`) or also change the municipality's data
-- (`read-write`); an order records the level it orders per interface. Portable SQL (SQLite and PostgreSQL).
--
-- Grants from before levels keep what they allowed: every operation of their interface. That is `read-write`,
-- except on the interfaces that only read (fravaerskvoter, and beskedfordeler whose value lists are the caller's
-- own), whose grants are `read` by nature (`snitflade_domain::access_level` as of this migration).
ALTER TABLE grants ADD COLUMN access TEXT NOT NULL DEFAULT 'read-write';
UPDATE grants SET access = 'read' WHERE interface IN ('fravaerskvoter', 'beskedfordeler');

-- The level ordered per interface, a JSON object (`{"medarbejderoplysninger": "read"}`); `{}` for orders from
-- before levels, whose grants get every operation of their interface, as above.
ALTER TABLE orders ADD COLUMN access TEXT NOT NULL DEFAULT '{}';
