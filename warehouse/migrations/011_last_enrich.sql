-- 011_last_enrich (issue 21): whether `tickerlake enrich` has run, so the report can tell
-- "no stories yet, enrich never ran" from "enrich ran and found none". Derived data like
-- stories: every enrich run replaces the one row.
CREATE TABLE last_enrich (
    ran_at               TIMESTAMPTZ NOT NULL,
    entries              BIGINT NOT NULL,
    documents            BIGINT NOT NULL,
    stories              BIGINT NOT NULL,
    entry_document_links BIGINT NOT NULL
);
COMMENT ON TABLE last_enrich IS 'The newest tickerlake enrich run: one row, replaced by every run; no row before the first. Tells "enrich found no stories" from "enrich has not run".';
COMMENT ON COLUMN last_enrich.ran_at IS 'When the run computed stories and links (its now).';
COMMENT ON COLUMN last_enrich.entries IS 'Live ticker entries the run read.';
COMMENT ON COLUMN last_enrich.documents IS 'Reference documents the run read.';
COMMENT ON COLUMN last_enrich.stories IS 'Stories it found (rows of stories).';
COMMENT ON COLUMN last_enrich.entry_document_links IS 'Entry ↔ document links it found (rows of entry_document_links).';
