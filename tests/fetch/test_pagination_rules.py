"""When a fetch goes beyond page 1, and the budget its threads share (issue 16); the
follow itself runs against the replay server in test_pagination_cycle.py."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pipeline.fetch.pagination import History, PageBudget, goes_deep, oldest_shown
from pipeline.models import Entry, ParsedPage, SourceState
from pipeline.sources import Source

AT = datetime(2025, 8, 14, 9, 0, tzinfo=UTC)
TICKER = Source("t", "https://news.example/live/t")


def entry(minutes_ago: int, *, pinned: bool = False, summary: bool = False) -> Entry:
    at = AT - timedelta(minutes=minutes_ago)
    return Entry(
        f"e{minutes_ago}",
        TICKER.url,
        at,
        None,
        "minute",
        None,
        "x",
        "h",
        0,
        pinned=pinned,
        summary=summary,
    )


def page(*entries: Entry, older: bool = True) -> ParsedPage:
    links = [f"{TICKER.url}?page=2"] if older else []
    return ParsedPage(TICKER.url, "html", True, list(entries), older_pages=links)


def test_a_first_fetch_reads_to_the_end() -> None:
    assert goes_deep(TICKER, page(entry(1), entry(5)), History()) == (True, None)


def test_a_gap_reads_until_the_known_entries() -> None:
    known = History(known=True, newest_entry_at=AT - timedelta(minutes=30))
    assert goes_deep(TICKER, page(entry(1), entry(20)), known) == (True, known.newest_entry_at)
    # page 1 reaches the known entries: no gap, page 1 only
    assert goes_deep(TICKER, page(entry(1), entry(30)), known)[0] is False


def test_pinned_and_summary_entries_do_not_close_a_gap() -> None:
    known = History(known=True, newest_entry_at=AT - timedelta(minutes=30))
    shown = page(entry(600, pinned=True), entry(500, summary=True), entry(1), entry(20))
    assert oldest_shown(shown.entries) == AT - timedelta(minutes=20)
    assert goes_deep(TICKER, shown, known)[0] is True


def test_no_older_link_no_entries_or_max_pages_one_stay_on_page_one() -> None:
    assert goes_deep(TICKER, page(entry(1), older=False), History())[0] is False
    assert goes_deep(TICKER, page(older=True), History())[0] is False
    single = Source("t", TICKER.url, max_pages=1)
    assert goes_deep(single, page(entry(1)), History())[0] is False


def test_the_history_travels_through_the_plan_as_json() -> None:
    state = SourceState(newest_entry_at=AT, entry_times=(AT,))
    spec = json.loads(json.dumps(History.of(state).to_spec()))
    assert History.from_spec(spec) == History(known=True, newest_entry_at=AT)
    assert History.of(SourceState()) == History()
    # A plan made before pagination: the ticker counts as known, so no deep read.
    assert History.from_spec(None) == History(known=True)


def test_the_budget_is_shared_by_threads_and_never_overspent() -> None:
    budget = PageBudget(50)
    with ThreadPoolExecutor(8) as pool:
        taken = sum(pool.map(lambda _: budget.take(), range(400)))
    assert taken == 50 and budget.left == 0
    assert PageBudget(-3).take() is False
