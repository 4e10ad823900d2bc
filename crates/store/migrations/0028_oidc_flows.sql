-- The console's sign-ins through an OpenID Connect provider in progress: started on one instance, the provider may
-- send the browser back to another (issue 22). Keyed by the SHA-256 of the flow cookie (the cookie itself is never
-- stored); `started_at` in seconds since the epoch. A flow lives ten minutes at most and is taken once.
CREATE TABLE oidc_flows (
    flow_digest TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    redirect TEXT NOT NULL,
    address TEXT,
    started_at BIGINT NOT NULL
);
CREATE INDEX oidc_flows_started ON oidc_flows (started_at);
CREATE INDEX oidc_flows_address ON oidc_flows (address);
