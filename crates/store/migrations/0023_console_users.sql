-- The console's people (issue 19): a person signs in with a name and password (argon2id, PHC string) and, when set
-- up, a TOTP code. `oidc_issuer` + `oidc_subject` are kept for sign-in through a municipality's own OpenID Connect
-- provider (not built yet; always NULL so far). A person
-- acts as exactly one principal (role + scope), like an API token. `totp_last_step` is the last time step a code was
-- accepted for, so a code works once. A disabled person cannot sign in and their sessions end.
CREATE TABLE console_users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scope TEXT,
    password_hash TEXT,
    totp_secret TEXT,
    totp_last_step BIGINT,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_signed_in_at TEXT,
    disabled_at TEXT
);
CREATE INDEX console_users_role ON console_users (role, scope);
CREATE UNIQUE INDEX console_users_oidc ON console_users (oidc_issuer, oidc_subject);

-- A signed-in session: the SHA-256 of the cookie's random value (never the value), the CSRF token its forms carry,
-- and the times that bound it (idle since `last_seen_at`, absolute since `created_at`).
CREATE TABLE console_sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES console_users (id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX console_sessions_person ON console_sessions (user_id);
