"""The `sources.yaml` model: validated once, then passed around as `Source` objects.

The schema is documented in docs/sources.md. Every validation error names the file, the
line and the field, e.g. ``sources.yaml:12: sources[3].kind: 'rss' is not one of …``; a
file with several problems reports all of them (up to MAX_ERRORS) in one ConfigError, one
per line, so a user fixes the file in one go rather than one run per mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipeline.errors import ConfigError

KINDS = ("auto", "jsonld", "html", "text", "feed")
RENDER_MODES = ("auto", "never", "browser")  # pipeline.fetch.render
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_DURATION = re.compile(r"^(\d+)\s*([smh]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
DEFAULT_MAX_PAGES = 20  # pages of one ticker read in one fetch, page 1 included
MAX_MAX_PAGES = 1000
# Headers the fetcher owns: a source overriding them would break validators or safety.
_RESERVED_HEADERS = {"host", "if-none-match", "if-modified-since", "content-length", "cookie"}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "url": str,
    "kind": str,
    "timezone": str,
    "language": str,
    "poll_interval": (int, str),
    "profile": str,
    "headers": dict,
    "allow_private": bool,
    "robots": dict,
    "max_pages": int,
    "render": str,
}
_TYPE_NAMES = {str: "a string", bool: "true or false", dict: "a mapping", int: "a whole number"}
MAX_ERRORS = 20
# ISO 639-1: the two-letter codes (docs/sources.md promises them; `Deutsch` or `ger`
# would silently disable language-specific parsing rules).
_ISO_639_1 = """\
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
yo za zh zu"""
ISO_639_1 = frozenset(_ISO_639_1.split())


@dataclass(frozen=True, slots=True)
class Source:
    source_id: str
    url: str
    kind: str = "auto"
    timezone: str | None = None
    language: str | None = None
    allow_private: bool = False
    poll_interval: int | None = None
    profile: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    obey_robots: bool = True
    robots_reason: str | None = None
    max_pages: int = DEFAULT_MAX_PAGES
    outlet_id: str | None = None  # the outlet a discovered ticker was found on
    adaptive: bool = False  # poll_interval: auto (pipeline.discover.policy)
    render: str = "auto"  # never | browser | auto: a headless browser runs the page's scripts

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Outlet:
    """A site whose tickers are found by themselves (pipeline.discover): its feeds, news
    sitemaps or section pages, and what its tickers inherit. `poll_interval` None is
    `auto` (adaptive); `hosts` are the hosts items may live on (the feeds' own hosts
    and any the outlet lists)."""

    outlet_id: str
    feeds: tuple[str, ...]
    timezone: str | None = None
    language: str | None = None
    poll_interval: int | None = None
    allow_private: bool = False
    hosts: tuple[str, ...] = ()


class _Mapping(dict[str, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings carry line numbers, so errors can point at them."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True, slots=True)
class _Where:
    path: Path
    index: int
    item: _Mapping
    section: str = "sources"

    def error(self, name: str | None, message: str) -> ConfigError:
        line = self.item.key_lines.get(name, self.item.line) if name else self.item.line
        field_name = f"{self.section}[{self.index}]" + (f".{name}" if name else "")
        return ConfigError(f"{self.path}:{line}: {field_name}: {message}")


def load_sources(path: Path) -> list[Source]:
    """Read and validate a sources file; errors name the file, line and field, all of
    them at once (at most MAX_ERRORS). The `sources:` list may be empty (or absent) when
    the file has outlets."""
    document = _read(path)
    items = document.get("sources") if isinstance(document, dict) else None
    outlets = document.get("outlets") if isinstance(document, dict) else None
    if items is None and outlets:
        items = []
    if not isinstance(items, list) or not (items or outlets):
        raise ConfigError(
            f"{path}: expected a top-level 'sources:' list with at least one entry"
            " (or an 'outlets:' list)"
        )
    problems: list[str] = []
    sources = [_source(path, index, item, problems) for index, item in enumerate(items)]
    _check_unique(path, items, sources, problems)
    if problems:
        raise ConfigError(_summary(problems))
    load_outlets(path, document)
    return [s for s in sources if s is not None]


def _summary(problems: list[str]) -> str:
    shown = problems[:MAX_ERRORS]
    if len(problems) > MAX_ERRORS:
        shown.append(f"… and {len(problems) - MAX_ERRORS} more problems")
    return "\n".join(shown)


def load_outlets(path: Path, document: Any = None) -> list[Outlet]:
    """The validated `outlets:` list of a sources file (empty when it has none)."""
    document = _read(path) if document is None else document
    items = document.get("outlets") if isinstance(document, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise ConfigError(f"{path}: 'outlets:' must be a list")
    outlets = [_outlet(path, index, item) for index, item in enumerate(items)]
    seen: set[str] = set()
    for index, outlet in enumerate(outlets):
        if outlet.outlet_id in seen:
            raise _Where(path, index, items[index], "outlets").error(
                "id", f"duplicate id {outlet.outlet_id!r}"
            )
        seen.add(outlet.outlet_id)
    return outlets


_OUTLET_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "feeds": list,
    "timezone": str,
    "language": str,
    "poll_interval": (int, str),
    "allow_private": bool,
    "hosts": list,
}


def _outlet(path: Path, index: int, item: Any) -> Outlet:
    if not isinstance(item, _Mapping):
        raise ConfigError(f"{path}: outlets[{index}]: expected a mapping with 'id' and 'feeds'")
    where = _Where(path, index, item, "outlets")
    unknown = sorted(set(item) - set(_OUTLET_TYPES))
    if unknown:
        raise where.error(unknown[0], f"unknown field(s) {', '.join(map(str, unknown))}")
    for name, kind in _OUTLET_TYPES.items():
        if name in item and not _has_type(item[name], kind):
            raise where.error(name, f"expected {_type_name(kind)}, got {item[name]!r}")
    feeds = [str(f) for f in item.get("feeds") or []]
    if not feeds:
        raise where.error("feeds", "expected at least one feed, news sitemap or section page")
    for feed in feeds:
        parts = urlsplit(feed)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise where.error("feeds", f"{feed!r} is not an http(s) URL")
    hosts = [str(h).lower() for h in item.get("hosts") or []]
    if not _ID.match(str(item.get("id", ""))):
        raise where.error("id", f"{item.get('id', '')!r} must match {_ID.pattern}")
    interval = item.get("poll_interval", "auto")
    outlet = Outlet(
        outlet_id=str(item["id"]),
        feeds=tuple(feeds),
        timezone=item.get("timezone"),
        language=item.get("language"),
        poll_interval=None if interval == "auto" else _poll_interval(where, interval),
        allow_private=item.get("allow_private", False),
        hosts=tuple(dict.fromkeys([*(urlsplit(f).hostname or "" for f in feeds), *hosts])),
    )
    _check_timezone(where, Source("x", "http://x", timezone=outlet.timezone))
    return outlet


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sources file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(_yaml_message(path, exc)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def _yaml_message(path: Path, exc: yaml.MarkedYAMLError) -> str:
    """`file:line:col: not valid YAML: problem`, where PyYAML would name `<unicode string>`
    and quote the line over several lines."""
    mark = exc.problem_mark or exc.context_mark
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    problem = exc.problem or exc.context or "syntax error"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return f"{where}: not valid YAML: {problem}{context}"


_T = TypeVar("_T")


def _collect(problems: list[str], check: Callable[[], _T]) -> _T | None:
    """The check's value, or None with its ConfigError noted in `problems`."""
    try:
        return check()
    except ConfigError as exc:
        problems.append(str(exc))
        return None


def _source(path: Path, index: int, item: Any, problems: list[str]) -> Source | None:
    """The source of one entry, or None when it has problems (each noted in `problems`)."""
    if not isinstance(item, _Mapping):
        problems.append(f"{path}: sources[{index}]: expected a mapping with 'id' and 'url'")
        return None
    where = _Where(path, index, item)
    before = len(problems)
    unknown = sorted(set(item) - set(_TYPES))
    if unknown:
        problems.append(str(where.error(unknown[0], f"unknown field(s) {', '.join(unknown)}")))
    item = _well_typed(where, item, problems)
    robots = _collect(problems, lambda: _robots(where, item.get("robots")))
    obey, reason = robots or (True, None)
    source = Source(
        source_id=str(item.get("id", "")),
        url=str(item.get("url", "")),
        kind=str(item.get("kind", "auto")),
        timezone=item.get("timezone"),
        language=item.get("language"),
        allow_private=item.get("allow_private", False),
        poll_interval=_collect(problems, lambda: _poll_interval(where, item.get("poll_interval"))),
        profile=item.get("profile"),
        headers=_collect(problems, lambda: _headers(where, item.get("headers"))) or {},
        obey_robots=obey,
        robots_reason=reason,
        max_pages=item.get("max_pages", DEFAULT_MAX_PAGES),
        render=item.get("render", "auto"),
    )
    for check in _CHECKS:
        _collect(problems, lambda: check(where, source))  # noqa: B023 (called at once)
    return source if len(problems) == before else None


def _well_typed(where: _Where, item: _Mapping, problems: list[str]) -> dict[str, Any]:
    """The entry without its unknown and mistyped fields (each mistake noted), so the
    remaining checks see only values of the right type."""
    kept: dict[str, Any] = {}
    for name, kind in _TYPES.items():
        if name not in item:
            continue
        if _has_type(item[name], kind):
            kept[name] = item[name]
        else:
            problems.append(
                str(where.error(name, f"expected {_type_name(kind)}, got {item[name]!r}"))
            )
    return kept


def _has_type(value: Any, kind: type | tuple[type, ...]) -> bool:
    # YAML `true` is an int subclass in Python; poll_interval: true must not pass as 1.
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, kind)


def _type_name(kind: type | tuple[type, ...]) -> str:
    if kind is list:
        return "a list"
    if isinstance(kind, tuple):
        return "a number of seconds or a duration like '90s', '2m'"
    return _TYPE_NAMES[kind]


def _poll_interval(where: _Where, value: int | str | None) -> int | None:
    if value is None:
        return None
    match = _DURATION.match(str(value).strip())
    seconds = int(match[1]) * _UNITS[match[2]] if match else 0
    if seconds <= 0:
        raise where.error("poll_interval", f"{value!r} is not a positive duration like 90s, 2m")
    return seconds


def _headers(where: _Where, value: dict[str, Any] | None) -> dict[str, str]:
    headers = dict(value or {})
    for name, text in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise where.error("headers", f"{name!r} is not a valid header name")
        if name.lower() in _RESERVED_HEADERS:
            raise where.error("headers", f"{name} is set by the fetcher and cannot be overridden")
        if not isinstance(text, str) or "\n" in text or "\r" in text:
            raise where.error("headers", f"{name}: value must be a one-line string")
    return headers


def _robots(where: _Where, value: dict[str, Any] | None) -> tuple[bool, str | None]:
    """`robots: {obey: false, reason: "…"}`: ignoring robots.txt must say why."""
    if value is None:
        return True, None
    unknown = sorted(set(value) - {"obey", "reason"})
    if unknown:
        raise where.error("robots", f"unknown field(s) {', '.join(map(str, unknown))}")
    obey, reason = value.get("obey", True), value.get("reason")
    if not isinstance(obey, bool):
        raise where.error("robots", f"obey: expected true or false, got {obey!r}")
    if reason is not None and not isinstance(reason, str):
        raise where.error("robots", f"reason: expected a string, got {reason!r}")
    if not obey and not (reason or "").strip():
        raise where.error("robots", "obey: false needs a reason (who allowed it, and when)")
    return obey, reason


def _check_id(where: _Where, source: Source) -> None:
    if not _ID.match(source.source_id):
        raise where.error("id", f"{source.source_id!r} must match {_ID.pattern}")


def _check_url(where: _Where, source: Source) -> None:
    parts = urlsplit(source.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise where.error("url", f"{source.url!r} is not an http(s) URL")


def _check_kind(where: _Where, source: Source) -> None:
    if source.kind not in KINDS:
        raise where.error("kind", f"{source.kind!r} is not one of {', '.join(KINDS)}")


def _check_profile(where: _Where, source: Source) -> None:
    # Imported here: the parser's modules are heavy and only this check needs them.
    from pipeline.parse.profiles import PROFILES

    if source.profile is not None and source.profile not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise where.error("profile", f"unknown profile {source.profile!r} (known: {known})")


def _check_language(where: _Where, source: Source) -> None:
    if source.language is not None and source.language not in ISO_639_1:
        raise where.error(
            "language", f"{source.language!r} is not an ISO 639-1 code (two letters: de, en, …)"
        )


def _check_timezone(where: _Where, source: Source) -> None:
    if source.timezone is None:
        return
    try:
        ZoneInfo(source.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise where.error("timezone", f"unknown zone {source.timezone!r}") from exc


def _check_max_pages(where: _Where, source: Source) -> None:
    if not 1 <= source.max_pages <= MAX_MAX_PAGES:
        raise where.error(
            "max_pages", f"{source.max_pages} is not between 1 and {MAX_MAX_PAGES} (1: page 1 only)"
        )


def _check_render(where: _Where, source: Source) -> None:
    if source.render not in RENDER_MODES:
        raise where.error("render", f"{source.render!r} is not one of {', '.join(RENDER_MODES)}")


_CHECKS: tuple[Callable[[_Where, Source], None], ...] = (
    _check_id,
    _check_url,
    _check_kind,
    _check_timezone,
    _check_language,
    _check_profile,
    _check_max_pages,
    _check_render,
)


def _check_unique(
    path: Path, items: list[Any], sources: list[Source | None], problems: list[str]
) -> None:
    seen: set[str] = set()
    for index, source in enumerate(sources):
        if source is None:
            continue
        if source.source_id in seen:
            where = _Where(path, index, items[index])
            problems.append(str(where.error("id", f"duplicate id {source.source_id!r}")))
        seen.add(source.source_id)
