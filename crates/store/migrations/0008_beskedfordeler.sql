-- The Beskedfordeler (SF1460): dueslag (a receiving system's mailbox; its UUID is also its AMQP queue name), the
-- subscriptions that route outbox events into it, and one delivery row per (dueslag, event) carrying the attempts,
-- the next attempt's time and the state: `pending`, `delivered`, or `dead` (the dueslag's fejlkø).
-- `distribution` remembers how far the router has matched the outbox.

CREATE TABLE dueslag (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    system_id TEXT NOT NULL REFERENCES systems (id),
    active INTEGER NOT NULL,
    push_url TEXT,
    max_attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    dueslag_id TEXT NOT NULL REFERENCES dueslag (id) ON DELETE CASCADE,
    filter TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX subscriptions_dueslag ON subscriptions (dueslag_id);

CREATE TABLE deliveries (
    dueslag_id TEXT NOT NULL REFERENCES dueslag (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT,
    PRIMARY KEY (dueslag_id, seq)
);
CREATE INDEX deliveries_head ON deliveries (dueslag_id, state, seq);

CREATE TABLE distribution (
    name TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
