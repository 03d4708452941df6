-- Alignment scores entries by sentence-level evidence (pipeline/enrich/align.py, docs/alignment.md):
-- term_overlap becomes evidence; the links are recomputed by the next tickerlake enrich.
ALTER TABLE entry_document_links RENAME COLUMN term_overlap TO evidence;
COMMENT ON COLUMN entry_document_links.evidence IS 'Sentence-level evidence: over the entry''s best-matched sentences, the weights of the word stems each shares with a two-sentence passage of the document, less a floor per sentence (0 upward; the score saturates it).';
COMMENT ON COLUMN entry_document_links.score IS 'evidence / (evidence + evidence_half), 0..1; links exist only at or above the configured threshold.';
COMMENT ON COLUMN entry_document_links.method IS 'copy when entry and paragraph overlap nearly verbatim (word 3-gram containment), else sentence-evidence (shared telling words in matched sentences).';
COMMENT ON COLUMN entry_document_links.bm25 IS 'Best BM25 of a paragraph of the document for the entry text as query (DuckDB fts, German stemmer): how the document became a candidate.';
COMMENT ON COLUMN entry_document_links.paragraph_no IS 'The paragraph of the document whose passage matches the entry''s best sentence (document_paragraphs.paragraph_no).';
