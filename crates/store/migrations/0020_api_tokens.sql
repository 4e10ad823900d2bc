-- Named API tokens of the admin API (issue 17): each authenticates its holder as one principal — a role
-- (operator, municipality, vendor, auditor) with its scope (the kommunekode or vendor id). Only the SHA-256 of the
-- secret is kept; the secret itself is shown once, when the token is created. `created_by` is the principal that
-- created it; `last_used_at` is updated at most once a minute; a revoked token is refused from the next request.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT,
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_role ON api_tokens (role, scope);
