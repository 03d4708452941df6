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
