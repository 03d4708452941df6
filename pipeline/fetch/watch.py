"""Watch mode: the decisions behind polling hot sources for a change between ingest
cycles. The polling itself runs in an Airflow trigger (plugins/); this module decides
what to ask, and whether an answer means the page changed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import ConfigError, UnsafeUrlError
from pipeline.fetch import archive
from pipeline.fetch.client import conditional_headers, resolve
from pipeline.fetch.netguard import is_public
from pipeline.fetch.pagination import History
from pipeline.models import SourceState, Validators
from pipeline.sources import Source


def watch_specs(
    sources: list[Source], state: dict[str, SourceState], source_ids: list[str]
) -> list[dict[str, Any]]:
    """The hot sources with their validators and entry history, as JSON-serialisable
    specs in the shape of a shard (so a changed spec is fetched like any other, older
    pages included when page 1 shows a gap)."""
    by_id = {s.source_id: s for s in sources}
    unknown = sorted(set(source_ids) - set(by_id))
    if unknown:
        raise ConfigError(f"watched sources not in the sources file: {', '.join(unknown)}")
    return [
        {
            "source": by_id[i].to_dict(),
            "validators": asdict(state.get(i, SourceState()).validators),
            "history": History.of(state.get(i, SourceState())).to_spec(),
        }
        for i in source_ids
    ]


def request_headers(spec: dict[str, Any], user_agent: str) -> dict[str, str]:
    source = Source.from_dict(spec["source"])
    validators = Validators(**spec["validators"])
    return {"User-Agent": user_agent, **source.headers, **conditional_headers(validators)}


def has_changed(status: int, body: bytes | None, spec: dict[str, Any]) -> bool:
    """A 200 whose body differs from the one the warehouse last saw. Servers that ignore
    validators answer 200 with the same body: unchanged. Redirects, errors and 304 are not
    a change either; the scheduled ingest records them."""
    if status != 200 or body is None:
        return False
    known: str | None = spec["validators"].get("sha256")
    return archive.sha256(body) != known


def check_public(spec: dict[str, Any]) -> None:
    """The trigger connects without the fetcher's per-connection address check, so a
    source that may not reach private addresses is resolved and checked first."""
    source = Source.from_dict(spec["source"])
    if source.allow_private:
        return
    parts = urlsplit(source.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname or "", port)
    if parts.scheme not in {"http", "https"} or not all(is_public(a) for a in addresses):
        raise UnsafeUrlError(source.source_id, source.url, "not a public http(s) address")
