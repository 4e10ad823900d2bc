-- Today's traffic (issue 19): the calls the access check let through and refused, per day (Copenhagen), municipality
-- ('' when a refusal came before the municipality was known), interface and calling system. The server adds its
-- in-memory counts every few seconds; the console's front page reads a day with one query.
CREATE TABLE traffic_daily (
    day TEXT NOT NULL,
    municipality TEXT NOT NULL,
    interface TEXT NOT NULL,
    system_id TEXT NOT NULL,
    calls BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    PRIMARY KEY (day, municipality, interface, system_id)
);
