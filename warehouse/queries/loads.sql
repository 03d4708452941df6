-- The load log: every load transaction, the staged batches it applied and what it wrote.
SELECT load_id, started_at, len(batches) AS batches, fetch_rows, page_rows, entry_rows,
       new_versions
FROM loads
ORDER BY started_at DESC;
