-- What did each ticker say, and when? The live entries of every source, newest first,
-- with the time as written beside the UTC time.
SELECT source_id, published_at, time_text, time_precision, headline, left(body, 120) AS body
FROM entries
WHERE NOT is_deleted
ORDER BY source_id, published_at DESC NULLS LAST, position;
