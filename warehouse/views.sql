-- Analyst-facing views, recreated after every migration run. Their names and columns are
-- the stable interface; every view and column is described (docs/warehouse.md is
-- generated from these comments). `entries` itself is a table (see its comment).

CREATE OR REPLACE VIEW entry_history AS
SELECT v.entry_id, e.source_id,
       row_number() OVER (PARTITION BY v.entry_id ORDER BY v.valid_from) AS version_no,
       v.change_kind, v.valid_from, v.valid_to, v.headline, v.body, v.published_at,
       v.content_hash, e.url, v.load_id
FROM entry_versions v JOIN entries e USING (entry_id);
COMMENT ON VIEW entry_history IS 'Every version of every entry with its source: what changed and when (valid_from is the fetch time that saw the change).';
COMMENT ON COLUMN entry_history.entry_id IS 'The entry (entries.entry_id).';
COMMENT ON COLUMN entry_history.source_id IS 'The source the entry was published on.';
COMMENT ON COLUMN entry_history.version_no IS '1 for the first version of the entry, then 2, 3 …';
COMMENT ON COLUMN entry_history.change_kind IS 'new | edited | deleted | restored.';
COMMENT ON COLUMN entry_history.valid_from IS 'Fetch time of the page that showed this version (UTC).';
COMMENT ON COLUMN entry_history.valid_to IS 'Fetch time at which the next version began; NULL for the current one.';
COMMENT ON COLUMN entry_history.headline IS 'Headline in this version.';
COMMENT ON COLUMN entry_history.body IS 'Text in this version (a deletion repeats the last text).';
COMMENT ON COLUMN entry_history.published_at IS 'Publication time in this version (UTC).';
COMMENT ON COLUMN entry_history.content_hash IS 'Hash of normalised headline and body.';
COMMENT ON COLUMN entry_history.url IS 'Link to the entry.';
COMMENT ON COLUMN entry_history.load_id IS 'The load that wrote this version.';

CREATE OR REPLACE VIEW timeline AS
SELECT 'entry' AS kind, entry_id AS id, source_id AS source, published_at, time_precision,
       headline AS title, body, url, language
FROM entries WHERE NOT is_deleted
UNION ALL
SELECT 'document', document_id, corpus || ':' || source_file, published_at, time_precision,
       title, body, url, language
FROM documents;
COMMENT ON VIEW timeline IS 'Ticker entries (not withdrawn) and reference documents in one shape; order by published_at (UTC) to see where the tickers line up with the corpus.';
COMMENT ON COLUMN timeline.kind IS 'entry (a ticker entry) or document (a reference-corpus article).';
COMMENT ON COLUMN timeline.id IS 'entries.entry_id or documents.document_id.';
COMMENT ON COLUMN timeline.source IS 'Source id of an entry; corpus:file of a document.';
COMMENT ON COLUMN timeline.published_at IS 'Publication time in UTC.';
COMMENT ON COLUMN timeline.time_precision IS 'second | minute | day | none: how exact published_at is.';
COMMENT ON COLUMN timeline.title IS 'Entry headline or document title.';
COMMENT ON COLUMN timeline.body IS 'Entry text or document text.';
COMMENT ON COLUMN timeline.url IS 'Link to the entry or the original article.';
COMMENT ON COLUMN timeline.language IS 'Language code.';

CREATE OR REPLACE VIEW source_health AS
WITH windowed AS (
    SELECT f.*, max(fetched_at) OVER (PARTITION BY source_id) AS newest FROM fetches f
), recent AS (
    SELECT source_id, count(*) AS fetches_24h,
           avg(CASE WHEN error_class IS NOT NULL THEN 1 ELSE 0 END) AS error_rate_24h,
           avg(CASE WHEN status = 304 THEN 1 ELSE 0 END) AS not_modified_rate_24h
    FROM windowed WHERE fetched_at > newest - INTERVAL 24 HOUR GROUP BY source_id
), outcomes AS (
    SELECT source_id,
           max(fetched_at) FILTER (WHERE error_class IS NULL) AS last_success_at,
           max(fetched_at) FILTER (WHERE changed) AS last_change_at,
           max(fetched_at) AS last_fetched_at
    FROM fetches GROUP BY source_id
), lags AS (
    SELECT source_id, max(published_at) AS newest_entry_at,
           median(first_seen_at - published_at)
               FILTER (WHERE time_precision IN ('second', 'minute')) AS freshness_lag
    FROM entries WHERE NOT is_deleted GROUP BY source_id
), timed AS (
    SELECT source_id, avg(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END) AS timed_share
    FROM entries WHERE NOT is_deleted GROUP BY source_id
), ranked AS (
    -- Parsed pages newest first: rank 1 is judged against ranks 2 to 21, its own history.
    SELECT source_id, entry_count, timed_count::DOUBLE / nullif(entry_count, 0) AS page_share,
           row_number() OVER (PARTITION BY source_id ORDER BY fetched_at DESC) AS page_rank
    FROM pages
), extraction AS (
    SELECT source_id,
           any_value(entry_count) FILTER (WHERE page_rank = 1) AS last_page_entries,
           any_value(page_share) FILTER (WHERE page_rank = 1) AS last_page_timed_share,
           median(entry_count) FILTER (WHERE page_rank BETWEEN 2 AND 21) AS median_page_entries,
           median(page_share) FILTER (WHERE page_rank BETWEEN 2 AND 21)
               AS median_page_timed_share,
           count(*) FILTER (WHERE page_rank BETWEEN 2 AND 21) AS history_pages
    FROM ranked GROUP BY source_id
)
SELECT s.source_id, s.url, o.last_fetched_at, o.last_success_at, o.last_change_at,
       coalesce(r.fetches_24h, 0) AS fetches_24h, r.error_rate_24h, r.not_modified_rate_24h,
       l.newest_entry_at, l.freshness_lag, t.timed_share,
       x.last_page_entries, x.median_page_entries,
       x.last_page_timed_share, x.median_page_timed_share,
       nullif(concat_ws(', ',
           CASE WHEN x.history_pages >= 3 AND x.last_page_entries < 0.5 * x.median_page_entries
                THEN 'entries per page' END,
           CASE WHEN x.history_pages >= 3
                 AND x.last_page_timed_share < x.median_page_timed_share - 0.25
                THEN 'timed share' END), '') AS extraction_drift
FROM sources s
LEFT JOIN recent r USING (source_id)
LEFT JOIN outcomes o USING (source_id)
LEFT JOIN lags l USING (source_id)
LEFT JOIN timed t USING (source_id)
LEFT JOIN extraction x USING (source_id);
COMMENT ON VIEW source_health IS 'One row per source: when it was last fetched and changed, its error and 304 rates over the 24 hours up to its newest fetch, how long after publication its entries reached the warehouse, and whether its newest parsed page was read as well as the ones before it (extraction_drift).';
COMMENT ON COLUMN source_health.source_id IS 'The source.';
COMMENT ON COLUMN source_health.url IS 'URL of the ticker page.';
COMMENT ON COLUMN source_health.last_fetched_at IS 'Time of the newest fetch, successful or not.';
COMMENT ON COLUMN source_health.last_success_at IS 'Time of the newest fetch without an error (200 or 304).';
COMMENT ON COLUMN source_health.last_change_at IS 'Time of the newest fetch whose body had changed and was parsed.';
COMMENT ON COLUMN source_health.fetches_24h IS 'Fetch attempts in the 24 hours up to last_fetched_at.';
COMMENT ON COLUMN source_health.error_rate_24h IS 'Share of those attempts that failed (error_class set: network, HTTP ≥ 400, parse errors), 0 to 1.';
COMMENT ON COLUMN source_health.not_modified_rate_24h IS 'Share of those attempts answered 304 Not Modified, 0 to 1.';
COMMENT ON COLUMN source_health.newest_entry_at IS 'Newest published_at of the source''s live entries (UTC).';
COMMENT ON COLUMN source_health.freshness_lag IS 'Median delay from publication to first fetch (first_seen_at − published_at) over entries timed to the minute or second.';
COMMENT ON COLUMN source_health.timed_share IS 'Share of the source''s live entries that have a publication time, 0 to 1.';
COMMENT ON COLUMN source_health.last_page_entries IS 'Entries on the newest parsed page (pages.entry_count).';
COMMENT ON COLUMN source_health.median_page_entries IS 'Median entries per page over the up to 20 parsed pages before the newest: the source''s own history.';
COMMENT ON COLUMN source_health.last_page_timed_share IS 'Share of the newest parsed page''s entries with a time (pages.timed_count / entry_count); NULL for pages loaded before migration 007.';
COMMENT ON COLUMN source_health.median_page_timed_share IS 'Median of that share over the up to 20 parsed pages before the newest.';
COMMENT ON COLUMN source_health.extraction_drift IS 'NULL while the newest page reads like its history; else what fell sharply: entries per page (below half the median) and/or timed share (more than 0.25 below the median). Judged only with at least 3 earlier pages. A fall usually means the site changed its markup.';

-- Stories in time order: every member of a near-duplicate cluster in one shape, so an
-- analyst sees who carried the same text first and who followed.
CREATE OR REPLACE VIEW story_timeline AS
SELECT s.story_id, s.member_count, s.source_count, m.member_kind, m.source, m.published_at,
       coalesce(e.headline, d.title) AS title,
       coalesce(e.body, p.text) AS text,
       coalesce(e.url, d.url) AS url,
       m.entry_id, m.document_id, m.paragraph_no, m.similarity
FROM story_members m
JOIN stories s USING (story_id)
LEFT JOIN entries e ON m.entry_id = e.entry_id
LEFT JOIN documents d ON m.document_id = d.document_id
LEFT JOIN document_paragraphs p
       ON m.document_id = p.document_id AND m.paragraph_no = p.paragraph_no;
COMMENT ON VIEW story_timeline IS 'Every member of every near-duplicate story with its text; ORDER BY story_id, published_at shows who carried the same text first and who followed.';
COMMENT ON COLUMN story_timeline.story_id IS 'The story (stories.story_id).';
COMMENT ON COLUMN story_timeline.member_count IS 'Members in the story.';
COMMENT ON COLUMN story_timeline.source_count IS 'Distinct outlets in the story.';
COMMENT ON COLUMN story_timeline.member_kind IS 'entry | paragraph.';
COMMENT ON COLUMN story_timeline.source IS 'Outlet: the ticker source_id, or corpus:source_file.';
COMMENT ON COLUMN story_timeline.published_at IS 'When the member was published (UTC).';
COMMENT ON COLUMN story_timeline.title IS 'Entry headline, or the title of the paragraph''s document.';
COMMENT ON COLUMN story_timeline.text IS 'Entry body or paragraph text.';
COMMENT ON COLUMN story_timeline.url IS 'Entry URL, or the document URL when known.';
COMMENT ON COLUMN story_timeline.entry_id IS 'The entry, for entry members.';
COMMENT ON COLUMN story_timeline.document_id IS 'The document, for paragraph members.';
COMMENT ON COLUMN story_timeline.paragraph_no IS 'The paragraph, for paragraph members.';
COMMENT ON COLUMN story_timeline.similarity IS 'Highest confirmed shingle similarity to another member (0..1).';

CREATE OR REPLACE VIEW tickers AS
SELECT s.outlet_id AS outlet, s.source_id, s.url, s.discovered_at,
       min(e.published_at) AS first_entry_at, max(e.published_at) AS last_entry_at,
       s.status, s.ended_at, count(e.entry_id) AS entries
FROM sources s LEFT JOIN entries e ON e.source_id = s.source_id AND NOT e.is_deleted
WHERE s.outlet_id IS NOT NULL
GROUP BY ALL;
COMMENT ON VIEW tickers IS 'Ticker lifetimes: every ticker discovery found on an outlet, when it was found, its first and last entry, its status and entry count.';
COMMENT ON COLUMN tickers.outlet IS 'The outlet (outlets: in sources.yaml).';
COMMENT ON COLUMN tickers.source_id IS 'Its source id (the outlet and a hash of its page: the URL without scheme, port and tracking parameters).';
COMMENT ON COLUMN tickers.url IS 'The ticker page.';
COMMENT ON COLUMN tickers.discovered_at IS 'When discovery found it.';
COMMENT ON COLUMN tickers.first_entry_at IS 'Publication time of its oldest entry (UTC).';
COMMENT ON COLUMN tickers.last_entry_at IS 'Publication time of its newest entry (UTC).';
COMMENT ON COLUMN tickers.status IS 'live | ended.';
COMMENT ON COLUMN tickers.ended_at IS 'When it ended; NULL while live.';
COMMENT ON COLUMN tickers.entries IS 'Entries not withdrawn.';
