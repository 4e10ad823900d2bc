-- Holiday transfers (overførsel af ferie): holiday left of a holiday year moved to the next one, by a written
-- agreement on the days beyond 4 weeks (Ferieloven §21, `agreement`, dated `agreed_on`) or because a hindrance kept
-- the employee from taking days of the first 4 weeks (§22, `hindrance`). `holiday_year` is the year the days come
-- from, named by the calendar year its accrual starts (2025 = 1 September 2025 – 31 August 2026); `days` is a
-- decimal text. The quota rules decide how many of the days move (at most what is left and what the rule allows).
-- One transfer per employee, year and reason.
CREATE TABLE holiday_transfers (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    pernr TEXT NOT NULL,
    holiday_year INTEGER NOT NULL,
    reason TEXT NOT NULL,
    days TEXT NOT NULL,
    agreed_on TEXT,
    note TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    UNIQUE (municipality, pernr, holiday_year, reason)
);
CREATE INDEX holiday_transfers_employee ON holiday_transfers (municipality, pernr);
