-- GET /api/usage/events?requestId=: one request's events (a client's x-request-id) found without scanning the account's range.
CREATE INDEX ix_ledger_account_request ON ledger (account, request_id);
