-- Adgangsstyring: the message IDs of signed requests already answered (WS-Trust RequestSecurityTokens, OIO IDWS
-- service calls), each kept until its timestamp expires (seconds since the epoch), so that a replay is refused by
-- whichever instance on the database it reaches (issue 22).
CREATE TABLE sts_messages (
    message_id TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sts_messages_expiry ON sts_messages (expires_at);
