-- How the zone of each entry's time was found (issue 15). Rows loaded before this
-- migration have NULL until the next fetch or `tickerlake reprocess` rewrites them.
-- Entry ids now hash the page's canonical identity (identity.page_key) instead of the URL
-- as fetched, and shared anchors fall back to the next rule. Old rows keep their ids here:
-- the anchor they were made from is not stored and the id rules (NFKC case folding, the
-- page-wide fallback) cannot be reproduced in SQL. `tickerlake reprocess` re-keys a
-- source's entries from the raw archive; without it the next fetch inserts the entries
-- under their new ids and the old rows are tombstoned by the usual deletion rule.
ALTER TABLE entries ADD COLUMN tz_source VARCHAR;
COMMENT ON COLUMN entries.tz_source IS 'How the zone of published_at was found: configured (the source''s timezone), prose (a note on the page such as "All times below are in Beijing time."), page_offset (the entry''s own offset, or the zone the page''s stated offsets imply), abbreviation (a zone printed after the clock), tld, language, or default (UTC). NULL when the entry has no time. tld, language and default are guesses.';
