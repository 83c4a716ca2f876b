-- When the payment's amount reached the Redis working balance (Unix ms); NULL while a succeeded payment still owes
-- its credit (Redis was unreachable at top-up time) - the periodic resync credits those. Rows that existed before this
-- migration were credited by the old top-up path.
ALTER TABLE payments ADD COLUMN credited_at BIGINT NULL;
UPDATE payments SET credited_at = created_at WHERE status = 'succeeded';

-- The client's Idempotency-Key of the top-up; the unique index (NULLs are distinct on both databases) makes two
-- concurrent requests with the same key insert one row, so only one of them charges the provider.
ALTER TABLE payments ADD COLUMN idempotency_key TEXT NULL;
CREATE UNIQUE INDEX ux_payments_idempotency ON payments (account, idempotency_key);
