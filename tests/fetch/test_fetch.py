"""Fetching: conditional GET against the replay server; retries, backoff, Retry-After,
deadline, redirects, the address guard, robots.txt and the host gate against a scripted
adapter and a fake clock (no waiting, no network); and the raw archive."""

from __future__ import annotations

import gzip
import random
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import fsspec
import pytest
import requests

from pipeline.demo.replay import ReplayServer, snapshot_name
from pipeline.fetch import archive
from pipeline.fetch.client import Fetcher, FetchResult, new_session, retry_after_seconds
from pipeline.fetch.netguard import is_public
from pipeline.fetch.politeness import ROBOTS_ERROR_TTL, HostGate, Politeness
from pipeline.models import Validators
from pipeline.settings import FetchConfig, from_env
from pipeline.sources import Source
from tests.support.fetch_fakes import FakeClock, Reply, ScriptedAdapter

T0 = datetime(2025, 8, 14, 19, 15, tzinfo=UTC)
NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
BODY = "<html><body><h2>21.15 Uhr: Meldung</h2><p>Grüße.</p></body></html>".encode()
CONFIG = FetchConfig(
    user_agent="tickerlake-tests/0",
    connect_timeout=2,
    read_timeout=5,
    deadline=60,
    max_attempts=4,
    backoff_base=1,
    backoff_max=8,
    host_interval=0,
)
PAGE = "http://public.test/live"
ROBOTS = "http://public.test/robots.txt"
HTML = {"Content-Type": "text/html; charset=utf-8"}
OK: Reply = (200, HTML, BODY)
PUBLIC = {"public.test": "93.184.216.34", "other.test": "93.184.216.35", "inside.test": "10.0.0.5"}


def fake_resolver(host: str, _port: int) -> list[str]:
    return [PUBLIC.get(host, host)]


# --- scripted (no network, fake clock) -----------------------------------------------------


class Rig:
    def __init__(self, routes: dict[str, list[Reply]], config: FetchConfig = CONFIG) -> None:
        self.clock = FakeClock()
        self.adapter = ScriptedAdapter(routes)
        self.session = new_session(config)
        for prefix in ("http://public.test/", "http://other.test/", "http://inside.test/"):
            self.session.mount(prefix, self.adapter)
        politeness = Politeness.create(2, config.host_interval, 3600, self.clock)
        self.fetcher = Fetcher(
            self.session, config, politeness, rng=random.Random(7), resolver=fake_resolver
        )

    def fetch(self, source: Source | None = None) -> list[FetchResult]:
        return self.fetcher.fetch(source or Source("pub", PAGE), Validators(), now=NOW)

    def page_requests(self) -> list[str]:
        return [u for u in self.adapter.urls() if not u.endswith("/robots.txt")]


def outcome(attempts: list[FetchResult]) -> list[tuple[int, int | None, str | None]]:
    return [(a.attempt, a.status, a.error_class) for a in attempts]


def test_success_is_one_attempt_with_body_and_hash() -> None:
    rig = Rig({PAGE: [OK]})
    (result,) = rig.fetch()
    assert (result.status, result.body, result.sha256) == (200, BODY, archive.sha256(BODY))
    assert (result.final_url, result.bytes_read, rig.clock.sleeps) == (PAGE, len(BODY), [])


def test_5xx_is_retried_with_exponential_backoff_and_jitter() -> None:
    rig = Rig({PAGE: [(503, {}, b""), (500, {}, b""), (502, {}, b""), OK]})
    attempts = rig.fetch()
    assert outcome(attempts) == [
        (1, 503, "ServerError"),
        (2, 500, "ServerError"),
        (3, 502, "ServerError"),
        (4, 200, None),
    ]
    # Equal jitter: the n-th wait lies in [c/2, c] for c = base * 2**(n-1).
    for wait, ceiling in zip(rig.clock.sleeps, (1, 2, 4), strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(rig.clock.sleeps)) == 3


def test_jitter_is_deterministic_for_a_seeded_random() -> None:
    script: dict[str, list[Reply]] = {PAGE: [(503, {}, b""), (503, {}, b""), OK]}
    first, second = Rig(script), Rig(script)
    first.fetch(), second.fetch()
    assert first.clock.sleeps == second.clock.sleeps


def test_backoff_is_capped() -> None:
    config = replace(CONFIG, max_attempts=6, backoff_base=4, backoff_max=5)
    rig = Rig({PAGE: [(500, {}, b"")]}, config)
    rig.fetch()
    assert all(wait <= 5 for wait in rig.clock.sleeps)


def test_attempts_stop_at_max_attempts() -> None:
    rig = Rig({PAGE: [(500, {}, b"")]})
    attempts = rig.fetch()
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert attempts[-1].error_class == "ServerError"
    assert len(rig.page_requests()) == 4


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    rig = Rig({PAGE: [(status, {}, b""), OK]})
    assert [a.status for a in rig.fetch()] == [status, 200]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_other_4xx_are_not_retried(status: int) -> None:
    rig = Rig({PAGE: [(status, {}, b""), OK]})
    assert outcome(rig.fetch()) == [(1, status, "ClientHttpError")]
    assert rig.clock.sleeps == []


def test_429_waits_retry_after_seconds() -> None:
    rig = Rig({PAGE: [(429, {"Retry-After": "7"}, b""), OK]})
    attempts = rig.fetch()
    assert outcome(attempts) == [(1, 429, "RateLimitedError"), (2, 200, None)]
    assert attempts[0].retry_after == 7
    assert rig.clock.sleeps == [7.0]


def test_503_retry_after_http_date_is_read_against_the_date_header() -> None:
    headers = {
        "Retry-After": "Thu, 14 Aug 2025 19:00:30 GMT",
        "Date": "Thu, 14 Aug 2025 19:00:00 GMT",
    }
    rig = Rig({PAGE: [(503, headers, b""), OK]})
    rig.fetch()
    assert rig.clock.sleeps == [30.0]


def test_retry_after_beyond_the_deadline_gives_up() -> None:
    rig = Rig({PAGE: [(429, {"Retry-After": "3600"}, b""), OK]})
    assert outcome(rig.fetch()) == [(1, 429, "RateLimitedError")]
    assert rig.clock.sleeps == []


def test_deadline_bounds_all_attempts() -> None:
    config = replace(CONFIG, deadline=5, max_attempts=10, backoff_base=2, backoff_max=100)
    rig = Rig({PAGE: [(500, {}, b"")]}, config)
    attempts = rig.fetch()
    assert sum(rig.clock.sleeps) < 5
    assert 1 < len(attempts) < 10


def test_connection_errors_are_retried() -> None:
    rig = Rig({PAGE: [requests.ConnectionError("reset by peer"), OK]})
    assert outcome(rig.fetch()) == [(1, None, "FetchConnectionError"), (2, 200, None)]


def test_timeouts_are_their_own_class() -> None:
    rig = Rig({PAGE: [requests.ReadTimeout("slow"), OK]})
    assert outcome(rig.fetch())[0] == (1, None, "FetchTimeoutError")


def test_body_over_the_cap_is_refused_from_content_length_and_not_retried() -> None:
    rig = Rig({PAGE: [OK]}, replace(CONFIG, max_body_bytes=len(BODY) - 1))
    (result,) = rig.fetch()
    assert (result.status, result.body, result.error_class) == (200, None, "BodyTooLargeError")


def test_non_page_content_type_is_refused() -> None:
    rig = Rig({PAGE: [(200, {"Content-Type": "image/png"}, b"\x89PNG")]})
    assert outcome(rig.fetch()) == [(1, 200, "UnsupportedContentTypeError")]


def test_missing_content_type_is_left_to_the_parser() -> None:
    rig = Rig({PAGE: [(200, {}, BODY)]})
    assert rig.fetch()[0].body == BODY


def test_unexpected_2xx_is_permanent() -> None:
    rig = Rig({PAGE: [(204, {}, b"")]})
    assert outcome(rig.fetch()) == [(1, 204, "UnexpectedStatusError")]


# --- redirects and the address guard --------------------------------------------------------


def test_redirect_is_followed_and_the_final_url_recorded() -> None:
    target = "http://other.test/moved"
    rig = Rig({PAGE: [(301, {"Location": target}, b"")], target: [OK]})
    (result,) = rig.fetch()
    assert (result.status, result.url, result.final_url) == (200, PAGE, target)


def test_relative_redirect() -> None:
    rig = Rig(
        {PAGE: [(302, {"Location": "/elsewhere"}, b"")], "http://public.test/elsewhere": [OK]}
    )
    assert rig.fetch()[0].final_url == "http://public.test/elsewhere"


def test_redirect_loop_is_capped() -> None:
    rig = Rig({PAGE: [(302, {"Location": PAGE}, b"")]}, replace(CONFIG, max_redirects=3))
    assert outcome(rig.fetch()) == [(1, None, "TooManyRedirectsError")]
    assert len(rig.page_requests()) == 4


def test_redirect_to_a_private_address_is_refused() -> None:
    inside = "http://inside.test/admin"
    rig = Rig({PAGE: [(302, {"Location": inside}, b"")], inside: [OK]})
    (result,) = rig.fetch()
    assert result.error_class == "UnsafeUrlError"
    assert result.error is not None and "10.0.0.5" in result.error
    assert inside not in rig.adapter.urls()


def test_a_later_redirect_hop_to_a_private_address_is_refused() -> None:
    """The guard runs on every hop, not only the first redirect: public → public →
    private is refused before the private hop is requested (a fake resolver; nothing
    leaves the process)."""
    first, second, inside = "http://other.test/a", "http://public.test/b", "http://inside.test/x"
    rig = Rig(
        {
            PAGE: [(302, {"Location": first}, b"")],
            first: [(302, {"Location": second}, b"")],
            second: [(302, {"Location": inside}, b"")],
            inside: [OK],
        }
    )
    (result,) = rig.fetch()
    assert result.error_class == "UnsafeUrlError"
    assert result.error is not None and "10.0.0.5" in result.error
    assert rig.page_requests() == [PAGE, first, second]


def test_redirect_to_a_private_address_is_allowed_with_allow_private() -> None:
    inside = "http://inside.test/admin"
    rig = Rig({PAGE: [(302, {"Location": inside}, b"")], inside: [OK]})
    assert rig.fetch(Source("pub", PAGE, allow_private=True))[0].status == 200


def test_redirect_to_another_scheme_is_refused() -> None:
    rig = Rig({PAGE: [(302, {"Location": "file:///etc/passwd"}, b"")]})
    assert rig.fetch()[0].error_class == "UnsafeUrlError"


@pytest.mark.parametrize(
    "url", ["http://inside.test/x", "http://127.0.0.1/x", "http://169.254.169.254/latest/"]
)
def test_private_addresses_are_refused_before_any_request(url: str) -> None:
    rig = Rig({url: [OK]})
    (result,) = rig.fetch(Source("p", url))
    assert result.error_class == "UnsafeUrlError"
    assert result.error is not None and "refused" in result.error
    assert rig.adapter.urls() == []


def test_non_http_scheme_is_refused() -> None:
    rig = Rig({})
    assert rig.fetch(Source("p", "ftp://public.test/x"))[0].error_class == "UnsafeUrlError"


# --- robots.txt -----------------------------------------------------------------------------


def robots(text: str) -> Reply:
    return (200, {"Content-Type": "text/plain"}, text.encode())


def test_robots_disallow_refuses_without_fetching_the_page() -> None:
    rig = Rig({ROBOTS: [robots("User-agent: *\nDisallow: /live\n")], PAGE: [OK]})
    (result,) = rig.fetch()
    assert result.error_class == "RobotsDisallowedError"
    assert result.error is not None and "robots.txt disallows" in result.error
    assert rig.page_requests() == []


def test_robots_is_cached_per_origin() -> None:
    rig = Rig({ROBOTS: [robots("User-agent: *\nDisallow: /private\n")], PAGE: [OK]})
    rig.fetch(), rig.fetch()
    assert rig.adapter.urls().count(ROBOTS) == 1
    assert len(rig.page_requests()) == 2


def test_robots_rules_for_our_agent() -> None:
    rules = "User-agent: tickerlake\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    rig = Rig({ROBOTS: [robots(rules)], PAGE: [OK]})
    assert rig.fetch()[0].error_class == "RobotsDisallowedError"


def test_robots_override_with_reason_fetches() -> None:
    rig = Rig({ROBOTS: [robots("User-agent: *\nDisallow: /\n")], PAGE: [OK]})
    source = Source("pub", PAGE, obey_robots=False, robots_reason="publisher said yes")
    assert rig.fetch(source)[0].status == 200
    assert ROBOTS not in rig.adapter.urls()


def test_missing_robots_allows_everything() -> None:
    rig = Rig({PAGE: [OK]})
    assert rig.fetch()[0].status == 200


def test_robots_5xx_disallows_for_now() -> None:
    rig = Rig({ROBOTS: [(503, {}, b"")], PAGE: [OK]}, replace(CONFIG, max_attempts=2))
    attempts = rig.fetch()
    assert {a.error_class for a in attempts} == {"RobotsUnavailableError"}
    assert rig.page_requests() == []


def test_robots_5xx_is_asked_again_after_its_short_ttl() -> None:
    script: dict[str, list[Reply]] = {
        ROBOTS: [(503, {}, b""), robots("User-agent: *\nAllow: /\n")],
        PAGE: [OK],
    }
    rig = Rig(script, replace(CONFIG, max_attempts=1))
    assert rig.fetch()[0].error_class == "RobotsUnavailableError"
    rig.clock.now += ROBOTS_ERROR_TTL - 1
    assert rig.fetch()[0].error_class == "RobotsUnavailableError"  # still cached
    assert rig.adapter.urls().count(ROBOTS) == 1
    rig.clock.now += 2
    assert rig.fetch()[0].status == 200
    assert rig.adapter.urls().count(ROBOTS) == 2


def test_robots_of_a_redirect_target_is_obeyed() -> None:
    target = "http://other.test/live"
    rig = Rig(
        {
            PAGE: [(301, {"Location": target}, b"")],
            "http://other.test/robots.txt": [robots("User-agent: *\nDisallow: /\n")],
            target: [OK],
        }
    )
    assert rig.fetch()[0].error_class == "RobotsDisallowedError"
    assert target not in rig.adapter.urls()


# --- host gate ------------------------------------------------------------------------------


def test_host_gate_spaces_request_starts_on_one_host() -> None:
    clock = FakeClock()
    gate = HostGate(concurrency=1, interval=2.0, clock=clock)
    for host in ("a", "a", "b", "a"):
        with gate.slot(host, deadline=clock.now + 60):
            pass
    assert clock.sleeps == [2.0, 2.0]


@pytest.mark.parametrize(
    ("delay", "interval", "waits"),
    [("5", 0, [5.0, 5.0]), ("2.5", 4, [4.0, 4.0]), ("3600", 0, [60.0, 60.0]), ("soon", 0, [])],
)
def test_robots_crawl_delay_spaces_requests_to_the_host(
    delay: str, interval: float, waits: list[float]
) -> None:
    """Crawl-delay raises the host interval (never lowers it), capped at 60 s."""
    rules = f"User-agent: *\nCrawl-delay: {delay}\nDisallow: /private\n"
    config = replace(CONFIG, host_interval=interval, deadline=600)
    rig = Rig({ROBOTS: [robots(rules)], PAGE: [OK]}, config)
    attempts = [rig.fetch() for _ in range(3)]
    assert [a[-1].status for a in attempts] == [200, 200, 200]
    assert rig.clock.sleeps == waits


def test_crawl_delay_is_not_applied_when_robots_is_overridden() -> None:
    rig = Rig({ROBOTS: [robots("User-agent: *\nCrawl-delay: 30\n")], PAGE: [OK]})
    source = Source("pub", PAGE, obey_robots=False, robots_reason="publisher said yes")
    rig.fetch(source), rig.fetch(source)
    assert rig.clock.sleeps == []


def test_host_gate_crawl_delay_counts_from_the_last_start() -> None:
    clock = FakeClock()
    gate = HostGate(concurrency=1, interval=1.0, clock=clock)
    with gate.slot("a", deadline=clock.now + 600):
        gate.set_crawl_delay("a", 10)
    clock.sleep(4)
    with gate.slot("a", deadline=clock.now + 600):
        gate.set_crawl_delay("a", None)
    with gate.slot("a", deadline=clock.now + 600):
        pass
    assert clock.sleeps == [4, 6.0, 1.0]
    assert gate.interval("b") == 1.0


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("120", None, NOW) == 120
    assert retry_after_seconds("Thu, 14 Aug 2025 19:31:00 GMT", None, NOW) == 60
    assert retry_after_seconds("Thu, 14 Aug 2025 19:00:00 GMT", None, NOW) == 0
    assert retry_after_seconds("soon", None, NOW) is None
    assert retry_after_seconds(None, None, NOW) is None


# --- against the replay server --------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ReplayServer]:
    folder = tmp_path / "snapshots" / "alpha"
    folder.mkdir(parents=True)
    (folder / snapshot_name(T0, "html")).write_bytes(BODY)
    with ReplayServer(tmp_path / "snapshots") as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with new_session(CONFIG) as session:
        yield Fetcher(session, CONFIG, Politeness.create(2, 0, 3600, FakeClock()))


def get(fetcher: Fetcher, url: str, validators: Validators | None = None) -> FetchResult:
    source = Source("alpha", url, allow_private=True)
    return fetcher.fetch(source, validators or Validators(), now=NOW)[-1]


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port held bound but not listening for the whole test, so connections to it are
    refused and no other process can take it meanwhile (a port closed before use could be)."""
    with socket.socket() as refused:
        refused.bind(("127.0.0.1", 0))
        yield int(refused.getsockname()[1])


def test_200_has_body_sha256_and_validators(server: ReplayServer, fetcher: Fetcher) -> None:
    result = get(fetcher, server.source_url("alpha"))
    assert (result.status, result.error_class, result.error) == (200, None, None)
    assert result.body == BODY
    assert result.sha256 == archive.sha256(BODY)
    assert result.etag is not None and result.etag.startswith('"')
    assert result.last_modified == "Thu, 14 Aug 2025 19:15:00 GMT"
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert (result.source_id, result.fetched_at, result.attempt) == ("alpha", NOW, 1)
    assert result.url == result.final_url == server.source_url("alpha")


def test_session_sends_the_user_agent(fetcher: Fetcher) -> None:
    assert fetcher.session.headers["User-Agent"] == "tickerlake-tests/0"


def test_second_fetch_with_validators_is_304_without_body(
    server: ReplayServer, fetcher: Fetcher
) -> None:
    first = get(fetcher, server.source_url("alpha"))
    second = get(fetcher, server.source_url("alpha"), Validators(first.etag, first.last_modified))
    assert (second.status, second.body, second.sha256, second.error_class) == (
        304,
        None,
        None,
        None,
    )
    assert server.request_log()[-1]["if_none_match"] == first.etag
    assert server.request_log()[-1]["if_modified_since"] == first.last_modified


def test_last_modified_alone_gives_304(server: ReplayServer, fetcher: Fetcher) -> None:
    first = get(fetcher, server.source_url("alpha"))
    assert (
        get(fetcher, server.source_url("alpha"), Validators(None, first.last_modified)).status
        == 304
    )


def test_404_is_a_client_http_error(server: ReplayServer, fetcher: Fetcher) -> None:
    result = get(fetcher, server.source_url("nobody"))
    assert (result.status, result.body, result.error_class) == (404, None, "ClientHttpError")
    assert result.error is not None and "HTTP 404" in result.error and "'alpha'" in result.error


def test_connection_refused_is_retried_then_recorded(fetcher: Fetcher, refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/alpha"
    attempts = fetcher.fetch(Source("alpha", url, allow_private=True), Validators(), now=NOW)
    assert [(a.attempt, a.error_class) for a in attempts] == [
        (n, "FetchConnectionError") for n in (1, 2, 3, 4)
    ]
    assert attempts[-1].error is not None and "ConnectionError" in attempts[-1].error


def test_private_address_needs_allow_private(server: ReplayServer, fetcher: Fetcher) -> None:
    private = Source("alpha", server.source_url("alpha"))
    (result,) = fetcher.fetch(private, Validators(), now=NOW)
    assert (result.body, result.error_class) == (None, "UnsafeUrlError")
    assert "127.0.0.1" in (result.error or "")
    assert server.request_log() == []


def rebinding_fetcher(answer: str) -> Fetcher:
    """A fetcher whose own check resolves every name to `answer`, while the connection
    resolves it for real: a DNS server changing its answer between the two lookups."""
    return Fetcher(
        new_session(CONFIG),
        CONFIG,
        Politeness.create(2, 0, 3600, FakeClock()),
        resolver=lambda _host, _port: [answer],
    )


def test_dns_rebinding_is_refused_at_connect_time(server: ReplayServer) -> None:
    url = server.source_url("alpha").replace("127.0.0.1", "localhost")
    (result,) = rebinding_fetcher("93.184.216.34").fetch(
        Source("alpha", url), Validators(), now=NOW
    )
    assert (result.error_class, result.body, result.status) == ("UnsafeUrlError", None, None)
    assert "connected to non-public" in (result.error or "")
    assert server.request_log() == []  # not even the request line was sent


def test_connections_of_allow_private_sources_are_not_reused_by_guarded_ones(
    server: ReplayServer,
) -> None:
    url = server.source_url("alpha").replace("127.0.0.1", "localhost")
    fetcher = rebinding_fetcher("93.184.216.34")
    allowed = fetcher.fetch(Source("alpha", url, allow_private=True), Validators(), now=NOW)
    guarded = fetcher.fetch(Source("alpha", url), Validators(), now=NOW)
    assert (allowed[-1].status, guarded[-1].error_class) == (200, "UnsafeUrlError")
    assert [r["source"] for r in server.request_log()] == ["robots.txt", "alpha"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


# --- archive ---------------------------------------------------------------------------------


@pytest.fixture(params=["local", "memory"])
def archive_root(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The archive on a local folder and on fsspec's in-memory filesystem (the stand-in
    for object storage)."""
    if request.param == "local":
        yield str(tmp_path / "archive")
        return
    root = f"memory://archive-{tmp_path.name}"
    yield root
    memory = fsspec.filesystem("memory")
    if memory.exists(root):
        memory.rm(root, recursive=True)


def stored_files(root: str) -> list[str]:
    fs, base = fsspec.core.url_to_fs(root)
    return sorted(path.rsplit("/", 1)[-1] for path in fs.find(base))


def test_archive_round_trip(archive_root: str) -> None:
    digest = archive.put(archive_root, BODY, "text/html")
    assert digest == archive.sha256(BODY)
    assert archive.get(archive_root, digest) == BODY
    assert archive.content_type(archive_root, digest) == "text/html"
    fs, stored = fsspec.core.url_to_fs(archive_root)
    assert archive.object_path(archive_root, digest) == f"{stored}/{digest[:2]}/{digest}.gz"
    assert gzip.decompress(fs.cat_file(archive.object_path(archive_root, digest))) == BODY


def test_archive_put_is_idempotent_and_leaves_no_temp_files(archive_root: str) -> None:
    first = archive.put(archive_root, BODY)
    fs, _ = fsspec.core.url_to_fs(archive_root)
    before = fs.cat_file(archive.object_path(archive_root, first))
    assert archive.put(archive_root, BODY) == first
    assert fs.cat_file(archive.object_path(archive_root, first)) == before
    assert stored_files(archive_root) == [f"{first}.gz"]


def test_archive_is_deterministic_and_keeps_distinct_bodies(archive_root: str) -> None:
    one, two = archive.put(f"{archive_root}/a", b"x"), archive.put(f"{archive_root}/b", b"x")
    fs, _ = fsspec.core.url_to_fs(archive_root)
    assert fs.cat_file(archive.object_path(f"{archive_root}/a", one)) == fs.cat_file(
        archive.object_path(f"{archive_root}/b", two)
    )
    other = archive.put(f"{archive_root}/a", b"y")
    assert other != one
    assert archive.get(f"{archive_root}/a", other) == b"y"


def test_archive_missing_body_is_file_not_found(archive_root: str) -> None:
    with pytest.raises(FileNotFoundError):
        archive.get(archive_root, archive.sha256(b"never stored"))
    assert archive.content_type(archive_root, archive.sha256(b"never stored")) is None


def test_archive_accepts_file_urls(tmp_path: Path) -> None:
    digest = archive.put(f"file://{tmp_path}", BODY)
    assert (tmp_path / digest[:2] / f"{digest}.gz").exists()
    assert archive.get(tmp_path, digest) == BODY


def test_archive_dir_is_a_folder_or_an_fsspec_url(tmp_path: Path) -> None:
    assert from_env({"TICKERLAKE_ARCHIVE_DIR": "s3://bucket/raw"}).archive_dir == "s3://bucket/raw"
    default = from_env({"TICKERLAKE_DATA_DIR": str(tmp_path)}).archive_dir
    assert default == str(tmp_path / "archive")
