"""Exception hierarchy: transient failures may succeed on retry, permanent ones will not.

Airflow adapters map `TransientError` to a task retry and `PermanentError` to fail-fast.
"""

from __future__ import annotations


class TickerlakeError(Exception):
    """Base class of every error tickerlake raises on purpose."""


class TransientError(TickerlakeError):
    """A failure that may go away by itself (network, 5xx, 429, a busy lock)."""


class PermanentError(TickerlakeError):
    """A failure that retrying will not fix (bad config, 4xx, a newer warehouse)."""


class SourceError(TickerlakeError):
    """An error about one source; carries its id and URL in the message."""

    def __init__(self, source_id: str, url: str, reason: str) -> None:
        super().__init__(f"source {source_id!r} ({url}): {reason}")
        self.source_id = source_id
        self.url = url
        self.reason = reason


class FetchConnectionError(SourceError, TransientError):
    """The connection failed, was reset, or timed out."""


class FetchTimeoutError(FetchConnectionError):
    """Connecting or reading took longer than its timeout (a stalled server)."""


class TruncatedBodyError(FetchConnectionError):
    """The connection closed before the body announced by Content-Length was complete."""


class DeadlineExceededError(SourceError, TransientError):
    """The overall deadline of one fetch (all attempts, waits and reads) ran out."""


class ServerError(SourceError, TransientError):
    """The server answered 408 or 5xx. `retry_after` holds its Retry-After in seconds."""

    retry_after: float | None = None


class RateLimitedError(ServerError):
    """The server answered 429 Too Many Requests."""


class RobotsUnavailableError(SourceError, TransientError):
    """robots.txt answered 5xx: RFC 9309 says to assume the whole site is disallowed."""


class ClientHttpError(SourceError, PermanentError):
    """The server answered a 4xx other than 408/429: the request itself is wrong."""


class BodyTooLargeError(SourceError, PermanentError):
    """The body exceeded the configured size cap."""


class UnexpectedStatusError(SourceError, PermanentError):
    """A status that is neither success, redirect, 304 nor an error (204, 206, …)."""


class UnsafeUrlError(SourceError, PermanentError):
    """The URL is not http(s), or it (or a redirect hop) resolves to a non-public address."""


class TooManyRedirectsError(SourceError, PermanentError):
    """More redirects than the configured cap (or a redirect loop)."""


class RobotsDisallowedError(SourceError, PermanentError):
    """The host's robots.txt disallows the URL for our user agent."""


class UnsupportedContentTypeError(SourceError, PermanentError):
    """The response is not a page (HTML, text, JSON or a feed): images, PDFs, …"""


class ConfigError(PermanentError):
    """A configuration file or value is invalid; the message names file and field."""


class WarehouseVersionError(PermanentError):
    """The warehouse was written by a newer tickerlake than this one."""


class WarehouseMissingError(PermanentError):
    """A reader opened a warehouse that no load has created yet."""


class BatchError(PermanentError):
    """A staged batch is missing or malformed."""


class ArchiveError(PermanentError):
    """The raw archive cannot be written (a file where its folder should be, no
    permission, a full disk); names the archive and the object."""


class ParseError(PermanentError):
    """A body that is no page at all: empty, or not text in any encoding. Anything
    that is text parses, at worst into an article with warnings."""


class WarehouseBusyError(TransientError):
    """Another process holds the warehouse file for writing (DuckDB allows one)."""


class SourcesFailedError(PermanentError):
    """More sources of a cycle failed than the tolerated share; what the cycle fetched
    was still loaded. The message names each failed source and its error class."""


class FeedError(SourceError, PermanentError):
    """A feed, news sitemap or section page that cannot be read: malformed, too large
    once decompressed, or a sitemap index that nests too deep or loops."""


class BrowserMissingError(SourceError, PermanentError):
    """A source to be rendered, on a machine without the Chromium executable the
    renderer was told to use (TICKERLAKE_CHROMIUM)."""


class RenderTimeoutError(SourceError, TransientError):
    """Rendering a page took longer than its hard limit (TICKERLAKE_RENDER_TIMEOUT); the
    browser was restarted."""


class RenderError(SourceError, TransientError):
    """The browser failed while rendering a page (crashed, closed, refused to start)."""
