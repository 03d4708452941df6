"""`tickerlake report`: a self-contained page whose text is escaped, that reads at a glance
on the demo and on a warehouse of the real live blogs, rendered by headless Chromium.

What "at a glance" means here, each checked by an element's data-* attributes in the page
(and in the DOM Chromium rendered): only linked entries beside the articles, with a count
of the rest; each source on its own time range with hour or day ticks and one x label;
edits and withdrawals as marks, not blocks; outlets on lanes of their own with their own
shapes; substituted times hatched or hollow; "run enrich" only when it never ran; a last
error beside a failing source; the page a few screens long."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dev.docs_queries import build_demo_warehouse
from pipeline import stage
from pipeline.cli.main import main
from pipeline.cli.plots import Scale, padded, tick_labels, tick_step
from pipeline.cli.report import MAX_LINKED, MAX_TIMELINES, PALETTE, render_report
from pipeline.demo import outlet
from pipeline.discover.classify import ticker_id
from pipeline.enrich.run import enrich_connection
from pipeline.warehouse import connect
from pipeline.warehouse.load import load_batches
from tests.support.browser import chromium
from tests.support.pngdecode import pixels
from tests.support.realpages import LIVEBLOGS
from tests.support.realwarehouse import build_real_warehouse

GENERATED_AT = datetime(2025, 8, 15, 6, 0, tzinfo=UTC)
# The ticker discovery finds on the demo's outlet (its id is the same on every port).
OUTLET_TICKER = ticker_id(outlet.OUTLET_ID, f"http://127.0.0.1/{outlet.TICKER}")
SCREEN = 1000  # px: "a few screens" is at most MAX_SCREENS of these at 1200 px wide
MAX_SCREENS = 5
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
# Appended to a copy of the page only: the report itself carries no script.
MEASURE = (
    "<script>document.body.setAttribute('data-height', "
    "document.documentElement.scrollHeight)</script>"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live file of a demo warehouse (its reader snapshot beside it)."""
    snapshot = build_demo_warehouse(tmp_path_factory.mktemp("demo"))
    return snapshot.with_name("tickerlake.duckdb")


@pytest.fixture(scope="module")
def page(demo: Path) -> str:
    with connect(demo, read_only=True) as con:
        return render_report(con, generated_at=GENERATED_AT)


def part(page: str, name: str) -> str:
    """The HTML of one section (data-section=name)."""
    found = re.search(rf'<section data-section="{name}">.*?</section>', page, re.S)
    assert found, f"no section {name}"
    return found.group(0)


def figures(page: str) -> dict[str, str]:
    """Source → the HTML of its timeline figure."""
    found = re.findall(r'<figure class="timeline" data-source="([^"]+)".*?</figure>', page, re.S)
    blocks = re.findall(r'<figure class="timeline".*?</figure>', page, re.S)
    return dict(zip(found, blocks, strict=True))


# --- the page's text ---------------------------------------------------------------


def test_every_section_is_there(page: str) -> None:
    for name in ("timelines", "changes", "stories", "alignments", "health"):
        assert f'<section data-section="{name}">' in page
    for heading in (
        "Entries per source over time",
        "Edits and withdrawals over time",
        "The largest stories across outlets",
        "Ticker entries beside the reference articles",
        "Source health",
    ):
        assert f"<h2>{heading}</h2>" in page


def test_page_needs_no_network_and_no_script(page: str) -> None:
    assert "<script" not in page.lower()
    assert not re.search(r"\b(src|href)=", page)
    assert set(re.findall(r"https?://[^\s\"'<]+", page)) == {"http://www.w3.org/2000/svg"}


def test_only_linked_entries_are_listed_with_a_count_of_the_rest(page: str) -> None:
    # 5 of the seed ticker's entries are linked (tests/enrich/test_align.py), in each of its
    # 4 copies (3 sources, the outlet's ticker); 65 live: 17 each, 3 of them withdrawn.
    aligned = part(page, "alignments")
    assert 'data-linked="20" data-unlinked="45"' in aligned
    assert "20 of 65 live entries are reported by a reference article" in aligned
    assert "The 45 others are not listed." in aligned
    assert aligned.count('<tr class="linked" data-linked="true">') == min(20, MAX_LINKED)
    assert ">none<" not in aligned
    assert "seed:003_6d511c99f0adbf65.txt" in aligned


def test_each_source_has_its_own_time_range_hour_ticks_and_one_x_label(page: str) -> None:
    plots = figures(page)
    assert sorted(plots) == ["alaska-de-html", "alaska-jsonld", "alaska-text", OUTLET_TICKER]
    for plot in plots.values():
        assert 'data-unit="hour"' in plot
        assert plot.count('data-role="x-label"') == 1
        assert plot.count('class="tick"') >= 3
    # alaska-text is timed at 19:15 only (and 07:00, where its untimed entries were first
    # fetched): its range is that day; the other two start on the 13th.
    assert "13 Aug 2025" not in plots["alaska-text"]
    assert "13 Aug 2025" in plots["alaska-jsonld"]
    assert "13 Aug 2025" in plots[OUTLET_TICKER]


def test_entries_without_a_time_are_hatched_at_their_first_fetch(page: str) -> None:
    plots = figures(page)
    hatched = re.findall(r'data-substituted="true"[^>]*>.*?<title>([^<]*)</title>', page)
    assert '<rect class="bar" data-substituted="true"' in plots["alaska-text"]
    assert "16 without a time (hatched)" in plots["alaska-text"]
    assert "2025-08-14 07:00 UTC: 16 drawn at first fetch" in hatched
    for other in ("alaska-de-html", "alaska-jsonld", OUTLET_TICKER):
        assert 'data-substituted="true"' not in plots[other]
    # In the stories too: alaska-text's members are hollow, at their first fetch.
    assert 'data-source="alaska-text" data-substituted="true"' in part(page, "stories")


def test_edits_and_withdrawals_are_marks_at_their_fetch_times(page: str) -> None:
    changes = part(page, "changes")
    assert 'class="bar"' not in changes  # no blocks
    marks = re.findall(r'data-kind="(\w+)"[^>]*>(?:<title>([^<]*)</title>)', changes)
    # each of the three timed copies of the ticker: one edit, one withdrawal
    assert sorted(m[0] for m in marks) == ["deleted"] * 3 + ["edited"] * 3
    assert "alaska-jsonld: 1 edited at 2025-08-14 17:00 UTC" in {m[1] for m in marks}
    assert "alaska-de-html: 1 deleted at 2025-08-14 18:30 UTC" in {m[1] for m in marks}
    assert f"{OUTLET_TICKER}: 1 edited at 2025-08-14 17:00 UTC" in {m[1] for m in marks}
    assert changes.count('data-role="x-label"') == 1


def centre_y(tag: str) -> float:
    """The vertical centre of a mark (circle, square or polygon)."""
    if cy := re.search(r' cy="([\d.]+)"', tag):
        return float(cy.group(1))
    if points := re.search(r' points="([^"]+)"', tag):
        ys = [float(p.split(",")[1]) for p in points.group(1).split()]
        return (min(ys) + max(ys)) / 2
    y, height = (re.search(rf' {k}="([\d.]+)"', tag) for k in ("y", "height"))
    assert y and height, tag
    return float(y.group(1)) + float(height.group(1)) / 2


def test_outlets_of_a_story_sit_on_their_own_lanes_with_their_own_shapes(page: str) -> None:
    marks = re.findall(
        r'(<(?:circle|rect|polygon) class="mark" data-shape="(\w+)" data-source="([^"]+)"[^>]*>)',
        part(page, "stories"),
    )
    shapes = {source: shape for _, shape, source in marks}
    # one shape per outlet: the 4 tickers and the seed corpus
    assert len(shapes) == 5 and len(set(shapes.values())) == 5
    # Every outlet keeps one lane inside a story's row: two outlets that carried a story
    # at the same minute (the seed ticker's jsonld and de-html copies) are drawn apart.
    lanes = {source: {round(centre_y(tag)) for tag, _, s in marks if s == source}
             for source in shapes}  # fmt: skip
    assert lanes["alaska-de-html"].isdisjoint(lanes["alaska-jsonld"])


def test_the_demo_has_no_failing_source_but_a_last_error_column(page: str) -> None:
    health = part(page, "health")
    assert '<th data-col="last-error">last error</th>' in health
    # one row per source: the three configured, the discovered ticker; the outlet's
    # listing and its article are fetched, but they are no sources
    assert health.count('<td class="err" data-col="last-error">') == 4
    assert f'data-source="{OUTLET_TICKER}"' in health and "demo-blatt~" not in health
    assert 'data-failing="0"' in health


def add_fetch(path: Path, at: datetime, *, error: str | None, batch: str) -> None:
    """One more fetch of alaska-text at `at`: failed with `error`, or a 304."""
    staged = stage.Batch(batch)
    staged.add(
        "fetches",
        {"source_id": "alaska-text", "url": "http://127.0.0.1:1/text", "fetched_at": at,
         "attempt": 1, "status": 503 if error else 304, "changed": False,
         "error_class": "TransientHTTPError" if error else None, "error": error},
    )  # fmt: skip
    written = stage.write_batch(path.parent / "extra-staging", staged)
    with connect(path) as con:
        load_batches(con, [written], load_id=batch, now=at)


def test_a_failing_source_shows_its_last_error_first(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo, copy)
    at = datetime(2025, 8, 14, 20, 0, tzinfo=UTC)
    add_fetch(copy, at, error="HTTP 503 from http://127.0.0.1:1/text <b>", batch="failed")
    with connect(copy, read_only=True) as con:
        health = part(render_report(con, generated_at=GENERATED_AT), "health")
    assert 'data-failing="1"' in health
    first = re.search(r'<tr data-source="([^"]+)" data-state="(\w+)">', health)
    assert first and first.groups() == ("alaska-text", "failing")
    assert (
        "2025-08-14 20:00 TransientHTTPError: HTTP 503 from http://127.0.0.1:1/text &lt;b&gt;"
        in health
    )

    add_fetch(copy, at + timedelta(minutes=30), error=None, batch="recovered")
    with connect(copy, read_only=True) as con:
        health = part(render_report(con, generated_at=GENERATED_AT), "health")
    assert 'data-source="alaska-text" data-state="recovered"' in health
    assert "(recovered since)" in health


def test_text_from_the_warehouse_is_escaped(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo, copy)
    with connect(copy) as con:
        con.execute(
            """UPDATE entries SET headline = '<script>alert(1)</script>',
                                  body = 'a <img src=x onerror=alert(2)> & b'
               WHERE source_id = 'alaska-jsonld' AND entry_id IN (
                   SELECT entry_id FROM entry_document_links)"""
        )
        text = render_report(con, generated_at=GENERATED_AT)
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "a &lt;img src=x onerror=alert(2)&gt; &amp; b" in text


def test_an_empty_warehouse_renders_and_asks_for_enrich(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    text = render_report(warehouse, generated_at=GENERATED_AT)
    assert "No entries yet." in text
    assert "No sources yet." in text
    assert 'data-state="not-run"' in text
    assert "No stories yet (run <code>tickerlake enrich</code>)." in text


def test_after_enrich_found_nothing_it_does_not_ask_to_run_it(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    enrich_connection(warehouse, now=GENERATED_AT)
    text = part(render_report(warehouse, generated_at=GENERATED_AT), "stories")
    assert 'data-state="none-found"' in text
    assert "run <code>tickerlake enrich</code>" not in text
    assert "tickerlake enrich ran on 2025-08-15 06:00 UTC over 0 entries" in text


def test_a_large_warehouse_gives_a_bounded_page(warehouse: duckdb.DuckDBPyConnection) -> None:
    """40 sources × 500 entries over ten days: the SQL counts, the page stays small."""
    warehouse.execute(
        """
        INSERT INTO entries (entry_id, source_id, url, published_at, time_precision, body,
                             pinned, key_event, summary, position, content_hash,
                             first_seen_at, last_seen_at, missing_count, is_deleted)
        SELECT 'e' || i, 's' || (i % 40), 'https://t.example/' || (i % 40),
               CASE WHEN i % 7 = 0 THEN NULL
                    ELSE TIMESTAMPTZ '2025-08-01 00:00:00+00' + to_seconds(i * 43) END,
               'minute', 'Text ' || i, false, false, false, i // 40, md5(i::VARCHAR),
               TIMESTAMPTZ '2025-08-01 00:00:00+00' + to_seconds(i * 43 + 60),
               TIMESTAMPTZ '2025-08-11 00:00:00+00', 0, false
        FROM range(20000) r(i)
        """
    )
    text = render_report(warehouse, generated_at=GENERATED_AT)
    plots = figures(text)
    assert len(plots) == MAX_TIMELINES
    assert f"{40 - MAX_TIMELINES} more sources with older entries are not drawn" in text
    assert all('data-unit="day"' in p or 'data-unit="hour"' in p for p in plots.values())
    assert len(text) < 200_000


# --- the time scale ------------------------------------------------------------------


T = datetime(2025, 8, 14, 7, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("span", "unit"),
    [
        (timedelta(hours=3), "hour"),
        (timedelta(days=3), "hour"),
        (timedelta(days=10), "day"),
        (timedelta(days=40), "week"),
        (timedelta(days=200), "month"),
        (timedelta(days=3 * 365), "month"),
    ],
)
def test_ticks_fall_on_whole_units_and_are_few(span: timedelta, unit: str) -> None:
    scale = Scale(*padded(T, T + span), 0, 500)
    ticks = scale.ticks()
    assert tick_step(scale.end - scale.start)[0] == unit
    assert 2 <= len(ticks) <= 8
    assert all(t.minute == 0 and t.second == 0 for t in ticks)
    if unit != "hour":
        assert all(t.hour == 0 for t in ticks)
    assert all(scale.start <= t <= scale.end for t in ticks)


def test_tick_labels_name_the_date_only_where_it_changes() -> None:
    scale = Scale(T, T + timedelta(hours=30), 0, 500)
    labels = tick_labels(scale.ticks(), scale.end - scale.start)
    assert labels[0] == ("12:00", "14 Aug 2025")
    assert ("00:00", "15 Aug 2025") in labels
    assert [context for _, context in labels if context] == ["14 Aug 2025", "15 Aug 2025"]


def test_one_point_is_drawn_on_a_padded_range_not_across_the_plot() -> None:
    start, end = padded(T, T)
    assert end - start >= timedelta(hours=12)
    assert Scale(start, end, 0, 500).x(T) == pytest.approx(250)


def test_cli_writes_the_file(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["--warehouse", str(demo), "report", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- in Chromium ---------------------------------------------------------------------


def run_chromium(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "HOME": str(cwd)},  # its profile stays in the test's folder
    )
    return done.stdout


class Rendered:
    """A report as Chromium laid it out: its DOM (with the page's height, measured by a
    script added to a copy of the page) and a screenshot of its first two screens, taken
    at half scale (600 × 1000 px)."""

    def __init__(self, text: str, folder: Path) -> None:
        page, measured = folder / "report.html", folder / "measured.html"
        page.write_text(text, encoding="utf-8")
        measured.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
        self.dom = run_chromium("--window-size=1200,1000", "--dump-dom", measured.as_uri(),
                                cwd=folder)  # fmt: skip
        height = re.search(r'<body data-height="(\d+)"', self.dom)
        assert height, "Chromium did not lay the page out"
        self.height = int(height.group(1))
        # Two screens at half scale: a quarter of the pixels for the pure-Python decoder.
        shot = folder / "shot.png"
        run_chromium(f"--screenshot={shot}", "--window-size=1200,2000",
                     "--force-device-scale-factor=0.5", page.as_uri(), cwd=folder)  # fmt: skip
        self.width, self.shot_height, self.rgb = pixels(shot.read_bytes())

    def colour_share(self, colours: set[tuple[int, int, int]]) -> int:
        return sum(1 for p in self.rgb if p in colours)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r, g, b


@pytest.fixture(scope="module")
def demo_rendered(page: str, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return Rendered(page, tmp_path_factory.mktemp("demo-chromium"))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report of a warehouse of the real live blogs, one of them failing since."""
    if not (LIVEBLOGS / "index.tsv").is_file():
        pytest.skip(f"real pages not available: {LIVEBLOGS}")
    path = build_real_warehouse(tmp_path_factory.mktemp("real") / "tickerlake.duckdb")
    failed = stage.Batch("failed")
    failed.add("fetches", {
        "source_id": "theguardian-2023-05-15", "url": "https://www.theguardian.com/live",
        "fetched_at": datetime(2023, 5, 15, 12, 25, tzinfo=UTC), "attempt": 1,
        "error_class": "TransientNetworkError", "error": "timed out after 20 s",
    })  # fmt: skip
    written = stage.write_batch(path.parent / "staging", failed)
    with connect(path) as con:
        load_batches(con, [written], load_id="failed", now=GENERATED_AT)
        return render_report(con, generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def real_rendered(real: str, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return Rendered(real, tmp_path_factory.mktemp("real-chromium"))


def at_a_glance(dom: str) -> None:
    """The elements every report has, in the DOM Chromium built."""
    for name in ("timelines", "changes", "stories", "alignments", "health"):
        assert f'<section data-section="{name}">' in dom
    for figure in re.findall(r'<figure class="timeline".*?</figure>', dom, re.S):
        assert figure.count('data-role="x-label"') == 1
        assert re.search(r'<g class="ticks" data-unit="(hour|day)">', figure)
        assert figure.count('class="tick"') >= 3
    assert '<th data-col="last-error">last error</th>' in dom
    sizes = re.findall(r'<rect class="bar"[^>]* width="([\d.]+)" height="([\d.]+)"', dom)
    assert sizes and all(0 < float(w) <= 60 and float(h) > 0 for w, h in sizes)


@pytest.mark.integration
def test_chromium_demo_reads_at_a_glance(demo_rendered: Rendered) -> None:
    dom = demo_rendered.dom
    at_a_glance(dom)
    assert dom.count('<figure class="timeline"') == 4
    assert 'data-substituted="true"' in dom
    assert len(re.findall(r'class="mark" data-shape="\w+" data-kind=', dom)) == 6
    assert dom.count('data-linked="true"') == min(20, MAX_LINKED)
    assert SCREEN < demo_rendered.height <= MAX_SCREENS * SCREEN


@pytest.mark.integration
def test_chromium_draws_the_demo(demo_rendered: Rendered) -> None:
    assert (demo_rendered.width, demo_rendered.shot_height) == (600, 1000)
    assert len(set(demo_rendered.rgb)) > 50, "the screenshot is blank"
    bars = demo_rendered.colour_share({hex_rgb(c) for c in PALETTE[:3]})
    assert bars > 2_500, "the timelines' bars did not draw"
    # Red: the withdrawals' crosses (and the seed corpus's diamonds among the stories),
    # drawn 80 % opaque and small at half scale, so any clearly red pixel counts.
    red = sum(1 for r, g, b in demo_rendered.rgb if r > 180 and g < 120 and b < 120)
    assert red > 20, "the marks did not draw"


@pytest.mark.integration
def test_chromium_real_pages_read_at_a_glance(real: str, real_rendered: Rendered) -> None:
    dom = real_rendered.dom
    at_a_glance(dom)
    plots = figures(real)
    assert len(plots) == 13
    # Each ticker on its own range: its own year under its own ticks, not one axis
    # from 2020 to 2026.
    assert "06 Oct 2020" in plots["corkbeo.ie-corkbeo.ie.level"]
    assert "2024" not in plots["corkbeo.ie-corkbeo.ie.level"]
    assert "05 Aug 2024" in plots["themirror-2024-08-05"]
    assert 'data-substituted="true"' in plots["sportowefakty.wp.pl-sportowefakt"]
    assert 'data-state="not-run"' in dom
    failing = re.search(r'<tr data-source="theguardian-2023-05-15" data-state="failing">.*?</tr>',
                        dom, re.S)  # fmt: skip
    assert failing and "TransientNetworkError: timed out after 20 s" in failing.group(0)
    assert real_rendered.height <= MAX_SCREENS * SCREEN
    assert len(set(real_rendered.rgb)) > 50, "the screenshot is blank"
    assert real_rendered.colour_share({hex_rgb(c) for c in PALETTE}) > 2_500
