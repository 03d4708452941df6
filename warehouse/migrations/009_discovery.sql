-- 009_discovery (issue 17): outlets' tickers are found by themselves (pipeline.discover).
-- Discovered tickers are sources with an outlet; every source has a lifecycle; verdicts on
-- item URLs and the feeds' validators are remembered so each item is classified once and
-- each feed is fetched conditionally.
DROP VIEW IF EXISTS source_health;
ALTER TABLE sources ADD COLUMN outlet_id VARCHAR;
ALTER TABLE sources ADD COLUMN discovered_at TIMESTAMPTZ;
ALTER TABLE sources ADD COLUMN status VARCHAR DEFAULT 'live';
ALTER TABLE sources ADD COLUMN ended_at TIMESTAMPTZ;
ALTER TABLE sources ADD COLUMN coverage_end_at TIMESTAMPTZ;
COMMENT ON COLUMN sources.outlet_id IS 'The outlet a discovered ticker was found on (outlets: in sources.yaml); NULL for a configured source.';
COMMENT ON COLUMN sources.discovered_at IS 'When discovery first classified the page as a ticker (load time); NULL for a configured source.';
COMMENT ON COLUMN sources.status IS 'live | ended: ended once coverageEndTime has passed, eventStatus or an end badge says so (discovered tickers), see docs/sources.md.';
COMMENT ON COLUMN sources.coverage_end_at IS 'The ticker''s own coverageEndTime (LiveBlogPosting); a discovered ticker ends at the first load after it.';
COMMENT ON COLUMN sources.ended_at IS 'When the ticker ended (its coverageEndTime, or the fetch that saw it end); NULL while live.';

CREATE TABLE discovered_items (
    outlet_id  VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,
    verdict    VARCHAR NOT NULL,
    reason     VARCHAR,
    checked_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE discovered_items IS 'Every item URL an outlet listed, classified once: an article is never fetched again because a feed still lists it.';
COMMENT ON COLUMN discovered_items.outlet_id IS 'The outlet whose feed, sitemap or section page listed the item.';
COMMENT ON COLUMN discovered_items.url IS 'The item URL as listed.';
COMMENT ON COLUMN discovered_items.source_id IS 'Stable id derived from outlet and URL: the source id if it is a ticker, the fetch-log id either way.';
COMMENT ON COLUMN discovered_items.verdict IS 'ticker | article | error (error: classified again next cycle).';
COMMENT ON COLUMN discovered_items.reason IS 'How the verdict was reached (LiveBlogPosting, detected (parser), the fetch error, an off-outlet host).';
COMMENT ON COLUMN discovered_items.checked_at IS 'When the item was classified.';

CREATE TABLE outlet_feeds (
    outlet_id     VARCHAR NOT NULL,
    feed_url      VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    etag          VARCHAR,
    last_modified VARCHAR,
    sha256        VARCHAR
);
COMMENT ON TABLE outlet_feeds IS 'Validators of the newest 200 response of each outlet listing (feed, sitemap, section page), for conditional GET.';
COMMENT ON COLUMN outlet_feeds.outlet_id IS 'The outlet.';
COMMENT ON COLUMN outlet_feeds.feed_url IS 'The listing URL (configured, or a child of a sitemap index).';
COMMENT ON COLUMN outlet_feeds.fetched_at IS 'fetched_at of the response the validators come from.';
COMMENT ON COLUMN outlet_feeds.etag IS 'Its ETag header.';
COMMENT ON COLUMN outlet_feeds.last_modified IS 'Its Last-Modified header.';
COMMENT ON COLUMN outlet_feeds.sha256 IS 'Hash of its body.';
