-- Whether an openai-kind provider serves OpenAI's Responses API itself (README: MassRouter:Providers:{name}:Responses):
-- 1 or 0; NULL takes the gateway's default (true for api.openai.com).
ALTER TABLE providers ADD COLUMN responses BIGINT NULL;
