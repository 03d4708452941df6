"""Being a good citizen towards publishers: per-host concurrency and request spacing, and
robots.txt (through protego), cached per origin. Time comes from an injectable `Clock` so
tests neither sleep nor depend on the machine's speed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from protego import Protego

ROBOTS_AGENT = "tickerlake"
ROBOTS_ERROR_TTL = 60.0  # a failing robots.txt is asked again soon, not after the full TTL
# A Crawl-delay above this would starve a live ticker (and is often a typo for ms).
MAX_CRAWL_DELAY = 60.0


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class HostBusyError(Exception):
    """No request slot on the host freed up before the fetch's deadline."""


class HostGate:
    """At most `concurrency` requests in flight per host, and request starts on one host
    at least `interval` seconds apart, or the host's robots.txt Crawl-delay if longer."""

    def __init__(self, concurrency: int, interval: float, clock: Clock) -> None:
        self._concurrency = max(1, concurrency)
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._last_start: dict[str, float] = {}
        self._crawl_delay: dict[str, float] = {}

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        """The host's robots.txt Crawl-delay (None: it states none), capped at
        MAX_CRAWL_DELAY; it counts from the last request start on the host."""
        with self._lock:
            self._crawl_delay[host] = min(max(0.0, seconds or 0.0), MAX_CRAWL_DELAY)

    def interval(self, host: str) -> float:
        return max(self._interval, self._crawl_delay.get(host, 0.0))

    @contextmanager
    def slot(self, host: str, deadline: float) -> Iterator[None]:
        semaphore = self._semaphore(host)
        if not semaphore.acquire(timeout=max(0.0, deadline - self._clock.monotonic())):
            raise HostBusyError(host)
        try:
            self._wait_turn(host, deadline)
            yield
        finally:
            semaphore.release()

    def _semaphore(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(host, threading.BoundedSemaphore(self._concurrency))

    def _wait_turn(self, host: str, deadline: float) -> None:
        with self._lock:
            now = self._clock.monotonic()
            last = self._last_start.get(host)
            start = now if last is None else max(now, last + self.interval(host))
            if start > deadline:
                raise HostBusyError(host)
            self._last_start[host] = start
        if start > now:
            self._clock.sleep(start - now)


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """One origin's robots.txt; `parser` None allows everything (no robots.txt)."""

    parser: Protego | None
    unavailable: bool = False  # robots.txt answered 5xx: everything is disallowed for now

    def allows(self, url: str) -> bool:
        if self.unavailable:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, ROBOTS_AGENT))

    def crawl_delay(self) -> float | None:
        return None if self.parser is None else self.parser.crawl_delay(ROBOTS_AGENT)


class RobotsCache:
    """robots.txt rules per origin (scheme://host:port), loaded once per TTL. One thread
    loads an origin while the others asking for it wait."""

    def __init__(self, ttl: float, clock: Clock) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, tuple[float, RobotsRules]] = {}

    def rules(self, origin: str, load: Callable[[], RobotsRules]) -> RobotsRules:
        with self._lock:
            origin_lock = self._origin_locks.setdefault(origin, threading.Lock())
        with origin_lock:
            cached = self._entries.get(origin)
            if cached is not None and cached[0] > self._clock.monotonic():
                return cached[1]
            rules = load()
            ttl = min(self._ttl, ROBOTS_ERROR_TTL) if rules.unavailable else self._ttl
            self._entries[origin] = (self._clock.monotonic() + ttl, rules)
            return rules


@dataclass(slots=True)
class Politeness:
    """What all fetches of one process share: the host gate and the robots cache."""

    gate: HostGate
    robots: RobotsCache
    clock: Clock

    @classmethod
    def create(
        cls, concurrency: int, interval: float, robots_ttl: float, clock: Clock | None = None
    ) -> Politeness:
        clock = clock or SystemClock()
        return cls(HostGate(concurrency, interval, clock), RobotsCache(robots_ttl, clock), clock)
