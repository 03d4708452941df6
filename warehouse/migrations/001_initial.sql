-- 001_initial: sources, fetch log, page index, entries (current state) with SCD2 history,
-- the reference corpus, and the load bookkeeping.

CREATE TABLE sources (
    source_id       VARCHAR PRIMARY KEY,
    url             VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    timezone        VARCHAR,
    language        VARCHAR,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    last_fetched_at TIMESTAMPTZ,
    last_observed_at TIMESTAMPTZ,
    etag            VARCHAR,
    last_modified   VARCHAR,
    last_sha256     VARCHAR
);
COMMENT ON TABLE sources IS 'One row per configured live-ticker source, with the validators of its last successful fetch.';
COMMENT ON COLUMN sources.last_observed_at IS 'fetched_at of the newest parsed page; older observations are ignored so re-runs never rewind history.';

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
    load_id     VARCHAR NOT NULL,
    PRIMARY KEY (source_id, fetched_at, attempt)
);
COMMENT ON TABLE fetches IS 'One row per HTTP request attempt (the fetch log). status 304 or changed = false means the page was not parsed.';

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
    load_id       VARCHAR NOT NULL,
    PRIMARY KEY (source_id, fetched_at)
);
COMMENT ON TABLE pages IS 'Every parsed page; sha256 names the raw body in the archive.';

CREATE TABLE entries (
    entry_id       VARCHAR PRIMARY KEY,
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
COMMENT ON TABLE entries IS 'One row per ticker entry, current state. published_at is UTC; time_text is the time as written on the page.';
COMMENT ON COLUMN entries.time_precision IS 'second | minute | day | none: how exact published_at is.';
COMMENT ON COLUMN entries.missing_count IS 'Consecutive parsed fetches without this entry; it is marked deleted when this reaches the deletion threshold.';

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
    load_id      VARCHAR NOT NULL,
    PRIMARY KEY (entry_id, valid_from)
);
COMMENT ON TABLE entry_versions IS 'Type-2 history: one row per change (new, edited, deleted, restored). The open version has valid_to NULL; a deletion is a tombstone row.';

CREATE TABLE documents (
    document_id    VARCHAR PRIMARY KEY,
    corpus         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    published_at   TIMESTAMPTZ,
    time_precision VARCHAR NOT NULL,
    title          VARCHAR,
    body           VARCHAR NOT NULL,
    language       VARCHAR,
    url            VARCHAR,
    loaded_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE documents IS 'Reference corpus articles (the bundled seed corpus and any corpus loaded with tickerlake corpus load).';

CREATE TABLE document_paragraphs (
    document_id  VARCHAR NOT NULL,
    paragraph_no INTEGER NOT NULL,
    text         VARCHAR NOT NULL,
    PRIMARY KEY (document_id, paragraph_no)
);
COMMENT ON TABLE document_paragraphs IS 'Reference documents split into paragraphs, numbered from 0.';

CREATE TABLE loads (
    load_id      VARCHAR PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    batches      VARCHAR[] NOT NULL,
    fetch_rows   INTEGER NOT NULL,
    page_rows    INTEGER NOT NULL,
    entry_rows   INTEGER NOT NULL,
    new_versions INTEGER NOT NULL
);
COMMENT ON TABLE loads IS 'One row per load transaction with the staged batches it applied and row counts.';

CREATE TABLE loaded_batches (
    batch_id  VARCHAR PRIMARY KEY,
    load_id   VARCHAR NOT NULL
);
COMMENT ON TABLE loaded_batches IS 'Staged batches already applied; loading one again is a no-op.';
