-- What a key lets each end user (a request's user, see 0007) spend through its account per UTC day and per calendar
-- month, in nano-dollars (0 = no cap), as LiteLLM's customer budgets: an app caps its own users without a key each.
ALTER TABLE api_keys ADD COLUMN end_user_daily_cap_nanos BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN end_user_monthly_cap_nanos BIGINT NOT NULL DEFAULT 0;
