"""PageChangedTrigger: polls hot sources from the triggerer with conditional GETs and
fires once any of them changed, so no worker slot waits meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
from airflow.triggers.base import BaseTrigger, TriggerEvent

from pipeline.errors import UnsafeUrlError
from pipeline.fetch import watch


class PageChangedTrigger(BaseTrigger):
    """`specs` are `pipeline.fetch.watch.watch_specs` (source + validators from the warehouse).
    Fires `{"changed": [source_id, ...]}` once, then ends."""

    def __init__(
        self,
        specs: list[dict[str, Any]],
        interval: float,
        user_agent: str,
        request_timeout: float = 20.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.specs = specs
        self.interval = interval
        self.user_agent = user_agent
        self.request_timeout = request_timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "specs": self.specs,
                "interval": self.interval,
                "user_agent": self.user_agent,
                "request_timeout": self.request_timeout,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        specs = await self._safe_specs()
        # Redirects are not followed: the target was never address-checked.
        async with httpx.AsyncClient(
            timeout=self.request_timeout, follow_redirects=False
        ) as client:
            while True:
                polls = await asyncio.gather(*(self._changed(client, s) for s in specs))
                changed = [
                    s["source"]["source_id"] for s, hit in zip(specs, polls, strict=True) if hit
                ]
                if changed:
                    yield TriggerEvent({"changed": changed})  # type: ignore[no-untyped-call]
                    return
                await asyncio.sleep(self.interval)

    async def _safe_specs(self) -> list[dict[str, Any]]:
        safe = []
        for spec in self.specs:
            try:
                await asyncio.to_thread(watch.check_public, spec)
            except (UnsafeUrlError, OSError) as exc:
                self.log.warning("not watching %s: %s", spec["source"]["source_id"], exc)
            else:
                safe.append(spec)
        return safe

    async def _changed(self, client: httpx.AsyncClient, spec: dict[str, Any]) -> bool:
        headers = watch.request_headers(spec, self.user_agent)
        try:
            response = await client.get(spec["source"]["url"], headers=headers)
        except httpx.HTTPError as exc:  # a failed poll is retried at the next interval
            self.log.info("poll of %s failed: %s", spec["source"]["source_id"], exc)
            return False
        return watch.has_changed(response.status_code, response.content, spec)
