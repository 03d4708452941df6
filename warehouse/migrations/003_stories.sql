-- 003_stories: near-duplicate stories across outlets and the links between ticker entries
-- and the reference corpus. Both are derived data: `tickerlake enrich` recomputes and
-- replaces them after every load.

CREATE TABLE stories (
    story_id           VARCHAR PRIMARY KEY,
    member_count       INTEGER NOT NULL,
    entry_count        INTEGER NOT NULL,
    paragraph_count    INTEGER NOT NULL,
    source_count       INTEGER NOT NULL,
    first_published_at TIMESTAMPTZ,
    last_published_at  TIMESTAMPTZ,
    title              VARCHAR,
    computed_at        TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE stories IS 'Near-duplicate clusters: ticker entries and corpus paragraphs that carry (nearly) the same text, e.g. one agency copy reprinted by several outlets. Recomputed by tickerlake enrich.';
COMMENT ON COLUMN stories.story_id IS 'Stable id: a hash of the story''s smallest member key, so an unchanged cluster keeps its id across recomputations.';
COMMENT ON COLUMN stories.member_count IS 'Number of members (entries plus paragraphs), at least 2.';
COMMENT ON COLUMN stories.entry_count IS 'Members that are ticker entries.';
COMMENT ON COLUMN stories.paragraph_count IS 'Members that are reference-corpus paragraphs.';
COMMENT ON COLUMN stories.source_count IS 'Distinct outlets among the members (ticker sources and corpus documents).';
COMMENT ON COLUMN stories.first_published_at IS 'Earliest published_at (UTC) among the members: when the story first appeared.';
COMMENT ON COLUMN stories.last_published_at IS 'Latest published_at (UTC) among the members.';
COMMENT ON COLUMN stories.title IS 'Headline of the earliest entry member, else the title of the earliest document member.';
COMMENT ON COLUMN stories.computed_at IS 'When tickerlake enrich computed this story (its now parameter).';

CREATE TABLE story_members (
    story_id     VARCHAR NOT NULL,
    member_kind  VARCHAR NOT NULL,
    member_key   VARCHAR NOT NULL,
    entry_id     VARCHAR,
    document_id  VARCHAR,
    paragraph_no INTEGER,
    source       VARCHAR NOT NULL,
    published_at TIMESTAMPTZ,
    similarity   DOUBLE NOT NULL,
    PRIMARY KEY (story_id, member_key)
);
COMMENT ON TABLE story_members IS 'One row per member of a story: a ticker entry or a reference-document paragraph.';
COMMENT ON COLUMN story_members.story_id IS 'The story (stories.story_id).';
COMMENT ON COLUMN story_members.member_kind IS 'entry | paragraph.';
COMMENT ON COLUMN story_members.member_key IS 'entry_id for entries, document_id#paragraph_no for paragraphs; unique across both kinds.';
COMMENT ON COLUMN story_members.entry_id IS 'The entry (entries.entry_id) when member_kind = entry, else NULL.';
COMMENT ON COLUMN story_members.document_id IS 'The document (documents.document_id) when member_kind = paragraph, else NULL.';
COMMENT ON COLUMN story_members.paragraph_no IS 'The paragraph (document_paragraphs.paragraph_no) when member_kind = paragraph, else NULL.';
COMMENT ON COLUMN story_members.source IS 'Outlet: the ticker source_id, or corpus:source_file for a document.';
COMMENT ON COLUMN story_members.published_at IS 'The member''s published_at (UTC); for an entry without a stated time, when it was first seen.';
COMMENT ON COLUMN story_members.similarity IS 'Highest exact shingle similarity (Jaccard or containment, 0..1) to another member that confirmed the match.';

CREATE TABLE entry_document_links (
    entry_id     VARCHAR NOT NULL,
    document_id  VARCHAR NOT NULL,
    paragraph_no INTEGER NOT NULL,
    score        DOUBLE NOT NULL,
    method       VARCHAR NOT NULL,
    bm25         DOUBLE NOT NULL,
    term_overlap DOUBLE NOT NULL,
    shingle_overlap DOUBLE NOT NULL,
    hours_apart  DOUBLE,
    computed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entry_id, document_id)
);
COMMENT ON TABLE entry_document_links IS 'Ticker entry ↔ reference document that reports the same facts, with the best-matching paragraph. An entry that no document reports has no row. Recomputed by tickerlake enrich.';
COMMENT ON COLUMN entry_document_links.entry_id IS 'The entry (entries.entry_id).';
COMMENT ON COLUMN entry_document_links.document_id IS 'The document (documents.document_id).';
COMMENT ON COLUMN entry_document_links.paragraph_no IS 'The paragraph of the document that matches the entry best (document_paragraphs.paragraph_no).';
COMMENT ON COLUMN entry_document_links.score IS 'Combined score 0..1 (weighted BM25, term overlap and shingle overlap); links exist only at or above the configured threshold.';
COMMENT ON COLUMN entry_document_links.method IS 'copy when the texts overlap nearly verbatim (shingles), else fts+overlap (full-text rank and shared terms).';
COMMENT ON COLUMN entry_document_links.bm25 IS 'BM25 of the paragraph for the entry text as query (DuckDB fts, German stemmer).';
COMMENT ON COLUMN entry_document_links.term_overlap IS 'IDF-weighted share of stemmed terms the entry and paragraph have in common, relative to the smaller side (0..1).';
COMMENT ON COLUMN entry_document_links.shingle_overlap IS 'Containment of word 3-gram shingles between entry and paragraph, relative to the smaller side (0..1).';
COMMENT ON COLUMN entry_document_links.hours_apart IS 'Hours between the entry and the document publication; NULL when the document has no date.';
COMMENT ON COLUMN entry_document_links.computed_at IS 'When tickerlake enrich computed this link (its now parameter).';

CREATE TABLE fts_paragraphs (
    paragraph_key VARCHAR PRIMARY KEY,
    document_id   VARCHAR NOT NULL,
    paragraph_no  INTEGER NOT NULL,
    text          VARCHAR NOT NULL
);
COMMENT ON TABLE fts_paragraphs IS 'Search copy of document_paragraphs with a single-column key, as the fts extension needs; refreshed by tickerlake enrich.';
COMMENT ON COLUMN fts_paragraphs.paragraph_key IS 'document_id#paragraph_no.';
COMMENT ON COLUMN fts_paragraphs.document_id IS 'The document (documents.document_id).';
COMMENT ON COLUMN fts_paragraphs.paragraph_no IS 'The paragraph (document_paragraphs.paragraph_no).';
COMMENT ON COLUMN fts_paragraphs.text IS 'The paragraph text.';

CREATE TABLE fts_stopwords_de (sw VARCHAR PRIMARY KEY);
COMMENT ON TABLE fts_stopwords_de IS 'German stopwords for the full-text indexes over entries, documents and paragraphs (the fts extension reads column sw).';
COMMENT ON COLUMN fts_stopwords_de.sw IS 'One lower-case stopword.';
INSERT INTO fts_stopwords_de VALUES
    ('aber'), ('alle'), ('als'), ('also'), ('am'), ('an'), ('auch'), ('auf'), ('aus'), ('bei'),
    ('bis'), ('da'), ('damit'), ('dann'), ('das'), ('dass'), ('dem'), ('den'), ('denn'), ('der'),
    ('des'), ('die'), ('dies'), ('diese'), ('dieser'), ('doch'), ('dort'), ('du'), ('durch'),
    ('ein'), ('eine'), ('einem'), ('einen'), ('einer'), ('eines'), ('er'), ('es'), ('für'),
    ('hat'), ('hatte'), ('haben'), ('ich'), ('ihm'), ('ihn'), ('ihr'), ('im'), ('in'), ('ist'),
    ('ja'), ('jedoch'), ('kann'), ('man'), ('mit'), ('nach'), ('nicht'), ('noch'), ('nun'),
    ('nur'), ('ob'), ('oder'), ('sei'), ('sein'), ('seine'), ('sich'), ('sie'), ('sind'), ('so'),
    ('soll'), ('um'), ('und'), ('uns'), ('unter'), ('vom'), ('von'), ('vor'), ('war'), ('waren'),
    ('was'), ('wenn'), ('werden'), ('wie'), ('wir'), ('wird'), ('wo'), ('wurde'), ('zu'),
    ('zum'), ('zur'), ('über');
