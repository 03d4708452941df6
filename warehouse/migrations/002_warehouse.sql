-- 002_warehouse: the merge-heavy tables (fetches, pages, entries, entry_versions) are
-- rebuilt without PRIMARY KEY constraints, and every column of the 001 tables is described
-- (docs/warehouse.md is generated from these comments).
--
-- Why no keys: DuckDB maintains a PRIMARY KEY as an ART index, and updating rows of an
-- indexed table is a delete plus an insert into the index; merging 100k changed entries
-- into 1M took 80 s with the keys and 2 s without (bench/load.py). Uniqueness is the
-- loader's job instead: it reduces each load to one row per key (latest batch wins),
-- inserts fetches and pages only when their key is absent, and MERGEs entries; the tests
-- check that every entry has exactly one row and one open version. DuckLake has no keys
-- either, so both backends now rely on the same guarantee.

DROP VIEW IF EXISTS entry_history;
DROP VIEW IF EXISTS timeline;
DROP VIEW IF EXISTS source_health;

ALTER TABLE fetches RENAME TO fetches_001;
CREATE TABLE fetches (
    source_id   VARCHAR NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    attempt     INTEGER NOT NULL,
    url         VARCHAR NOT NULL,
    final_url   VARCHAR,
    status      INTEGER,
    elapsed_ms  INTEGER,
    bytes       BIGINT,
    etag        VARCHAR,
    last_modified VARCHAR,
    sha256      VARCHAR,
    changed     BOOLEAN,
    error_class VARCHAR,
    error       VARCHAR,
    load_id     VARCHAR NOT NULL
);
INSERT INTO fetches SELECT * FROM fetches_001;
DROP TABLE fetches_001;
COMMENT ON TABLE fetches IS 'One row per HTTP request attempt (the fetch log). status 304 or changed = false means the page was not parsed.';

ALTER TABLE pages RENAME TO pages_001;
CREATE TABLE pages (
    source_id     VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    sha256        VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    title         VARCHAR,
    canonical_url VARCHAR,
    published_at  TIMESTAMPTZ,
    modified_at   TIMESTAMPTZ,
    language      VARCHAR,
    is_liveblog   BOOLEAN NOT NULL,
    parser        VARCHAR NOT NULL,
    entry_count   INTEGER NOT NULL,
    warnings      VARCHAR[],
    load_id       VARCHAR NOT NULL
);
INSERT INTO pages SELECT * FROM pages_001;
DROP TABLE pages_001;
COMMENT ON TABLE pages IS 'Every parsed page; sha256 names the raw body in the archive.';

ALTER TABLE entries RENAME TO entries_001;
CREATE TABLE entries (
    entry_id       VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    published_at   TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ,
    time_text      VARCHAR,
    time_precision VARCHAR NOT NULL,
    time_flags     VARCHAR[],
    headline       VARCHAR,
    body           VARCHAR NOT NULL,
    authors        VARCHAR[],
    language       VARCHAR,
    pinned         BOOLEAN NOT NULL,
    key_event      BOOLEAN NOT NULL,
    summary        BOOLEAN NOT NULL,
    position       INTEGER NOT NULL,
    content_hash   VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    missing_count  INTEGER NOT NULL,
    is_deleted     BOOLEAN NOT NULL
);
INSERT INTO entries SELECT * FROM entries_001;
DROP TABLE entries_001;
COMMENT ON TABLE entries IS 'One row per ticker entry, current state. published_at is UTC; time_text is the time as written on the page.';

ALTER TABLE entry_versions RENAME TO entry_versions_001;
CREATE TABLE entry_versions (
    entry_id     VARCHAR NOT NULL,
    valid_from   TIMESTAMPTZ NOT NULL,
    valid_to     TIMESTAMPTZ,
    change_kind  VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    headline     VARCHAR,
    body         VARCHAR NOT NULL,
    published_at TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ,
    load_id      VARCHAR NOT NULL
);
INSERT INTO entry_versions SELECT * FROM entry_versions_001;
DROP TABLE entry_versions_001;
COMMENT ON TABLE entry_versions IS 'Type-2 history: one row per change (new, edited, deleted, restored). The open version has valid_to NULL; a deletion is a tombstone row.';

COMMENT ON COLUMN entries.time_precision IS 'second | minute | day | none: how exact published_at is.';
COMMENT ON COLUMN entries.missing_count IS 'Consecutive parsed fetches without this entry; it is marked deleted when this reaches the deletion threshold.';

COMMENT ON TABLE _migrations IS 'Named schema migrations applied, one per file in warehouse/migrations; a warehouse with a name the code does not know is refused.';
COMMENT ON COLUMN _migrations.name IS 'Migration file name without .sql, e.g. 001_initial.';
COMMENT ON COLUMN _migrations.applied_at IS 'When the migration ran (database clock).';

COMMENT ON COLUMN sources.source_id IS 'Source id from sources.yaml ([a-z0-9_-]).';
COMMENT ON COLUMN sources.url IS 'URL of the live-ticker page as configured.';
COMMENT ON COLUMN sources.kind IS 'Configured parser kind: auto | jsonld | html | text | feed.';
COMMENT ON COLUMN sources.timezone IS 'IANA zone in which wall-clock times on the page are read.';
COMMENT ON COLUMN sources.language IS 'Configured language code (e.g. de), used when the page states none.';
COMMENT ON COLUMN sources.first_seen_at IS 'Time of the first load that saw this source.';
COMMENT ON COLUMN sources.last_fetched_at IS 'fetched_at of the newest fetch of this source, successful or not.';
COMMENT ON COLUMN sources.etag IS 'ETag of the newest successful (200) fetch, sent as If-None-Match next time.';
COMMENT ON COLUMN sources.last_modified IS 'Last-Modified of the newest successful fetch, sent as If-Modified-Since next time.';
COMMENT ON COLUMN sources.last_sha256 IS 'sha256 of the newest successful body; an identical body is not parsed again.';

COMMENT ON COLUMN fetches.source_id IS 'The source fetched (sources.source_id).';
COMMENT ON COLUMN fetches.fetched_at IS 'When the cycle fetched (UTC); with source_id and attempt the key of a fetch.';
COMMENT ON COLUMN fetches.attempt IS 'Attempt number within the fetch, from 1; retries get higher numbers.';
COMMENT ON COLUMN fetches.url IS 'URL requested.';
COMMENT ON COLUMN fetches.final_url IS 'URL after redirects, when the request got a response.';
COMMENT ON COLUMN fetches.status IS 'HTTP status; NULL when no response arrived (see error_class).';
COMMENT ON COLUMN fetches.elapsed_ms IS 'Wall time of the request in milliseconds.';
COMMENT ON COLUMN fetches.bytes IS 'Size of the response body in bytes; NULL without a body.';
COMMENT ON COLUMN fetches.etag IS 'ETag response header.';
COMMENT ON COLUMN fetches.last_modified IS 'Last-Modified response header.';
COMMENT ON COLUMN fetches.sha256 IS 'sha256 of the body; names the raw page in the archive.';
COMMENT ON COLUMN fetches.changed IS 'true when the body differed from the previous one and was parsed.';
COMMENT ON COLUMN fetches.error_class IS 'Name of the error (e.g. TransientHTTPError, ParseError); NULL on success.';
COMMENT ON COLUMN fetches.error IS 'One-line error message; NULL on success.';
COMMENT ON COLUMN fetches.load_id IS 'The load that recorded this row (loads.load_id).';

COMMENT ON COLUMN pages.source_id IS 'The source of the page.';
COMMENT ON COLUMN pages.fetched_at IS 'Fetch time of the page (UTC); with source_id the key.';
COMMENT ON COLUMN pages.sha256 IS 'sha256 of the raw body, the archive key.';
COMMENT ON COLUMN pages.url IS 'URL the page was read from.';
COMMENT ON COLUMN pages.title IS 'Page title as found in metadata or <title>.';
COMMENT ON COLUMN pages.canonical_url IS 'The page''s canonical URL, when it states one.';
COMMENT ON COLUMN pages.published_at IS 'Publication time the page states for itself (UTC).';
COMMENT ON COLUMN pages.modified_at IS 'Modification time the page states for itself (UTC).';
COMMENT ON COLUMN pages.language IS 'Language of the page (stated, else the source''s).';
COMMENT ON COLUMN pages.is_liveblog IS 'true when the page was recognised as a live ticker / live blog.';
COMMENT ON COLUMN pages.parser IS 'The parser that split the page (jsonld, html, text, feed …).';
COMMENT ON COLUMN pages.entry_count IS 'Number of entries the parser found on the page.';
COMMENT ON COLUMN pages.warnings IS 'Parser warnings (e.g. entries without a time).';
COMMENT ON COLUMN pages.load_id IS 'The load that recorded this row (loads.load_id).';

COMMENT ON TABLE entries IS 'Analyst view of ticker entries: one row per entry, its current state (withdrawn ones kept with is_deleted = true). A table, not a view, because the loader MERGEs into it; its name is stable. published_at is UTC; time_text is the time as written on the page.';
COMMENT ON COLUMN entries.entry_id IS 'Stable id: the page''s own anchor when it has one, else a hash of page, headline and minute, else of the content.';
COMMENT ON COLUMN entries.source_id IS 'The source the entry was published on.';
COMMENT ON COLUMN entries.url IS 'Link to the entry (the page URL, with its anchor when it has one).';
COMMENT ON COLUMN entries.published_at IS 'Publication time in UTC; NULL when the page states none.';
COMMENT ON COLUMN entries.updated_at IS 'Update time the page states for the entry (UTC), if any.';
COMMENT ON COLUMN entries.time_text IS 'The time exactly as written on the page.';
COMMENT ON COLUMN entries.time_flags IS 'Caveats on published_at: dst_ambiguous, dst_nonexistent, future.';
COMMENT ON COLUMN entries.headline IS 'Entry headline, if the entry has one.';
COMMENT ON COLUMN entries.body IS 'Entry text, markup removed.';
COMMENT ON COLUMN entries.authors IS 'Authors named on the entry.';
COMMENT ON COLUMN entries.language IS 'Language of the entry (the page''s or the source''s).';
COMMENT ON COLUMN entries.pinned IS 'Pinned to the top of the ticker by the outlet.';
COMMENT ON COLUMN entries.key_event IS 'Marked as a key event by the outlet.';
COMMENT ON COLUMN entries.summary IS 'A summary entry rather than a timestamped update.';
COMMENT ON COLUMN entries.position IS 'Position on the newest page that carried the entry, from 0 at the top.';
COMMENT ON COLUMN entries.content_hash IS 'Hash of normalised headline and body; a change is an edit.';
COMMENT ON COLUMN entries.first_seen_at IS 'Fetch time of the first page that carried the entry.';
COMMENT ON COLUMN entries.last_seen_at IS 'Fetch time of the newest page that carried the entry.';
COMMENT ON COLUMN entries.is_deleted IS 'true once the entry was withdrawn (missing from enough consecutive pages).';

COMMENT ON COLUMN entry_versions.entry_id IS 'The entry (entries.entry_id).';
COMMENT ON COLUMN entry_versions.valid_from IS 'Fetch time of the page that showed this version (UTC).';
COMMENT ON COLUMN entry_versions.valid_to IS 'Fetch time at which the next version began; NULL for the open version.';
COMMENT ON COLUMN entry_versions.change_kind IS 'new | edited | deleted | restored: what this version changed.';
COMMENT ON COLUMN entry_versions.content_hash IS 'Hash of normalised headline and body of this version.';
COMMENT ON COLUMN entry_versions.headline IS 'Headline in this version (a tombstone repeats the last one).';
COMMENT ON COLUMN entry_versions.body IS 'Text in this version (a tombstone repeats the last one).';
COMMENT ON COLUMN entry_versions.published_at IS 'Publication time in this version (UTC).';
COMMENT ON COLUMN entry_versions.updated_at IS 'Update time stated in this version (UTC).';
COMMENT ON COLUMN entry_versions.load_id IS 'The load that wrote this version (loads.load_id).';

COMMENT ON COLUMN documents.document_id IS 'Stable id: hash of corpus name and file name.';
COMMENT ON COLUMN documents.corpus IS 'Corpus name (seed for the bundled one, else the name given to corpus load).';
COMMENT ON COLUMN documents.source_file IS 'File the document was read from.';
COMMENT ON COLUMN documents.published_at IS 'Publication time in UTC, as far as the document states it.';
COMMENT ON COLUMN documents.time_precision IS 'second | minute | day | none: how exact published_at is.';
COMMENT ON COLUMN documents.title IS 'Title line of the document.';
COMMENT ON COLUMN documents.body IS 'Full text, paragraphs separated by blank lines.';
COMMENT ON COLUMN documents.language IS 'Language code of the document.';
COMMENT ON COLUMN documents.url IS 'URL of the original article, when known.';
COMMENT ON COLUMN documents.loaded_at IS 'When the document was (re)loaded.';

COMMENT ON COLUMN document_paragraphs.document_id IS 'The document (documents.document_id).';
COMMENT ON COLUMN document_paragraphs.paragraph_no IS 'Paragraph number, from 0.';
COMMENT ON COLUMN document_paragraphs.text IS 'Paragraph text.';

COMMENT ON COLUMN loads.load_id IS 'Id of the load (the Airflow run_id, or cli-<time> for tickerlake run).';
COMMENT ON COLUMN loads.started_at IS 'When the load ran.';
COMMENT ON COLUMN loads.batches IS 'Ids of the staged batches the load applied.';
COMMENT ON COLUMN loads.fetch_rows IS 'Rows added to fetches.';
COMMENT ON COLUMN loads.page_rows IS 'Rows added to pages.';
COMMENT ON COLUMN loads.entry_rows IS 'Entry observations applied (entries seen on pages newer than the source''s watermark).';
COMMENT ON COLUMN loads.new_versions IS 'Rows added to entry_versions.';

COMMENT ON COLUMN loaded_batches.batch_id IS 'Id of a staged batch (the _COMPLETE marker''s batch_id).';
COMMENT ON COLUMN loaded_batches.load_id IS 'The load that applied it.';
