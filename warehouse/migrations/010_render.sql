-- 010_render (issue 18): script-built tickers rendered in headless Chromium
-- (pipeline.fetch.render). `render: auto` remembers per source whether its static page
-- is a ticker shell, and re-checks that now and then; a rendered source's shell may never
-- change while its entries do, so it is judged by the hash of its rendered entries.
DROP VIEW IF EXISTS source_health;
ALTER TABLE sources ADD COLUMN render_mode VARCHAR;
ALTER TABLE sources ADD COLUMN render_checked_at TIMESTAMPTZ;
ALTER TABLE sources ADD COLUMN render_sha256 VARCHAR;
COMMENT ON COLUMN sources.render_mode IS 'What render: auto last decided: browser (the static page is a ticker shell that rendering fills) or static (no browser needed); NULL before the first check and for render: never/browser.';
COMMENT ON COLUMN sources.render_checked_at IS 'When render: auto last decided render_mode (fetch time); decided again once it is older than the re-check interval (docs/fetching.md).';
COMMENT ON COLUMN sources.render_sha256 IS 'Hash of the entries (ids, content hashes, times) of the newest rendered page staged: a rendered page with the same hash is unchanged, whatever its shell did.';
