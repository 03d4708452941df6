"""The reference corpus: plain-text news documents loaded as `documents` and
`document_paragraphs`. The bundled seed corpus ships in `pipeline/data/seed-corpus`.

File format (docs/alignment.md, "The corpus"): UTF-8 text, optionally opened by YAML
front matter between `---` lines with any of `title`, `url`, `published_at` (ISO 8601
with an offset) and `language`; then (the seed corpus form) an optional
` date YYYY-MM-DD ` prefix on the first line, a title line, and one paragraph per
non-empty line (lines are not hard-wrapped). Without front matter the time is the
prefix's day, else the first `14.08.2025 21:15 Uhr` stamp in the text (in `tz`). An
empty file is skipped with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

from pipeline.errors import ConfigError
from pipeline.parse.timeparse import parse_german_datetime, parse_utc, to_utc
from pipeline.settings import Settings
from pipeline.warehouse.backend import writing
from pipeline.warehouse.db import transaction
from pipeline.warehouse.lake import with_retries

log = logging.getLogger(__name__)
BUNDLED = Path(__file__).resolve().parent.parent / "data" / "seed-corpus"
_DATE_PREFIX = re.compile(r"^\s*date (\d{4})-(\d{2})-(\d{2})\s+")
_GERMAN_STAMP = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4},?\s+\d{1,2}[:.]\d{2}(?:\s*Uhr)?$", re.M)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEYS = frozenset({"title", "url", "published_at", "language"})
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class Document:
    document_id: str
    source_file: str
    published_at: datetime | None
    time_precision: str
    title: str | None
    paragraphs: list[str]
    url: str | None = None
    language: str | None = None  # None: the corpus's language


def read_document(path: Path, corpus: str, tz: str) -> Document:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    front, text = _front_matter(path, text)
    published, precision = _date(text, tz)
    if "published_at" in front:
        published, precision = parse_utc(front["published_at"], f"{path}: published_at"), "second"
    text = _DATE_PREFIX.sub("", text, count=1).strip()
    first, _, rest = text.partition("\n")
    title = first.strip() if len(first.strip()) <= MAX_TITLE else None
    body = rest if title else text
    paragraphs = [line.strip() for line in body.split("\n") if line.strip()]
    if "title" in front:
        title, paragraphs = (
            front["title"],
            [line.strip() for line in text.split("\n") if line.strip()],
        )
    digest = hashlib.sha256(f"{corpus}\x1f{path.name}".encode()).hexdigest()[:24]
    return Document(
        digest, path.name, published, precision, title, paragraphs,
        front.get("url"), front.get("language"),
    )  # fmt: skip


def _front_matter(path: Path, text: str) -> tuple[dict[str, str], str]:
    """The front matter's fields (all strings) and the text after it."""
    found = _FRONT_MATTER.match(text)
    if found is None:
        return {}, text
    try:
        fields = yaml.load(found.group(1), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: front matter is not YAML: {exc}".splitlines()[0]) from None
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise ConfigError(f"{path}: front matter must be `key: value` lines")
    unknown = sorted(set(fields) - _FRONT_KEYS)
    if unknown:
        known = ", ".join(sorted(_FRONT_KEYS))
        raise ConfigError(f"{path}: front matter: unknown key {unknown[0]!r} (known: {known})")
    return fields, text[found.end() :]


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
        document = read_document(file, corpus, tz)
        if document.paragraphs or document.title:
            documents.append(document)
        else:
            log.warning("%s: empty document, skipped", file)
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
           unnest(?::VARCHAR[]) AS title, unnest(?::VARCHAR[]) AS body,
           unnest(?::VARCHAR[]) AS language, unnest(?::VARCHAR[]) AS url
) n ON documents.document_id = n.document_id
WHEN MATCHED THEN UPDATE SET published_at = n.published_at,
    time_precision = n.time_precision, title = n.title, body = n.body,
    language = n.language, url = n.url
WHEN NOT MATCHED THEN INSERT (document_id, corpus, source_file, published_at,
    time_precision, title, body, language, url, loaded_at)
VALUES (n.document_id, ?, n.source_file, n.published_at, n.time_precision, n.title,
    n.body, n.language, n.url, ?)
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
        [d.language or language for d in documents],
        [d.url for d in documents],
    ]
    con.execute(_MERGE_DOCUMENTS, [*columns, corpus, now])
    rows = [(d.document_id, no, text) for d in documents for no, text in enumerate(d.paragraphs)]
    con.execute(_INSERT_PARAGRAPHS, [[row[i] for row in rows] for i in range(3)])
