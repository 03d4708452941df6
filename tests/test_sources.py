"""`sources.yaml`: a valid file loads; every error names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError, PermanentError
from pipeline.sources import MAX_ERRORS, Outlet, Source, load_outlets, load_sources

VALID = """\
sources:
  - id: alaska-jsonld
    url: https://example.org/live
    kind: jsonld
    timezone: Europe/Berlin
    language: de
  - id: replay_1
    url: http://127.0.0.1:8765/replay_1
    allow_private: true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def source_yaml(**fields: str) -> str:
    item = {"id": "good", "url": "https://example.org/live", **fields}
    return "sources:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in item.items()) + "\n"


def line_of(text: str, needle: str) -> int:
    """1-based line of the last line of `text` that starts (after indentation) with needle."""
    lines = text.splitlines()
    return max(i for i, line in enumerate(lines, 1) if line.strip(" -").startswith(needle))


def test_valid_file_loads(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, VALID))
    assert sources == [
        Source("alaska-jsonld", "https://example.org/live", "jsonld", "Europe/Berlin", "de"),
        Source("replay_1", "http://127.0.0.1:8765/replay_1", allow_private=True),
    ]


def test_source_round_trips_through_a_dict() -> None:
    source = Source("a", "https://example.org/", timezone="UTC", allow_private=True)
    assert Source.from_dict(source.to_dict()) == source


def test_config_error_is_permanent() -> None:
    assert issubclass(ConfigError, PermanentError)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="cannot read") as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


def test_bad_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - id: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["", "sources: []\n", "sources: nope\n", "- id: a\n", "x: 1\n"])
def test_no_sources_list(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match="'sources:' list") as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


def test_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - just-a-string\n")
    with pytest.raises(ConfigError, match=r"sources\[0\]: expected a mapping"):
        load_sources(path)


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"id": "Bad Id"}, "sources[0].id", "'Bad Id' must match"),
        ({"id": "-leading-dash"}, "sources[0].id", "must match"),
        ({"id": "''"}, "sources[0].id", "'' must match"),
        ({"url": "ftp://example.org/x"}, "sources[0].url", "is not an http(s) URL"),
        ({"url": "example.org/live"}, "sources[0].url", "is not an http(s) URL"),
        ({"url": "https://"}, "sources[0].url", "is not an http(s) URL"),
        ({"kind": "rss"}, "sources[0].kind", "'rss' is not one of auto, jsonld"),
        ({"timezone": "Mars/Olympus"}, "sources[0].timezone", "unknown zone 'Mars/Olympus'"),
        ({"timezone": "../etc"}, "sources[0].timezone", "unknown zone"),
        ({"colour": "blue"}, "sources[0].colour", "unknown field(s) colour"),
        ({"poll_interval": "soon"}, "sources[0].poll_interval", "not a positive duration"),
        ({"poll_interval": "0"}, "sources[0].poll_interval", "not a positive duration"),
        ({"poll_interval": "true"}, "sources[0].poll_interval", "expected a number of seconds"),
        ({"headers": "x"}, "sources[0].headers", "expected a mapping"),
        ({"headers": "{'Bad Name': x}"}, "sources[0].headers", "not a valid header name"),
        ({"headers": "{If-None-Match: x}"}, "sources[0].headers", "set by the fetcher"),
        ({"headers": "{X-A: 1}"}, "sources[0].headers", "one-line string"),
        ({"robots": "{obey: false}"}, "sources[0].robots", "needs a reason"),
        ({"robots": "{obey: false, reason: ' '}"}, "sources[0].robots", "needs a reason"),
        ({"robots": "{obey: 'no', reason: x}"}, "sources[0].robots", "obey: expected true"),
        ({"robots": "{ignore: true}"}, "sources[0].robots", "unknown field(s) ignore"),
        ({"max_pages": "0"}, "sources[0].max_pages", "0 is not between 1 and 1000"),
        ({"max_pages": "5000"}, "sources[0].max_pages", "is not between 1 and 1000"),
        ({"max_pages": "'3'"}, "sources[0].max_pages", "expected a whole number"),
        ({"max_pages": "true"}, "sources[0].max_pages", "expected a whole number"),
        ({"allow_private": "1"}, "sources[0].allow_private", "expected true or false"),
    ],
)
def test_invalid_field_names_file_and_field(
    tmp_path: Path, fields: dict[str, str], field: str, detail: str
) -> None:
    text = source_yaml(**fields)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    line = line_of(text, field.rpartition(".")[2] + ":")
    assert message.startswith(f"{path}:{line}: {field}: ")
    assert detail in message


def test_error_names_the_index_of_the_bad_entry(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - id: third\n    url: mailto:x@example.org\n")
    with pytest.raises(ConfigError, match=r":11: sources\[2\]\.url"):
        load_sources(path)


def test_duplicate_id(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - id: alaska-jsonld\n    url: https://example.org/2\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value) == f"{path}:10: sources[2].id: duplicate id 'alaska-jsonld'"


def test_non_string_timezone_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, source_yaml(timezone="5"))
    with pytest.raises(ConfigError, match=r"sources\[0\]\.timezone"):
        load_sources(path)


def test_quoted_false_does_not_allow_private_addresses(tmp_path: Path) -> None:
    path = write(tmp_path, source_yaml(allow_private='"false"'))
    try:
        sources = load_sources(path)
    except ConfigError as exc:
        assert "allow_private" in str(exc)
    else:
        assert sources[0].allow_private is False


def test_line_points_at_the_field_in_a_long_file(tmp_path: Path) -> None:
    text = VALID + "  - id: third\n    url: https://example.org/3\n\n    kind: rss\n"
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value).startswith(f"{path}:13: sources[2].kind: 'rss'")


def test_all_optional_fields_load(tmp_path: Path) -> None:
    text = source_yaml(
        poll_interval="2m",
        profile="sportowefakty-coventry",
        headers="{Accept-Language: de, X-Api-Key: abc}",
        robots="{obey: false, reason: 'publisher agreement 2025-08-01'}",
    )
    (source,) = load_sources(write(tmp_path, text))
    assert source.poll_interval == 120
    assert source.profile == "sportowefakty-coventry"
    assert source.headers == {"Accept-Language": "de", "X-Api-Key": "abc"}
    assert (source.obey_robots, source.robots_reason) == (False, "publisher agreement 2025-08-01")
    assert Source.from_dict(source.to_dict()) == source


@pytest.mark.parametrize(("value", "seconds"), [("90", 90), ("90s", 90), ("'1h'", 3600)])
def test_poll_interval_units(tmp_path: Path, value: str, seconds: int) -> None:
    (source,) = load_sources(write(tmp_path, source_yaml(poll_interval=value)))
    assert source.poll_interval == seconds


def test_robots_obeyed_by_default(tmp_path: Path) -> None:
    (source,) = load_sources(write(tmp_path, source_yaml()))
    assert (source.obey_robots, source.robots_reason, source.headers) == (True, None, {})


def test_yaml_syntax_error_is_file_line_column(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - id: a\n    url: [unclosed\n  - id: b\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:4:7: not valid YAML: ")
    assert "<unicode string>" not in message and len(message.splitlines()) == 1


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(b"sources:\n  - id: \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_sources(path)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "sources:\n"
        "  - id: Bad Id\n"  # 2
        "    url: ftp://x\n"  # 3
        "    kind: rss\n"  # 4
        "  - id: ok\n"
        "    url: https://example.org/\n"
        "    language: Deutsch\n"  # 7
        "    poll_interval: soon\n"  # 8
        "  - id: ok\n"  # 9
        "    url: https://example.org/2\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert [line.split(": ")[0:2] for line in str(caught.value).splitlines()] == [
        [f"{path}:2", "sources[0].id"],
        [f"{path}:3", "sources[0].url"],
        [f"{path}:4", "sources[0].kind"],
        [f"{path}:8", "sources[1].poll_interval"],
        [f"{path}:7", "sources[1].language"],
    ]


def test_the_problems_reported_are_capped(tmp_path: Path) -> None:
    entries = "".join(f"  - id: s{n}\n    url: nope\n" for n in range(30))
    path = write(tmp_path, "sources:\n" + entries)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_ERRORS + 1
    assert lines[-1] == "… and 10 more problems"


@pytest.mark.parametrize("language", ["Deutsch", "ger", "DE", "de-AT", "xx"])
def test_language_must_be_an_iso_639_1_code(tmp_path: Path, language: str) -> None:
    path = write(tmp_path, source_yaml(language=language))
    with pytest.raises(ConfigError, match=r"sources\[0\]\.language: .* not an ISO 639-1 code"):
        load_sources(path)


def test_an_iso_639_1_language_loads(tmp_path: Path) -> None:
    assert load_sources(write(tmp_path, source_yaml(language="fr")))[0].language == "fr"


def test_max_pages_defaults_to_twenty(tmp_path: Path) -> None:
    assert load_sources(write(tmp_path, source_yaml()))[0].max_pages == 20
    assert load_sources(write(tmp_path, source_yaml(max_pages="1")))[0].max_pages == 1


# --- outlets (issue 17) ---------------------------------------------------------------------

OUTLETS = """\
sources: []
outlets:
  - id: blatt
    feeds:
      - https://www.example.de/news/rss.xml
      - https://www.example.de/sitemap-news.xml
    timezone: Europe/Berlin
    language: de
    poll_interval: auto
    allow_private: false
  - id: fixed
    feeds: [https://b.example.org/live/]
    poll_interval: 2m
    hosts: [cdn.example.org]
"""


def test_outlets_load_and_sources_may_be_empty(tmp_path: Path) -> None:
    path = write(tmp_path, OUTLETS)
    assert load_sources(path) == []
    blatt, fixed = load_outlets(path)
    assert blatt == Outlet(
        "blatt",
        ("https://www.example.de/news/rss.xml", "https://www.example.de/sitemap-news.xml"),
        timezone="Europe/Berlin",
        language="de",
        hosts=("www.example.de",),
    )
    assert fixed.poll_interval == 120
    assert fixed.hosts == ("b.example.org", "cdn.example.org")
    assert load_outlets(write(tmp_path, VALID)) == []


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("id: fixed", "id: Fixed!", "outlets[1].id", "must match"),
        ("poll_interval: 2m", "poll_interval: soon", "outlets[1].poll_interval", "positive"),
        ("timezone: Europe/Berlin", "timezone: Mars/Olympus", "outlets[0].timezone", "unknown"),
        ("    hosts: [cdn.example.org]", "    colour: red", "outlets[1].colour", "unknown"),
        ("feeds: [https://b.example.org/live/]", "feeds: [ftp://x]", "outlets[1].feeds", "http"),
        ("feeds: [https://b.example.org/live/]", "feeds: []", "outlets[1].feeds", "at least"),
        ("allow_private: false", "allow_private: 'no'", "outlets[0].allow_private", "true"),
        ("id: fixed", "id: blatt", "outlets[1].id", "duplicate"),
    ],
)
def test_outlet_errors_name_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    text = OUTLETS.replace(old, new)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_sources(path)
    error = str(caught.value)
    assert error.startswith(f"{path}:") and f": {field}: " in error and "\n" not in error
    assert int(error.split(":")[1]) == line_of(text, new.strip().split(":")[0])
