-- The Beskedfordeler's publishing side (SF1460_C over AMQP): the security tokens publishers put in each message's
-- `token` header (only a SHA-256 of the token is kept; the token itself is shown once, when issued), and the
-- BeskedIds already received, so that a publisher's resend of the same message is answered 20 without a second copy.

CREATE TABLE publisher_tokens (
    id TEXT PRIMARY KEY,
    system_id TEXT NOT NULL REFERENCES systems (id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX publisher_tokens_system ON publisher_tokens (system_id);

CREATE TABLE received_messages (
    besked_id TEXT PRIMARY KEY,
    publisher_system_id TEXT NOT NULL,
    message_id TEXT,
    received_at TEXT NOT NULL
);
