-- Which sources need attention? Failing, stale or slow sources first.
SELECT source_id, last_fetched_at, last_success_at, last_change_at, fetches_24h,
       round(error_rate_24h, 3) AS error_rate_24h,
       round(not_modified_rate_24h, 3) AS not_modified_rate_24h,
       newest_entry_at, freshness_lag
FROM source_health
ORDER BY error_rate_24h DESC NULLS LAST, last_success_at NULLS FIRST;
