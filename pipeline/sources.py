"""The `sources.yaml` model: validated once, then passed around as `Source` objects.

```yaml
sources:
  - id: alaska-jsonld          # required, [a-z0-9_-]+, unique
    url: https://example.org/  # required, http(s)
    kind: auto                 # auto | jsonld | html | text | feed
    timezone: Europe/Berlin    # zone of wall-clock times on the page
    language: de
    allow_private: false       # true only for local replay servers
```
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipeline.errors import ConfigError

KINDS = ("auto", "jsonld", "html", "text", "feed")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TYPES: dict[str, type] = {
    "id": str,
    "url": str,
    "kind": str,
    "timezone": str,
    "language": str,
    "allow_private": bool,
}
_TYPE_NAMES = {str: "a string", bool: "true or false"}


@dataclass(frozen=True, slots=True)
class Source:
    source_id: str
    url: str
    kind: str = "auto"
    timezone: str | None = None
    language: str | None = None
    allow_private: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(**data)


def load_sources(path: Path) -> list[Source]:
    """Read and validate a sources file; errors name the file, entry and field."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sources file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    items = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected a top-level 'sources:' list with at least one entry")
    sources = [_source(path, index, item) for index, item in enumerate(items)]
    _check_unique(path, sources)
    return sources


def _source(path: Path, index: int, item: Any) -> Source:
    where = f"{path}: sources[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping with 'id' and 'url'")
    unknown = set(item) - set(_TYPES)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name, kind in _TYPES.items():
        if name in item and not isinstance(item[name], kind):
            raise ConfigError(f"{where}.{name}: expected {_TYPE_NAMES[kind]}, got {item[name]!r}")
    source = Source(
        source_id=str(item.get("id", "")),
        url=str(item.get("url", "")),
        kind=str(item.get("kind", "auto")),
        timezone=item.get("timezone"),
        language=item.get("language"),
        allow_private=item.get("allow_private", False),
    )
    _validate(where, source)
    return source


def _validate(where: str, source: Source) -> None:
    if not _ID.match(source.source_id):
        raise ConfigError(f"{where}.id: {source.source_id!r} must match {_ID.pattern}")
    parts = urlsplit(source.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}.url: {source.url!r} is not an http(s) URL")
    if source.kind not in KINDS:
        raise ConfigError(f"{where}.kind: {source.kind!r} is not one of {', '.join(KINDS)}")
    if source.timezone is not None:
        try:
            ZoneInfo(source.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{where}.timezone: unknown zone {source.timezone!r}") from exc


def _check_unique(path: Path, sources: list[Source]) -> None:
    seen: set[str] = set()
    for index, source in enumerate(sources):
        if source.source_id in seen:
            raise ConfigError(f"{path}: sources[{index}].id: duplicate id {source.source_id!r}")
        seen.add(source.source_id)
