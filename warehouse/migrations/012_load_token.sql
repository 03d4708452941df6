-- 012_load_token (issue 19): two DuckLake writers given the same batch list both read
-- `loaded_batches` before either had committed, and both applied the batch. Every load
-- that applies anything now also rewrites this one row, so two concurrent loads always
-- conflict in DuckLake's commit check: the second is rolled back and run again
-- (pipeline.warehouse.lake.with_retries), and then finds the batch already loaded.
CREATE TABLE load_token (load_id VARCHAR, loaded_at TIMESTAMPTZ);
INSERT INTO load_token VALUES (NULL, NULL);
COMMENT ON TABLE load_token IS 'One row, rewritten by every load that applies a batch, so that concurrent loads conflict and are retried one after the other (DuckLake commits are optimistic).';
COMMENT ON COLUMN load_token.load_id IS 'The last load that applied a batch.';
COMMENT ON COLUMN load_token.loaded_at IS 'When it ran (the load''s now).';
