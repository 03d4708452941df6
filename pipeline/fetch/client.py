"""HTTP fetching like a good citizen: conditional GET, retries with backoff and jitter
that honour Retry-After, one overall deadline per fetch, capped and re-checked redirects,
a streamed size cap, robots.txt and per-host politeness.

`Fetcher.fetch` never raises for network or HTTP failures: it returns one `FetchResult`
per attempt (the fetch log), the last one being the outcome. Failures are classified by
the exception classes in `pipeline.errors` (transient ones are retried)."""

from __future__ import annotations

import email.utils
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from protego import Protego

from pipeline.errors import (
    BodyTooLargeError,
    ClientHttpError,
    DeadlineExceededError,
    FetchConnectionError,
    FetchTimeoutError,
    RateLimitedError,
    RobotsDisallowedError,
    RobotsUnavailableError,
    ServerError,
    SourceError,
    TooManyRedirectsError,
    TransientError,
    TruncatedBodyError,
    UnexpectedStatusError,
    UnsafeUrlError,
    UnsupportedContentTypeError,
)
from pipeline.fetch import archive
from pipeline.fetch.netguard import GuardedAdapter, PrivatePeerError, allowing_private, is_public
from pipeline.fetch.politeness import HostBusyError, Politeness, RobotsRules
from pipeline.models import Validators
from pipeline.settings import FetchConfig
from pipeline.sources import Source

__all__ = ["FetchConfig", "FetchResult", "Fetcher", "Validators", "new_session"]

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
PAGE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "application/json",
    "application/ld+json",
    "application/feed+json",
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
}
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
CHUNK = 65536
ACCEPT = "text/html,application/xhtml+xml,application/ld+json;q=0.9,text/plain;q=0.8,*/*;q=0.5"

Resolver = Callable[[str, int], list[str]]


@dataclass(slots=True)
class FetchResult:
    """One attempt: a row of the fetch log."""

    source_id: str
    url: str
    fetched_at: datetime
    attempt: int = 1
    final_url: str | None = None
    status: int | None = None
    elapsed_ms: int = 0
    body: bytes | None = None
    bytes_read: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sha256: str | None = None
    error_class: str | None = None
    error: str | None = None
    retry_after: float | None = None
    transient: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def new_session(config: FetchConfig) -> requests.Session:
    """A session shared by the fetch threads of a shard: one connection pool per host,
    as large as the thread pool, no retries below ours, and the private-address guard
    on every new connection."""
    session = requests.Session()
    adapter = GuardedAdapter(pool_connections=16, pool_maxsize=max(1, config.workers))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = config.user_agent
    session.headers["Accept-Encoding"] = "gzip, deflate"
    session.headers["Accept"] = ACCEPT
    return session


def resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class Fetcher:
    """Fetches sources through one session; safe to call from many threads."""

    def __init__(
        self,
        session: requests.Session,
        config: FetchConfig,
        politeness: Politeness,
        *,
        rng: random.Random | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self.session = session
        self.config = config
        self.politeness = politeness
        self.clock = politeness.clock
        self._rng = rng or random.Random()
        self._resolve = resolver

    def fetch(self, source: Source, validators: Validators, *, now: datetime) -> list[FetchResult]:
        """Every attempt of one fetch; retries transient failures until success, a
        permanent failure, the attempt cap or the deadline."""
        deadline = self.clock.monotonic() + self.config.deadline
        attempts = [self._attempt(source, validators, now, 1, deadline)]
        while (delay := self._retry_delay(attempts[-1], deadline)) is not None:
            self.clock.sleep(delay)
            attempts.append(self._attempt(source, validators, now, len(attempts) + 1, deadline))
        return attempts

    def _retry_delay(self, last: FetchResult, deadline: float) -> float | None:
        if last.error_class is None or last.attempt >= self.config.max_attempts:
            return None
        if not last.transient:
            return None
        delay = last.retry_after if last.retry_after is not None else self._backoff(last.attempt)
        # Waiting past the deadline is pointless: the next cycle will try again.
        return delay if self.clock.monotonic() + delay < deadline else None

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, so retries
        of many sources hitting one host spread out."""
        ceiling = min(self.config.backoff_max, self.config.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _attempt(
        self, source: Source, validators: Validators, now: datetime, attempt: int, deadline: float
    ) -> FetchResult:
        result = FetchResult(source.source_id, source.url, fetched_at=now, attempt=attempt)
        started = self.clock.monotonic()
        try:
            with self.politeness.gate.slot(_host(source.url), deadline):
                self._check_robots(source, source.url, deadline)
                self._get(source, validators, result, deadline, now)
        except HostBusyError:
            error = DeadlineExceededError(source.source_id, source.url, "no free slot on host")
            _record_error(result, error)
        except SourceError as exc:
            _record_error(result, exc)
        result.elapsed_ms = int((self.clock.monotonic() - started) * 1000)
        return result

    # robots.txt

    def _check_robots(self, source: Source, url: str, deadline: float) -> None:
        """robots.txt of `url`'s origin: the source's own URL, and every hop a redirect
        leads to (a redirect must not take us where that origin's robots.txt forbids)."""
        if not source.obey_robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self.politeness.robots.rules(
            origin, lambda: self._load_robots(source, origin, deadline)
        )
        self.politeness.gate.set_crawl_delay(_host(url), rules.crawl_delay())
        if rules.unavailable:
            raise RobotsUnavailableError(source.source_id, url, "robots.txt answered 5xx")
        if not rules.allows(url):
            raise RobotsDisallowedError(
                source.source_id,
                source.url,
                f"{origin}/robots.txt disallows this URL for {self.config.user_agent!r}; "
                "set robots: {obey: false, reason: ...} only with the publisher's permission",
            )

    def _load_robots(self, source: Source, origin: str, deadline: float) -> RobotsRules:
        url = f"{origin}/robots.txt"
        with self._open(source, url, {}, deadline) as (response, _):
            if response.status_code >= 500:
                return RobotsRules(None, unavailable=True)
            if response.status_code != 200:  # RFC 9309: 4xx means no rules
                return RobotsRules(None)
            body = self._read(source, response, ROBOTS_MAX_BYTES, deadline, truncate=True)
        return RobotsRules(Protego.parse(body.decode("utf-8", errors="replace")))

    # the page

    def _get(
        self,
        source: Source,
        validators: Validators,
        result: FetchResult,
        deadline: float,
        now: datetime,
    ) -> None:
        headers = {**source.headers, **conditional_headers(validators)}
        with self._open(source, source.url, headers, deadline, robots=True) as (
            response,
            final_url,
        ):
            result.status, result.final_url = response.status_code, final_url
            result.headers = {k.lower(): v for k, v in response.headers.items()}
            _check_status(source, response, now)
            if response.status_code == 304:
                return
            _check_content_type(source, result.headers.get("content-type"))
            result.bytes_read = 0
            result.body = self._read(source, response, self.config.max_body_bytes, deadline)
            result.bytes_read = len(result.body)
            result.sha256 = archive.sha256(result.body)

    def _open(
        self,
        source: Source,
        url: str,
        headers: dict[str, str],
        deadline: float,
        *,
        robots: bool = False,
    ) -> _Opened:
        """GET `url`, following at most max_redirects redirects; every hop is checked
        against the address guard (and, with `robots`, its robots.txt) before it is
        requested."""
        for hop in range(self.config.max_redirects + 1):
            if robots and hop:
                self._check_robots(source, url, deadline)
            self._check_address(source, url)
            response = self._request(source, url, headers, deadline)
            if not response.is_redirect:
                return _Opened(response, url)
            response.close()
            url = urljoin(url, response.headers["location"])
        raise TooManyRedirectsError(
            source.source_id, source.url, f"more than {self.config.max_redirects} redirects"
        )

    def _request(
        self, source: Source, url: str, headers: dict[str, str], deadline: float
    ) -> requests.Response:
        remaining = deadline - self.clock.monotonic()
        if remaining <= 0:
            raise DeadlineExceededError(source.source_id, url, "deadline reached")
        config = self.config
        timeout = (min(config.connect_timeout, remaining), min(config.read_timeout, remaining))
        try:
            with allowing_private(source.allow_private):
                return self.session.get(
                    url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
                )
        except PrivatePeerError as exc:
            raise UnsafeUrlError(
                source.source_id, url, f"{exc}, although it resolved to public addresses; refused"
            ) from exc
        except requests.Timeout as exc:
            raise FetchTimeoutError(source.source_id, url, type(exc).__name__) from exc
        except requests.RequestException as exc:
            raise FetchConnectionError(source.source_id, url, _describe(exc)) from exc

    def _check_address(self, source: Source, url: str) -> None:
        """Only http(s); and unless the source sets `allow_private` (a local replay
        server), no host resolving to a loopback, private, link-local or metadata
        address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeUrlError(source.source_id, url, "only http(s) URLs are fetched")
        if source.allow_private:
            return
        try:
            addresses = self._resolve(parts.hostname, parts.port or 443)
        except OSError as exc:
            raise FetchConnectionError(source.source_id, url, f"DNS: {exc}") from exc
        for text in addresses:
            if not is_public(text):
                raise UnsafeUrlError(
                    source.source_id,
                    url,
                    f"{parts.hostname} resolves to non-public {text}; refused "
                    "(set allow_private: true only for local test sources)",
                )

    def _read(
        self,
        source: Source,
        response: requests.Response,
        limit: int,
        deadline: float,
        *,
        truncate: bool = False,
    ) -> bytes:
        """The decoded body, read in pieces so the size cap and the deadline are checked
        while a slow server trickles it in."""
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError(source.source_id, source.url, f"body over {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while chunk := _read1(source, response):
            size += len(chunk)
            chunks.append(chunk)
            if size > limit:
                if truncate:
                    break
                raise BodyTooLargeError(source.source_id, source.url, f"body over {limit} bytes")
            if self.clock.monotonic() > deadline:
                raise DeadlineExceededError(source.source_id, source.url, "body still arriving")
        return b"".join(chunks)[:limit]


@dataclass(slots=True)
class _Opened:
    """A response to be used in a `with` block (closes it, returning it to the pool)."""

    response: requests.Response
    final_url: str

    def __enter__(self) -> tuple[requests.Response, str]:
        return self.response, self.final_url

    def __exit__(self, *_: object) -> None:
        self.response.close()


def _read1(source: Source, response: requests.Response) -> bytes:
    """At most one network read (not 64 KiB worth of them), so a trickle cannot hide
    from the deadline check."""
    try:
        return bytes(response.raw.read1(CHUNK, decode_content=True))
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise FetchTimeoutError(source.source_id, source.url, "body stalled") from exc
    except urllib3.exceptions.ProtocolError as exc:
        if any(isinstance(arg, urllib3.exceptions.IncompleteRead) for arg in exc.args):
            raise TruncatedBodyError(source.source_id, source.url, str(exc)) from exc
        raise FetchConnectionError(source.source_id, source.url, _describe(exc)) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchConnectionError(source.source_id, source.url, _describe(exc)) from exc


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _record_error(result: FetchResult, exc: SourceError) -> None:
    result.error_class, result.error = type(exc).__name__, str(exc)
    result.retry_after = getattr(exc, "retry_after", None)
    result.transient = isinstance(exc, TransientError)
    result.body, result.sha256 = None, None


def conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _check_status(source: Source, response: requests.Response, now: datetime) -> None:
    status = response.status_code
    if status in (200, 203, 304):
        return
    if status in RETRYABLE_STATUS:
        error: ServerError = (RateLimitedError if status == 429 else ServerError)(
            source.source_id, source.url, f"HTTP {status}"
        )
        error.retry_after = retry_after_seconds(
            response.headers.get("retry-after"), response.headers.get("date"), now
        )
        raise error
    if 400 <= status < 500:
        raise ClientHttpError(source.source_id, source.url, f"HTTP {status}")
    raise UnexpectedStatusError(source.source_id, source.url, f"HTTP {status}")


def retry_after_seconds(value: str | None, date: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either a number, or an HTTP-date read against the
    response's own Date (so clock skew between us and the server does not matter), else
    against `now`."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(date) or now
    return max(0.0, (when - reference).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _check_content_type(source: Source, content_type: str | None) -> None:
    """A missing content type is let through for the parser to sniff."""
    if content_type is None:
        return
    mime = content_type.split(";")[0].strip().lower()
    if mime and mime not in PAGE_TYPES:
        raise UnsupportedContentTypeError(
            source.source_id, source.url, f"content type {mime!r} is not a page"
        )
