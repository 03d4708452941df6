-- Tickers and reference articles side by side: per UTC day, how many entries each
-- source published and which corpus documents appeared.
SELECT CAST(published_at AS DATE) AS day_utc, kind, source, count(*) AS items,
       min(published_at) AS first_at, max(published_at) AS last_at
FROM timeline
WHERE published_at IS NOT NULL
GROUP BY ALL
ORDER BY day_utc, kind, source;
