"""The real pages kept beside the checkout (`../shared/realpages`, or the folder
`$TICKERLAKE_REALPAGES` names): read in place, never copied. Shared by the benchmarks and
the tests that run on them, with the one transformation both need: a page with its
structured data removed."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html

from pipeline.parse.identity import normalise

ROOT = Path(__file__).resolve().parents[1]
KEY_CHARS = 30
BERLIN = ZoneInfo("Europe/Berlin")


class RealPagesMissingError(FileNotFoundError):
    """The real pages are not where they should be."""


@dataclass(frozen=True, slots=True)
class RealPage:
    """One page of a folder: its index row and its bytes, decompressed."""

    file: str
    url: str
    row: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        # Every page in the set is UTF-8 (index.tsv records none that is not).
        return self.content.decode("utf-8")


def folder(name: str) -> Path:
    """`liveblogs` or `articles-de` of the real pages."""
    base = os.environ.get("TICKERLAKE_REALPAGES") or str(ROOT.parent / "shared" / "realpages")
    return Path(base) / name


def index_rows(path: Path) -> list[dict[str, str]]:
    """The folder's index.tsv, one dict per page; [] when there is none."""
    index = path / "index.tsv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def pages(name: str) -> list[RealPage]:
    """Every page of the folder listed in its index, or RealPagesMissingError."""
    path = folder(name)
    rows = index_rows(path)
    if not rows:
        raise RealPagesMissingError(
            f"no real pages in {path} (no index.tsv): put ../shared/realpages beside the "
            "checkout or set TICKERLAKE_REALPAGES"
        )
    return [
        RealPage(row["file"], row["url"], row, gzip.decompress((path / row["file"]).read_bytes()))
        for row in rows
    ]


_JSON_LD = re.compile(
    r"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[^>]*>.*?</script\s*>", re.I | re.S
)
# Invisible microdata carriers go whole; on visible elements only the attributes go.
_MICRODATA_CARRIER = re.compile(r"<(?:meta|link)\b[^>]*\bitem(?:prop|type|scope)\b[^>]*>", re.I)
_MICRODATA_ATTRIBUTE = re.compile(
    r"\s+item(?:scope|type|prop|id|ref)\b(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?", re.I
)


def strip_json_ld(text: str) -> str:
    return _JSON_LD.sub("", text)


def strip_structured(text: str) -> str:
    """The page without its schema.org data: JSON-LD blocks and microdata removed, every
    other byte as it was, so only what the page renders is left to read."""
    without_carriers = _MICRODATA_CARRIER.sub("", strip_json_ld(text))
    return _MICRODATA_ATTRIBUTE.sub("", without_carriers)


def text_key(text: str, length: int | None = KEY_CHARS) -> str:
    """The opening of a text as letters and digits only, case-folded: how an entry is
    recognised across its structured and rendered copies (markup, spacing and
    punctuation differ between them)."""
    return re.sub(r"\W+", "", normalise(text))[:length]


def visible_text(markup: str) -> str:
    """The text a reader sees: the page without scripts, styles and templates."""
    tree: Any = lxml.html.fromstring(markup)
    for node in tree.xpath("//script | //style | //noscript | //template"):
        node.drop_tree()
    return str(tree.text_content())


def json_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a parsed JSON value, outermost first."""
    if isinstance(value, list):
        for item in value:
            yield from json_objects(item)
    elif isinstance(value, dict):
        yield value
        for item in value.values():
            yield from json_objects(item)


def expected_day(page: RealPage) -> date | None:
    """A German article's publishing day in its row's expected output (the version the
    title matched), in Berlin; None when the row names none."""
    if not page.row["expected"]:
        return None
    data = json.loads((folder("articles-de") / page.row["expected"]).read_text(encoding="utf-8"))
    value = data.get("date") or next(
        (data[k].get("publishing_date") for k in _matched_versions(page.row, data)), None
    )
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (moment.astimezone(BERLIN) if moment.tzinfo else moment).date()


def _matched_versions(row: dict[str, str], data: dict[str, Any]) -> list[str]:
    found = re.search(r"matched by title: ([\w, ]+)", row["expected_note"])
    keys = [k.strip() for k in found.group(1).split(",")] if found else list(data)
    return [k for k in keys if isinstance(data.get(k), dict)]
