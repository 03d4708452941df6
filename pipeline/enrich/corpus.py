"""The reference corpus: plain-text news documents loaded as `documents` and
`document_paragraphs`. The bundled seed corpus ships in `pipeline/data/seed-corpus`.

File format (the seed corpus form): an optional ` date YYYY-MM-DD ` prefix on the first
line, a title line, then one paragraph per non-empty line (lines are not hard-wrapped).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.errors import ConfigError
from pipeline.parse.timeparse import parse_german_datetime, to_utc
from pipeline.settings import Settings
from pipeline.warehouse.backend import writing
from pipeline.warehouse.db import transaction
from pipeline.warehouse.lake import with_retries

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "seed-corpus"
_DATE_PREFIX = re.compile(r"^\s*date (\d{4})-(\d{2})-(\d{2})\s+")
_GERMAN_STAMP = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4},?\s+\d{1,2}[:.]\d{2}(?:\s*Uhr)?$", re.M)
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class Document:
    document_id: str
    source_file: str
    published_at: datetime | None
    time_precision: str
    title: str | None
    paragraphs: list[str]


def read_document(path: Path, corpus: str, tz: str) -> Document:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    published, precision = _date(text, tz)
    text = _DATE_PREFIX.sub("", text, count=1).strip()
    first, _, rest = text.partition("\n")
    title = first.strip() if len(first.strip()) <= MAX_TITLE else None
    body = rest if title else text
    paragraphs = [line.strip() for line in body.split("\n") if line.strip()]
    digest = hashlib.sha256(f"{corpus}\x1f{path.name}".encode()).hexdigest()[:24]
    return Document(digest, path.name, published, precision, title, paragraphs)


def _date(text: str, tz: str) -> tuple[datetime | None, str]:
    prefix = _DATE_PREFIX.match(text)
    if prefix:
        year, month, day = (int(g) for g in prefix.groups())
        return datetime(year, month, day, tzinfo=UTC), "day"
    stamp = _GERMAN_STAMP.search(text)
    local = parse_german_datetime(stamp.group(0)) if stamp else None
    return (to_utc(local, tz)[0], "minute") if local else (None, "none")


def load_corpus(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    *,
    corpus: str,
    now: datetime,
    language: str = "de",
    tz: str = "Europe/Berlin",
    advance: Callable[[str], None] | None = None,
) -> int:
    """Load (or refresh) every `*.txt` in `directory` in one transaction; returns the
    number of documents. `advance` hears each file name as it is read."""
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise ConfigError(f"{directory}: no *.txt documents to load")
    documents = []
    for file in files:
        documents.append(read_document(file, corpus, tz))
        if advance:
            advance(file.name)
    with transaction(con):
        _write(con, documents, corpus, language, now)
    return len(documents)


def load_into(
    settings: Settings,
    directory: Path,
    *,
    corpus: str,
    now: datetime,
    advance: Callable[[str], None] | None = None,
) -> int:
    """`load_corpus` into the configured backend (the DuckDB file, then its reader
    snapshot, or DuckLake, rerun after a write conflict)."""
    with writing(settings) as con:
        return with_retries(
            lambda: load_corpus(con, directory, corpus=corpus, now=now, advance=advance)
        )


# Set-based, so that DuckLake writes one data file per table, not one per document; MERGE
# rather than ON CONFLICT, which needs the PRIMARY KEY DuckLake does not have.
_MERGE_DOCUMENTS = """
MERGE INTO documents USING (
    SELECT unnest(?::VARCHAR[]) AS document_id, unnest(?::VARCHAR[]) AS source_file,
           unnest(?::TIMESTAMPTZ[]) AS published_at, unnest(?::VARCHAR[]) AS time_precision,
           unnest(?::VARCHAR[]) AS title, unnest(?::VARCHAR[]) AS body
) n ON documents.document_id = n.document_id
WHEN MATCHED THEN UPDATE SET published_at = n.published_at,
    time_precision = n.time_precision, title = n.title, body = n.body, language = ?
WHEN NOT MATCHED THEN INSERT (document_id, corpus, source_file, published_at,
    time_precision, title, body, language, url, loaded_at)
VALUES (n.document_id, ?, n.source_file, n.published_at, n.time_precision, n.title,
    n.body, ?, NULL, ?)
"""
_INSERT_PARAGRAPHS = (
    "INSERT INTO document_paragraphs SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]), "
    "unnest(?::VARCHAR[])"
)


def _write(
    con: duckdb.DuckDBPyConnection,
    documents: list[Document],
    corpus: str,
    language: str,
    now: datetime,
) -> None:
    ids = [d.document_id for d in documents]
    con.execute("DELETE FROM document_paragraphs WHERE list_contains(?, document_id)", [ids])
    columns = [
        ids,
        [d.source_file for d in documents],
        [d.published_at for d in documents],
        [d.time_precision for d in documents],
        [d.title for d in documents],
        ["\n\n".join(d.paragraphs) for d in documents],
    ]
    con.execute(_MERGE_DOCUMENTS, [*columns, language, corpus, language, now])
    rows = [(d.document_id, no, text) for d in documents for no, text in enumerate(d.paragraphs)]
    con.execute(_INSERT_PARAGRAPHS, [[row[i] for row in rows] for i in range(3)])
