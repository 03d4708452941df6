"""The generated demo sources: snapshot layout, the one edit, the one deletion; the
outlet's feed, report and ticker (a fourth form of the same entries)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.demo import outlet
from pipeline.demo import sources as demo_sources
from pipeline.demo.replay import ReplayServer
from pipeline.discover.classify import verdict
from pipeline.discover.feeds import read_listing
from pipeline.models import ParsedPage
from pipeline.parse import parse_page
from pipeline.sources import load_outlets, load_sources

FETCHED_AT = datetime(2025, 8, 14, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "sources"
    assert demo_sources.generate(root) == ["alaska-jsonld", "alaska-de-html", "alaska-text"]
    return root


def snapshots(root: Path, source_id: str) -> list[Path]:
    return sorted((root / source_id).iterdir())


def parse_snapshot(path: Path) -> ParsedPage:
    return parse_page(
        path.read_bytes(),
        demo_sources.PAGE_URL,
        fetched_at=FETCHED_AT,
        headers={"content-type": "text/html; charset=utf-8"},
        tz="Europe/Berlin",
    )


def test_three_sources_with_six_six_and_one_snapshots(root: Path) -> None:
    assert sorted(p.name for p in root.iterdir()) == sorted(
        ["alaska-de-html", "alaska-jsonld", "alaska-text", *outlet.PAGES]
    )
    assert [len(snapshots(root, s)) for s in ("alaska-jsonld", "alaska-de-html")] == [6, 6]
    assert [p.name for p in snapshots(root, "alaska-text")] == ["20250814T070000Z.txt"]
    ticker = [p.name.replace(".html", "") for p in snapshots(root, outlet.TICKER)]
    assert ticker == [p.name.replace(".html", "") for p in snapshots(root, "alaska-jsonld")]
    assert [p.name for p in snapshots(root, outlet.FEED)] == ["20250814T070000Z.xml"]
    assert [p.name for p in snapshots(root, outlet.ARTICLE)] == ["20250814T070000Z.html"]
    names = [p.name for p in snapshots(root, "alaska-jsonld")]
    assert names[0] == "20250814T070000Z.html"
    assert names[-1] == "20250814T193000Z.html"


def test_generate_replaces_old_output(tmp_path: Path) -> None:
    stray = tmp_path / "old" / "20200101T000000Z.html"
    stray.parent.mkdir(parents=True)
    stray.write_text("old")
    demo_sources.generate(tmp_path)
    assert not stray.exists()


def test_text_snapshot_is_the_seed(root: Path) -> None:
    assert snapshots(root, "alaska-text")[0].read_text(encoding="utf-8") == (
        demo_sources.seed_text()
    )


def test_last_jsonld_snapshot_has_sixteen_entries(root: Path) -> None:
    page = parse_snapshot(snapshots(root, "alaska-jsonld")[-1])
    assert page.parser == "jsonld"
    assert len(page.entries) == 16
    headlines = [e.headline or "" for e in page.entries]
    assert not any(h.startswith("Warum wurde der Alaska-Gipfel") for h in headlines)
    assert page.entries[0].published_at == datetime(2025, 8, 14, 19, 15, tzinfo=UTC)


def test_deleted_entry_is_visible_before_the_deletion(root: Path) -> None:
    def has_deleted(index: int) -> bool:
        page = parse_snapshot(snapshots(root, "alaska-jsonld")[index])
        return any((e.headline or "").startswith("Warum wurde der") for e in page.entries)

    assert [has_deleted(i) for i in range(6)] == [True, True, True, False, False, False]


@pytest.mark.parametrize("source_id", ["alaska-jsonld", "alaska-de-html", outlet.TICKER])
def test_entry_counts_follow_the_clock(root: Path, source_id: str) -> None:
    counts = [len(parse_snapshot(p).entries) for p in snapshots(root, source_id)]
    assert counts == [6, 9, 12, 13, 15, 16]


@pytest.mark.parametrize("source_id", ["alaska-jsonld", "alaska-de-html", outlet.TICKER])
def test_edit_shows_from_snapshot_three(root: Path, source_id: str) -> None:
    corrected: dict[int, bool] = {}
    ids: set[str] = set()
    for index, path in enumerate(snapshots(root, source_id)):
        page = parse_snapshot(path)
        found = [e for e in page.entries if (e.headline or "").startswith("ZDF-Umfrage")]
        if found:
            assert len(found) == 1
            assert ("Laut eine Umfrage" in found[0].body) != ("Laut einer Umfrage" in found[0].body)
            corrected[index] = "Laut einer Umfrage" in found[0].body
            ids.add(found[0].entry_id)
    assert corrected == {2: False, 3: True, 4: True, 5: True}
    assert len(ids) == 1  # the edit keeps the entry's id


def test_edited_jsonld_entry_has_date_modified(root: Path) -> None:
    page = parse_snapshot(snapshots(root, "alaska-jsonld")[3])
    modified = [e for e in page.entries if e.updated_at is not None]
    assert len(modified) == 1
    assert (modified[0].headline or "").startswith("ZDF-Umfrage")
    assert modified[0].updated_at == datetime(2025, 8, 14, 17, 0, tzinfo=UTC)


def test_jsonld_html_and_microdata_agree_on_times_per_snapshot(root: Path) -> None:
    for jsonld, html, micro in zip(
        snapshots(root, "alaska-jsonld"),
        snapshots(root, "alaska-de-html"),
        snapshots(root, outlet.TICKER),
        strict=True,
    ):
        ld_page, html_page, micro_page = map(parse_snapshot, (jsonld, html, micro))
        assert (html_page.parser, micro_page.parser) == ("html", "microdata")
        times = [e.published_at for e in ld_page.entries]
        assert [e.published_at for e in html_page.entries] == times
        assert [e.published_at for e in micro_page.entries] == times
        assert len({e.entry_id for e in html_page.entries}) == len(html_page.entries)


def test_the_outlets_feed_lists_a_report_and_a_ticker(root: Path) -> None:
    base = "http://127.0.0.1:8765/"
    feed = snapshots(root, outlet.FEED)[0].read_bytes()
    assert read_listing(feed, base + outlet.FEED, "x").items == [
        base + outlet.ARTICLE,
        base + outlet.TICKER,
    ]
    report = snapshots(root, outlet.ARTICLE)[0].read_bytes()
    assert verdict(report, parse_snapshot(snapshots(root, outlet.ARTICLE)[0]))[0] == "article"
    ticker = snapshots(root, outlet.TICKER)[0]
    assert verdict(ticker.read_bytes(), parse_snapshot(ticker)) == ("ticker", "LiveBlogPosting")


def test_sources_yaml_loads(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(demo_sources.sources_yaml("http://127.0.0.1:8765"), encoding="utf-8")
    sources = load_sources(path)
    assert [s.source_id for s in sources] == ["alaska-jsonld", "alaska-de-html", "alaska-text"]
    assert sources[0].url == "http://127.0.0.1:8765/alaska-jsonld"
    assert all(s.allow_private and s.timezone == "Europe/Berlin" for s in sources)
    (found,) = load_outlets(path)
    assert (found.outlet_id, found.feeds) == (
        outlet.OUTLET_ID,
        ("http://127.0.0.1:8765/" + outlet.FEED,),
    )
    assert found.allow_private and found.timezone == "Europe/Berlin"
    assert outlet.TICKER not in path.read_text() and "liveticker" not in path.read_text()


def test_replay_server_serves_the_generated_root(root: Path) -> None:
    with ReplayServer(root) as server:
        assert server.source_ids == sorted(
            ["alaska-de-html", "alaska-jsonld", "alaska-text", *outlet.PAGES]
        )
        assert server.snapshot_times() == demo_sources.snapshot_times()
