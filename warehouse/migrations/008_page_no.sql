-- 008_page_no (issue 16): a paginated ticker is read beyond its first page when that is
-- worth the requests (its first fetch, a gap between polls, see docs/fetching.md). Every
-- page is a row in the fetch log with its number; the entries of the deeper pages are
-- observed together with page 1, under page 1's row in `pages`, which says how many pages
-- the observation read and whether it read the ticker to its end. An entry counts as
-- missing only where it should have appeared (pipeline.warehouse.load._delete_missing).
-- Rows from before this migration are page 1 of a whole ticker, as they were read.
DROP VIEW IF EXISTS source_health;
ALTER TABLE fetches ADD COLUMN page_no INTEGER;
UPDATE fetches SET page_no = 1;
ALTER TABLE pages ADD COLUMN page_count INTEGER;
ALTER TABLE pages ADD COLUMN whole_ticker BOOLEAN;
UPDATE pages SET page_count = 1, whole_ticker = true;
COMMENT ON COLUMN fetches.page_no IS 'Which page of the ticker was requested: 1 for the source''s own URL, 2, 3 … for the older pages followed from it in one fetch (url says which); with source_id, fetched_at and attempt the key of a fetch.';
COMMENT ON COLUMN pages.page_count IS 'Pages of the ticker whose entries this observation holds: 1 when only the source''s own page was read, more when older pages were followed (fetches.page_no); the other columns describe page 1.';
COMMENT ON COLUMN pages.whole_ticker IS 'true when the observation read the ticker to its end (page 1 links no older page, or the last page followed links none): every live entry should have appeared. false: only entries at least as new as the oldest timed entry shown should have (older ones sit on pages not read and never count as missing).';
COMMENT ON COLUMN fetches.fetched_at IS 'When the cycle fetched (UTC); every page of one fetch shares it. With source_id, page_no and attempt the key of a fetch.';
COMMENT ON COLUMN entries.missing_count IS 'Consecutive parsed fetches that should have shown this entry and did not (an entry older than the oldest one a partial observation shows is not missing from it); it is marked deleted when this reaches the deletion threshold.';
