-- The current registrations indexed on their own. Bitemporal tables keep every registration: a change or a deletion
-- closes the current one (`registered_to`) and may insert a new one, so an employee whose absences are inserted and
-- deleted again and again has hundreds of closed rows for each current one. The reads and writes of today's state
-- filter `registered_to IS NULL`; with only the full indexes they visited every closed row of the employee too,
-- and got slower as history grew. These partial indexes hold the current rows only (both engines choose them for a
-- query whose WHERE has `registered_to IS NULL`); the full ones stay for the "as registered at" reads.
CREATE INDEX absences_current ON absences (municipality, pernr, start_date) WHERE registered_to IS NULL;
CREATE INDEX absences_current_period ON absences (municipality, start_date) WHERE registered_to IS NULL;
CREATE INDEX work_schedules_current ON work_schedules (municipality, pernr, valid_from) WHERE registered_to IS NULL;
CREATE INDEX fixed_supplements_current ON fixed_supplements (municipality, pernr, valid_from)
    WHERE registered_to IS NULL;
CREATE INDEX employee_records_current ON employee_records (municipality, pernr, category) WHERE registered_to IS NULL;
