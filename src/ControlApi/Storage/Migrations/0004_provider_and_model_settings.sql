-- A provider's connection settings and extra headers, and a model's routing settings, as the gateways apply them
-- (README: MassRouter:Providers:{name}:... and MassRouter:Models:N:...). NULL takes the gateway's default. The headers
-- are a JSON object; credentials never go there (credential_protected holds the provider's secret).
ALTER TABLE providers ADD COLUMN connect_timeout_ms BIGINT NULL;
ALTER TABLE providers ADD COLUMN activity_timeout_ms BIGINT NULL;
ALTER TABLE providers ADD COLUMN max_connections BIGINT NULL;
ALTER TABLE providers ADD COLUMN pooled_idle_timeout_ms BIGINT NULL;
ALTER TABLE providers ADD COLUMN warm_connections BIGINT NULL;
ALTER TABLE providers ADD COLUMN burst_idle_timeout_ms BIGINT NULL;
ALTER TABLE providers ADD COLUMN headers_json TEXT NULL;
ALTER TABLE models ADD COLUMN first_token_timeout_ms BIGINT NULL;
ALTER TABLE models ADD COLUMN total_timeout_ms BIGINT NULL;
ALTER TABLE models ADD COLUMN load_balancing TEXT NULL;
