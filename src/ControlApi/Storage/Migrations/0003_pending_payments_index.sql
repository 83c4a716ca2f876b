-- The pending-payment recovery looks for payments left 'pending' by a control API that died mid-charge on every
-- resync pass; the partial index keeps that a lookup of the (few) pending rows, however many payments there are.
CREATE INDEX ix_payments_pending ON payments (created_at) WHERE status = 'pending';
