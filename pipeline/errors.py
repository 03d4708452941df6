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


class ServerError(SourceError, TransientError):
    """The server answered 408, 429 or 5xx."""


class ClientHttpError(SourceError, PermanentError):
    """The server answered a 4xx other than 408/429: the request itself is wrong."""


class BodyTooLargeError(SourceError, PermanentError):
    """The body exceeded the configured size cap."""


class UnsafeUrlError(SourceError, PermanentError):
    """The URL is not http(s)."""


class ConfigError(PermanentError):
    """A configuration file or value is invalid; the message names file and field."""


class WarehouseVersionError(PermanentError):
    """The warehouse was written by a newer tickerlake than this one."""


class BatchError(PermanentError):
    """A staged batch is missing or malformed."""


class WarehouseBusyError(TransientError):
    """Another process holds the warehouse file for writing (DuckDB allows one)."""
