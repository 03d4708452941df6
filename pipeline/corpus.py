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
from pipeline.timeparse import parse_german_datetime, to_utc
from pipeline.warehouse import connect, publish_reader

BUNDLED = Path(__file__).resolve().parent / "data" / "seed-corpus"
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
    """Load (or refresh) every `*.txt` in `directory`; returns the number of documents.
    `advance` hears each file name as it is loaded."""
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise ConfigError(f"{directory}: no *.txt documents to load")
    documents = [read_document(f, corpus, tz) for f in files]
    con.execute("BEGIN TRANSACTION")
    try:
        for doc in documents:
            _upsert(con, doc, corpus, language, now)
            if advance:
                advance(doc.source_file)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(documents)


def load_into(
    warehouse: Path,
    directory: Path,
    *,
    corpus: str,
    now: datetime,
    advance: Callable[[str], None] | None = None,
) -> int:
    """`load_corpus` into the warehouse file, then publish the reader snapshot."""
    with connect(warehouse) as con:
        count = load_corpus(con, directory, corpus=corpus, now=now, advance=advance)
        publish_reader(con, warehouse)
    return count


def _upsert(
    con: duckdb.DuckDBPyConnection, doc: Document, corpus: str, language: str, now: datetime
) -> None:
    con.execute("DELETE FROM document_paragraphs WHERE document_id = ?", [doc.document_id])
    con.execute(
        """
        INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
        ON CONFLICT (document_id) DO UPDATE SET published_at = excluded.published_at,
            time_precision = excluded.time_precision, title = excluded.title,
            body = excluded.body, language = excluded.language
        """,
        [
            doc.document_id,
            corpus,
            doc.source_file,
            doc.published_at,
            doc.time_precision,
            doc.title,
            "\n\n".join(doc.paragraphs),
            language,
            now,
        ],
    )
    con.executemany(
        "INSERT INTO document_paragraphs VALUES (?, ?, ?)",
        [[doc.document_id, no, text] for no, text in enumerate(doc.paragraphs)],
    )
