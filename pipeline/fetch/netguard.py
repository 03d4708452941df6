"""The private-address guard, enforced where the socket connects.

The fetcher resolves a host and refuses non-public addresses before it asks anything,
but `requests` then resolves the name again to connect: a DNS server that answers a
public address first and a private one second (DNS rebinding) would slip through. So the
session's adapter also checks the address each new connection actually reached, before
a byte of the request is sent. Sources with `allow_private` use a separate pool, so a
connection they opened to a private address is never reused by a guarded source.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from requests.exceptions import InvalidURL
from requests.utils import select_proxy
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import ConnectionPool

# Set by the fetcher around each request; a context variable, so every fetch thread
# has its own.
_ALLOW_PRIVATE: ContextVar[bool] = ContextVar("tickerlake_allow_private", default=False)


class PrivatePeerError(Exception):
    """A connection reached a non-public address. Deliberately not an OSError, so
    urllib3 neither retries nor wraps it and the fetcher can report it as unsafe."""


def is_public(address: str) -> bool:
    """Global unicast only; IPv4-mapped IPv6 addresses are judged as the IPv4 inside."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global


@contextmanager
def allowing_private(allow: bool) -> Iterator[None]:
    token = _ALLOW_PRIVATE.set(allow)
    try:
        yield
    finally:
        _ALLOW_PRIVATE.reset(token)


def _checked(sock: socket.socket, host: str) -> socket.socket:
    address = str(sock.getpeername()[0])
    if is_public(address):
        return sock
    sock.close()
    raise PrivatePeerError(f"{host} connected to non-public {address}")


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.host)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.host)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections refuse non-public peers, unless the request is
    made inside `allowing_private(True)`. Through a proxy the proxy resolves names, so
    only the fetcher's check before the request applies."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self._guarded = PoolManager(
            num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )
        self._guarded.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: tuple[str, str] | str | None = None,
    ) -> ConnectionPool:
        if _ALLOW_PRIVATE.get() or select_proxy(str(request.url), proxies):
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        try:
            host, pool_kwargs = self.build_connection_pool_key_attributes(
                request, True if verify is None else verify, cert
            )
        except ValueError as exc:
            raise InvalidURL(exc, request=request) from exc
        return self._guarded.connection_from_host(**host, pool_kwargs=dict(pool_kwargs))

    def close(self) -> None:
        super().close()
        self._guarded.clear()
