-- Requests per minute a key lets each end user (a request's user, see 0007) make through it (0 = no limit), beside the
-- end-user spend caps of 0008.
ALTER TABLE api_keys ADD COLUMN end_user_rpm BIGINT NOT NULL DEFAULT 0;
