-- The import file an audit entry came from (a ZLPE dump's name), so that the run completing an interrupted import
-- can tell which of its unchanged employees the interrupted run had already changed.
ALTER TABLE hr_audit ADD COLUMN source TEXT;
CREATE INDEX hr_audit_source ON hr_audit (source, municipality, pernr);
