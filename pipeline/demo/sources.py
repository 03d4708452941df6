"""Bundled demo sources, generated from the seed ticker (`004_…txt`).

The seed states one time (14.08.2025 21:15 Uhr, its newest entry). Every other entry time
below is SYNTHETIC, assigned here so that the demo ticker evolves over two days; so are
the snapshot times, the one edit (a grammar correction) and the one deletion. Snapshots
are written in the replay-server layout: `<root>/<source id>/<UTC time>.<ext>`.

Sources:
- `alaska-jsonld`: an HTML page with schema.org LiveBlogPosting JSON-LD (markup and
  entities inside `articleBody`, `@id` anchors, `dateModified` on the edited entry).
- `alaska-de-html`: a German HTML ticker without markup: `<h2>21.15 Uhr: …</h2>`
  headings under day headers (`Donnerstag, 14. August 2025`), newest first (BR24 style).
- `alaska-text`: the seed text exactly as it is, one snapshot.

Beside them, the outlet `demo-blatt` (`pipeline.demo.outlet`): its feed lists a report and
a ticker with the same entries as schema.org microdata, which discovery finds by itself.
"""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.demo import outlet
from pipeline.demo.replay import snapshot_name
from pipeline.enrich.corpus import BUNDLED
from pipeline.models import Entry
from pipeline.parse.context import PageContext
from pipeline.parse.text import parse_text

BERLIN = ZoneInfo("Europe/Berlin")
SEED_TICKER = "004_03cd942545f963b3.txt"
SOURCE_IDS = ("alaska-jsonld", "alaska-de-html", "alaska-text")
WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember"]  # fmt: skip

# Local (Berlin) publication times, newest first, one per seed entry. Only the first is
# stated by the seed; the rest are synthetic.
ENTRY_TIMES = [
    "2025-08-14 21:15", "2025-08-14 20:10", "2025-08-14 19:20", "2025-08-14 18:25",
    "2025-08-14 17:30", "2025-08-14 16:20", "2025-08-14 15:00", "2025-08-14 13:40",
    "2025-08-14 12:15", "2025-08-14 10:50", "2025-08-14 09:30", "2025-08-14 08:05",
    "2025-08-13 22:35", "2025-08-13 21:10", "2025-08-13 19:45", "2025-08-13 18:20",
    "2025-08-13 17:05",
]  # fmt: skip
# Local times at which the replay server switches to the next snapshot (synthetic).
SNAPSHOT_TIMES = [
    "2025-08-14 09:00", "2025-08-14 13:00", "2025-08-14 16:30",
    "2025-08-14 19:00", "2025-08-14 20:30", "2025-08-14 21:30",
]  # fmt: skip
EDITED = 7  # "ZDF-Umfrage …": "Laut eine Umfrage" corrected to "Laut einer Umfrage"
EDIT_FROM = 3  # snapshot index from which the correction shows
DELETED = 13  # "Warum wurde der Alaska-Gipfel …": withdrawn
DELETE_FROM = 3
PAGE_URL = "https://demo.tickerlake.invalid/alaska-gipfel"


@dataclass(frozen=True, slots=True)
class DemoEntry:
    number: int  # position in the seed, 0 = newest
    headline: str
    body: str
    published: datetime  # aware, Berlin
    modified: datetime | None = None


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN)


def seed_text() -> str:
    return (BUNDLED / SEED_TICKER).read_text(encoding="utf-8")


def seed_entries() -> list[DemoEntry]:
    ctx = PageContext(url=PAGE_URL, fetched_at=datetime.now(UTC), tz="Europe/Berlin", language="de")
    parsed: list[Entry] = parse_text(seed_text(), ctx).entries
    if len(parsed) != len(ENTRY_TIMES):
        raise RuntimeError(f"seed ticker has {len(parsed)} entries, expected {len(ENTRY_TIMES)}")
    return [
        DemoEntry(i, e.headline or "", e.body, local(t))
        for i, (e, t) in enumerate(zip(parsed, ENTRY_TIMES, strict=True))
    ]


def snapshot_state(entries: list[DemoEntry], index: int) -> list[DemoEntry]:
    """The entries visible at snapshot `index`, newest first."""
    at = local(SNAPSHOT_TIMES[index])
    visible = [e for e in entries if e.published <= at]
    if index >= DELETE_FROM:
        visible = [e for e in visible if e.number != DELETED]
    if index >= EDIT_FROM:
        edit_time = local(SNAPSHOT_TIMES[EDIT_FROM])
        visible = [
            replace(e, body=e.body.replace("Laut eine Umfrage", "Laut einer Umfrage"),
                    modified=edit_time) if e.number == EDITED else e
            for e in visible
        ]  # fmt: skip
    return visible


def render_jsonld(entries: list[DemoEntry], at: datetime) -> str:
    updates = [
        {
            "@type": "BlogPosting",
            "@id": f"{PAGE_URL}#update-{e.number}",
            "headline": e.headline,
            "articleBody": "".join(f"<p>{html.escape(p)}</p>" for p in e.body.split("\n\n")),
            "datePublished": e.published.isoformat(),
            **({"dateModified": e.modified.isoformat()} if e.modified else {}),
            "author": {"@type": "Person", "name": "Demo-Redaktion"},
        }
        for e in entries
    ]
    blog = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Liveticker Alaska-Gipfel",
        "datePublished": local(ENTRY_TIMES[-1]).isoformat(),
        "dateModified": at.isoformat(),
        "inLanguage": "de",
        "liveBlogUpdate": updates,
    }
    articles = "\n".join(
        f'<article id="update-{e.number}"><time datetime="{e.published.isoformat()}">'
        f"{e.published:%H:%M}</time><h3>{html.escape(e.headline)}</h3>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in e.body.split("\n\n"))
        + "</article>"
        for e in entries
    )
    ld = json.dumps(blog, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return _page(
        "Liveticker Alaska-Gipfel (JSON-LD)",
        f'<script type="application/ld+json">\n{ld}\n</script>',
        articles,
    )


def render_german_html(entries: list[DemoEntry]) -> str:
    parts: list[str] = []
    day = None
    for e in entries:
        if e.published.date() != day:
            day = e.published.date()
            header = f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}"
            parts.append(f"<h2>{header}</h2>")
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in e.body.split("\n\n"))
        parts.append(f"<h2>{e.published:%H.%M} Uhr: {html.escape(e.headline)}</h2>{paragraphs}")
    body = '<div class="RichText">' + "\n".join(parts) + "</div>"
    return _page("Liveticker Alaska-Gipfel", "", body)


def _page(title: str, head: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{head}</head>\n"
        f"<body><main><h1>{html.escape(title)}</h1>\n{body}\n</main></body></html>\n"
    )


def snapshot_times() -> list[datetime]:
    return [local(t).astimezone(UTC) for t in SNAPSHOT_TIMES]


def generate(root: Path) -> list[str]:
    """(Re)write the demo sources and the outlet's pages under `root`; returns the ids
    of the configured sources."""
    shutil.rmtree(root, ignore_errors=True)
    entries = seed_entries()
    states = [(at, snapshot_state(entries, i)) for i, at in enumerate(snapshot_times())]
    for at, visible in states:
        _write(root / "alaska-jsonld" / snapshot_name(at, "html"), render_jsonld(visible, at))
        _write(root / "alaska-de-html" / snapshot_name(at, "html"), render_german_html(visible))
    _write(root / "alaska-text" / snapshot_name(snapshot_times()[0], "txt"), seed_text())
    outlet.write(root, states)
    return ["alaska-jsonld", "alaska-de-html", "alaska-text"]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def replay_root(data_dir: Path) -> Path:
    return data_dir / "demo-sources"


def write_sources_file(data_dir: Path, base_url: str) -> Path:
    """Write `<data_dir>/demo-sources.yaml` pointing at a replay server on `base_url`."""
    path = data_dir / "demo-sources.yaml"
    path.write_text(sources_yaml(base_url), encoding="utf-8")
    return path


def sources_yaml(base_url: str) -> str:
    """A sources file pointing at a replay server serving `generate`'s output: the
    configured sources and the outlet (whose ticker it does not name)."""
    lines = [
        "# Generated by tickerlake: the bundled demo sources on a local replay server.",
        "sources:",
    ]
    for source_id in SOURCE_IDS:
        lines += [
            f"  - id: {source_id}",
            f"    url: {base_url}/{source_id}",
            "    timezone: Europe/Berlin",
            "    language: de",
            "    allow_private: true  # the replay server listens on 127.0.0.1",
        ]
    return "\n".join([*lines, *outlet.yaml_lines(base_url)]) + "\n"
