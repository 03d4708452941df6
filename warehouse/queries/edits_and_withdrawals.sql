-- What was edited or withdrawn, and what did it say before? Every change after an
-- entry's first version, with the text it replaced.
SELECT source_id, entry_id, change_kind, valid_from AS changed_at,
       lag(body) OVER (PARTITION BY entry_id ORDER BY version_no) AS body_before,
       body AS body_after
FROM entry_history
QUALIFY change_kind <> 'new'
ORDER BY changed_at, source_id, entry_id;
