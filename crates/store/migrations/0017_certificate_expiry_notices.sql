-- Which certificate expiry events were emitted: one per certificate and threshold (30 and 7 days before expiry),
-- written in the transaction that emits the event, so a restart or another instance never sends one twice.
CREATE TABLE certificate_expiry_notices (
    fingerprint TEXT NOT NULL,
    threshold_days INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint, threshold_days)
);
