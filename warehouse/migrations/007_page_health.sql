-- 007_page_health: every parsed page records how its entries were found, so an operator
-- sees in the warehouse whether a site is still read right (source_health watches these
-- figures over time). Pages loaded before this migration keep NULL: their figures were
-- never measured.
ALTER TABLE pages ADD COLUMN timed_count INTEGER;
ALTER TABLE pages ADD COLUMN structured_count INTEGER;
ALTER TABLE pages ADD COLUMN rendered_count INTEGER;
ALTER TABLE pages ADD COLUMN matched_count INTEGER;
ALTER TABLE pages ADD COLUMN tz VARCHAR;
ALTER TABLE pages ADD COLUMN tz_source VARCHAR;

COMMENT ON COLUMN pages.parser IS 'What found the entries: jsonld | microdata | html | profile:NAME | text | feed, or article when the page is no ticker.';
COMMENT ON COLUMN pages.timed_count IS 'Entries with a publication time (published_at not NULL); NULL for pages loaded before migration 007.';
COMMENT ON COLUMN pages.structured_count IS 'Entries listed in schema.org data (JSON-LD or microdata); 0 for feeds and plain text; NULL before migration 007.';
COMMENT ON COLUMN pages.rendered_count IS 'Entries found in the rendered HTML (generic detection or a profile); NULL before migration 007.';
COMMENT ON COLUMN pages.matched_count IS 'Structured entries whose rendered twin was found (the two copies merged into one entry); NULL before migration 007.';
COMMENT ON COLUMN pages.tz IS 'The zone the page''s wall-clock times were read in (times with an offset need none); NULL before migration 007.';
COMMENT ON COLUMN pages.tz_source IS 'How tz was chosen: configured (the source''s timezone) | tld | language | default (UTC); NULL before migration 007.';
