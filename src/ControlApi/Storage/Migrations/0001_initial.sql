-- Portable schema: PostgreSQL and SQLite. Money is integer nano-dollars, time is Unix milliseconds, flags are 0/1.
-- $pk$ is the only dialect-specific piece: an auto-increment primary key.

CREATE TABLE users (
    id $pk$,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE refresh_tokens (
    id $pk$,
    user_id BIGINT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    replaced BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE teams (
    id $pk$,
    name TEXT NOT NULL,
    rpm BIGINT NOT NULL DEFAULT 0,
    tpm BIGINT NOT NULL DEFAULT 0,
    daily_cap_nanos BIGINT NOT NULL DEFAULT 0,
    monthly_cap_nanos BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX ix_team_members_user ON team_members (user_id);

CREATE TABLE api_keys (
    id $pk$,
    account TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    models TEXT NOT NULL DEFAULT '',
    rpm BIGINT NOT NULL DEFAULT 0,
    tpm BIGINT NOT NULL DEFAULT 0,
    max_concurrency BIGINT NOT NULL DEFAULT 0,
    daily_cap_nanos BIGINT NOT NULL DEFAULT 0,
    monthly_cap_nanos BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL DEFAULT 0,
    rotated_to BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ix_api_keys_account ON api_keys (account);

CREATE TABLE providers (
    id $pk$,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    flavor TEXT,
    base_url TEXT NOT NULL,
    api_version TEXT,
    credential_protected TEXT,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE models (
    id $pk$,
    public_id TEXT NOT NULL UNIQUE,
    display_name TEXT,
    context_length BIGINT,
    input_nanos_per_million BIGINT NOT NULL,
    output_nanos_per_million BIGINT NOT NULL,
    cached_input_nanos_per_million BIGINT,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE model_routes (
    model_id BIGINT NOT NULL REFERENCES models (id),
    position BIGINT NOT NULL,
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    upstream_model TEXT NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (model_id, position)
);

CREATE TABLE payments (
    id $pk$,
    account TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    amount_nanos BIGINT NOT NULL,
    provider TEXT NOT NULL,
    external_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ix_payments_account ON payments (account);

CREATE TABLE adjustments (
    id $pk$,
    account TEXT NOT NULL,
    amount_nanos BIGINT NOT NULL,
    reason TEXT NOT NULL,
    admin_user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX ix_adjustments_account ON adjustments (account);

CREATE TABLE ledger (
    id $pk$,
    event_id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,
    account TEXT NOT NULL,
    key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    upstream_model TEXT,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cached_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    cost_nanos BIGINT NOT NULL,
    status TEXT NOT NULL,
    http_status BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    latency_ms BIGINT NOT NULL,
    ttft_ms BIGINT NOT NULL,
    estimated BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX ix_ledger_account_time ON ledger (account, ended_at);

CREATE TABLE audit_log (
    id $pk$,
    actor_user_id BIGINT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT,
    ip TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE data_protection_keys (
    name TEXT NOT NULL PRIMARY KEY,
    xml TEXT NOT NULL
);
