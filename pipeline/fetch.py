"""HTTP fetching: conditional GET, timeouts, a size cap, and a fetch-log record for every
attempt. Failures are recorded on the result (never lost) and classified transient or
permanent by the exception classes in `pipeline.errors`."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import requests

from pipeline import archive
from pipeline.errors import (
    BodyTooLargeError,
    ClientHttpError,
    FetchConnectionError,
    ServerError,
    SourceError,
    UnsafeUrlError,
)
from pipeline.sources import Source

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class Validators:
    """What we remember of the last successful fetch of a source."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass(slots=True)
class FetchResult:
    source_id: str
    url: str
    fetched_at: datetime
    attempt: int = 1
    final_url: str | None = None
    status: int | None = None
    elapsed_ms: int = 0
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sha256: str | None = None
    error_class: str | None = None
    error: str | None = None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True, slots=True)
class FetchConfig:
    user_agent: str
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_body_bytes: int = 20 * 1024 * 1024


def new_session(config: FetchConfig) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = config.user_agent
    session.headers["Accept-Encoding"] = "gzip, deflate"
    return session


def fetch(
    session: requests.Session,
    source: Source,
    validators: Validators,
    config: FetchConfig,
    *,
    now: datetime,
) -> FetchResult:
    """One conditional GET. Never raises for network or HTTP failures: they are recorded
    on the result with the name of the error class."""
    result = FetchResult(source_id=source.source_id, url=source.url, fetched_at=now)
    started = time.monotonic()
    try:
        _get(session, source, validators, config, result)
    except SourceError as exc:
        result.error_class, result.error = type(exc).__name__, str(exc)
    result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


def _get(
    session: requests.Session,
    source: Source,
    validators: Validators,
    config: FetchConfig,
    result: FetchResult,
) -> None:
    _check_address(source)
    try:
        with session.get(
            source.url,
            headers=_conditional_headers(validators),
            timeout=(config.connect_timeout, config.read_timeout),
            stream=True,
        ) as response:
            result.status, result.final_url = response.status_code, response.url
            result.headers = {k.lower(): v for k, v in response.headers.items()}
            _check_status(source, response.status_code)
            if response.status_code == 200:
                result.body = _read_capped(source, response, config.max_body_bytes)
                result.sha256 = archive.sha256(result.body)
    except requests.RequestException as exc:
        raise FetchConnectionError(source.source_id, source.url, type(exc).__name__) from exc


def _check_address(source: Source) -> None:
    """Refuse non-http(s) URLs, and hosts that resolve to loopback, private, link-local or
    metadata addresses unless the source sets `allow_private` (a local replay server)."""
    parts = urlsplit(source.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrlError(source.source_id, source.url, "only http(s) URLs are fetched")
    if source.allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchConnectionError(source.source_id, source.url, f"DNS: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeUrlError(
                source.source_id,
                source.url,
                f"{parts.hostname} resolves to non-public {address}; "
                "set allow_private: true only for local test sources",
            )


def _conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _check_status(source: Source, status: int) -> None:
    if status in RETRYABLE_STATUS:
        raise ServerError(source.source_id, source.url, f"HTTP {status}")
    if status >= 400:
        raise ClientHttpError(source.source_id, source.url, f"HTTP {status}")


def _read_capped(source: Source, response: requests.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError(source.source_id, source.url, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
