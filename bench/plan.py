"""What `tickerlake_ingest`'s `plan` task hands on through XCom: the shards of due
sources with their validators and entry history, as JSON, for 100 and 1,000 sources
(docs/airflow.md, "Scaling"). Every source was fetched before and has every validator
(ETag, Last-Modified, body hash) and a newest entry, so a spec is as large as it gets
without headers or a profile; URLs are 80 characters, about a news site's ticker's."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.cycle import SHARD_SIZE, plan_shards
from pipeline.models import SourceState, Validators
from pipeline.sources import Source

NOW = datetime(2025, 8, 14, 19, 30, tzinfo=UTC)
SIZES = (100, 1000)


def source(n: int) -> Source:
    url = f"https://www.example-nachrichten.de/politik/ausland/liveticker-gipfel-{n:05d}.html"
    return Source(f"outlet-ticker-{n:05d}", url, timezone="Europe/Berlin", language="de")


def state(n: int) -> SourceState:
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    validators = Validators(
        etag=f'"{digest[:32]}"', last_modified="Thu, 14 Aug 2025 19:26:03 GMT", sha256=digest
    )
    fetched = NOW - timedelta(minutes=2)
    return SourceState(validators, fetched, newest_entry_at=NOW, entry_times=(NOW,))


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"shard_size": SHARD_SIZE}
    for size in SIZES:
        sources = [source(n) for n in range(size)]
        shards = plan_shards(
            sources, {s.source_id: state(n) for n, s in enumerate(sources)}, now=NOW
        )
        result[f"sources_{size}"] = {
            "shards": len(shards),
            "task_instances": len(shards) + 2,  # plan, the shards, load
            "plan_xcom_bytes": len(json.dumps(shards).encode()),
        }
    return result
