-- An unchanged (304) cycle must write nothing but fetch-log rows, so `sources` no longer
-- records the newest fetch of any kind (that is max(fetched_at) in `fetches`); it keeps
-- the validators and the time of the 200 response they came from.
DROP VIEW IF EXISTS source_health;
ALTER TABLE sources RENAME COLUMN last_fetched_at TO validated_at;
COMMENT ON COLUMN sources.validated_at IS 'fetched_at of the newest 200 response, the one etag, last_modified and last_sha256 come from.';
