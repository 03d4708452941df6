-- Analyst-facing views; recreated after every migration run.

CREATE OR REPLACE VIEW entry_history AS
SELECT v.entry_id, e.source_id, v.change_kind, v.valid_from, v.valid_to,
       v.headline, v.body, v.published_at, v.content_hash
FROM entry_versions v JOIN entries e USING (entry_id);
COMMENT ON VIEW entry_history IS 'Every version of every entry with its source: what changed and when (valid_from is the fetch time that saw the change).';

CREATE OR REPLACE VIEW timeline AS
SELECT 'entry' AS kind, source_id AS source, published_at, time_precision,
       headline AS title, body, url, language
FROM entries WHERE NOT is_deleted
UNION ALL
SELECT 'document', corpus || ':' || source_file, published_at, time_precision,
       title, body, url, language
FROM documents;
COMMENT ON VIEW timeline IS 'Ticker entries and reference documents in one shape, ordered by published_at (UTC): where tickers line up with the corpus.';
