"""Conditional GET against the local replay server, error classes, and the raw archive."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from pipeline import archive
from pipeline.fetch import FetchConfig, FetchResult, Validators, fetch, new_session
from pipeline.replay import ReplayServer, snapshot_name
from pipeline.sources import Source

T0 = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
BODY = "<html><body><h2>21.15 Uhr: Meldung</h2><p>Grüße.</p></body></html>".encode()
CONFIG = FetchConfig(user_agent="tickerlake-tests/0", connect_timeout=2, read_timeout=5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ReplayServer]:
    folder = tmp_path / "snapshots" / "alpha"
    folder.mkdir(parents=True)
    (folder / snapshot_name(T0, "html")).write_bytes(BODY)
    with ReplayServer(tmp_path / "snapshots") as running:
        yield running


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with new_session(CONFIG) as opened:
        yield opened


def source(url: str) -> Source:
    return Source("alpha", url, allow_private=True)


def get(
    session: requests.Session,
    url: str,
    validators: Validators | None = None,
    config: FetchConfig = CONFIG,
) -> FetchResult:
    return fetch(session, source(url), validators or Validators(), config, now=NOW)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_200_has_body_sha256_and_validators(
    server: ReplayServer, session: requests.Session
) -> None:
    result = get(session, server.source_url("alpha"))
    assert (result.status, result.error_class, result.error) == (200, None, None)
    assert result.body == BODY
    assert result.sha256 == archive.sha256(BODY)
    assert result.etag is not None and result.etag.startswith('"')
    assert result.last_modified == "Thu, 14 Aug 2025 19:15:00 GMT"
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert (result.source_id, result.fetched_at) == ("alpha", NOW)
    assert result.url == result.final_url == server.source_url("alpha")
    assert result.elapsed_ms >= 0


def test_session_sends_the_user_agent(session: requests.Session) -> None:
    assert session.headers["User-Agent"] == "tickerlake-tests/0"


def test_second_fetch_with_validators_is_304_without_body(
    server: ReplayServer, session: requests.Session
) -> None:
    first = get(session, server.source_url("alpha"))
    validators = Validators(first.etag, first.last_modified, first.sha256)
    second = get(session, server.source_url("alpha"), validators)
    assert (second.status, second.body, second.sha256, second.error_class) == (
        304,
        None,
        None,
        None,
    )
    assert server.request_log()[-1]["if_none_match"] == first.etag
    assert server.request_log()[-1]["if_modified_since"] == first.last_modified


def test_last_modified_alone_gives_304(server: ReplayServer, session: requests.Session) -> None:
    first = get(session, server.source_url("alpha"))
    second = get(session, server.source_url("alpha"), Validators(None, first.last_modified))
    assert second.status == 304


def test_404_is_a_client_http_error(server: ReplayServer, session: requests.Session) -> None:
    result = get(session, server.source_url("nobody"))
    assert (result.status, result.body, result.error_class) == (404, None, "ClientHttpError")
    assert result.error is not None and "HTTP 404" in result.error and "'alpha'" in result.error


def test_connection_refused_is_a_connection_error(session: requests.Session) -> None:
    result = get(session, f"http://127.0.0.1:{closed_port()}/alpha")
    assert (result.status, result.body, result.error_class) == (None, None, "FetchConnectionError")
    assert result.error is not None and "ConnectionError" in result.error


def test_body_over_the_cap_is_too_large(server: ReplayServer, session: requests.Session) -> None:
    small = FetchConfig(user_agent="t", max_body_bytes=len(BODY) - 1)
    result = get(session, server.source_url("alpha"), config=small)
    assert (result.status, result.body, result.error_class) == (200, None, "BodyTooLargeError")
    assert result.sha256 is None


def test_body_exactly_at_the_cap_is_fine(server: ReplayServer, session: requests.Session) -> None:
    exact = FetchConfig(user_agent="t", max_body_bytes=len(BODY))
    assert get(session, server.source_url("alpha"), config=exact).body == BODY


def test_private_address_needs_allow_private(
    server: ReplayServer, session: requests.Session
) -> None:
    private = Source("alpha", server.source_url("alpha"))
    result = fetch(session, private, Validators(), CONFIG, now=NOW)
    assert result.body is None
    assert result.error_class is not None


# --- archive --------------------------------------------------------------------------------


def test_archive_round_trip(tmp_path: Path) -> None:
    digest = archive.put(tmp_path, BODY)
    assert digest == archive.sha256(BODY)
    assert archive.get(tmp_path, digest) == BODY
    stored = archive.path_for(tmp_path, digest)
    assert stored == tmp_path / digest[:2] / f"{digest}.gz"
    assert gzip.decompress(stored.read_bytes()) == BODY


def test_archive_put_is_idempotent(tmp_path: Path) -> None:
    first = archive.put(tmp_path, BODY)
    stored = archive.path_for(tmp_path, first)
    before = stored.read_bytes()
    assert archive.put(tmp_path, BODY) == first
    assert stored.read_bytes() == before
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{first}.gz"]


def test_archive_is_deterministic_and_keeps_distinct_bodies(tmp_path: Path) -> None:
    one, two = archive.put(tmp_path / "a", b"x"), archive.put(tmp_path / "b", b"x")
    assert (tmp_path / "a").joinpath(one[:2], f"{one}.gz").read_bytes() == (
        (tmp_path / "b").joinpath(two[:2], f"{two}.gz").read_bytes()
    )
    other = archive.put(tmp_path / "a", b"y")
    assert other != one
    assert archive.get(tmp_path / "a", other) == b"y"
