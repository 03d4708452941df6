"""The benchmarks' pure parts on synthetic pages: removing structured data, scoring
rendered-only extraction against it, and the facts every result records. The timed runs
themselves are `make bench`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bench import extraction, realpages
from bench.__main__ import run_facts
from tests.parse.test_parse import blog, ld_script, page, update

UPDATES = [
    update(2, "2025-08-14T21:15:00+02:00", "Der Bundestag hat am Abend abgestimmt."),
    update(1, "2025-08-14T20:10:00+02:00", "Die Sitzung beginnt mit einer Debatte."),
]
RENDERED = (
    '<div id="ticker" itemscope itemtype="https://schema.org/LiveBlogPosting">'
    '<meta itemprop="datePublished" content="2025-08-14T08:00:00+02:00">'
    '<h2 itemprop="headline">21.15 Uhr: Meldung 2</h2><p>Der Bundestag hat am Abend abgestimmt.</p>'
    "<h2>20.10 Uhr: Meldung 1</h2><p>Die Sitzung beginnt mit einer Debatte.</p></div>"
)
ROW = {"file": "synthetic.html.gz", "url": "https://ticker.example.de/live", "captured": ""}


def synthetic(body: str = RENDERED, head: str = ld_script(blog(UPDATES))) -> realpages.RealPage:
    return realpages.RealPage(ROW["file"], ROW["url"], ROW, page(body, head))


def test_strip_structured_keeps_everything_else() -> None:
    text = synthetic().text
    stripped = realpages.strip_structured(text)
    assert not re.search(r"ld\+json|item(?:scope|type|prop)", stripped)
    assert '<div id="ticker">' in stripped
    assert "<h2>21.15 Uhr: Meldung 2</h2>" in stripped
    assert stripped.count("<p>") == text.count("<p>")


def test_rendered_only_extraction_scores_full_marks_on_a_page_it_reads() -> None:
    score = extraction.score_page(synthetic())
    assert (score["truth"], score["parser"]) == ("json-ld", "html")
    assert (score["truth_rendered"], score["found"], score["matched"]) == (2, 2, 2)
    assert (score["recall"], score["precision"], score["time"]) == (1.0, 1.0, 1.0)
    # no capture time: five minutes after the newest truth entry
    assert score["fetched_at"] == "2025-08-14T19:20:00+00:00"


def test_a_wrong_minute_costs_time_not_recall() -> None:
    score = extraction.score_page(synthetic(RENDERED.replace("20.10 Uhr", "20.11 Uhr")))
    assert (score["recall"], score["time"]) == (1.0, 0.5)


def test_truth_not_rendered_is_not_asked_for() -> None:
    extra = update(3, "2025-08-14T19:00:00+02:00", "Nur in den strukturierten Daten steht das.")
    score = extraction.score_page(synthetic(head=ld_script(blog([*UPDATES, extra]))))
    assert (score["truth_listed"], score["truth_rendered"], score["recall"]) == (3, 2, 1.0)


def test_a_page_without_structured_data_or_expected_file_is_skipped() -> None:
    score = extraction.score_page(synthetic(head=""))
    assert score == {"file": ROW["file"], "skipped": "no structured data and no expected file"}


def test_shared_headlines_and_one_minute_for_all_tell_no_entry_apart() -> None:
    minute = datetime(2025, 8, 14, 19, 0, tzinfo=UTC)
    truth = [
        extraction.Truth(frozenset({"pageheadline", f"body{i}"}), minute) for i in range(3)
    ] + [extraction.Truth(frozenset({"pageheadline"}), minute)]
    kept = extraction.distinct(truth)
    assert [sorted(t.keys) for t in kept] == [["body0"], ["body1"], ["body2"]]
    assert {t.minute for t in kept} == {None}


def test_macro_averages_and_keeps_the_worst() -> None:
    scored: list[dict[str, Any]] = [
        {"recall": 1.0, "precision": 1.0, "time": None},
        {"recall": 0.5, "precision": 0.75, "time": 0.25},
    ]
    assert extraction.macro(scored) == {
        "recall": 0.75,
        "min_recall": 0.5,
        "precision": 0.875,
        "min_precision": 0.75,
        "time": 0.25,
        "min_time": 0.25,
    }


def test_missing_real_pages_fail_with_the_way_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("TICKERLAKE_REALPAGES", str(tmp_path))
    with pytest.raises(realpages.RealPagesMissingError, match="TICKERLAKE_REALPAGES"):
        realpages.pages("liveblogs")


def test_every_result_records_commit_date_cores_and_load() -> None:
    facts = run_facts([0.5, 0.4, 0.3])
    assert re.fullmatch(r"[0-9a-f]{40}", facts["commit"])
    assert isinstance(facts["work_tree_changed"], bool)
    assert datetime.fromisoformat(facts["date"]).tzinfo is not None
    assert facts["cores"] >= 1
    assert facts["load_average_before"] == [0.5, 0.4, 0.3]
    assert len(facts["load_average_after"]) == 3
