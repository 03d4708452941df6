"""Replay server: serves recorded snapshots by a controllable clock over real HTTP."""

from __future__ import annotations

import email.utils
import hashlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from pipeline.demo import replay
from pipeline.demo.replay import ReplayClock, ReplayFolderError, ReplayServer, snapshot_name

T0 = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(minutes=10)
TIMEOUT = 5


def write_snapshots(
    root: Path, source_id: str, pages: dict[datetime, str], ext: str = "html"
) -> None:
    folder = root / source_id
    folder.mkdir(parents=True, exist_ok=True)
    for at, text in pages.items():
        (folder / snapshot_name(at, ext)).write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Source "alpha" has pages at T0, T1, T2; "beta" starts only at T1."""
    write_snapshots(tmp_path, "alpha", {T0: "alpha 0", T1: "alpha 1", T2: "alpha 2"})
    write_snapshots(tmp_path, "beta", {T1: "beta 1"}, ext="txt")
    (tmp_path / "alpha" / "README.md").write_text("not a snapshot")
    return tmp_path


@pytest.fixture
def server(root: Path) -> Iterator[ReplayServer]:
    with ReplayServer(root) as running:
        yield running


def get(server: ReplayServer, source_id: str, **headers: str) -> requests.Response:
    return requests.get(server.source_url(source_id), headers=headers, timeout=TIMEOUT)


def control(server: ReplayServer, method: str, path: str) -> requests.Response:
    return requests.request(method, f"{server.url}/_replay/{path}", timeout=TIMEOUT)


def http_date(at: datetime) -> str:
    return email.utils.format_datetime(at, usegmt=True)


def test_serves_the_last_snapshot_at_or_before_the_clock(server: ReplayServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.snapshot_times() == [T0, T1, T2]
    assert server.clock.at == T0
    assert get(server, "alpha").text == "alpha 0"

    server.clock.set(T1 - timedelta(seconds=1))
    assert get(server, "alpha").text == "alpha 0"
    server.clock.set(T1)
    assert get(server, "alpha").text == "alpha 1"
    server.clock.set(T2 + timedelta(days=1))
    assert get(server, "alpha").text == "alpha 2"


def test_start_time_and_path_variants(root: Path) -> None:
    with ReplayServer(root, at=T1) as server:
        assert get(server, "beta").text == "beta 1"
        for suffix in ("/", "?page=2", "/?x=1"):
            response = requests.get(server.source_url("alpha") + suffix, timeout=TIMEOUT)
            assert (response.status_code, response.text) == (200, "alpha 1")


def test_naive_start_time_is_rejected(root: Path) -> None:
    with pytest.raises(ValueError, match="offset"):
        ReplayServer(root, at=datetime(2025, 8, 14))  # noqa: DTZ001 (naive on purpose)


def test_404_before_first_snapshot_and_for_unknown_source(server: ReplayServer) -> None:
    assert get(server, "beta").status_code == 404
    assert get(server, "gamma").status_code == 404
    assert requests.get(server.url, timeout=TIMEOUT).status_code == 404
    assert server.clock.advance()
    assert get(server, "beta").status_code == 200


def test_validators_and_dates(server: ReplayServer) -> None:
    server.clock.set(T1 + timedelta(minutes=1))
    response = get(server, "alpha")
    digest = hashlib.sha256(b"alpha 1").hexdigest()[:32]
    assert response.headers["ETag"] == f'"{digest}"'
    assert response.headers["Last-Modified"] == http_date(T1)
    assert response.headers["Date"] == http_date(T1 + timedelta(minutes=1))
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Length"] == str(len(b"alpha 1"))


def test_head_has_headers_without_body(server: ReplayServer) -> None:
    response = requests.head(server.source_url("alpha"), timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == str(len(b"alpha 0"))
    assert response.headers["ETag"] == get(server, "alpha").headers["ETag"]


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"nope", {etag}', "*"],
)
def test_304_on_if_none_match(server: ReplayServer, if_none_match: str) -> None:
    first = get(server, "alpha")
    etag = first.headers["ETag"]
    response = get(server, "alpha", **{"If-None-Match": if_none_match.format(etag=etag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Last-Modified"] == first.headers["Last-Modified"]


def test_if_none_match_mismatch_wins_over_if_modified_since(server: ReplayServer) -> None:
    headers = {"If-None-Match": '"other"', "If-Modified-Since": http_date(T2)}
    assert get(server, "alpha", **headers).status_code == 200


def test_if_modified_since(server: ReplayServer) -> None:
    assert get(server, "alpha", **{"If-Modified-Since": http_date(T0)}).status_code == 304
    later = http_date(T0 + timedelta(hours=1))
    assert get(server, "alpha", **{"If-Modified-Since": later}).status_code == 304
    earlier = http_date(T0 - timedelta(seconds=1))
    assert get(server, "alpha", **{"If-Modified-Since": earlier}).status_code == 200
    assert get(server, "alpha", **{"If-Modified-Since": "yesterday-ish"}).status_code == 200


def test_new_body_after_advance(server: ReplayServer) -> None:
    etag = get(server, "alpha").headers["ETag"]
    response = control(server, "POST", "advance")
    assert response.json()["at"] == T1.isoformat()

    response = get(server, "alpha", **{"If-None-Match": etag})
    assert (response.status_code, response.text) == (200, "alpha 1")
    assert response.headers["ETag"] != etag
    assert get(server, "alpha", **{"If-None-Match": response.headers["ETag"]}).status_code == 304

    assert server.clock.advance()
    assert not server.clock.advance()  # at the end: stays put
    assert server.clock.at == T2


def test_clock_endpoint(server: ReplayServer) -> None:
    state = control(server, "GET", "clock").json()
    assert state == {
        "at": T0.isoformat(),
        "times": [T0.isoformat(), T1.isoformat(), T2.isoformat()],
        "sources": ["alpha", "beta"],
    }
    # "+" left unencoded on purpose: it must not turn into a space.
    response = control(server, "POST", "clock?at=2025-08-14T21:20:00+02:00")
    assert response.status_code == 200
    assert response.json()["at"] == T1.isoformat()
    assert get(server, "beta").text == "beta 1"

    assert control(server, "POST", "clock?at=2025-08-14T19:25:00Z").json()["at"] == T2.isoformat()


@pytest.mark.parametrize("query", ["at=2025-08-14T19:20:00", "at=tomorrow", "at=", ""])
def test_setting_the_clock_to_a_bad_value_is_400(server: ReplayServer, query: str) -> None:
    response = control(server, "POST", f"clock?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert "error" in response.json()
    assert server.clock.at == T0


def test_bad_requests_do_not_break_the_server(server: ReplayServer) -> None:
    assert requests.post(server.source_url("alpha"), timeout=TIMEOUT).status_code == 405
    assert control(server, "GET", "advance").status_code == 405
    assert control(server, "GET", "nothing").status_code == 404
    assert requests.put(server.source_url("alpha"), timeout=TIMEOUT).status_code == 501
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b"GET / HTTP/1.x\r\n\r\n")
        assert b"Bad request version" in raw.makefile("rb").read()  # answered, then closed
    assert get(server, "alpha").status_code == 200


def test_request_log_shows_conditional_headers(server: ReplayServer) -> None:
    get(server, "alpha")
    get(server, "alpha", **{"If-None-Match": '"x"', "If-Modified-Since": http_date(T0)})
    get(server, "gamma")
    assert control(server, "GET", "requests").json() == [
        {"source": "alpha", "status": 200, "if_none_match": None, "if_modified_since": None},
        {
            "source": "alpha",
            "status": 200,
            "if_none_match": '"x"',
            "if_modified_since": http_date(T0),
        },
        {"source": "gamma", "status": 404, "if_none_match": None, "if_modified_since": None},
    ]


def test_request_log_is_bounded(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay, "REQUEST_LOG_LIMIT", 2)
    with ReplayServer(root) as server:
        for source_id in ("alpha", "beta", "gamma"):
            get(server, source_id)
        assert [entry["source"] for entry in server.request_log()] == ["beta", "gamma"]


def test_auto_advance_after_every_source_was_fetched(root: Path) -> None:
    with ReplayServer(root, auto_advance=True) as server, requests.Session() as session:

        def fetch(source_id: str) -> requests.Response:
            return session.get(server.source_url(source_id), timeout=TIMEOUT)

        assert fetch("alpha").text == "alpha 0"
        assert fetch("alpha").text == "alpha 0"
        requests.head(server.source_url("beta"), timeout=TIMEOUT)  # HEAD does not count
        assert server.clock.at == T0
        assert fetch("beta").status_code == 404  # completes the round: clock moves after it
        assert server.clock.at == T1
        assert fetch("beta").text == "beta 1"
        assert fetch("alpha").text == "alpha 1"
        assert server.clock.at == T2
        fetch("alpha")
        fetch("beta")
        assert server.clock.at == T2  # nothing later to move to


def test_a_round_of_named_sources_ignores_the_others(root: Path) -> None:
    # e.g. an outlet's article: fetched once, when discovery classifies it
    with ReplayServer(root, auto_advance=True, round_sources=["beta"]) as server:
        get(server, "alpha")
        assert server.clock.at == T0
        get(server, "beta")
        assert server.clock.at == T1
        get(server, "beta")
        assert server.clock.at == T2
    with pytest.raises(ReplayFolderError, match="gamma"):
        ReplayServer(root, auto_advance=True, round_sources=["beta", "gamma"])


def test_manual_move_starts_a_new_round(root: Path) -> None:
    with ReplayServer(root, auto_advance=True) as server:
        get(server, "alpha")
        control(server, "POST", "advance")
        get(server, "beta")
        assert server.clock.at == T1  # alpha's request belonged to the previous round


@pytest.mark.parametrize(
    ("ext", "content_type"),
    [
        ("html", "text/html; charset=utf-8"),
        ("txt", "text/plain; charset=utf-8"),
        ("json", "application/json"),
        ("xml", "application/rss+xml; charset=utf-8"),
        ("bin", "application/octet-stream"),
    ],
)
def test_content_types(tmp_path: Path, ext: str, content_type: str) -> None:
    write_snapshots(tmp_path, "feed", {T0: "{}"}, ext=ext)
    with ReplayServer(tmp_path) as server:
        assert get(server, "feed").headers["Content-Type"] == content_type


def test_missing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReplayFolderError, match="nowhere"):
        ReplayServer(tmp_path / "nowhere")


def test_root_without_valid_snapshots_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("sources go in sub-folders")
    (tmp_path / "alpha").mkdir()
    (tmp_path / "alpha" / "README.md").write_text("no snapshots yet")
    (tmp_path / "alpha" / "20251399T000000Z.html").write_text("month 13")
    (tmp_path / "alpha" / "2025-08-14.html").write_text("wrong stamp format")
    with pytest.raises(ReplayFolderError, match=str(tmp_path)):
        ReplayServer(tmp_path)


def test_two_snapshots_with_the_same_time_are_an_error(tmp_path: Path) -> None:
    write_snapshots(tmp_path, "alpha", {T0: "a"}, ext="html")
    write_snapshots(tmp_path, "alpha", {T0: "a"}, ext="txt")
    with pytest.raises(ReplayFolderError, match="same time"):
        ReplayServer(tmp_path)


def test_clock_moves_over_distinct_times() -> None:
    clock = ReplayClock([T1, T0, T1], at=T0 - timedelta(hours=1))
    assert clock.times == (T0, T1)
    assert clock.advance()
    assert clock.now() == T0
    with pytest.raises(ValueError, match="offset"):
        clock.set(datetime(2025, 1, 1))  # noqa: DTZ001 (naive on purpose)


def test_serve_forever_prints_the_url_and_stops_on_ctrl_c(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(replay, "_wait_forever", interrupt)
    replay.serve_forever(root, host="127.0.0.1", port=0, at=None, auto_advance=False)
    line = capsys.readouterr().out
    assert line.startswith("replay serving http://127.0.0.1:")
    assert "sources: alpha, beta" in line
