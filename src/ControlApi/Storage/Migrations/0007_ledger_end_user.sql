-- The end user a request was for, as the client named it (OpenAI's user or safety_identifier, Anthropic's
-- metadata.user_id, the gateway's x-massrouter-user header), so an app sees what each of its own users cost:
-- GET /api/usage?groupBy=user, ?user=, and the events list. NULL when the request named none.
ALTER TABLE ledger ADD COLUMN end_user TEXT NULL;
CREATE INDEX ix_ledger_account_user ON ledger (account, end_user, ended_at);
