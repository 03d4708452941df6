-- The tickers as they stood at one moment (change the timestamp): the version of every
-- entry valid then, withdrawn entries left out.
SELECT source_id, entry_id, published_at, headline, body
FROM entry_history
WHERE valid_from <= TIMESTAMPTZ '2025-08-14 12:00:00+00'
  AND (valid_to IS NULL OR valid_to > TIMESTAMPTZ '2025-08-14 12:00:00+00')
  AND change_kind <> 'deleted'
ORDER BY source_id, published_at DESC NULLS LAST;
